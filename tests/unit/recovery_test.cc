#include <doctest/doctest.h>

#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "log/index.h"
#include "log/partition_reader.h"
#include "log/partition_writer.h"
#include "log/segment_name.h"
#include "os/file.h"
#include "support/log_util.h"
#include "support/temp_dir.h"

using namespace klog::log;
using namespace klog::testing;
using klog::Code;
using klog::Status;

namespace {

const int64_t kT0 = 1'700'000'000'000;

// Every file of a partition directory but the lock, to restore between cases.
using Snapshot = std::map<std::string, std::string>;

Snapshot Take(const std::string& dir) {
  Snapshot s;
  auto names = klog::os::ListDir(dir);
  REQUIRE(names.ok());
  for (const auto& name : *names)
    if (name != "writer.lock") s[name] = ReadAll(dir + "/" + name);
  return s;
}

// Puts the directory back as it was, rewriting only files that changed.
void Restore(const std::string& dir, const Snapshot& s) {
  auto names = klog::os::ListDir(dir);
  REQUIRE(names.ok());
  for (const auto& name : *names)
    if (name != "writer.lock" && !s.count(name)) REQUIRE(klog::os::RemoveFile(dir + "/" + name).ok());
  for (const auto& [name, data] : s) {
    std::string path = dir + "/" + name;
    if (!klog::os::Exists(path) || ReadAll(path) != data) WriteAll(path, data);
  }
}

// Bits to flip in a batch of `size` bytes: all of the fixed header's, where
// each field has its own check, and one per byte of the records after it.
std::vector<uint64_t> BitsToFlip(uint64_t size) {
  std::vector<uint64_t> bits;
  for (uint64_t bit = 0; bit < kBatchHeaderSize * 8; ++bit) bits.push_back(bit);
  for (uint64_t byte = kBatchHeaderSize; byte < size; ++byte) bits.push_back(byte * 8 + byte % 8);
  return bits;
}

struct Built {
  std::vector<std::string> values;  // every record, in offset order
  std::vector<int64_t> ts;
  int64_t last_base = 0;            // base offset of the last batch
  int64_t last_segment = 0;         // base of the active segment
  uint64_t last_start = 0;          // its byte position there
  uint64_t last_end = 0;
};

// Appends `batches` batches of 1-3 records of `value_size` bytes, record
// timestamps kT0 + offset.
Built Build(const std::string& dir, const LogConfig& config, int batches, size_t value_size) {
  auto w = OpenWriter(dir, config);
  Built b;
  size_t last_size = 0;
  for (int i = 0; i < batches; ++i) {
    std::vector<std::string> vals;
    for (int r = 0; r < 1 + i % 3; ++r)
      vals.push_back("b" + std::to_string(i) + "r" + std::to_string(r) + std::string(value_size, 'a' + i % 26));
    std::string raw = MakeBatch(vals, kT0 + static_cast<int64_t>(b.values.size()));
    last_size = raw.size();
    auto base = w->Append(raw, kT0);
    REQUIRE(base.ok());
    b.last_base = *base;
    for (size_t r = 0; r < vals.size(); ++r) b.ts.push_back(kT0 + static_cast<int64_t>(b.values.size() + r));
    b.values.insert(b.values.end(), vals.begin(), vals.end());
  }
  b.last_segment = ListSegments(dir)->back();
  b.last_end = FileSize(SegmentPath(dir, b.last_segment, kLogSuffix));
  b.last_start = b.last_end - last_size;
  return b;
}

std::vector<std::string> Prefix(const std::vector<std::string>& v, int64_t n) {
  return std::vector<std::string>(v.begin(), v.begin() + n);
}

// Every offset's record is found by Seek, and timestamps by OffsetForTimestamp.
void CheckLookups(const std::string& dir, const Built& b, int64_t step = 1) {
  PartitionReader reader(dir, kLabel);
  for (int64_t o = 0; o < static_cast<int64_t>(b.values.size()); o += step) {
    PartitionReader r(dir, kLabel);
    REQUIRE(r.Seek(o).ok());
    Batch batch;
    int64_t skip;
    auto more = r.Next(batch, &skip);
    REQUIRE(more.ok());
    REQUIRE(*more);
    klog::record::RecordView rv;
    while (batch.Next(rv) && rv.offset < skip) {
    }
    CAPTURE(o);
    CHECK(rv.offset == o);
    CHECK(std::string(rv.value) == b.values[o]);
    CHECK(*reader.OffsetForTimestamp(b.ts[o]) == o);
  }
  CHECK(*reader.EndOffset() == static_cast<int64_t>(b.values.size()));
}

bool IndexesConsistent(const std::string& dir, int64_t base) {
  uint64_t oi = FileSize(SegmentPath(dir, base, kOffsetIndexSuffix));
  uint64_t ti = FileSize(SegmentPath(dir, base, kTimeIndexSuffix));
  return oi % kOffsetEntrySize == 0 && ti % kTimeEntrySize == 0 && oi / kOffsetEntrySize == ti / kTimeEntrySize;
}

}  // namespace

