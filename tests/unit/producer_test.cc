// Producer: Open checks the options a library caller gives it, as the CLI
// checks its flags (a bad zstd level is refused before anything is
// written); what it writes, in background jobs or not, is what was added,
// and TakeWritten reports it in input order.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "client/producer.h"
#include "support/log_util.h"
#include "support/temp_dir.h"
#include "topic/topic_store.h"
#include "util/clock.h"
#include "util/murmur2.h"

namespace klog::client {
namespace {

TEST_CASE("Producer::Open refuses a zstd level outside 1-19 and writes nothing") {
  testing::TempDir tmp;
  topic::TopicStore store{topic::DataDir(tmp.path())};
  topic::TopicConfig config;
  config.compression = log::Codec::kZstd;
  bool created = false;
  REQUIRE(store.Create("t", config, false, &created).ok());
  for (int level : {0, 20}) {
    CAPTURE(level);
    ProducerOptions o;
    o.zstd_level = level;
    auto p = Producer::Open(store, "t", o);
    REQUIRE_FALSE(p.ok());
    CHECK(p.status().code() == Code::kInvalidArgument);
    CHECK(p.status().message() == "compression level must be between 1 and 19");
  }
  ProducerOptions ok;
  ok.zstd_level = 19;
  CHECK(Producer::Open(store, "t", ok).ok());
  auto range = store.Offsets("t", 0);
  REQUIRE(range.ok());
  CHECK(range->end == 0);
}

TEST_CASE("written runs: input order, one run per stretch of records to one partition, every record on disk") {
  // Small batches, so that many jobs are in flight at once: with zstd on the
  // worker threads, with --fsync batch on the sync thread.
  struct Mode {
    const char* name;
    log::Codec codec;
    log::FsyncPolicy fsync;
  };
  for (Mode mode : {Mode{"plain", log::Codec::kNone, log::FsyncPolicy::kNever},
                    Mode{"zstd", log::Codec::kZstd, log::FsyncPolicy::kNever},
                    Mode{"fsync batch", log::Codec::kNone, log::FsyncPolicy::kBatch},
                    Mode{"zstd, fsync batch", log::Codec::kZstd, log::FsyncPolicy::kBatch}}) {
    CAPTURE(mode.name);
    testing::TempDir tmp;
    topic::TopicStore store{topic::DataDir(tmp.path())};
    topic::TopicConfig config;
    config.partitions = 3;
    bool created = false;
    REQUIRE(store.Create("t", config, false, &created).ok());
    ProducerOptions o;
    o.codec = mode.codec;
    o.fsync = mode.fsync;
    o.batch_bytes = 300;
    auto p = Producer::Open(store, "t", o);
    REQUIRE(p.ok());
    // Keyed records scatter; runs of records with one key stay together.
    std::vector<std::string> keys, values;
    for (int i = 0; i < 2000; ++i) {
      keys.push_back("key-" + std::to_string(i / 7 % 11));
      values.push_back("value " + std::to_string(i) + std::string(static_cast<size_t>(i % 50), 'x'));
    }
    std::vector<WrittenRun> runs;
    for (size_t i = 0; i < values.size(); ++i) {
      REQUIRE((*p)->Add(std::nullopt, 1'700'000'000'000, keys[i], values[i], {}).ok());
      for (const WrittenRun& r : (*p)->TakeWritten()) runs.push_back(r);
    }
    REQUIRE((*p)->Flush().ok());
    for (const WrittenRun& r : (*p)->TakeWritten()) runs.push_back(r);

    std::map<int, int64_t> next;  // each partition's offsets count up from 0, in input order
    size_t i = 0;
    for (const WrittenRun& r : runs) {
      REQUIRE(r.count > 0);
      CHECK(r.offset == next[r.partition]);
      for (int64_t n = 0; n < r.count; ++n, ++i) {
        REQUIRE(i < keys.size());
        CHECK(r.partition == util::KafkaPartitionForKey(keys[i], 3));
      }
      next[r.partition] += r.count;
    }
    CHECK(i == values.size());
    // A run of 7 records with one key, within a batch, is one entry, not 7.
    CHECK(runs.size() < values.size() / 2);

    for (int part = 0; part < 3; ++part) {
      std::vector<std::string> want;
      for (size_t k = 0; k < values.size(); ++k)
        if (util::KafkaPartitionForKey(keys[k], 3) == part) want.push_back(values[k]);
      CHECK(testing::ReadValues(store.dir().PartitionDir("t", part)) == want);
    }
  }
}

// Issue 20 item 14: the first partition of keyless records came from the
// clock, so producers opened in step with it (a shell loop of one-record
// runs; here each opens on a millisecond that is a multiple of 4)
// clustered on one partition.
TEST_CASE("keyless records of many one-record producers spread evenly over the partitions") {
  testing::TempDir tmp;
  topic::TopicStore store{topic::DataDir(tmp.path())};
  topic::TopicConfig config;
  config.partitions = 4;
  bool created = false;
  REQUIRE(store.Create("t", config, false, &created).ok());
  constexpr int kRuns = 200;
  std::map<int, int> per_partition;
  for (int i = 0; i < kRuns; ++i) {
    int64_t start = util::NowMs();
    while (util::NowMs() == start || util::NowMs() % 4 != 0) {
    }
    auto p = Producer::Open(store, "t", ProducerOptions{});
    REQUIRE(p.ok());
    REQUIRE((*p)->Add(std::nullopt, 1'700'000'000'000, std::nullopt, "v", {}).ok());
    REQUIRE((*p)->Flush().ok());
    for (const WrittenRun& r : (*p)->TakeWritten()) per_partition[r.partition] += static_cast<int>(r.count);
  }
  // 50 expected each; a fair spread stays within ±30 (about 5 sigma).
  for (int part = 0; part < 4; ++part) {
    CAPTURE(part);
    CHECK(per_partition[part] >= 20);
    CHECK(per_partition[part] <= 80);
  }
}

}  // namespace
}  // namespace klog::client
