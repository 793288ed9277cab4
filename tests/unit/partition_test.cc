#include <doctest/doctest.h>

#include <algorithm>
#include <climits>
#include <fstream>
#include <string>
#include <vector>

#include "log/partition_reader.h"
#include "log/partition_writer.h"
#include "log/retention.h"
#include "log/segment_name.h"
#include "os/file.h"
#include "support/log_util.h"
#include "support/temp_dir.h"

using namespace klog::log;
using namespace klog::testing;
using klog::Code;
using klog::Status;

namespace {

const int64_t kT0 = 1'700'000'000'000;  // a fixed "now" for injected clocks
const int64_t kHour = 3'600'000;

struct Expected {
  int64_t offset;
  int64_t timestamp;
  std::string value;
};

// Appends `batches` batches of 1-4 records with values "v<offset>-<padding>"
// and timestamps that mostly rise but jitter (so OffsetForTimestamp must
// find the first record >= ts, not assume order). Returns every record.
std::vector<Expected> Fill(PartitionWriter& w, int batches, int64_t t0 = kT0) {
  std::vector<Expected> all;
  uint32_t rng = 12345;
  auto next = [&] { return rng = rng * 1103515245u + 12345u, (rng >> 16) & 0x7fff; };
  for (int b = 0; b < batches; ++b) {
    int n = 1 + static_cast<int>(next() % 4);
    BatchBuilder builder;
    std::vector<Expected> batch;
    for (int i = 0; i < n; ++i) {
      int64_t off = static_cast<int64_t>(all.size() + batch.size());
      int64_t ts = t0 + off * 10 + static_cast<int64_t>(next() % 41) - 20;
      std::string value = "v" + std::to_string(off) + "-" + std::string(next() % 80, 'p');
      builder.Add(ts, std::nullopt, value, {});
      batch.push_back({off, ts, value});
    }
    std::string raw;
    REQUIRE(builder.Finish(Codec::kNone, raw).ok());
    auto base = w.Append(raw, t0 + static_cast<int64_t>(all.size()) * 10);
    REQUIRE_MESSAGE(base.ok(), base.status().message());
    REQUIRE(*base == static_cast<int64_t>(all.size()));
    all.insert(all.end(), batch.begin(), batch.end());
  }
  return all;
}

// The first record a reader delivers after Seek(offset).
Rec FirstAt(const std::string& dir, int64_t offset) {
  PartitionReader reader(dir, kLabel);
  REQUIRE(reader.Seek(offset).ok());
  Batch batch;
  int64_t skip = 0;
  auto more = reader.Next(batch, &skip);
  REQUIRE_MESSAGE(more.ok(), more.status().message());
  REQUIRE(*more);
  klog::record::RecordView r;
  while (batch.Next(r))
    if (r.offset >= skip) return {r.offset, r.timestamp, std::nullopt, std::string(r.value), {}};
  FAIL("batch had no record at or after " << skip);
  return {};
}

int64_t BruteOffsetForTimestamp(const std::vector<Expected>& all, int64_t ts) {
  for (const auto& e : all)
    if (e.timestamp >= ts) return e.offset;
  return static_cast<int64_t>(all.size());
}

std::vector<int64_t> Segments(const std::string& dir) {
  auto s = ListSegments(dir);
  REQUIRE(s.ok());
  return *s;
}

uint64_t LogBytes(const std::string& dir) {
  uint64_t total = 0;
  for (int64_t b : Segments(dir)) total += FileSize(SegmentPath(dir, b, kLogSuffix));
  return total;
}

LogConfig WithRetention(uint64_t segment_bytes, int64_t retention_ms, int64_t retention_bytes) {
  LogConfig c = Config(segment_bytes);
  c.retention_ms = retention_ms;
  c.retention_bytes = retention_bytes;
  return c;
}

}  // namespace

TEST_CASE("an empty partition reads as empty") {
  TempDir tmp;
  PartitionReader reader(tmp.path(), kLabel);
  CHECK(*reader.StartOffset() == 0);
  CHECK(*reader.EndOffset() == 0);
  CHECK(*reader.OffsetForTimestamp(0) == 0);
  CHECK(ReadValues(tmp.path()).empty());
  CHECK(ReadValues(tmp.path(), 5).empty());
}