// Ninja's DepsLogTest.Truncated, for klog: a writer killed anywhere inside
// its last write loses that batch and nothing else.
TEST_CASE("a torn last batch, cut at every byte, costs only that batch") {
  struct Variant {
    const char* name;
    LogConfig config;
    int batches;
    size_t value_size;
  };
  for (const Variant& v : {Variant{"one small segment", Config(), 6, 10},
                           Variant{"last batch indexed", Config(), 9, 250},
                           Variant{"several segments", Config(600), 12, 60}}) {
    CAPTURE(std::string(v.name));
    TempDir tmp;
    Built b = Build(tmp.path(), v.config, v.batches, v.value_size);
    REQUIRE(b.last_end - b.last_start > kBatchHeaderSize);
    if (std::string_view(v.name) == "last batch indexed") {
      IndexFile index(SegmentPath(tmp.path(), b.last_segment, kOffsetIndexSuffix), kOffsetEntrySize);
      REQUIRE(index.Open().ok());
      REQUIRE(index.count() > 0);
      REQUIRE(index.At(index.count() - 1)->position == b.last_start);
    }
    if (std::string_view(v.name) == "several segments") {
      REQUIRE(ListSegments(tmp.path())->size() >= 3);
      REQUIRE(b.last_start > 0);
    }
    const std::string log = SegmentPath(tmp.path(), b.last_segment, kLogSuffix);
    const Snapshot snap = Take(tmp.path());
    for (uint64_t cut = b.last_start; cut < b.last_end; ++cut) {
      CAPTURE(cut);
      Restore(tmp.path(), snap);
      TruncateAt(log, cut);
      // A reader meanwhile stops cleanly at the last whole batch.
      REQUIRE(ReadValues(tmp.path()) == Prefix(b.values, b.last_base));
      CHECK(*PartitionReader(tmp.path(), kLabel).EndOffset() == b.last_base);

      auto w = OpenWriter(tmp.path(), v.config);
      if (cut % 2 == 0) {
        RecoveryReport report;
        REQUIRE(w->Recover(&report).ok());
        CHECK(report.truncated_bytes == cut - b.last_start);
        CHECK(FileSize(log) == b.last_start);
      }
      CHECK(AppendValues(*w, {"after"}, kT0) == b.last_base);
      std::vector<std::string> expect = Prefix(b.values, b.last_base);
      expect.push_back("after");
      CHECK(ReadValues(tmp.path()) == expect);
      CHECK(IndexesConsistent(tmp.path(), b.last_segment));
    }
    Restore(tmp.path(), snap);
    CheckLookups(tmp.path(), b);
  }
}

TEST_CASE("a torn tail in a compressed batch is cut the same way") {
  TempDir tmp;
  auto w = OpenWriter(tmp.path(), Config());
  AppendValues(*w, {"one", "two"}, kT0);
  std::string z = MakeBatch({std::string(500, 'z'), "three"}, kT0, Codec::kZstd);
  REQUIRE(w->Append(z, kT0).ok());
  uint64_t end = FileSize(SegmentPath(tmp.path(), 0, kLogSuffix));
  TruncateAt(SegmentPath(tmp.path(), 0, kLogSuffix), end - 1);
  CHECK(ReadValues(tmp.path()) == std::vector<std::string>{"one", "two"});
  CHECK(AppendValues(*OpenWriter(tmp.path(), Config()), {"x"}, kT0) == 2);
  CHECK(ReadValues(tmp.path()) == std::vector<std::string>{"one", "two", "x"});
}

TEST_CASE("a recovered writer reports nothing to do on a clean partition") {
  TempDir tmp;
  Built b = Build(tmp.path(), Config(), 40, 200);
  RecoveryReport report;
  REQUIRE(OpenWriter(tmp.path(), Config())->Recover(&report).ok());
  CHECK(report.truncated_bytes == 0);
  CHECK_FALSE(report.rebuilt_indexes);
  CHECK(ReadValues(tmp.path()) == b.values);
}

