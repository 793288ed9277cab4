// verify and retention over whole topics (topic/maintenance.h), and the
// directory backend that offers them: the loops over partitions and what
// they add up to, on real files.
#include "topic/maintenance.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "backend/local_backend.h"
#include "client/producer.h"
#include "log/segment_name.h"
#include "os/file.h"
#include "support/temp_dir.h"
#include "topic/topic_store.h"
#include "util/clock.h"

namespace klog::topic {
namespace {

// Topic `name` with `partitions` partitions, each holding `records` records
// in one-record batches of about 1 KiB, segments of at most 4 KiB (so several close).
// Timestamps are now: the writer enforces retention itself when it rolls.
void Fill(TopicStore& store, const std::string& name, int partitions, int records) {
  const int64_t ts = util::NowMs();
  TopicConfig config;
  config.partitions = partitions;
  config.segment_bytes = 4096;
  config.retention_ms = 3'600'000;
  bool created = false;
  REQUIRE(store.Create(name, config, false, &created).ok());
  client::ProducerOptions o;
  for (int p = 0; p < partitions; ++p)
    for (int i = 0; i < records; ++i) {
      // A producer per record, as `klog produce` run after run.
      auto producer = client::Producer::Open(store, name, o);
      REQUIRE(producer.ok());
      REQUIRE((*producer)->Add(p, ts, std::nullopt, "value-" + std::to_string(i) + std::string(1000, 'x'), {}).ok());
      REQUIRE((*producer)->Flush().ok());
    }
}

TEST_CASE("VerifyTopics: every partition of every topic in order; damage in one makes the run not ok") {
  testing::TempDir tmp;
  TopicStore store{DataDir(tmp.path())};
  Fill(store, "a", 2, 3);
  Fill(store, "b", 1, 3);
  auto run = VerifyTopics(store, {}, false);
  REQUIRE(run.ok());
  REQUIRE(run->partitions.size() == 3);
  CHECK(run->partitions[0].topic == "a");
  CHECK(run->partitions[1].partition == 1);
  CHECK(run->partitions[2].topic == "b");
  CHECK(run->ok());
  for (const auto& p : run->partitions) CHECK(p.report.after.records == 3);

  // A flipped bit in the first record's value of b/0.
  std::string first = store.dir().PartitionDir("b", 0) + "/" + log::SegmentFileName(0, log::kLogSuffix);
  testing::FlipBit(first, 60, 0);
  auto damaged = VerifyTopics(store, {"b"}, false);
  REQUIRE(damaged.ok());
  REQUIRE(damaged->partitions.size() == 1);
  CHECK_FALSE(damaged->ok());
  CHECK_FALSE(damaged->partitions[0].report.after.ok());
}

TEST_CASE("VerifyTopics: an unknown topic fails before anything; an unreadable partition is its own error") {
  testing::TempDir tmp;
  TopicStore store{DataDir(tmp.path())};
  Fill(store, "a", 2, 1);
  auto unknown = VerifyTopics(store, {"a", "nope"}, false);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().message().rfind("unknown topic 'nope'", 0) == 0);

  REQUIRE(os::RemoveTree(store.dir().PartitionDir("a", 1)).ok());
  auto run = VerifyTopics(store, {"a"}, false);
  REQUIRE(run.ok());
  REQUIRE(run->partitions.size() == 2);
  CHECK(run->partitions[0].error.ok());
  CHECK_FALSE(run->partitions[1].error.ok());
  CHECK_FALSE(run->ok());
}

TEST_CASE("EnforceRetention: a dry run lists and deletes nothing; the real run deletes exactly that") {
  testing::TempDir tmp;
  TopicStore store{DataDir(tmp.path())};
  Fill(store, "a", 2, 6);
  const int64_t now = util::NowMs() + 2 * 3'600'000;  // the records are past the hour of retention then
  auto plan = EnforceRetention(store, {"a"}, true, now);
  REQUIRE(plan.ok());
  CHECK(plan->ok());
  REQUIRE(plan->partitions.size() == 2);
  CHECK(plan->segments() > 0);
  uint64_t bytes = 0;
  for (const auto& p : plan->partitions)
    for (const auto& e : p.expired) {
      CHECK(e.by_time);
      bytes += e.segment.bytes;
      CHECK(os::Exists(store.dir().PartitionDir("a", p.partition) + "/" +
                       log::SegmentFileName(e.segment.base_offset, log::kLogSuffix)));
    }
  CHECK(plan->bytes() == bytes);

  auto done = EnforceRetention(store, {}, false, now);
  REQUIRE(done.ok());
  CHECK(done->segments() == plan->segments());
  CHECK(done->bytes() == plan->bytes());
  for (const auto& p : done->partitions)
    for (const auto& e : p.expired)
      CHECK_FALSE(os::Exists(store.dir().PartitionDir("a", p.partition) + "/" +
                             log::SegmentFileName(e.segment.base_offset, log::kLogSuffix)));
  auto again = EnforceRetention(store, {}, false, now);
  REQUIRE(again.ok());
  CHECK(again->segments() == 0);
}

TEST_CASE("the directory backend offers maintenance; verify through it sees the same partitions") {
  testing::TempDir tmp;
  {
    TopicStore store{DataDir(tmp.path())};
    Fill(store, "a", 3, 2);
  }
  backend::LocalBackend local{DataDir(tmp.path())};
  auto m = local.maintenance();
  REQUIRE(m.ok());
  auto run = (*m)->Verify({"a"}, false);
  REQUIRE(run.ok());
  CHECK(run->partitions.size() == 3);
  CHECK(run->ok());
}

}  // namespace
}  // namespace klog::topic