TEST_CASE("opening a writer on a missing directory is NotFound naming the partition") {
  TempDir tmp;
  auto w = PartitionWriter::Open(tmp.Join("nope"), kLabel, Config());
  REQUIRE_FALSE(w.ok());
  CHECK(w.status().code() == Code::kNotFound);
  CHECK(w.status().message().find(kLabel) != std::string::npos);
}

TEST_CASE("appended batches read back in order from any offset") {
  TempDir tmp;
  auto w = OpenWriter(tmp.path(), Config());
  CHECK(AppendValues(*w, {"a", "b", "c"}, kT0) == 0);
  CHECK(AppendValues(*w, {"d"}, kT0 + 3) == 3);
  CHECK(AppendValues(*w, {"e", "f"}, kT0 + 4) == 4);
  std::vector<std::string> all = {"a", "b", "c", "d", "e", "f"};
  for (int64_t from = 0; from <= 6; ++from)
    CHECK(ReadValues(tmp.path(), from) == std::vector<std::string>(all.begin() + from, all.end()));
  CHECK(ReadValues(tmp.path(), 100).empty());
  PartitionReader reader(tmp.path(), kLabel);
  CHECK(*reader.StartOffset() == 0);
  CHECK(*reader.EndOffset() == 6);
}

TEST_CASE("a reader at the end sees later appends") {
  TempDir tmp;
  auto w = OpenWriter(tmp.path(), Config(4096));
  AppendValues(*w, {"a"}, kT0);
  PartitionReader reader(tmp.path(), kLabel);
  REQUIRE(reader.Seek(0).ok());
  Batch batch;
  int64_t skip;
  REQUIRE(*reader.Next(batch, &skip));
  CHECK_FALSE(*reader.Next(batch, &skip));
  std::vector<std::string> later;
  for (int i = 0; i < 100; ++i) later.push_back(std::string(200, 'x') + std::to_string(i));
  for (const auto& v : later) AppendValues(*w, {v}, kT0);  // rolls several segments
  std::vector<std::string> got;
  while (true) {
    auto more = reader.Next(batch, &skip);
    REQUIRE(more.ok());
    if (!*more) break;
    klog::record::RecordView r;
    while (batch.Next(r)) got.emplace_back(r.value);
  }
  CHECK(got == later);
  CHECK(Segments(tmp.path()).size() > 3);
}

TEST_CASE("Seek and OffsetForTimestamp across dozens of segments") {
  for (uint64_t segment_bytes : {uint64_t{4096}, uint64_t{10000}}) {
    CAPTURE(segment_bytes);
    TempDir tmp;
    auto w = OpenWriter(tmp.path(), Config(segment_bytes));
    std::vector<Expected> all = Fill(*w, segment_bytes == 4096 ? 600 : 1500);
    std::vector<int64_t> segs = Segments(tmp.path());
    CHECK(segs.size() >= 24);
    for (int64_t b : segs) CHECK(FileSize(SegmentPath(tmp.path(), b, kLogSuffix)) <= segment_bytes);
    if (segment_bytes > 4096) CHECK(FileSize(SegmentPath(tmp.path(), segs[0], kOffsetIndexSuffix)) > 0);

    PartitionReader reader(tmp.path(), kLabel);
    CHECK(*reader.StartOffset() == 0);
    CHECK(*reader.EndOffset() == static_cast<int64_t>(all.size()));
    for (const auto& e : all) {
      Rec r = FirstAt(tmp.path(), e.offset);
      REQUIRE(r.offset == e.offset);
      CHECK(r.value == e.value);
      CHECK(r.timestamp == e.timestamp);
    }
    std::vector<Rec> recs;
    REQUIRE(ReadRecords(tmp.path(), 0, &recs).ok());
    REQUIRE(recs.size() == all.size());
    for (size_t i = 0; i < all.size(); ++i) CHECK(recs[i].offset == static_cast<int64_t>(i));

    int64_t lo = all.front().timestamp - 50, hi = all.back().timestamp + 50;
    for (int64_t ts = lo; ts <= hi; ts += (hi - lo) / 300) {
      CAPTURE(ts);
      CHECK(*reader.OffsetForTimestamp(ts) == BruteOffsetForTimestamp(all, ts));
    }
    for (size_t i = 0; i < all.size(); i += 37) {
      CHECK(*reader.OffsetForTimestamp(all[i].timestamp) == BruteOffsetForTimestamp(all, all[i].timestamp));
      CHECK(*reader.OffsetForTimestamp(all[i].timestamp + 1) == BruteOffsetForTimestamp(all, all[i].timestamp + 1));
    }
    CHECK(*reader.OffsetForTimestamp(INT64_MIN) == 0);
    CHECK(*reader.OffsetForTimestamp(INT64_MAX) == static_cast<int64_t>(all.size()));
  }
}