// The active segment's indexes are damaged in each way a crash or a stray
// write could; the next writer repairs them without touching the log, and
// readers' lookups are right before and after.
TEST_CASE("damaged indexes are repaired and lookups stay right") {
  TempDir tmp;
  Built b = Build(tmp.path(), Config(), 120, 300);  // one segment, ~17 index entries
  const std::string dir = tmp.path();
  const std::string oi = SegmentPath(dir, 0, kOffsetIndexSuffix);
  const std::string ti = SegmentPath(dir, 0, kTimeIndexSuffix);
  const std::string log = SegmentPath(dir, 0, kLogSuffix);
  REQUIRE(FileSize(oi) >= 10 * kOffsetEntrySize);
  const Snapshot snap = Take(dir);
  std::mt19937 rng(42);
  auto random_bytes = [&](size_t n) {
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    return s;
  };
  auto entries = [&](uint32_t rel, uint32_t pos) {
    IndexEntry e{rel, pos, kT0};
    WriteAll(oi, ReadAll(oi) + EncodeOffsetEntry(e));
    WriteAll(ti, ReadAll(ti) + EncodeTimeEntry(e));
  };
  const uint64_t log_size = FileSize(log);
  const uint32_t n = static_cast<uint32_t>(b.values.size());

  std::vector<std::pair<const char*, std::function<void()>>> damages = {
      {"offset index deleted", [&] { REQUIRE(klog::os::RemoveFile(oi).ok()); }},
      {"time index deleted", [&] { REQUIRE(klog::os::RemoveFile(ti).ok()); }},
      {"both deleted", [&] { REQUIRE(klog::os::RemoveFile(oi).ok()); REQUIRE(klog::os::RemoveFile(ti).ok()); }},
      {"both emptied", [&] { TruncateAt(oi, 0); TruncateAt(ti, 0); }},
      {"offset index random", [&] { WriteAll(oi, random_bytes(FileSize(oi))); }},
      {"time index random", [&] { WriteAll(ti, random_bytes(FileSize(ti))); }},
      {"both random, other sizes", [&] { WriteAll(oi, random_bytes(333)); WriteAll(ti, random_bytes(1000)); }},
      {"partial offset entry", [&] { WriteAll(oi, ReadAll(oi) + "abc"); }},
      {"partial time entry", [&] { WriteAll(ti, ReadAll(ti) + "abcdefghijk"); }},
      {"partial entries in both", [&] { WriteAll(oi, ReadAll(oi) + "ab"); WriteAll(ti, ReadAll(ti) + "abcdef"); }},
      {"one more entry only in the offset index", [&] { WriteAll(oi, ReadAll(oi) + EncodeOffsetEntry({n - 1, 8, 0})); }},
      {"entries past the end", [&] { entries(n + 5, static_cast<uint32_t>(log_size + 4096)); }},
      {"entry at the very end", [&] { entries(n, static_cast<uint32_t>(log_size)); }},
      {"entry inside the last batch", [&] { entries(n - 1, static_cast<uint32_t>(log_size - 20)); }},
      {"entry inside an earlier batch", [&] { entries(n / 2, static_cast<uint32_t>(log_size / 2)); }},
      {"entry at a batch start with a wrong offset", [&] { entries(1, static_cast<uint32_t>(b.last_start)); }},
      {"middle of the offset index garbled", [&] {
         std::string s = ReadAll(oi);
         for (size_t i = s.size() / 3; i < 2 * s.size() / 3; ++i) s[i] = static_cast<char>(rng());
         WriteAll(oi, s);
       }},
  };
  for (auto& [name, damage] : damages) {
    CAPTURE(std::string(name));
    Restore(dir, snap);
    damage();
    CheckLookups(dir, b, 7);  // readers verify what they use
    RecoveryReport report;
    REQUIRE(OpenWriter(dir, Config())->Recover(&report).ok());
    CHECK(report.truncated_bytes == 0);
    CHECK(FileSize(log) == log_size);
    CHECK(IndexesConsistent(dir, 0));
    CheckLookups(dir, b);
    CHECK(AppendValues(*OpenWriter(dir, Config()), {"after"}, kT0 + n) == n);
    CHECK(ReadValues(dir).size() == n + 1u);
  }
}

TEST_CASE("damaged indexes of a closed segment do not mislead readers") {
  TempDir tmp;
  Built b = Build(tmp.path(), Config(40000), 150, 300);
  REQUIRE(ListSegments(tmp.path())->size() >= 2);
  const std::string oi = SegmentPath(tmp.path(), 0, kOffsetIndexSuffix);
  const std::string ti = SegmentPath(tmp.path(), 0, kTimeIndexSuffix);
  const Snapshot snap = Take(tmp.path());
  SUBCASE("random") {
    std::mt19937 rng(7);
    std::string a(FileSize(oi), '\0'), c(FileSize(ti), '\0');
    for (auto& x : a) x = static_cast<char>(rng());
    for (auto& x : c) x = static_cast<char>(rng());
    WriteAll(oi, a);
    WriteAll(ti, c);
  }
  SUBCASE("entries past the end") {
    IndexEntry e{1000, 1u << 30, kT0};
    WriteAll(oi, ReadAll(oi) + EncodeOffsetEntry(e));
    WriteAll(ti, ReadAll(ti) + EncodeTimeEntry(e));
  }
  SUBCASE("deleted") {
    REQUIRE(klog::os::RemoveFile(oi).ok());
    REQUIRE(klog::os::RemoveFile(ti).ok());
  }
  CheckLookups(tmp.path(), b, 3);
  CHECK(ReadValues(tmp.path()) == b.values);
}

