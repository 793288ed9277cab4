#include <doctest/doctest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "log/partition_writer.h"
#include "log/segment_name.h"
#include "support/log_util.h"
#include "support/temp_dir.h"

using namespace klog::log;
using namespace klog::testing;

namespace {

// Runs fn in a forked child that _exits with its result; no doctest there.
pid_t Spawn(const std::function<int()>& fn) {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) ::_exit(fn());
  return pid;
}

int WaitExit(pid_t pid) {
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

std::string Value(int writer, int seq, size_t padding) {
  std::string v = "writer-" + std::to_string(writer) + "-seq-" + std::to_string(seq);
  if (padding) v += "|" + std::string(padding, static_cast<char>('a' + seq % 26));
  return v;
}

// Child body: `batches` appends of 1-4 records each; after each append that
// returned, reports "writer first_seq last_seq base_offset" on report_fd.
int AppendAsWriter(const std::string& dir, const LogConfig& config, int writer, int batches, int report_fd,
                   uint32_t seed) {
  auto w = PartitionWriter::Open(dir, kLabel, config);
  if (!w.ok()) return 2;
  std::mt19937 rng(seed);
  int seq = 0;
  for (int b = 0; b < batches; ++b) {
    std::vector<std::string> values;
    int n = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < n; ++i) {
      size_t pad = rng() % 8 == 0 ? rng() % (192 << 10) : rng() % 64;  // some big enough to tear
      values.push_back(Value(writer, seq + i, pad));
    }
    std::string batch = MakeBatch(values, 1'700'000'000'000 + b);
    auto base = (*w)->Append(batch, 1'700'000'000'000 + b);
    if (!base.ok()) {
      std::fprintf(stderr, "writer %d: %s\n", writer, base.status().message().c_str());
      return 3;
    }
    if (report_fd >= 0) {
      char line[96];
      int len = std::snprintf(line, sizeof line, "%d %d %d %lld\n", writer, seq, seq + n - 1,
                              static_cast<long long>(*base));
      if (::write(report_fd, line, static_cast<size_t>(len)) != len) return 4;
    }
    seq += n;
  }
  return 0;
}

struct Parsed {
  int writer;
  int seq;
};

Parsed Parse(const std::string& value) {
  Parsed p{-1, -1};
  REQUIRE(std::sscanf(value.c_str(), "writer-%d-seq-%d", &p.writer, &p.seq) == 2);
  CHECK(value.rfind(Value(p.writer, p.seq, 0), 0) == 0);
  return p;
}

// Reads the partition and checks: offsets dense from 0, no record twice,
// each writer's records in its own order and without gaps. Returns, per
// writer, how many of its records are there.
std::map<int, int> CheckPartition(const std::string& dir) {
  std::vector<Rec> recs;
  klog::Status st = ReadRecords(dir, 0, &recs);
  REQUIRE_MESSAGE(st.ok(), st.message());
  std::map<int, int> next_seq;
  for (size_t i = 0; i < recs.size(); ++i) {
    REQUIRE(recs[i].offset == static_cast<int64_t>(i));
    Parsed p = Parse(recs[i].value);
    CAPTURE(recs[i].offset);
    REQUIRE(p.seq == next_seq[p.writer]);  // in order, none twice, none skipped
    next_seq[p.writer] = p.seq + 1;
  }
  return next_seq;
}

}  // namespace

TEST_CASE("writer processes appending at once: every record once, in each writer's order, dense offsets") {
  TempDir tmp;
  LogConfig config = Config(64 << 10);  // so that writers roll segments under each other
  const int kWriters = 6, kBatches = 100;
  std::vector<pid_t> pids;
  for (int w = 0; w < kWriters; ++w)
    pids.push_back(Spawn([&, w] { return AppendAsWriter(tmp.path(), config, w, kBatches, -1, 1000 + w); }));
  for (pid_t pid : pids) CHECK(WaitExit(pid) == 0);

  std::map<int, int> counts = CheckPartition(tmp.path());
  REQUIRE(counts.size() == static_cast<size_t>(kWriters));
  for (int w = 0; w < kWriters; ++w) {
    // Each writer's record count follows from its seed: replay it.
    std::mt19937 rng(1000 + w);
    int expect = 0;
    for (int b = 0; b < kBatches; ++b) {
      int n = 1 + static_cast<int>(rng() % 4);
      for (int i = 0; i < n; ++i) (void)(rng() % 8 == 0 ? rng() : rng());
      expect += n;
    }
    CHECK(counts[w] == expect);
  }
  CHECK(ListSegments(tmp.path())->size() > 3);
}

