// Durability of the log layer (issue 19 items 1-4 and 14, issue 20 items 16
// and 20), with real klog processes: a segment is synced before the next
// exists, a durable producer syncs what a `--fsync never` one left, a damaged
// length field is never cut as a torn tail, a gap between segments is
// reported and repaired, a topic deleted under a producer is said to be, a
// damaged batch whose length is intact does not block the records after it,
// and segments keep near --segment-bytes. The sync order is read from strace;
// those tests are skipped where strace cannot run.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "e2e/cli_fixture.h"
#include "log/segment_name.h"
#include "os/file.h"
#include "support/skip.h"

namespace klog::testing {
namespace {

bool Has(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

class Dur : public CliFixture {
 public:
  std::string Part(int p = 0) const { return data() + "/topics/t/" + std::to_string(p); }
  std::string Seg(int64_t base, const char* suffix = log::kLogSuffix) const {
    return log::SegmentPath(Part(), base, suffix);
  }
  std::vector<int64_t> Segments() const {
    auto s = log::ListSegments(Part());
    REQUIRE(s.ok());
    return *s;
  }
  // `klog ARGS` under strace (-f -y: threads, and paths for descriptors),
  // tracing `calls`; the trace's lines, or nothing when strace cannot run.
  std::vector<std::string> Traced(const std::string& args, const std::string& input, const std::string& calls,
                                  bool* ok) const {
    std::string trace = tmp().Join("trace"), in = tmp().Join("in");
    WriteAll(in, input);
    // LeakSanitizer refuses to run under ptrace; leaks are checked elsewhere.
    RunResult r = Shell("rm -f " + trace + " && ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 " +
                        "strace -f -qq -y -e trace=" + calls + " -o " + trace + " klog " + args + " < " + in);
    *ok = r.exit_code == 0 && r.err.empty();
    INFO("stderr: " << r.err);
    return *ok ? Lines(ReadAll(trace)) : std::vector<std::string>{};
  }
};

bool StraceWorks(const CliFixture& k) {
  return ::access("/usr/bin/strace", X_OK) == 0 && k.Shell("strace -qq -o /dev/null true").exit_code == 0;
}

std::string Pid(const std::string& line) { return line.substr(0, line.find(' ')); }

std::string Lines0To(int n, const std::string& prefix = "r") {
  std::string s;
  for (int i = 0; i < n; ++i) s += prefix + std::to_string(i) + "\n";
  return s;
}

// n records of about 100 bytes.
std::string Records(int from, int n) {
  std::string s;
  char buf[32];
  for (int i = from; i < from + n; ++i) {
    snprintf(buf, sizeof buf, "value-%06d ", i);
    s += buf + std::string(88, 'x') + "\n";
  }
  return s;
}

}  // namespace

// ---- 19.1: a roll under --fsync batch ---------------------------------------

// The old segment's last batch was synced on the sync thread while the roll
// created the next segment at once: a power loss could keep the new segment
// and lose the old one's tail, a gap no reader could cross.
TEST_CASE("durability: under --fsync batch a roll syncs the old segment before the next one is created") {
  Dur k;
  if (!StraceWorks(k)) {
    Skip("strace unavailable here: the order of syncs and creates is not checked");
    return;
  }
  k.Ok({"topic", "create", "t", "--segment-bytes", "4KiB"});
  bool ok = false;
  auto trace = k.Traced("produce t --fsync batch --batch-size 1KiB", Records(0, 300), "openat,fdatasync", &ok);
  REQUIRE(ok);
  auto segs = k.Segments();
  REQUIRE(segs.size() >= 5);
  for (size_t i = 1; i < segs.size(); ++i) {
    const std::string old_name = log::SegmentFileName(segs[i - 1], log::kLogSuffix);
    const std::string new_name = log::SegmentFileName(segs[i], log::kLogSuffix);
    CAPTURE(new_name);
    size_t create = 0;
    while (create < trace.size() &&
           !(Has(trace[create], "openat(") && Has(trace[create], new_name) && Has(trace[create], "O_CREAT")))
      ++create;
    REQUIRE(create < trace.size());
    // The thread that creates it synced the old one first (its calls are in order).
    bool synced = false;
    for (size_t j = 0; j < create; ++j)
      synced = synced || (Pid(trace[j]) == Pid(trace[create]) && Has(trace[j], "fdatasync(") &&
                          Has(trace[j], old_name + ">"));
    CHECK(synced);
  }
  CHECK(k.Ok({"consume", "t"}) == Records(0, 300));
}

// ---- 19.2: a durable producer after a --fsync never one ---------------------

TEST_CASE("durability: a --fsync batch producer syncs what a --fsync never producer left before it reports") {
  Dur k;
  if (!StraceWorks(k)) {
    Skip("strace unavailable here: which files are synced is not checked");
    return;
  }
  k.Ok({"topic", "create", "t", "--segment-bytes", "4KiB"});
  k.Ok({"produce", "t", "--batch-size", "1KiB"}, Records(0, 100));  // --fsync never: several segments
  auto segs = k.Segments();
  REQUIRE(segs.size() >= 3);
  bool ok = false;
  auto trace = k.Traced("produce t --fsync batch --print-offsets", "durable\n", "openat,fsync,fdatasync,write", &ok);
  REQUIRE(ok);
  size_t report = 0;  // the line with --print-offsets' output
  while (report < trace.size() && !Has(trace[report], "write(1<")) ++report;
  REQUIRE(report < trace.size());
  auto synced_before = [&](const std::string& path_end) {
    for (size_t j = 0; j < report; ++j)
      if ((Has(trace[j], "fsync(") || Has(trace[j], "fdatasync(")) && Has(trace[j], path_end + ">")) return true;
    return false;
  };
  for (int64_t base : segs) {
    CAPTURE(base);
    CHECK(synced_before("/" + log::SegmentFileName(base, log::kLogSuffix)));
  }
  for (size_t i = 0; i + 1 < segs.size(); ++i) {  // closed segments' indexes too (the active one's: rebuilt on open)
    CHECK(synced_before("/" + log::SegmentFileName(segs[i], log::kOffsetIndexSuffix)));
    CHECK(synced_before("/" + log::SegmentFileName(segs[i], log::kTimeIndexSuffix)));
  }
  CHECK(synced_before("/topics/t/0"));  // the partition directory
  CHECK(synced_before("/topics/t"));
  CHECK(synced_before("/topics"));
  CHECK(Lines(k.Ok({"consume", "t"})).size() == 101);
}

// ---- 19.3: a damaged length field is not a torn tail ------------------------

TEST_CASE("durability: ff ff ff 00 over the 2nd batch's length is damage: reported, never cut, no append") {
  Dur k;
  k.Ok({"topic", "create", "t"});
  k.Ok({"produce", "t", "--fsync", "always"}, Lines0To(5));  // five one-record batches of one size
  const std::string seg = k.Seg(0);
  const uint64_t size = FileSize(seg);
  REQUIRE(size % 5 == 0);
  const uint64_t second = size / 5;
  std::string bytes = ReadAll(seg);
  bytes.replace(second + 8, 4, std::string("\xff\xff\xff\x00", 4));
  WriteAll(seg, bytes);

  RunResult r = k.Run({"consume", "t"});
  CHECK(r.exit_code == 1);
  CHECK(Has(r.err, "topic 't' partition 0 offset 1"));
  CHECK(Has(r.err, "damaged length"));

  r = k.Run({"verify", "t"});
  CHECK(r.exit_code == 1);
  CHECK(Has(r.out, "t/0: DAMAGED: 00000000000000000000.log byte " + std::to_string(second) + " (offset 1)"));
  CHECK(Has(r.out, "not repairable"));
  CHECK_FALSE(Has(r.out, "can mend"));

  r = k.Run({"produce", "t"}, "after\n");
  CHECK_KLOG_ERROR(r, 1, "topic 't' partition 0 offset 1");
  CHECK(Has(r.err, "will not append"));
  CHECK_FALSE(Has(r.err, "--repair"));
  CHECK(ReadAll(seg) == bytes);  // nothing cut, nothing appended

  r = k.Run({"verify", "t", "--repair"});
  CHECK(r.exit_code == 1);
  CHECK(ReadAll(seg) == bytes);
}

TEST_CASE("durability: a batch cut short with nothing valid after it is still a torn tail") {
  Dur k;
  k.Ok({"topic", "create", "t"});
  k.Ok({"produce", "t", "--fsync", "always"}, Lines0To(5));
  const uint64_t size = FileSize(k.Seg(0));
  TruncateAt(k.Seg(0), size - 7);  // the last batch torn
  CHECK(k.Ok({"consume", "t"}) == Lines0To(4));
  k.Ok({"produce", "t"}, "r4\n");
  CHECK(k.Ok({"consume", "t"}) == Lines0To(5));
  CHECK(k.Run({"verify", "t"}).exit_code == 0);
}

// ---- 19.1: a gap between segments left by an older klog ---------------------

TEST_CASE("durability: a gap between segments is reported, never hangs a reader, and verify --repair records it") {
  Dur k;
  k.Ok({"topic", "create", "t", "--segment-bytes", "4KiB", "--retention", "-1"});
  k.Ok({"produce", "t", "--batch-size", "1KiB"}, Records(0, 150));
  auto segs = k.Segments();
  REQUIRE(segs.size() >= 3);
  // A power loss under the old roll: the last batches of the segment before
  // the active one were never written back, the active one's entry was.
  const int64_t s1 = segs[segs.size() - 2], s2 = segs.back();
  const uint64_t s1_size = FileSize(k.Seg(s1));
  TruncateAt(k.Seg(s1), s1_size / 2);
  const std::string gap_start_text = "t/0: DAMAGED: " + log::SegmentFileName(s1, log::kLogSuffix);

  RunResult r = k.Run({"verify", "t"});
  CHECK(r.exit_code == 1);
  INFO("verify: " << r.out);
  CHECK(Has(r.out, gap_start_text));
  CHECK(Has(r.out, "can mend it"));
  r = k.Run({"verify", "t", "--json"});
  CHECK(Has(r.out, "\"segment-gap\""));
  CHECK(Has(r.out, "are missing: " + log::SegmentFileName(s1, log::kLogSuffix)));

  // Readers fail with one line naming the missing offsets; none hangs.
  r = k.Run({"consume", "t"});
  CHECK(r.exit_code == 1);
  CHECK(Has(r.err, "are missing"));
  CHECK(Has(r.err, "klog verify --repair"));
  CHECK(Lines(r.err).size() == 1);
  RunOptions o;
  o.timeout_ms = 10000;
  RunResult g = RunKlog({"--dir", k.data(), "consume", "t", "-g", "cron"}, o);
  CHECK(g.exit_code == 1);
  CHECK(Has(g.err, "are missing"));
  RunResult f = RunKlog({"--dir", k.data(), "consume", "t", "-f"}, o);
  CHECK(f.exit_code == 1);
  CHECK(Has(f.err, "are missing"));
  // The writer will not append after a gap it cannot explain.
  r = k.Run({"produce", "t"}, "x\n");
  CHECK_KLOG_ERROR(r, 1, "are missing");

  r = k.Run({"verify", "t", "--repair"});
  INFO("repair: " << r.out);
  CHECK(r.exit_code == 0);
  CHECK(Has(r.out, "t/0: repaired: cut the end of closed segment " + log::SegmentFileName(s1, log::kLogSuffix)));
  CHECK(Has(r.out, "t/0: repaired: recorded offsets "));
  CHECK(Has(r.out, "as lost in lost-offsets"));
  CHECK(Has(r.out, "t/0: OK: "));
  CHECK(k.Run({"verify", "t"}).exit_code == 0);
  CHECK(os::Exists(k.Part() + "/lost-offsets"));

  // Readers go on past the recorded gap: every record before and after it, once.
  std::string all = k.Ok({"consume", "t"});
  auto got = Lines(all);
  CHECK(got.front() == Lines(Records(0, 1)).front());
  CHECK(got.back() == Lines(Records(149, 1)).front());
  CHECK(Has(all, Lines(Records(s2, 1)).front()));
  CHECK_FALSE(Has(all, Lines(Records(s2 - 1, 1)).front()));  // lost
  CHECK(Lines(k.Ok({"consume", "t", "-g", "cron2"})).size() == got.size());
  k.Ok({"produce", "t"}, "after\n");
  CHECK(k.Ok({"consume", "t", "-o", "-1"}) == "after\n");
  CHECK(k.Run({"verify", "t"}).exit_code == 0);
}

// A power cut right after a roll: the new (last) segment exists but is empty,
// and the one before it lost its tail. Once the gap is recorded, readers stepping
// over it reach the end without a batch: consume ended with "log ends at offset
// N before its recorded end N" (power-loss test, workload mixed-fsync).
TEST_CASE("durability: a recorded gap before an empty last segment reads to the end") {
  Dur k;
  k.Ok({"topic", "create", "t", "--segment-bytes", "4KiB", "--retention", "-1"});
  k.Ok({"produce", "t", "--batch-size", "1KiB"}, Records(0, 150));
  auto segs = k.Segments();
  REQUIRE(segs.size() >= 3);
  const int64_t s1 = segs[segs.size() - 2], s2 = segs.back();
  TruncateAt(k.Seg(s2), 0);
  TruncateAt(k.Seg(s1), FileSize(k.Seg(s1)) / 2);
  RunResult r = k.Run({"verify", "t", "--repair"});
  INFO("repair: " << r.out);
  REQUIRE(r.exit_code == 0);
  CHECK(Has(r.out, "as lost in lost-offsets"));

  RunOptions o;
  o.timeout_ms = 10000;
  RunResult c = RunKlog({"--dir", k.data(), "consume", "t"}, o);
  INFO("consume: " << c.err);
  CHECK(c.exit_code == 0);
  CHECK(c.err.empty());
  auto got = Lines(c.out);
  REQUIRE(!got.empty());
  CHECK(got.front() == Lines(Records(0, 1)).front());
  CHECK_FALSE(Has(c.out, Lines(Records(s2 - 1, 1)).front()));  // lost
  RunResult g = RunKlog({"--dir", k.data(), "consume", "t", "-g", "cron"}, o);
  CHECK(g.exit_code == 0);
  CHECK(Lines(g.out).size() == got.size());
  k.Ok({"produce", "t"}, "after\n");
  CHECK(k.Ok({"consume", "t", "-o", "-1"}) == "after\n");
  CHECK(k.Ok({"consume", "t", "-o", std::to_string(s2)}) == "after\n");
}

// ---- 19.4 and 19.14: a topic deleted under a running producer ---------------

// A producer of topic 't' reading a fifo, with one record written and
// reported ("0 0"); the test goes on writing to `fd`.
struct FifoProducer {
  explicit FifoProducer(Dur& k)
      : fifo(MakeFifo(k)),
        p({"produce", "t", "--linger", "10ms", "--print-offsets"}, k.Env(), k.tmp().Join("out"), k.tmp().Join("err"),
          fifo) {
    fd = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, "a\n", 2) == 2);
    CHECK(WaitFor([&] { return ReadOrEmpty(k.tmp().Join("out")) == "0 0\n"; }, 10000));
  }
  static std::string MakeFifo(Dur& k) {
    k.Ok({"topic", "create", "t"});
    std::string path = k.tmp().Join("fifo");
    REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
    return path;
  }
  std::string fifo;
  KlogProcess p;
  int fd = -1;
};