// A bit flipped in a batch that later ones follow is damage, not a torn
// tail: readers report it and deliver nothing from it, and nothing is cut.
// Writers append, and readers reach later offsets, only when the batch
// after it proves where the damaged one ends.
TEST_CASE("a flipped bit in a middle batch is Corruption naming topic, partition and offset") {
  TempDir tmp;
  const std::string dir = tmp.path();
  auto w = OpenWriter(dir, Config());
  AppendValues(*w, {"a0", "a1"}, kT0);
  uint64_t start = FileSize(SegmentPath(dir, 0, kLogSuffix));
  AppendValues(*w, {"m2", "m3", "m4"}, kT0);
  uint64_t end = FileSize(SegmentPath(dir, 0, kLogSuffix));
  AppendValues(*w, {"z5"}, kT0);
  AppendValues(*w, {"z6", "z7"}, kT0);
  w.reset();
  const std::string log = SegmentPath(dir, 0, kLogSuffix);
  const Snapshot snap = Take(dir);
  const uint64_t size = FileSize(log);
  for (uint64_t flip : BitsToFlip(end - start)) {
    CAPTURE(flip / 8);
    CAPTURE(flip % 8);
    Restore(dir, snap);
    FlipBit(log, start + flip / 8, static_cast<int>(flip % 8));
    std::vector<Rec> recs;
    Status st = ReadRecords(dir, 0, &recs);
    CHECK(st.code() == Code::kCorruption);
    CHECK(st.message().find("topic 't' partition 0 offset 2") != std::string::npos);
    REQUIRE(recs.size() == 2u);  // a0 and a1; never m2..m4, nor anything after them
    CHECK(recs[1].value == "a1");
    // Past it: when the next batch's valid header proves where the damaged
    // one ends (its length and record count intact: any bit of the CRC,
    // timestamps or records), readers asked for a later offset get there
    // and writers append after it (issue 20 item 20); else both refuse.
    recs.clear();
    Status later = ReadRecords(dir, 5, &recs);
    const uint64_t byte = flip / 8;
    const bool header_bad = byte < 12 || byte == 16 || (byte == 17 && flip % 8 != 0) || (byte >= 20 && byte < 24);
    const bool provable = !header_bad;  // base offset, length, magic, codec, count: nothing proves the end
    CHECK(later.ok() == provable);
    if (later.ok()) {
      REQUIRE(recs.size() == 3u);
      CHECK(recs[0].value == "z5");
      CHECK(recs[2].value == "z7");
    } else {
      CHECK(later.code() == Code::kCorruption);
      CHECK(recs.empty());
    }

    std::string batch = MakeBatch({"new"}, kT0);
    auto r = OpenWriter(dir, Config())->Append(batch, kT0);
    if (provable) {
      REQUIRE(r.ok());
      CHECK(*r == 8);
      CHECK(ReadValues(dir, 5) == std::vector<std::string>{"z5", "z6", "z7", "new"});
    } else {
      CHECK(r.status().code() == Code::kCorruption);
      CHECK(r.status().message().find("topic 't' partition 0") != std::string::npos);
      CHECK(FileSize(log) == size);
    }
  }
}

// The last batch is whole but damaged: no bit of it may make recovery take
// it for a torn tail (which would cut it); a damaged length field included.
TEST_CASE("a flipped bit in the last batch is Corruption, never cut as a torn tail") {
  TempDir tmp;
  const std::string dir = tmp.path();
  auto w = OpenWriter(dir, Config());
  AppendValues(*w, {"a0", "a1"}, kT0);
  const std::string log = SegmentPath(dir, 0, kLogSuffix);
  uint64_t start = FileSize(log);
  AppendValues(*w, {"last2", "last3"}, kT0);
  w.reset();
  const Snapshot snap = Take(dir);
  const uint64_t size = FileSize(log);
  for (uint64_t flip : BitsToFlip(size - start)) {
    CAPTURE(flip / 8);
    CAPTURE(flip % 8);
    Restore(dir, snap);
    FlipBit(log, start + flip / 8, static_cast<int>(flip % 8));
    std::vector<Rec> recs;
    CHECK(ReadRecords(dir, 0, &recs).code() == Code::kCorruption);
    CHECK(recs.size() == 2u);
    RecoveryReport report;
    Status st = OpenWriter(dir, Config())->Recover(&report);
    CHECK(st.code() == Code::kCorruption);
    CHECK(st.message().find("topic 't' partition 0 offset 2") != std::string::npos);
    CHECK(report.truncated_bytes == 0);
    CHECK(FileSize(log) == size);
  }
}