// Opening cost must not grow with the segment: the end and a seek near it
// come from the last index entries. A damaged first batch, which any scan
// from the segment's start would report, proves that nothing read it.
TEST_CASE("EndOffset and a seek to the end start from the index, not the segment's first byte") {
  TempDir tmp;
  auto w = OpenWriter(tmp.path(), Config(1 << 20));
  std::vector<Expected> all = Fill(*w, 600);
  w.reset();
  std::string log_path = SegmentPath(tmp.path(), 0, kLogSuffix);
  REQUIRE(FileSize(SegmentPath(tmp.path(), 0, kOffsetIndexSuffix)) >= 8 * 4);
  {
    std::fstream f(log_path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(kBatchHeaderSize + 3);
    f.put('\xff');
  }
  PartitionReader reader(tmp.path(), kLabel);
  auto end = reader.EndOffset();
  REQUIRE_MESSAGE(end.ok(), end.status().message());
  CHECK(*end == static_cast<int64_t>(all.size()));
  Rec last = FirstAt(tmp.path(), *end - 1);
  CHECK(last.value == all.back().value);
  // The damage is still there for readers from the start to report.
  std::vector<Rec> recs;
  CHECK(ReadRecords(tmp.path(), 0, &recs).code() == Code::kCorruption);
}

TEST_CASE("segments roll by size; a batch bigger than a segment gets one of its own") {
  TempDir tmp;
  auto w = OpenWriter(tmp.path(), Config(4096));
  AppendValues(*w, {"small"}, kT0);
  CHECK(AppendValues(*w, {std::string(10000, 'B')}, kT0) == 1);
  CHECK(AppendValues(*w, {"after"}, kT0) == 2);
  CHECK(Segments(tmp.path()) == std::vector<int64_t>{0, 1, 2});
  CHECK(ReadValues(tmp.path()) == std::vector<std::string>{"small", std::string(10000, 'B'), "after"});
}

TEST_CASE("segments roll by age of their first batch, with an injected clock") {
  TempDir tmp;
  LogConfig c = Config();
  c.segment_ms = 1000;
  auto w = OpenWriter(tmp.path(), c);
  auto append = [&](const std::string& v, int64_t now) {
    std::string b = MakeBatch({v}, now);
    auto r = w->Append(b, now);
    REQUIRE(r.ok());
    return *r;
  };
  append("a", kT0);
  append("b", kT0 + 1000);
  CHECK(Segments(tmp.path()) == std::vector<int64_t>{0});
  append("c", kT0 + 1001);
  CHECK(Segments(tmp.path()) == std::vector<int64_t>{0, 2});
  append("d", kT0 + 1500);
  CHECK(Segments(tmp.path()) == std::vector<int64_t>{0, 2});
  append("e", kT0 + 2002);
  CHECK(Segments(tmp.path()) == std::vector<int64_t>{0, 2, 4});
  // A fresh writer (another process) measures the age from the log.
  auto w2 = OpenWriter(tmp.path(), c);
  std::string b = MakeBatch({"f"}, kT0 + 3003);
  REQUIRE(w2->Append(b, kT0 + 3003).ok());
  CHECK(Segments(tmp.path()) == std::vector<int64_t>{0, 2, 4, 5});
  CHECK(ReadValues(tmp.path()) == std::vector<std::string>{"a", "b", "c", "d", "e", "f"});
}

// Copying old records (consume --format json | produce --format json keeps
// timestamps) must not make a segment per batch.
TEST_CASE("records with old timestamps do not roll a segment per batch") {
  TempDir tmp;
  LogConfig c = Config();
  c.segment_ms = kHour;
  auto w = OpenWriter(tmp.path(), c);
  for (int i = 0; i < 50; ++i) {
    std::string b = MakeBatch({"old" + std::to_string(i)}, kT0 - 30 * 24 * kHour + i);
    REQUIRE(w->Append(b, kT0 + i).ok());
  }
  CHECK(Segments(tmp.path()).size() <= 2);
  CHECK(ReadValues(tmp.path()).size() == 50);
}

TEST_CASE("retention by time deletes whole closed segments, oldest first, never the active one") {
  TempDir tmp;
  auto w = OpenWriter(tmp.path(), WithRetention(4096, kHour, -1));
  std::vector<Expected> all = Fill(*w, 300, kT0);  // timestamps kT0 .. kT0 + ~10 per offset
  std::vector<int64_t> before = Segments(tmp.path());
  REQUIRE(before.size() > 5);
  // Every closed segment whose newest record is older than now - 1h goes.
  int64_t cut = all[all.size() / 2].timestamp;
  auto deleted = w->EnforceRetention(cut + kHour);
  REQUIRE(deleted.ok());
  std::vector<int64_t> after = Segments(tmp.path());
  REQUIRE(!deleted->empty());
  CHECK(deleted->size() + after.size() == before.size());
  for (size_t i = 0; i < deleted->size(); ++i) {
    CHECK((*deleted)[i].base_offset == before[i]);
    CHECK((*deleted)[i].max_timestamp < cut);
    CHECK_FALSE(klog::os::Exists(SegmentPath(tmp.path(), before[i], kLogSuffix)));
    CHECK_FALSE(klog::os::Exists(SegmentPath(tmp.path(), before[i], kOffsetIndexSuffix)));
    CHECK_FALSE(klog::os::Exists(SegmentPath(tmp.path(), before[i], kTimeIndexSuffix)));
  }
  // The first kept segment holds a record at or after the cut.
  bool newer = false;
  for (const auto& e : all)
    if (e.offset >= after[0] && (after.size() == 1 || e.offset < after[1])) newer |= e.timestamp >= cut;
  CHECK(newer);
  PartitionReader reader(tmp.path(), kLabel);
  CHECK(*reader.StartOffset() == after[0]);
  CHECK(*reader.EndOffset() == static_cast<int64_t>(all.size()));
  CHECK(ReadValues(tmp.path(), after[0]).size() == all.size() - static_cast<size_t>(after[0]));

  // Far in the future everything has expired, but the active segment stays.
  deleted = w->EnforceRetention(kT0 + 1000 * kHour);
  REQUIRE(deleted.ok());
  CHECK(Segments(tmp.path()) == std::vector<int64_t>{before.back()});
  CHECK(ReadValues(tmp.path(), before.back()).size() == all.size() - static_cast<size_t>(before.back()));
  CHECK(w->EnforceRetention(kT0 + 2000 * kHour)->empty());
  CHECK(AppendValues(*w, {"still writable"}, kT0) == static_cast<int64_t>(all.size()));
}

TEST_CASE("retention by size keeps at least retention_bytes, deleting whole segments") {
  TempDir tmp;
  const int64_t limit = 3 * 4096;
  std::vector<Expected> all = Fill(*OpenWriter(tmp.path(), Config(4096)), 300, kT0);
  auto w = OpenWriter(tmp.path(), WithRetention(4096, -1, limit));
  uint64_t total = LogBytes(tmp.path());
  REQUIRE(total > static_cast<uint64_t>(2 * limit));
  REQUIRE(w->EnforceRetention(kT0).ok());
  std::vector<int64_t> after = Segments(tmp.path());
  uint64_t kept = LogBytes(tmp.path());
  CHECK(kept >= static_cast<uint64_t>(limit));
  CHECK(kept - FileSize(SegmentPath(tmp.path(), after[0], kLogSuffix)) < static_cast<uint64_t>(limit));
  CHECK(ReadValues(tmp.path(), after[0]).size() == all.size() - static_cast<size_t>(after[0]));
}

TEST_CASE("retention also runs when a producer rolls a segment") {
  TempDir tmp;
  auto w = OpenWriter(tmp.path(), WithRetention(4096, kHour, -1));
  for (int i = 0; i < 60; ++i) {
    std::string b = MakeBatch({std::string(200, 'o')}, kT0);
    REQUIRE(w->Append(b, kT0).ok());
  }
  size_t n = Segments(tmp.path()).size();
  REQUIRE(n > 2);
  for (int i = 0; i < 60; ++i) {  // a day later: the first roll deletes the old segments
    std::string b = MakeBatch({std::string(200, 'n')}, kT0 + 24 * kHour);
    REQUIRE(w->Append(b, kT0 + 24 * kHour).ok());
  }
  std::vector<int64_t> segs = Segments(tmp.path());
  CHECK(segs.front() > 0);
  std::vector<std::string> vals = ReadValues(tmp.path(), segs.front());
  CHECK(std::count_if(vals.begin(), vals.end(), [](const std::string& v) { return v[0] == 'n'; }) == 60);
  CHECK(std::count_if(vals.begin(), vals.end(), [](const std::string& v) { return v[0] == 'o'; }) < 20);
}

TEST_CASE("a reader whose segment was deleted by retention gets OutOfRange naming the earliest offset") {
  TempDir tmp;
  auto w = OpenWriter(tmp.path(), WithRetention(4096, kHour, -1));
  std::vector<Expected> all = Fill(*w, 300, kT0);

  PartitionReader reader(tmp.path(), kLabel);
  REQUIRE(reader.Seek(0).ok());
  Batch batch;
  int64_t skip;
  REQUIRE(*reader.Next(batch, &skip));  // positioned in segment 0

  REQUIRE(w->EnforceRetention(all[all.size() * 3 / 4].timestamp + kHour).ok());
  int64_t earliest = Segments(tmp.path()).front();
  REQUIRE(earliest > 0);

  // Records still readable through the open file may come first; then OutOfRange.
  int64_t expect = batch.header().next_offset();
  Status st;
  for (;;) {
    auto more = reader.Next(batch, &skip);
    if (!more.ok()) {
      st = more.status();
      break;
    }
    REQUIRE(*more);
    CHECK(batch.header().base_offset == expect);
    expect = batch.header().next_offset();
  }
  CHECK(st.code() == Code::kOutOfRange);
  CHECK(st.message().find(kLabel) != std::string::npos);
  CHECK(st.message().find("earliest is " + std::to_string(earliest)) != std::string::npos);

  PartitionReader fresh(tmp.path(), kLabel);
  Status seek = fresh.Seek(earliest - 1);
  CHECK(seek.code() == Code::kOutOfRange);
  CHECK(seek.message().find("offset " + std::to_string(earliest - 1) + " is no longer available, earliest is " +
                            std::to_string(earliest)) != std::string::npos);
  CHECK(fresh.Seek(earliest).ok());
  CHECK(*fresh.StartOffset() == earliest);
}

TEST_CASE("two writers in one process take turns, rolling segments under each other") {
  TempDir tmp;
  auto a = OpenWriter(tmp.path(), Config(4096));
  auto b = OpenWriter(tmp.path(), Config(4096));
  std::vector<std::string> expect;
  for (int i = 0; i < 200; ++i) {
    std::string v = (i % 3 ? "a" : "b") + std::to_string(i) + std::string(100, '.');
    CHECK(AppendValues(i % 3 ? *a : *b, {v}, kT0) == i);
    expect.push_back(v);
  }
  CHECK(ReadValues(tmp.path()) == expect);
}

TEST_CASE("AppendAt appends only at the expected offset: after another writer's append, Corruption naming both offsets, nothing written") {
  TempDir tmp;
  auto mine = OpenWriter(tmp.path(), Config(4096));
  auto other = OpenWriter(tmp.path(), Config(4096));
  std::string batch = MakeBatch({"m0", "m1"}, kT0);
  auto at = mine->AppendAt(batch, 0, kT0);
  REQUIRE(at.ok());
  CHECK(*at == 0);
  CHECK(AppendValues(*other, {"intruder"}, kT0) == 2);
  batch = MakeBatch({"m2"}, kT0);
  at = mine->AppendAt(batch, 2, kT0);
  CHECK(at.status().code() == Code::kCorruption);
  CHECK(at.status().message() ==
        "topic 't' partition 0: the next offset is 3, not 2: another writer appended meanwhile; nothing written");
  CHECK(ReadValues(tmp.path()) == std::vector<std::string>{"m0", "m1", "intruder"});
  // Past the end is refused too (offsets are dense); at the end it goes on,
  // across a roll as well.
  at = mine->AppendAt(batch, 4, kT0);
  CHECK(at.status().code() == Code::kCorruption);
  int64_t next = 3;
  for (int i = 0; i < 20; ++i) {
    batch = MakeBatch({"n" + std::to_string(i) + std::string(500, '.')}, kT0);
    at = mine->AppendAt(batch, next, kT0);
    REQUIRE_MESSAGE(at.ok(), at.status().message());
    CHECK(*at == next++);
  }
  CHECK(ReadValues(tmp.path()).size() == 23);
}

// Writer `idle` knows segment 0; meanwhile `busy` rolls twice and retention
// deletes segment 0 and the next one. idle's next append must not land in
// the deleted file.
TEST_CASE("a writer whose segment was deleted meanwhile appends where readers see it") {
  TempDir tmp;
  LogConfig c = WithRetention(4096, -1, 1);  // keep only the active segment
  auto idle = OpenWriter(tmp.path(), c);
  auto busy = OpenWriter(tmp.path(), c);
  AppendValues(*idle, {"first"}, kT0);
  AppendValues(*idle, {std::string(3000, 'i')}, kT0);  // idle's view: segment 0 ends here
  const int64_t idle_next = 2;
  int64_t n = idle_next;
  while (Segments(tmp.path()).front() <= idle_next) {
    AppendValues(*busy, {std::string(1000, 'x')}, kT0);
    ++n;
    REQUIRE(n < 100);
  }
  int64_t start = Segments(tmp.path()).front();
  CHECK(AppendValues(*idle, {"late"}, kT0) == n);
  PartitionReader reader(tmp.path(), kLabel);
  CHECK(*reader.EndOffset() == n + 1);
  std::vector<Rec> recs;
  REQUIRE(ReadRecords(tmp.path(), start, &recs).ok());
  REQUIRE(!recs.empty());
  CHECK(recs.back().value == "late");
  for (size_t i = 0; i < recs.size(); ++i) CHECK(recs[i].offset == start + static_cast<int64_t>(i));
}

TEST_CASE("SegmentsToDelete: the pure retention decision") {
  auto seg = [](int64_t base, uint64_t bytes, int64_t max_ts) { return SegmentInfo{base, bytes, max_ts}; };
  const int64_t now = 10'000;
  SUBCASE("nothing, or only the active segment, is never deleted") {
    CHECK(SegmentsToDelete({}, 0, 0, now) == 0);
    CHECK(SegmentsToDelete({seg(0, 100, 0)}, 0, 0, now) == 0);
  }
  SUBCASE("no limits keep everything") {
    CHECK(SegmentsToDelete({seg(0, 100, 0), seg(10, 100, 0)}, -1, -1, now) == 0);
  }
  SUBCASE("by time: a prefix of segments older than now - retention") {
    std::vector<SegmentInfo> s = {seg(0, 1, 100), seg(10, 1, 200), seg(20, 1, 9000), seg(30, 1, 300), seg(40, 1, 0)};
    CHECK(SegmentsToDelete(s, 5000, -1, now) == 2);  // stops at the first newer one
    CHECK(SegmentsToDelete(s, 9899, -1, now) == 1);  // 100 < 101, but not 200
    CHECK(SegmentsToDelete(s, 9900, -1, now) == 0);  // 100 < 100 is false
    CHECK(SegmentsToDelete(s, 0, -1, now) == 4);     // all closed, never the active one
    CHECK(SegmentsToDelete(s, 0, -1, INT64_MIN / 2) == 0);
  }
  SUBCASE("by time: the boundary is strict") {
    std::vector<SegmentInfo> s = {seg(0, 1, 5000), seg(1, 1, 5000)};
    CHECK(SegmentsToDelete(s, 5000, -1, now) == 0);
    CHECK(SegmentsToDelete(s, 4999, -1, now) == 1);
  }
  SUBCASE("an empty closed segment (no timestamp) has expired") {
    CHECK(SegmentsToDelete({seg(0, 0, INT64_MIN), seg(0, 0, INT64_MIN)}, 1000, -1, now) == 1);
  }
  SUBCASE("by size: delete while what remains is still >= retention_bytes (Kafka's rule)") {
    std::vector<SegmentInfo> s = {seg(0, 100, 0), seg(10, 100, 0), seg(20, 100, 0), seg(30, 50, 0)};
    CHECK(SegmentsToDelete(s, -1, 350, now) == 0);
    CHECK(SegmentsToDelete(s, -1, 250, now) == 1);
    CHECK(SegmentsToDelete(s, -1, 150, now) == 2);
    CHECK(SegmentsToDelete(s, -1, 151, now) == 1);
    CHECK(SegmentsToDelete(s, -1, 0, now) == 3);  // never the active one
    CHECK(SegmentsToDelete(s, -1, 1000, now) == 0);
  }
  SUBCASE("time and size combine: the longer prefix wins") {
    std::vector<SegmentInfo> s = {seg(0, 100, 100), seg(10, 100, 9999), seg(20, 100, 9999), seg(30, 50, 9999)};
    CHECK(SegmentsToDelete(s, 5000, 1000, now) == 1);  // time only
    CHECK(SegmentsToDelete(s, 5000, 150, now) == 2);   // size goes further
    CHECK(SegmentsToDelete(s, 50000, 150, now) == 2);  // size only
  }
}

TEST_CASE("--fsync batch can leave each batch's sync to the caller, for the segment that batch went to") {
  auto Batch = [](const std::string& value) {
    BatchBuilder b;
    b.Add(kT0, std::nullopt, value, {});
    std::string raw;
    REQUIRE(b.Finish(Codec::kNone, raw).ok());
    return raw;
  };
  for (FsyncPolicy policy : {FsyncPolicy::kNever, FsyncPolicy::kBatch, FsyncPolicy::kAlways}) {
    CAPTURE(static_cast<int>(policy));
    TempDir dir;
    LogConfig config = Config(4096);
    config.fsync = policy;
    auto w = OpenWriter(dir.path(), config);
    std::vector<PendingSync> later;
    std::string a = Batch("small"), b = Batch(std::string(10000, 'B'));  // b rolls to segment 1
    REQUIRE(w->Append(a, kT0, &later).ok());
    REQUIRE(w->Append(b, kT0, &later).ok());
    if (policy != FsyncPolicy::kBatch) {
      CHECK(later.empty());  // never: no sync; always: synced right there
      continue;
    }
    REQUIRE(later.size() == 2);
    CHECK(later[0].segment.path() == SegmentPath(dir.path(), 0, kLogSuffix));
    CHECK(later[1].segment.path() == SegmentPath(dir.path(), 1, kLogSuffix));
    w.reset();  // the writer's own descriptors are gone; the syncs' stay open
    for (auto& s : later) CHECK(s.Run().ok());
    CHECK(ReadValues(dir.path()) == std::vector<std::string>{"small", std::string(10000, 'B')});
  }
}

// A writer checks its directory after each write, and before it by the
// active segment's identity (StateCurrent) or, when that changed, by the
// directory itself: a batch never lands in a directory that replaced the
// one it opened, and one that landed in a deleted directory is an error.
TEST_CASE("a writer whose partition directory was moved away, or replaced, appends nothing and says so") {
  for (bool replaced : {false, true}) {
    CAPTURE(replaced);
    TempDir tmp;
    const std::string dir = tmp.Join("p");
    REQUIRE(klog::os::MakeDir(dir).ok());
    auto w = OpenWriter(dir, Config());
    AppendValues(*w, {"a", "b"}, kT0);
    REQUIRE(klog::os::Rename(dir, tmp.Join("trash")).ok());
    if (replaced) {
      REQUIRE(klog::os::MakeDir(dir).ok());
      AppendValues(*OpenWriter(dir, Config()), {"new"}, kT0);
    }
    std::string batch = MakeBatch({"c"}, kT0);
    auto r = w->Append(batch, kT0);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kNotFound);
    CHECK(r.status().message().find("the topic was deleted while this command was writing to it") !=
          std::string::npos);
    CHECK(ReadValues(tmp.Join("trash")) == std::vector<std::string>{"a", "b"});
    if (replaced) CHECK(ReadValues(dir) == std::vector<std::string>{"new"});
  }
}
