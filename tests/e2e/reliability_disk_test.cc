// Full disks, read-only and permission-denied data directories, on a small
// filesystem of the test's own: a 1 MiB tmpfs mounted inside the test's
// temporary directory (needs root or CAP_SYS_ADMIN; skipped with a message
// where mount(2) is refused). Contract section 5: a full disk, a read-only
// or a permission-denied directory gives one clear error line and exit 1,
// never a crash or partial state; section 7: consume, topic and group
// describe and verify work on read-only data.
//
// Asserted:
//  - ENOSPC during produce (mid-batch, from a stream much larger than the
//    disk): exit 1 with "No space left" in the one error line; every record
//    printed by --print-offsets is readable afterwards, the log verifies
//    clean, and after space returns the next record lands right after them;
//  - ENOSPC during a group commit (an --exec member whose command returns
//    once the disk is full): exit 1 with "No space left"; after space
//    returns, a cron-style run processes what was left and the lag is 0;
//  - read-only (remount,ro): consume, topic list/describe, group describe and
//    verify succeed and print the truth; produce and consume -g fail clearly;
//  - permission denied (as user nobody): a readable directory can be
//    consumed but not produced to; an unreadable one fails clearly.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "e2e/cli_fixture.h"
#include "e2e/reliability_util.h"
#include "support/skip.h"

namespace klog::testing {
namespace {

// A tmpfs of `size` mounted at `dir` for the life of the object.
class SmallFs {
 public:
  SmallFs(const std::string& dir, const std::string& size) : dir_(dir) {
    ::mkdir(dir.c_str(), 0755);
    std::string opts = "size=" + size + ",mode=0755";
    if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, opts.c_str()) == 0) mounted_ = true;
    else error_ = std::strerror(errno);
  }
  ~SmallFs() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  bool Remount(bool read_only) {
    unsigned long flags = MS_REMOUNT | (read_only ? MS_RDONLY : 0);
    return ::mount("tmpfs", dir_.c_str(), "tmpfs", flags, nullptr) == 0;
  }

 private:
  std::string dir_;
  bool mounted_ = false;
  std::string error_;
};

// Writes zeros to `path` until the filesystem is full; returns the bytes written.
uint64_t FillUp(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  std::string block(4096, '\0');
  uint64_t total = 0;
  for (;;) {
    ssize_t n = ::write(fd, block.data(), block.size());
    if (n <= 0) break;
    total += static_cast<uint64_t>(n);
  }
  ::close(fd);
  return total;
}

std::string Value(int64_t i) { return "rec-" + std::to_string(i) + "-" + std::string(900, static_cast<char>('a' + i % 26)); }

// What zstd cannot shrink much: 900 pseudo-random characters of 64 kinds.
std::string NoisyValue(int64_t i) {
  std::string v = "rec-" + std::to_string(i) + "-";
  uint64_t x = 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(i + 1);
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (int k = 0; k < 900; ++k) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    v += kAlphabet[x & 63];
  }
  return v;
}

// klog --dir DIR ARGS with a timeout, as root.
RunResult K(const std::string& dir, std::vector<std::string> args, const std::string& in = "") {
  args.insert(args.begin(), {"--dir", dir});
  RunOptions o;
  o.stdin_data = in;
  o.timeout_ms = 30000;
  return RunKlog(args, o);
}

// Values by offset of partition 0; REQUIREs exit 0 and dense offsets.
std::vector<std::string> ReadAllValues(const std::string& dir, const std::string& topic) {
  RunResult r = K(dir, {"consume", topic, "--format", "%o %v\\n"});
  INFO("consume: " << r.err);
  REQUIRE(r.exit_code == 0);
  std::vector<std::string> out;
  for (const auto& line : Lines(r.out)) {
    auto w = rel::Words(line);
    REQUIRE(w.size() == 2);
    REQUIRE(std::stoll(w[0]) == static_cast<int64_t>(out.size()));
    out.push_back(w[1]);
  }
  return out;
}

#define SKIP_UNLESS_MOUNTED(fs)                                                                     \
  if (!(fs).mounted()) {                                                                            \
    Skip("cannot mount a tmpfs for the test (" + (fs).error() + "); run as root to test full disks"); \
    return;                                                                                         \
  }