TEST_CASE("durability: a topic deleted and created again under a running producer makes it fail saying so") {
  Dur k;
  FifoProducer f(k);
  int fd = f.fd;
  KlogProcess& p = f.p;
  k.Ok({"topic", "delete", "t"});
  k.Ok({"topic", "create", "t"});
  REQUIRE(::write(fd, "b\n", 2) == 2);
  ::close(fd);
  CHECK(p.Wait(10000) == 1);
  std::string err = ReadOrEmpty(k.tmp().Join("err"));
  INFO("stderr: " << err);
  CHECK(Lines(err).size() == 1);
  CHECK(err.rfind("klog: error: ", 0) == 0);
  CHECK(Has(err, "topic 't' partition 0: the topic was deleted while this command was writing to it"));
  CHECK_FALSE(Has(err, "No such file"));
  CHECK(ReadOrEmpty(k.tmp().Join("out")) == "0 0\n");  // b was never reported
  CHECK(k.Ok({"consume", "t"}) == "");                  // nor written to the new topic
}

TEST_CASE("durability: a topic deleted under a running producer: the error says so, not 'writer.lock: No such file'") {
  Dur k;
  FifoProducer f(k);
  int fd = f.fd;
  KlogProcess& p = f.p;
  k.Ok({"topic", "delete", "t"});
  REQUIRE(::write(fd, "b\n", 2) == 2);
  ::close(fd);
  CHECK(p.Wait(10000) == 1);
  std::string err = ReadOrEmpty(k.tmp().Join("err"));
  INFO("stderr: " << err);
  CHECK(Lines(err).size() == 1);
  CHECK(Has(err, "the topic was deleted"));
  CHECK_FALSE(Has(err, "writer.lock"));
  CHECK_FALSE(Has(err, "No such file"));
}

