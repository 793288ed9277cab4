// "Output goes through large buffered writes; reading stdin through large
// reads; no per-record system call on either path" (issue 3), counted with
// strace on 50,000 records. Skipped, with a message, where strace cannot run.
#include <doctest/doctest.h>
#include <unistd.h>

#include "e2e/cli_fixture.h"
#include "support/skip.h"

namespace klog::testing {
namespace {

constexpr int kRecords = 50000;

// Runs SCRIPT's klog under `strace -f -o TRACE`; returns the trace's lines.
// `script` is a shell command line with STRACE where strace's prefix goes.
std::vector<std::string> Traced(const CliFixture& k, std::string script, bool* ok) {
  std::string trace = k.tmp().Join("trace");
  // LeakSanitizer refuses to run under ptrace; leaks are checked elsewhere.
  std::string prefix = "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -o " + trace + " ";
  script.replace(script.find("STRACE "), 7, prefix);
  RunResult r = k.Shell("rm -f " + trace + " && " + script);
  *ok = r.exit_code == 0 && r.err.empty();
  if (!*ok) return {};
  return Lines(ReadAll(trace));
}

size_t Count(const std::vector<std::string>& trace, const std::string& prefix) {
  size_t n = 0;
  for (const auto& l : trace)
    if (l.find(prefix) != std::string::npos) ++n;
  return n;
}

bool StraceWorks(const CliFixture& k) {
  return ::access("/usr/bin/strace", X_OK) == 0 && k.Shell("strace -qq -o /dev/null true").exit_code == 0;
}

}  // namespace

TEST_CASE("produce reads stdin in large reads and writes batches, not records") {
  CliFixture k;
  if (!StraceWorks(k)) {
    Skip("strace unavailable here: system-call counts not checked");
    return;
  }
  k.Ok({"topic", "create", "t", "--partitions", "2"});
  std::string input;
  for (int i = 0; i < kRecords; ++i) input += "record " + std::to_string(i) + "\n";
  WriteAll(k.tmp().Join("in"), input);
  bool ok = false;
  long baseline = static_cast<long>(Traced(k, "STRACE klog produce t < /dev/null", &ok).size());  // start-up and exit
  REQUIRE(ok);
  auto trace = Traced(k, "STRACE klog produce t < " + k.tmp().Join("in"), &ok);
  REQUIRE(ok);
  MESSAGE("produce of " << kRecords << " records: " << static_cast<long>(trace.size()) - baseline
                        << " system calls more than for no records, " << Count(trace, "read(0,") << " reads of stdin");
  CHECK(Count(trace, "read(0,") <= 10);
  CHECK(static_cast<long>(trace.size()) - baseline < kRecords / 100);
  CHECK(Lines(k.Ok({"consume", "t"})).size() == kRecords);
}

TEST_CASE("consume writes stdout in large writes") {
  CliFixture k;
  if (!StraceWorks(k)) {
    Skip("strace unavailable here: system-call counts not checked");
    return;
  }
  k.Ok({"topic", "create", "t", "--partitions", "2"});
  std::string input;
  for (int i = 0; i < kRecords; ++i) input += "record " + std::to_string(i) + "\n";
  k.Ok({"produce", "t", "--batch-size", "16KiB"}, input);
  k.Ok({"topic", "create", "empty", "--partitions", "2"});
  bool ok = false;
  long baseline = static_cast<long>(Traced(k, "STRACE klog consume empty", &ok).size());  // start-up and exit
  REQUIRE(ok);
  auto trace = Traced(k, "STRACE klog consume t > " + k.tmp().Join("out"), &ok);
  REQUIRE(ok);
  MESSAGE("consume of " << kRecords << " records: " << static_cast<long>(trace.size()) - baseline
                        << " system calls more than for no records, " << Count(trace, "write(1,")
                        << " writes to stdout");
  CHECK(Count(trace, "write(1,") <= 10);
  CHECK(static_cast<long>(trace.size()) - baseline < kRecords / 20);
  CHECK(ReadAll(k.tmp().Join("out")).size() == input.size());
}

}  // namespace klog::testing