// With zstd the batches are compressed on worker threads and appended
// behind them, with --fsync batch appended here and synced on one: the same
// promises hold when the disk fills there.
void FullDiskDuringProduce(bool zstd, bool fsync_batch) {
  CAPTURE(zstd);
  CAPTURE(fsync_batch);
  auto Value = [zstd](int64_t i) { return zstd ? NoisyValue(i) : ::klog::testing::Value(i); };
  TempDir tmp;
  SmallFs fs(tmp.Join("fs"), "1m");
  SKIP_UNLESS_MOUNTED(fs);
  const std::string data = tmp.Join("fs") + "/data";
  REQUIRE(K(data, {"topic", "create", "t", "--compression", zstd ? "zstd" : "none"}).exit_code == 0);
  std::string input;
  for (int64_t i = 0; i < 3000; ++i) input += Value(i) + "\n";  // ~2.7 MiB into 1 MiB (~2 MiB with zstd)
  RunResult p =
      K(data, {"produce", "t", "--print-offsets", "--batch-size", "8KiB", "--fsync", fsync_batch ? "batch" : "never"},
        input);
  CHECK_NO_CRASH(p, "produce onto a full disk");
  CHECK(p.exit_code == 1);
  CHECK(p.err.find("No space left") != std::string::npos);
  auto printed = Lines(p.out);
  REQUIRE(printed.size() > 100);  // most of the megabyte was written and acknowledged
  // The line to resume from: the first one not written, not the one being read.
  CHECK(p.err.find("input line " + std::to_string(printed.size() + 1) + " (the first not written): ") !=
        std::string::npos);
  for (size_t i = 0; i < printed.size(); ++i) REQUIRE(printed[i] == "0 " + std::to_string(i));

  auto values = ReadAllValues(data, "t");
  REQUIRE(values.size() == printed.size());  // all acknowledged, nothing half-written
  for (size_t i = 0; i < values.size(); ++i) REQUIRE(values[i] == Value(static_cast<int64_t>(i)));
  RunResult v = K(data, {"verify", "t"});
  CHECK_VERIFY_RAN(v, "verify on a full disk");
  CHECK(v.exit_code == 0);

  // Still full: one more record, larger than the slack in the last page of
  // the segment file, is refused the same way.
  uint64_t filler = FillUp(tmp.Join("fs") + "/filler");
  std::string big;  // 10 KB that zstd cannot squeeze into the slack either
  for (int64_t i = 0; big.size() < 10000; ++i) big += NoisyValue(1000000 + i);
  RunResult one = K(data, {"produce", "t", big});
  CHECK_NO_CRASH(one, "produce of one record on a full disk");
  CHECK(one.exit_code == 1);
  CHECK(one.err.find("No space left") != std::string::npos);
  CHECK(ReadAllValues(data, "t").size() == printed.size());

  // Space returns: the next record goes right after the acknowledged ones.
  REQUIRE(::unlink((tmp.Join("fs") + "/filler").c_str()) == 0);
  RunResult after = K(data, {"produce", "t", "--print-offsets", "after-space-returned"});
  INFO("produce after space returned: " << after.err);
  REQUIRE(after.exit_code == 0);
  CHECK(after.out == "0 " + std::to_string(printed.size()) + "\n");
  auto final_values = ReadAllValues(data, "t");
  CHECK(final_values.back() == "after-space-returned");
  CHECK(K(data, {"verify", "t"}).exit_code == 0);
  rel::Figure(std::string("full disk: produce ") + (zstd ? "(zstd) " : "") + (fsync_batch ? "(--fsync batch) " : "") +
              "of 2.7 MiB into a 1 MiB tmpfs stopped with 'No space left' after " + std::to_string(printed.size()) +
              " acknowledged records, all read back; " + std::to_string(filler) +
              " more bytes of filler; appends resumed at offset " + std::to_string(printed.size()));
}

TEST_CASE("full disk: ENOSPC during produce is one clear error; acknowledged records stay; appends resume") {
  FullDiskDuringProduce(false, false);
  FullDiskDuringProduce(true, false);
  FullDiskDuringProduce(false, true);
}

