// Crash loop: several `klog produce --print-offsets` processes append to one
// topic while the test SIGKILLs them at random moments (during start-up and
// recovery, mid-batch, mid-roll, mid-print) and starts them again, hundreds of
// times. Contract (section 3, produce): a record that klog reported as written
// is never lost by a later kill -9 of any klog process.
//
// Asserted afterwards, over the whole log:
//  - offsets are dense from 0 in every partition, and every value read back is
//    byte for byte one that some producer was given (no garbage, no torn data);
//  - every record a producer reported (`PARTITION OFFSET`, k-th line = k-th
//    input record) is at exactly that offset, and no value occurs twice;
//  - each producer's records are in its input order within a partition;
//  - after one more append per partition, `klog verify` finds no damage;
//  - mid-run, a reader racing the killed writers sees a dense, clean log.
#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "e2e/cli_fixture.h"
#include "e2e/reliability_util.h"

namespace klog::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Deterministic value of producer `p`'s record `seq`: varying sizes so that
// batches, segment rolls and torn tails fall at varying places.
std::string ValueOf(int p, int64_t seq) {
  size_t pad = static_cast<size_t>((seq * 7 + p * 13) % 41);
  return "P" + std::to_string(p) + "-" + std::to_string(seq) + "-" + std::string(pad, static_cast<char>('a' + seq % 26));
}