// Writers are killed with SIGKILL at random moments, some mid-write. Every
// append that returned (reported through a pipe) survives at the offset it
// returned; nothing appears twice or out of order; the next writers recover
// the torn tails and go on.
TEST_CASE("writers killed at random moments lose only appends that had not returned") {
  TempDir tmp;
  LogConfig config = Config(1 << 20);
  const uint32_t seed = static_cast<uint32_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  CAPTURE(seed);
  std::mt19937 rng(seed);
  std::map<int, std::pair<int, int64_t>> last_reported;  // writer -> (last seq, its offset)
  std::map<std::pair<int, int>, int64_t> reported;       // (writer, seq) -> offset
  int writer_id = 0;
  for (int round = 0; round < 3; ++round) {
    CAPTURE(round);
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const int n = 4 + static_cast<int>(rng() % 5);  // 4..8
    std::vector<pid_t> pids;
    std::vector<std::chrono::steady_clock::time_point> deadlines;
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i, ++writer_id) {
      uint32_t child_seed = static_cast<uint32_t>(rng());
      int w = writer_id;
      pids.push_back(Spawn([&, w, child_seed] {
        ::close(fds[0]);
        return AppendAsWriter(tmp.path(), config, w, 200, fds[1], child_seed);
      }));
      deadlines.push_back(start + std::chrono::microseconds(2000 + rng() % 40000));
    }
    ::close(fds[1]);
    std::string reports;
    std::vector<bool> killed(n, false);
    char buf[4096];
    for (int pending = n; pending > 0;) {
      auto now = std::chrono::steady_clock::now();
      for (int i = 0; i < n; ++i)
        if (!killed[i] && now >= deadlines[i]) {
          ::kill(pids[i], SIGKILL);
          killed[i] = true;
          --pending;
        }
      pollfd p{fds[0], POLLIN, 0};
      if (::poll(&p, 1, 1) > 0) {
        ssize_t r = ::read(fds[0], buf, sizeof buf);
        if (r > 0) reports.append(buf, static_cast<size_t>(r));
      }
    }
    for (int i = 0; i < n; ++i) {
      int rc = WaitExit(pids[i]);
      CHECK((rc == 0 || rc == 128 + SIGKILL));
    }
    for (ssize_t r; (r = ::read(fds[0], buf, sizeof buf)) > 0;) reports.append(buf, static_cast<size_t>(r));
    ::close(fds[0]);

    int w, first, last;
    long long base;
    for (const char* p = reports.c_str(); std::sscanf(p, "%d %d %d %lld", &w, &first, &last, &base) == 4;
         p = std::strchr(p, '\n') + 1) {
      for (int s = first; s <= last; ++s) reported[{w, s}] = base + (s - first);
      last_reported[w] = {last, base + (last - first)};
    }

    RecoveryReport report;
    REQUIRE(OpenWriter(tmp.path(), config)->Recover(&report).ok());
    INFO("round " << round << ": " << n << " writers, " << reported.size() << " records reported, torn tail cut: "
                  << report.truncated_bytes << " bytes");
    std::map<int, int> counts = CheckPartition(tmp.path());
    std::vector<Rec> recs;
    REQUIRE(ReadRecords(tmp.path(), 0, &recs).ok());
    for (const auto& [key, offset] : reported) {
      CAPTURE(key.first);
      CAPTURE(key.second);
      REQUIRE(offset < static_cast<int64_t>(recs.size()));
      Parsed p = Parse(recs[offset].value);
      CHECK(p.writer == key.first);
      CHECK(p.seq == key.second);
    }
    // What is there beyond the reports is at most each writer's last batch.
    for (const auto& [wr, count] : counts) {
      int reported_count = last_reported.count(wr) ? last_reported[wr].first + 1 : 0;
      CHECK(count >= reported_count);
      CHECK(count <= reported_count + 4);
    }
  }
}