TEST_CASE("durability: a follower whose topic is deleted says the topic was deleted") {
  Dur k;
  k.Ok({"topic", "create", "t"});
  k.Ok({"produce", "t"}, "a\n");
  KlogProcess c({"consume", "t", "-f"}, k.Env(), k.tmp().Join("out"), k.tmp().Join("err"));
  CHECK(WaitFor([&] { return ReadOrEmpty(k.tmp().Join("out")) == "a\n"; }, 10000));
  k.Ok({"topic", "delete", "t"});
  CHECK(c.Wait(10000) == 1);
  std::string err = ReadOrEmpty(k.tmp().Join("err"));
  INFO("stderr: " << err);
  CHECK(Lines(err).size() == 1);
  CHECK(Has(err, "topic 't' partition 0: the topic was deleted"));
  CHECK_FALSE(Has(err, "No such file"));
}

// ---- 20.20: one flipped bit in the first batch of the active segment --------

TEST_CASE("durability: a damaged batch with an intact length does not block the records after it") {
  Dur k;
  k.Ok({"topic", "create", "t"});
  k.Ok({"produce", "t", "--fsync", "always"}, Lines0To(5));  // five one-record batches
  const std::string seg = k.Seg(0);
  FlipBit(seg, 40 + 3, 2);  // the first batch's records: its CRC fails, its length is intact

  RunResult r = k.Run({"consume", "t"});
  CHECK(r.exit_code == 1);
  CHECK(r.out == "");
  CHECK(Has(r.err, "topic 't' partition 0 offset 0"));
  CHECK(Has(r.err, "klog consume -o 1"));  // what the user can do
  CHECK_FALSE(Has(r.err, "--repair"));
  CHECK(k.Ok({"consume", "t", "-o", "2"}) == "r2\nr3\nr4\n");
  CHECK(k.Ok({"consume", "t", "-o", "1"}) == "r1\nr2\nr3\nr4\n");

  // Appending after it hides nothing: the producer goes on.
  CHECK(k.Ok({"produce", "t", "--print-offsets"}, "r5\n") == "0 5\n");
  CHECK(k.Ok({"consume", "t", "-o", "4"}) == "r4\nr5\n");
  r = k.Run({"verify", "t"});
  CHECK(r.exit_code == 1);
  CHECK(Has(r.out, "checksum mismatch"));
  CHECK(Has(r.out, "the records after it can be read: klog consume -o 1"));  // what the user can do
  CHECK(Has(r.out, "not repairable"));
}

