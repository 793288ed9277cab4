// The directory backend's operations klog mirror builds on, on their paths
// a mirror run seldom reaches (backend/backend.h): starting a partition that
// is not empty, exact starts outside the log, and stored batches read from
// a position no batch starts at or across offsets that are missing.
#include "backend/local_backend.h"

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "log/lost_offsets.h"
#include "log/segment_name.h"
#include "os/file.h"
#include "support/exact_starts.h"
#include "support/log_util.h"
#include "support/temp_dir.h"
#include "util/clock.h"

namespace klog::backend {
namespace {

using testing::MakeBatch;
using testing::TempDir;

// Topic "t" (`partitions` partitions, kept forever) in segments of 4 KiB.
void CreateTopic(LocalBackend& b, int partitions = 1) {
  TopicConfig config;
  config.partitions = partitions;
  config.segment_bytes = 4096;
  config.retention_ms = -1;
  bool created = false;
  REQUIRE(b.CreateTopic("t", config, false, &created).ok());
}

// Appends `batches` batches of `per_batch` records of about 300 bytes each
// to t/`partition`, stamped from 1000 on (1970); returns their base offsets.
std::vector<int64_t> AppendBatches(LocalBackend& b, int partition, int batches, int per_batch) {
  auto appender = b.OpenBatchAppender("t", partition, FsyncPolicy::kNever);
  REQUIRE(appender.ok());
  std::vector<int64_t> bases;
  for (int i = 0; i < batches; ++i) {
    std::vector<std::string> values;
    for (int r = 0; r < per_batch; ++r) values.push_back("b" + std::to_string(i) + "r" + std::to_string(r) + std::string(300, 'x'));
    std::string raw = MakeBatch(values, 1000 + i * per_batch);
    auto at = (*appender)->Append(raw);
    REQUIRE_MESSAGE(at.ok(), at.status().message());
    bases.push_back(*at);
  }
  return bases;
}

// Every file of a directory with its content: "nothing changed on disk".
std::map<std::string, std::string> Snapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  auto names = os::ListDir(dir);
  REQUIRE(names.ok());
  for (const auto& n : *names) files[n] = testing::ReadAll(dir + "/" + n);
  return files;
}

// The batches ReadBatches hands over: (base offset, records).
struct Handed {
  std::vector<std::pair<int64_t, int64_t>> batches;
  std::function<Status(std::string&, int64_t, int64_t)> fn() {
    return [this](std::string&, int64_t base, int64_t records) {
      batches.emplace_back(base, records);
      return Status::Ok();
    };
  }
};

TEST_CASE("StartEmptyPartitionAt: a partition holding records is refused with InvalidArgument, nothing changed on disk") {
  TempDir tmp;
  LocalBackend b{topic::DataDir(tmp.path())};
  CreateTopic(b, 2);
  AppendBatches(b, 0, 2, 3);
  const std::string dir = topic::DataDir(tmp.path()).PartitionDir("t", 0);
  auto before = Snapshot(dir);

  Status st = b.StartEmptyPartitionAt("t", 0, 100);
  CHECK(st.code() == Code::kInvalidArgument);
  CHECK(st.message() == "topic 't' partition 0 is not empty: it cannot be made to start at offset 100");
  // Not even at its own end, nor at 0.
  CHECK(b.StartEmptyPartitionAt("t", 0, 6).code() == Code::kInvalidArgument);
  CHECK(b.StartEmptyPartitionAt("t", 0, 0).code() == Code::kInvalidArgument);
  CHECK(Snapshot(dir) == before);
  auto stats = b.DescribeTopic("t");
  REQUIRE(stats.ok());
  CHECK((*stats)[0].start_offset == 0);
  CHECK((*stats)[0].end_offset == 6);

  // The empty partition next to it can be started; a bad offset or
  // partition is refused before anything.
  st = b.StartEmptyPartitionAt("t", 1, -1);
  CHECK(st.code() == Code::kInvalidArgument);
  CHECK(st.message() == "topic 't' partition 1: a partition cannot start at offset -1");
  st = b.StartEmptyPartitionAt("t", 2, 5);
  CHECK(st.code() == Code::kInvalidArgument);
  CHECK(st.message() == "topic 't' has no partition 2");
  REQUIRE(b.StartEmptyPartitionAt("t", 1, 40).ok());
  REQUIRE(b.StartEmptyPartitionAt("t", 1, 40).ok());  // already so: nothing to do
  REQUIRE(b.StartEmptyPartitionAt("t", 1, 50).ok());  // still empty: may move on
  // Empty, but back to offsets it gave out already: refused, named so.
  st = b.StartEmptyPartitionAt("t", 1, 40);
  CHECK(st.code() == Code::kInvalidArgument);
  CHECK(st.message() ==
        "topic 't' partition 1 is empty but its next offset is 50: it cannot be made to start at offset 40 (offsets "
        "are never given twice)");
  CHECK(AppendBatches(b, 1, 1, 2) == std::vector<int64_t>{50});
  // Now it holds records: refused as well, even at its own start.
  CHECK(b.StartEmptyPartitionAt("t", 1, 50).code() == Code::kInvalidArgument);
}

TEST_CASE("a batch appender's AppendAt refuses (Corruption, nothing written) once another writer appended to the partition") {
  TempDir tmp;
  LocalBackend b{topic::DataDir(tmp.path())};
  CreateTopic(b);
  auto appender = b.OpenBatchAppender("t", 0, FsyncPolicy::kNever);
  REQUIRE(appender.ok());
  std::string raw = MakeBatch({"s0", "s1"}, 1000);
  auto at = (*appender)->AppendAt(raw, 0);
  REQUIRE(at.ok());
  CHECK(*at == 0);
  AppendBatches(b, 0, 1, 1);  // someone else's record at offset 2
  raw = MakeBatch({"s2"}, 1002);
  at = (*appender)->AppendAt(raw, 2);
  CHECK(at.status().code() == Code::kCorruption);
  CHECK(at.status().message() ==
        "topic 't' partition 0: the next offset is 3, not 2: another writer appended meanwhile; nothing written");
  auto stats = b.DescribeTopic("t");
  REQUIRE(stats.ok());
  CHECK((*stats)[0].end_offset == 3);
}

// The record path of klog mirror: a producer told each partition's next
// offset refuses, like AppendAt, to write where the partition does not end.
TEST_CASE("a producer with expect_offsets refuses (Corruption, nothing written) where the partition does not end") {
  TempDir tmp;
  LocalBackend b{topic::DataDir(tmp.path())};
  CreateTopic(b);
  AppendBatches(b, 0, 2, 3);  // offsets 0..5
  const std::string dir = topic::DataDir(tmp.path()).PartitionDir("t", 0);
  auto before = Snapshot(dir);

  ProducerOptions o;
  o.expect_offsets[0] = 5;
  auto producer = b.OpenProducer("t", o);
  REQUIRE(producer.ok());
  Status st = (*producer)->Add(0, 5000, std::nullopt, "late", {});
  if (st.ok()) st = (*producer)->Flush();
  CHECK(st.code() == Code::kCorruption);
  CHECK(st.message() ==
        "topic 't' partition 0: the next offset is 6, not 5: another writer appended meanwhile; nothing written");
  CHECK(Snapshot(dir) == before);

  // Where it does end it writes, and goes on expecting the offsets after.
  o.expect_offsets[0] = 6;
  producer = b.OpenProducer("t", o);
  REQUIRE(producer.ok());
  for (int i = 0; i < 2; ++i) {
    REQUIRE((*producer)->Add(0, 5000, std::nullopt, "on time " + std::to_string(i), {}).ok());
    REQUIRE((*producer)->Flush().ok());
  }
  auto stats = b.DescribeTopic("t");
  REQUIRE(stats.ok());
  CHECK((*stats)[0].end_offset == 8);
}

TEST_CASE("Consume with exact starts: inside the log from exactly there (mid-batch too); before its start (retention) or past its end OutOfRange naming topic, partition, offset and the range") {
  TempDir tmp;
  LocalBackend b{topic::DataDir(tmp.path())};
  CreateTopic(b);
  std::vector<int64_t> bases = AppendBatches(b, 0, 12, 4);  // offsets 0..47, several segments
  // Retention deletes every closed segment (their records are from 1970).
  TopicConfig config = *b.LoadTopic("t");
  config.retention_ms = 3'600'000;
  REQUIRE(b.AlterTopic("t", config).ok());
  auto m = b.maintenance();
  REQUIRE(m.ok());
  REQUIRE((*m)->Retention({"t"}, false, util::NowMs()).ok());
  auto stats = b.DescribeTopic("t");
  REQUIRE(stats.ok());
  const int64_t start = (*stats)[0].start_offset, end = (*stats)[0].end_offset;
  REQUIRE(start > 0);
  REQUIRE(end == 48);

  // The last batch holds 44..47: "inside" starts in the middle of it.
  testing::CheckExactStarts(b, start, end);
}

TEST_CASE("ReadBatches: from a position no batch starts at, InvalidArgument before any batch is handed over") {
  TempDir tmp;
  LocalBackend b{topic::DataDir(tmp.path())};
  CreateTopic(b);
  REQUIRE(AppendBatches(b, 0, 3, 4) == std::vector<int64_t>{0, 4, 8});
  auto m = b.maintenance();
  REQUIRE(m.ok());
  Handed h;
  Status st = (*m)->ReadBatches("t", 0, 5, h.fn(), nullptr);
  CHECK(st.code() == Code::kInvalidArgument);
  CHECK(st.message() == "topic 't' partition 0: no batch starts at offset 5");
  CHECK(h.batches.empty());

  // At a batch start: that batch and the rest; at the end: nothing.
  REQUIRE((*m)->ReadBatches("t", 0, 4, h.fn(), nullptr).ok());
  CHECK(h.batches == std::vector<std::pair<int64_t, int64_t>>{{4, 4}, {8, 4}});
  Handed none;
  CHECK((*m)->ReadBatches("t", 0, 12, none.fn(), nullptr).ok());
  CHECK(none.batches.empty());
}

TEST_CASE("ReadBatches across offsets missing mid-partition: Corruption naming the missing range, after the batches before it") {
  TempDir tmp;
  LocalBackend b{topic::DataDir(tmp.path())};
  CreateTopic(b);
  AppendBatches(b, 0, 12, 4);
  const std::string dir = topic::DataDir(tmp.path()).PartitionDir("t", 0);
  auto segments = log::ListSegments(dir);
  REQUIRE(segments.ok());
  REQUIRE(segments->size() >= 3);
  // The second segment goes: its offsets are nowhere now.
  const int64_t first = (*segments)[1], after = (*segments)[2];
  for (const char* suffix : {log::kLogSuffix, log::kOffsetIndexSuffix, log::kTimeIndexSuffix})
    REQUIRE(os::RemoveFile(log::SegmentPath(dir, first, suffix)).ok());
  const std::string missing = "offsets " + std::to_string(first) + " to " + std::to_string(after - 1) + " are missing";
  auto m = b.maintenance();
  REQUIRE(m.ok());

  SUBCASE("a gap nobody accepted: the reader's Corruption") {
    Handed h;
    Status st = (*m)->ReadBatches("t", 0, 0, h.fn(), nullptr);
    CHECK(st.code() == Code::kCorruption);
    CHECK(st.message().find(missing) != std::string::npos);
    REQUIRE_FALSE(h.batches.empty());
    CHECK(h.batches.back().first + h.batches.back().second == first);  // everything before the gap, nothing after
  }
  SUBCASE("a gap recorded as lost (verify --repair): ReadBatches' own Corruption") {
    REQUIRE(log::RecordLostOffsets(dir, first, after - 1).ok());
    Handed h;
    Status st = (*m)->ReadBatches("t", 0, 0, h.fn(), nullptr);
    CHECK(st.code() == Code::kCorruption);
    CHECK(st.message() == "topic 't' partition 0: " + missing);
    REQUIRE_FALSE(h.batches.empty());
    CHECK(h.batches.back().first + h.batches.back().second == first);
    // From the first batch after the gap on, everything.
    Handed rest;
    REQUIRE((*m)->ReadBatches("t", 0, after, rest.fn(), nullptr).ok());
    CHECK(rest.batches.front().first == after);
    CHECK(rest.batches.back().first + rest.batches.back().second == 48);
  }
}

}  // namespace
}  // namespace klog::backend