// "P3-1234-aaa" -> {3, 1234}; nullopt when it is not a value of ValueOf.
std::optional<std::pair<int, int64_t>> ParseValue(const std::string& v) {
  if (v.size() < 4 || v[0] != 'P') return std::nullopt;
  size_t d1 = v.find('-');
  if (d1 == std::string::npos) return std::nullopt;
  size_t d2 = v.find('-', d1 + 1);
  if (d2 == std::string::npos) return std::nullopt;
  try {
    int p = std::stoi(v.substr(1, d1 - 1));
    int64_t seq = std::stoll(v.substr(d1 + 1, d2 - d1 - 1));
    if (ValueOf(p, seq) != v) return std::nullopt;
    return std::make_pair(p, seq);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

struct Reported {
  int producer;
  int64_t seq;
  int partition;
  int64_t offset;
};

// One producer slot: a sequence of incarnations, each given fresh sequence
// numbers so that every value ever produced is unique.
struct Slot {
  int id = 0;
  int64_t next_seq = 0;
  int64_t first_seq = 0;  // of the running incarnation
  int64_t count = 0;
  std::unique_ptr<KlogProcess> proc;
  Clock::time_point deadline;
  std::string out_path, err_path, in_path;
};

// Whole log as partition -> values by offset; REQUIREs dense offsets.
std::map<int, std::vector<std::string>> ReadLog(const CliFixture& k, const std::string& topic) {
  RunOptions o;
  o.timeout_ms = 120000;
  RunResult r = RunKlog({"--dir", k.data(), "consume", topic, "--format", "%p %o %v\\n"}, o);
  INFO("consume stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.err == "");
  std::map<int, std::vector<std::string>> log;
  size_t start = 0;
  while (start < r.out.size()) {
    size_t nl = r.out.find('\n', start);
    if (nl == std::string::npos) FAIL("consume output ends without a newline");
    std::string line = r.out.substr(start, nl - start);
    start = nl + 1;
    auto w = rel::Words(line);
    if (w.size() != 3) FAIL("bad consume line: " << line);
    int p = std::stoi(w[0]);
    int64_t o = std::stoll(w[1]);
    auto& values = log[p];
    if (o != static_cast<int64_t>(values.size())) FAIL("offsets not dense in partition " << p << ": " << line);
    values.push_back(w[2]);
  }
  return log;
}

TEST_CASE("crash loop: producers SIGKILLed at random lose nothing they reported") {
  CliFixture k;
  const std::string topic = "crash";
  const int kProducers = 4;
  const int kPartitions = 2;
  const int target_kills = rel::Scaled(60, 240, 3000);
  const int64_t records_per_run = rel::Scaled<int64_t>(1500, 2500, 2500);
  const int max_delay_ms = rel::Scaled(40, 20, 20);  // a sanitized klog starts and runs slower
  k.Ok({"topic", "create", topic, "--partitions", std::to_string(kPartitions), "--segment-bytes", "64KiB"});

  std::mt19937 rng(20261124);
  std::vector<Slot> slots(kProducers);
  std::vector<Reported> reported;
  int kills = 0, clean_exits = 0, incarnations = 0, reader_checks = 0;

  auto start = [&](Slot& s) {
    s.first_seq = s.next_seq;
    s.count = records_per_run;
    s.next_seq += s.count;
    std::string input;
    for (int64_t q = s.first_seq; q < s.first_seq + s.count; ++q) input += ValueOf(s.id, q) + "\n";
    WriteAll(s.in_path, input);
    TruncateAt(s.out_path, 0);
    TruncateAt(s.err_path, 0);
    std::vector<std::string> args = {"--dir", k.data(), "produce", topic, "--print-offsets", "--batch-size",
                                     std::to_string(256 + rng() % 4096)};
    if (rng() % 4 == 0) args.insert(args.end(), {"--compression", "zstd"});
    s.proc = std::make_unique<KlogProcess>(args, std::map<std::string, std::string>{}, s.out_path, s.err_path,
                                           s.in_path);
    // Mostly mid-run; sometimes at once (kills during start-up and recovery).
    int delay_ms = rng() % 8 == 0 ? static_cast<int>(rng() % 3) : static_cast<int>(rng() % max_delay_ms);
    s.deadline = Clock::now() + std::chrono::milliseconds(delay_ms);
    ++incarnations;
  };

  // What the incarnation printed: the k-th complete line is the k-th record.
  auto harvest = [&](Slot& s, bool killed) {
    std::string out = ReadAll(s.out_path);
    std::string err = ReadAll(s.err_path);
    auto lines = Lines(out);
    if (!out.empty() && out.back() != '\n') lines.pop_back();  // cut short by the kill
    INFO("producer " << s.id << " stderr: " << err);
    CHECK_FALSE(rel::SanitizerReport(err));
    if (!killed) CHECK(static_cast<int64_t>(lines.size()) == s.count);
    REQUIRE(static_cast<int64_t>(lines.size()) <= s.count);
    for (size_t i = 0; i < lines.size(); ++i) {
      auto w = rel::Words(lines[i]);
      if (w.size() != 2) FAIL("producer " << s.id << " printed '" << lines[i] << "'");
      reported.push_back({s.id, s.first_seq + static_cast<int64_t>(i), std::stoi(w[0]), std::stoll(w[1])});
    }
    s.proc.reset();
  };

  for (int i = 0; i < kProducers; ++i) {
    slots[i].id = i;
    slots[i].next_seq = 0;
    slots[i].out_path = k.tmp().Join("out" + std::to_string(i));
    slots[i].err_path = k.tmp().Join("err" + std::to_string(i));
    slots[i].in_path = k.tmp().Join("in" + std::to_string(i));
    WriteAll(slots[i].out_path, "");
    WriteAll(slots[i].err_path, "");
  }

  int next_reader_check = 50;
  while (kills < target_kills) {
    for (auto& s : slots) {
      if (!s.proc) {
        start(s);
        continue;
      }
      if (!s.proc->running()) {
        int rc = s.proc->Wait(0);
        INFO("producer " << s.id << " exited by itself: " << ReadAll(s.err_path));
        CHECK(rc == 0);
        ++clean_exits;
        harvest(s, false);
        continue;
      }
      if (Clock::now() >= s.deadline) {
        s.proc->Signal(SIGKILL);
        int rc = s.proc->Wait(10000);
        REQUIRE(rc != -1);
        if (rc == 128 + SIGKILL) ++kills;
        else ++clean_exits;  // finished just before the signal
        harvest(s, rc == 128 + SIGKILL);
      }
    }
    if (kills >= next_reader_check) {
      // A reader racing killed writers: only whole batches, offsets dense.
      next_reader_check += 50;
      ReadLog(k, topic);
      ++reader_checks;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  for (auto& s : slots) {
    if (!s.proc) continue;
    s.proc->Signal(SIGKILL);
    int rc = s.proc->Wait(10000);
    if (rc == 128 + SIGKILL) ++kills;
    harvest(s, rc == 128 + SIGKILL);
  }

  auto log = ReadLog(k, topic);
  size_t in_log = 0;
  std::set<std::string> seen;
  // Producer order within a partition: sequence numbers only grow.
  std::map<std::pair<int, int>, int64_t> last_seq;  // (producer, partition) -> seq
  for (const auto& [p, values] : log) {
    for (size_t o = 0; o < values.size(); ++o) {
      const std::string where = "partition " + std::to_string(p) + " offset " + std::to_string(o) + ": '" + values[o] + "'";
      auto pv = ParseValue(values[o]);
      if (!pv) FAIL("not a value any producer was given: " << where);
      if (!seen.insert(values[o]).second) FAIL("value twice in the log: " << where);
      auto key = std::make_pair(pv->first, p);
      auto it = last_seq.find(key);
      if (it != last_seq.end() && pv->second <= it->second) FAIL("out of its producer's order: " << where);
      last_seq[key] = pv->second;
      ++in_log;
    }
  }
  for (const auto& r : reported) {
    auto it = log.find(r.partition);
    if (it == log.end() || r.offset >= static_cast<int64_t>(it->second.size()) ||
        it->second[r.offset] != ValueOf(r.producer, r.seq))
      FAIL("producer " << r.producer << " record " << r.seq << " reported at partition " << r.partition
                       << " offset " << r.offset << " is not there");
  }

  // One more append per partition recovers any torn tail; then nothing is damaged.
  for (int p = 0; p < kPartitions; ++p) k.Ok({"produce", topic, "-p", std::to_string(p), "after-the-crashes"});
  bool have_verify = k.Run({"verify", "--help"}).exit_code == 0;
  if (have_verify) {
    RunResult v = k.Run({"verify", topic});
    INFO("verify: " << v.out << v.err);
    CHECK(v.exit_code == 0);
  } else {
    MESSAGE("klog verify is not available: checked by reading the whole log instead");
  }
  auto after = ReadLog(k, topic);
  for (int p = 0; p < kPartitions; ++p) CHECK(after[p].back() == "after-the-crashes");

  rel::Figure("crash loop: " + std::to_string(kills) + " SIGKILLs of producers survived (" +
              std::to_string(incarnations) + " runs, " + std::to_string(clean_exits) + " finished first), " +
              std::to_string(reported.size()) + " reported records checked at their offsets, " +
              std::to_string(in_log) + " records in the log checked, " + std::to_string(reader_checks) +
              " racing reads clean" + (have_verify ? ", verify clean" : ""));
  CHECK(kills >= target_kills);
}

}  // namespace
}  // namespace klog::testing