TEST_CASE("full disk: ENOSPC during a group commit is one clear error; the work resumes after space returns") {
  TempDir tmp;
  SmallFs fs(tmp.Join("fs"), "1m");
  SKIP_UNLESS_MOUNTED(fs);
  const std::string data = tmp.Join("fs") + "/data";
  REQUIRE(K(data, {"topic", "create", "t"}).exit_code == 0);
  std::string input;
  for (int i = 0; i < 5; ++i) input += "job-" + std::to_string(i) + "\n";
  REQUIRE(K(data, {"produce", "t"}, input).exit_code == 0);

  // The first run of the command waits until the test has filled the disk,
  // so that the commit after it meets ENOSPC. Markers live outside the tmpfs.
  const std::string started = tmp.Join("started"), go = tmp.Join("go"), done = tmp.Join("done");
  const std::string script = tmp.Join("job.sh");
  WriteAll(script, "cat >> " + done + "\nif [ ! -e " + go + " ]; then : > " + started + "; while [ ! -e " + go +
                       " ]; do sleep 0.02; done; fi\n");
  std::vector<std::string> member = {"--dir", data, "consume", "t", "-g", "g", "--exec", "sh " + script};
  std::string err_path = tmp.Join("member.err");
  KlogProcess m(member, {}, "/dev/null", err_path);
  REQUIRE(WaitFor([&] { return ::access(started.c_str(), F_OK) == 0; }, 20000));
  uint64_t filler = FillUp(tmp.Join("fs") + "/filler");
  WriteAll(go, "");
  int rc = m.Wait(20000);
  std::string err = ReadAll(err_path);
  INFO("member stderr: " << err);
  CHECK(rc == 1);
  CHECK(Lines(err).size() == 1);
  CHECK(err.rfind("klog: error: ", 0) == 0);
  CHECK(err.find("No space left") != std::string::npos);
  CHECK_FALSE(rel::SanitizerReport(err));

  // The group's files are intact: describe works, the commit did not land.
  RunResult d = K(data, {"group", "describe", "g", "--json"});
  CHECK_NO_CRASH(d, "group describe on a full disk");
  REQUIRE(d.exit_code == 0);
  CHECK(nlohmann::json::parse(d.out)["total_lag"].get<int64_t>() == 5);

  REQUIRE(::unlink((tmp.Join("fs") + "/filler").c_str()) == 0);
  RunOptions o;
  o.timeout_ms = 30000;
  RunResult cron = RunKlog(member, o);
  INFO("cron-style run: " << cron.err);
  CHECK(cron.exit_code == 0);
  RunResult d2 = K(data, {"group", "describe", "g", "--json"});
  REQUIRE(d2.exit_code == 0);
  CHECK(nlohmann::json::parse(d2.out)["total_lag"].get<int64_t>() == 0);
  auto processed = Lines(ReadAll(done));
  CHECK(processed.size() == 6);  // job-0 twice (its commit failed), then the rest: at least once
  CHECK(processed.front() == "job-0");
  CHECK(processed.back() == "job-4");
  rel::Figure("full disk: a group commit met ENOSPC (" + std::to_string(filler) +
              " bytes of filler): one clear error, and the next run redid the one uncommitted record; lag 0");
}

TEST_CASE("full disk: a failed offset reset is not in offset history; a failed join leaves no member files") {
  TempDir tmp;
  SmallFs fs(tmp.Join("fs"), "1m");
  SKIP_UNLESS_MOUNTED(fs);
  const std::string data = tmp.Join("fs") + "/data";
  REQUIRE(K(data, {"topic", "create", "t"}).exit_code == 0);
  REQUIRE(K(data, {"produce", "t", "a", "b", "c"}).exit_code == 0);
  REQUIRE(K(data, {"consume", "t", "-g", "g"}).exit_code == 0);  // commits 3: offsets.json and a journal entry
  RunResult before = K(data, {"offset", "history", "-g", "g", "--json"});
  REQUIRE(before.exit_code == 0);
  REQUIRE(nlohmann::json::parse(before.out).size() == 1);
  FillUp(tmp.Join("fs") + "/filler");

  // The journal's entry fits in the slack of its last page; offsets.json's
  // replacement needs a page of its own and fails.
  RunResult reset = K(data, {"offset", "reset", "-g", "g", "--topic", "t", "--to-earliest", "--execute"});
  CHECK_NO_CRASH(reset, "offset reset on a full disk");
  CHECK(reset.exit_code == 1);
  CHECK(reset.err.find("No space left") != std::string::npos);
  RunResult after = K(data, {"offset", "history", "-g", "g", "--json"});
  REQUIRE(after.exit_code == 0);
  INFO("history: " << after.out);
  CHECK(nlohmann::json::parse(after.out).size() == 1);  // only the commit that happened
  RunResult show = K(data, {"group", "describe", "g", "--json"});
  REQUIRE(show.exit_code == 0);
  CHECK(nlohmann::json::parse(show.out)["total_lag"].get<int64_t>() == 0);

  // A member that cannot write its member file goes, files and all.
  RunResult join = K(data, {"consume", "t", "-g", "g"});
  CHECK_NO_CRASH(join, "join on a full disk");
  CHECK(join.exit_code == 1);
  CHECK(join.err.find("No space left") != std::string::npos);
  RunResult ls = RunShell("ls -A '" + data + "/groups/g/members'");
  CHECK(ls.out == "");
  RunResult list = K(data, {"group", "list", "--json"});
  REQUIRE(list.exit_code == 0);
  CHECK(list.out.find("\"members\":0") != std::string::npos);
}