// ---- 20.16: segments keep near --segment-bytes -------------------------------

TEST_CASE("durability: segments never grow much past --segment-bytes, whatever the batch size") {
  Dur k;
  k.Ok({"topic", "create", "t", "--segment-bytes", "64KiB", "--retention", "-1"});
  k.Ok({"produce", "t"}, Records(0, 30000));  // 3 MB, default 1 MiB batches
  auto segs = k.Segments();
  CHECK(segs.size() >= 40);
  for (int64_t base : segs) {
    CAPTURE(base);
    CHECK(FileSize(k.Seg(base)) <= 64 * 1024 + 200);  // one record past at most
  }
  CHECK(Lines(k.Ok({"consume", "t"})).size() == 30000);
}

// ---- klog mirror --fsync -------------------------------------------------------

// A copy mirror reported (exit 0) must survive a power cut when asked to:
// every segment it wrote is synced, and so is each directory entry on the
// way to it. Without --fsync no segment is synced (the default, as produce).
TEST_CASE("durability: mirror --fsync batch syncs each segment it wrote and the directories to it before exit") {
  Dur k;
  if (!StraceWorks(k)) {
    Skip("strace unavailable here: which files mirror syncs is not checked");
    return;
  }
  k.Ok({"topic", "create", "t", "--partitions", "2", "--segment-bytes", "4KiB"});
  k.Ok({"produce", "t", "--batch-size", "1KiB"}, Records(0, 200));
  const std::string copy = k.tmp().Join("copy");
  auto synced = [](const std::vector<std::string>& trace, const std::string& path) {
    for (const auto& line : trace)
      if ((Has(line, "fsync(") || Has(line, "fdatasync(")) && Has(line, "<" + path + ">")) return true;
    return false;
  };
  bool ok = false;
  auto trace = k.Traced("mirror " + k.data() + " " + copy + " --fsync batch", "", "openat,fsync,fdatasync", &ok);
  REQUIRE(ok);
  for (int p = 0; p < 2; ++p) {
    const std::string dir = copy + "/topics/t/" + std::to_string(p);
    auto segs = log::ListSegments(dir);
    REQUIRE(segs.ok());
    REQUIRE(segs->size() >= 2);
    for (int64_t base : *segs) {
      CAPTURE(base);
      CHECK(synced(trace, log::SegmentPath(dir, base, log::kLogSuffix)));
    }
    CHECK(synced(trace, dir));
  }
  for (const std::string& dir : {copy + "/topics/t", copy + "/topics", copy}) {
    CAPTURE(dir);
    CHECK(synced(trace, dir));
  }
  auto read = [](const std::string& dir) {
    RunResult r = RunKlog({"--dir", dir, "consume", "t", "--format", "%p %o %v\\n"});
    REQUIRE(r.exit_code == 0);
    return r.out;
  };
  CHECK(read(copy) == read(k.data()));

  // The default: records copied, no segment synced.
  const std::string plain = k.tmp().Join("plain");
  trace = k.Traced("mirror " + k.data() + " " + plain, "", "openat,fsync,fdatasync", &ok);
  REQUIRE(ok);
  for (const auto& line : trace) {
    CAPTURE(line);
    CHECK_FALSE(((Has(line, "fsync(") || Has(line, "fdatasync(")) && Has(line, log::kLogSuffix + std::string(">"))));
  }
  CHECK(read(plain) == read(k.data()));
}

}  // namespace klog::testing
