// Concurrent producers: 8 `klog produce --print-offsets` processes started at
// once, each writing its own sequence "P<i>-<seq>" in small batches, to a
// topic of one partition (every append contends for one lock) and to a topic
// of four.
//
// Asserted:
//  - nothing lost, nothing twice: every record of every producer is in the
//    log exactly once, at the offset its producer printed;
//  - offsets are dense from 0 in every partition;
//  - a producer's records keep its order within a partition;
//  - nothing interleaved within a batch: read batch by batch from the files
//    (log::PartitionReader), every batch holds records of one producer only,
//    with consecutive sequence numbers, at consecutive offsets.
#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "e2e/cli_fixture.h"
#include "e2e/reliability_util.h"
#include "log/batch.h"
#include "log/partition_reader.h"

namespace klog::testing {
namespace {

std::string ValueOf(int p, int64_t seq) { return "P" + std::to_string(p) + "-" + std::to_string(seq); }

bool ParseValue(std::string_view v, int* p, int64_t* seq) {
  if (v.size() < 4 || v[0] != 'P') return false;
  size_t dash = v.find('-');
  if (dash == std::string_view::npos) return false;
  try {
    *p = std::stoi(std::string(v.substr(1, dash - 1)));
    *seq = std::stoll(std::string(v.substr(dash + 1)));
  } catch (const std::exception&) {
    return false;
  }
  return ValueOf(*p, *seq) == v;
}

struct Stats {
  int64_t records = 0;
  int64_t batches = 0;
  int64_t switches = 0;  // consecutive batches of different producers: proof that they overlapped
};

// Runs kProducers producers at once on `topic`, then checks everything.
Stats RunAndCheck(const CliFixture& k, const std::string& topic, int partitions, int64_t per_producer) {
  const int kProducers = 8;
  k.Ok({"topic", "create", topic, "--partitions", std::to_string(partitions), "--segment-bytes", "256KiB"});
  std::vector<std::unique_ptr<KlogProcess>> procs;
  for (int i = 0; i < kProducers; ++i) {
    std::string input;
    for (int64_t q = 0; q < per_producer; ++q) input += ValueOf(i, q) + "\n";
    std::string in = k.tmp().Join(topic + ".in" + std::to_string(i));
    WriteAll(in, input);
    // Batch sizes differ per producer: from a few records to a few hundred.
    std::vector<std::string> args = {"--dir", k.data(), "produce", topic, "--print-offsets",
                                     "--batch-size", std::to_string(64 << (i % 6))};
    if (i % 3 == 2) args.insert(args.end(), {"--compression", "zstd"});
    procs.push_back(std::make_unique<KlogProcess>(args, std::map<std::string, std::string>{},
                                                  k.tmp().Join(topic + ".out" + std::to_string(i)),
                                                  k.tmp().Join(topic + ".err" + std::to_string(i)), in));
  }
  std::map<std::pair<int, int64_t>, std::pair<int, int64_t>> reported;  // (producer, seq) -> (partition, offset)
  for (int i = 0; i < kProducers; ++i) {
    int rc = procs[i]->Wait(240000);
    std::string err = ReadAll(k.tmp().Join(topic + ".err" + std::to_string(i)));
    INFO("producer " << i << " stderr: " << err);
    REQUIRE(rc == 0);
    CHECK(err == "");
    auto lines = Lines(ReadAll(k.tmp().Join(topic + ".out" + std::to_string(i))));
    REQUIRE(static_cast<int64_t>(lines.size()) == per_producer);
    for (size_t q = 0; q < lines.size(); ++q) {
      auto w = rel::Words(lines[q]);
      if (w.size() != 2) FAIL("producer " << i << " printed '" << lines[q] << "'");
      reported[{i, static_cast<int64_t>(q)}] = {std::stoi(w[0]), std::stoll(w[1])};
    }
  }

  Stats stats;
  std::set<std::pair<int, int64_t>> seen;
  for (int p = 0; p < partitions; ++p) {
    log::PartitionReader reader(k.data() + "/topics/" + topic + "/" + std::to_string(p),
                                "topic '" + topic + "' partition " + std::to_string(p));
    REQUIRE(reader.Seek(0).ok());
    log::Batch batch;
    int64_t next_offset = 0;
    std::map<int, int64_t> last_seq;  // producer -> seq, in this partition
    int prev_batch_producer = -1;
    for (;;) {
      int64_t skip_below = 0;
      auto more = reader.Next(batch, &skip_below);
      INFO("partition " << p << " offset " << next_offset);
      REQUIRE(more.ok());
      if (!*more) break;
      ++stats.batches;
      batch.Reset();
      record::RecordView r;
      int batch_producer = -1;
      int64_t prev_seq = -1;
      while (batch.Next(r)) {
        int producer;
        int64_t seq;
        if (!ParseValue(r.value, &producer, &seq))
          FAIL("partition " << p << " offset " << r.offset << ": unexpected value '" << r.value << "'");
        if (r.offset != next_offset) FAIL("partition " << p << ": offset " << r.offset << " where " << next_offset << " was expected");
        if (batch_producer >= 0 && (producer != batch_producer || seq != prev_seq + 1))
          FAIL("partition " << p << " offset " << r.offset << ": " << r.value << " interleaved into a batch of P"
                            << batch_producer << " after seq " << prev_seq);
        auto ls = last_seq.find(producer);
        if (ls != last_seq.end() && seq <= ls->second)
          FAIL("partition " << p << " offset " << r.offset << ": " << r.value << " after seq " << ls->second);
        last_seq[producer] = seq;
        batch_producer = producer;
        prev_seq = seq;
        if (!seen.insert({producer, seq}).second) FAIL(r.value << " is in the log twice");
        auto rep = reported.find({producer, seq});
        if (rep == reported.end() || rep->second != std::make_pair(p, r.offset))
          FAIL(r.value << " is at partition " << p << " offset " << r.offset << ", not where it was reported");
        ++next_offset;
        ++stats.records;
      }
      REQUIRE(batch.status().ok());
      if (prev_batch_producer >= 0 && batch_producer != prev_batch_producer) ++stats.switches;
      prev_batch_producer = batch_producer;
    }
  }
  CHECK(stats.records == kProducers * per_producer);
  CHECK(seen.size() == reported.size());
  // The producers really ran at the same time: far more hand-overs of the
  // partition lock than the 7 of producers running one after another.
  CHECK(stats.switches > 7 * partitions);
  // And the CLI reader agrees on the count, dense offsets included.
  RunResult all = k.Run({"consume", topic, "--format", "%p %o\\n"});
  REQUIRE(all.exit_code == 0);
  CHECK(static_cast<int64_t>(Lines(all.out).size()) == kProducers * per_producer);
  return stats;
}

TEST_CASE("concurrent producers: 8 processes on one partition and on four, nothing lost or interleaved") {
  CliFixture k;
  const int64_t per_producer = rel::Scaled<int64_t>(2000, 20000, 200000);
  Stats one = RunAndCheck(k, "one", 1, per_producer);
  Stats many = RunAndCheck(k, "many", 4, per_producer);
  rel::Figure("concurrent producers: 8 x " + std::to_string(per_producer) + " records, one partition: " +
              std::to_string(one.records) + " records in " + std::to_string(one.batches) +
              " batches checked (" + std::to_string(one.switches) + " hand-overs between producers); four partitions: " + std::to_string(many.records) + " records in " +
              std::to_string(many.batches) + " batches checked (" + std::to_string(many.switches) + " hand-overs)");
}

}  // namespace
}  // namespace klog::testing