TEST_CASE("read-only data directory: reading commands work, writing ones fail clearly") {
  TempDir tmp;
  SmallFs fs(tmp.Join("fs"), "4m");
  SKIP_UNLESS_MOUNTED(fs);
  const std::string data = tmp.Join("fs") + "/data";
  REQUIRE(K(data, {"topic", "create", "t", "--partitions", "2"}).exit_code == 0);
  std::string input;
  for (int i = 0; i < 200; ++i) input += "k" + std::to_string(i) + ":v" + std::to_string(i) + "\n";
  REQUIRE(K(data, {"produce", "t", "-K", ":"}, input).exit_code == 0);
  REQUIRE(K(data, {"consume", "t", "-g", "g", "-n", "50"}).exit_code == 0);
  RunResult before = K(data, {"consume", "t", "--format", "%p %o %k %v\\n"});
  REQUIRE(before.exit_code == 0);

  REQUIRE(fs.Remount(true));
  RunResult c = K(data, {"consume", "t", "--format", "%p %o %k %v\\n"});
  CHECK_NO_CRASH(c, "consume, read-only");
  CHECK(c.exit_code == 0);
  CHECK(c.out == before.out);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"topic", "list"}, {"topic", "describe", "t", "--json"},
        {"group", "describe", "g", "--json"}, {"group", "list"}, {"consume", "t", "-o", "-5", "-p", "1"}}) {
    RunResult r = K(data, args);
    CHECK_NO_CRASH(r, Join(args) + ", read-only");
    CHECK(r.exit_code == 0);
  }
  RunResult d = K(data, {"group", "describe", "g", "--json"});
  REQUIRE(d.exit_code == 0);
  CHECK(nlohmann::json::parse(d.out)["total_lag"].get<int64_t>() == 150);
  RunResult v = K(data, {"verify"});
  CHECK_VERIFY_RAN(v, "verify, read-only");
  CHECK(v.exit_code == 0);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"produce", "t", "x"}, {"consume", "t", "-g", "g", "-n", "1"},
        {"topic", "create", "u"}, {"offset", "reset", "-g", "g", "--all-topics", "--to-earliest", "--execute"}}) {
    RunResult r = K(data, args);
    CHECK_NO_CRASH(r, Join(args) + ", read-only");
    CHECK(r.exit_code == 1);
    bool says_why = r.err.find("ead-only") != std::string::npos || r.err.find("ermission") != std::string::npos;
    INFO(Join(args) << ": " << r.err);
    CHECK(says_why);
  }
  REQUIRE(fs.Remount(false));
  CHECK(K(data, {"produce", "t", "x"}).exit_code == 0);
  rel::Figure("read-only data: consume, topic list/describe, group list/describe, verify worked; produce, "
              "consume -g, topic create, offset reset refused with a clear error");
}

TEST_CASE("permission denied: a user who may read but not write, and one who may not read") {
  if (!CanRunAsOtherUsers()) return;
  TempDir tmp;
  REQUIRE(::chmod(tmp.path().c_str(), 0755) == 0);
  const std::string data = tmp.Join("data");
  REQUIRE(K(data, {"topic", "create", "t"}).exit_code == 0);
  REQUIRE(K(data, {"produce", "t", "a", "b", "c"}).exit_code == 0);
  auto as_nobody = [&](const std::string& args) {
    RunOptions o;
    o.timeout_ms = 30000;
    return RunShell("exec setpriv --reuid=65534 --regid=65534 --clear-groups klog --dir " + data + " " + args, o);
  };
  RunResult c = as_nobody("consume t");
  CHECK_NO_CRASH(c, "consume as nobody");
  CHECK(c.exit_code == 0);
  CHECK(c.out == "a\nb\nc\n");
  for (const std::string& args : {std::string("topic describe t"), std::string("verify t")}) {
    RunResult r = as_nobody(args);
    CHECK_NO_CRASH(r, args + " as nobody");
    CHECK(r.exit_code == 0);
  }
  for (const std::string& args : {std::string("produce t x"), std::string("consume t -g g"),
                                  std::string("topic create u"), std::string("topic delete t")}) {
    RunResult r = as_nobody(args);
    CHECK_NO_CRASH(r, args + " as nobody");
    CHECK(r.exit_code == 1);
    INFO(args << ": " << r.err);
    CHECK(r.err.find("ermission denied") != std::string::npos);
  }
  REQUIRE(::chmod((data + "/topics/t/0").c_str(), 0700) == 0);
  RunResult denied = as_nobody("consume t");
  CHECK_NO_CRASH(denied, "consume of an unreadable partition as nobody");
  CHECK(denied.exit_code == 1);
  CHECK(denied.err.find("ermission denied") != std::string::npos);
  CHECK(K(data, {"consume", "t"}).out == "a\nb\nc\n");  // and nothing was changed
}

}  // namespace
}  // namespace klog::testing
