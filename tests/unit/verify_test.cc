// VerifyPartition / RepairPartition / DumpPartition at the library level:
// each kind of damage is made on purpose (LevelDB's log_test style) and must
// be reported at the right place, and repaired only when no valid batch is lost.
#include "log/verify.h"

#include <doctest/doctest.h>

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "log/batch.h"
#include "log/dump.h"
#include "log/index.h"
#include "log/lost_offsets.h"
#include "log/partition_writer.h"
#include "log/retention_plan.h"
#include "log/segment_name.h"
#include "os/file.h"
#include "support/log_util.h"
#include "support/temp_dir.h"
#include "util/crc32c.h"
#include "util/endian.h"

using namespace klog::log;
using namespace klog::testing;
using klog::Status;

namespace {

const int64_t kT0 = 1'700'000'000'000;

// Every file of a directory with its content: "nothing changed" checks.
std::map<std::string, std::string> Snapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  auto names = klog::os::ListDir(dir);
  REQUIRE(names.ok());
  for (const auto& n : *names) files[n] = ReadAll(dir + "/" + n);
  return files;
}

VerifyReport Verify(const std::string& dir) {
  auto r = VerifyPartition(dir, kLabel);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  return *r;
}

RepairReport Repair(const std::string& dir) {
  auto r = RepairPartition(dir, kLabel, Config());
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  return *r;
}

std::string Value(int i) { return "value-" + std::to_string(i) + "-" + std::string(40 + i % 50, 'x'); }

// `batches` batches of 3 records each (values Value(0), Value(1), ...).
// With segment_bytes 16 KiB, about 4 KiB per index entry, segments hold
// several index entries: the index checks have something to check.
std::vector<std::string> Fill(const std::string& dir, int batches, uint64_t segment_bytes = 16 << 10) {
  auto w = OpenWriter(dir, Config(segment_bytes));
  std::vector<std::string> all;
  for (int b = 0; b < batches; ++b) {
    std::vector<std::string> vals;
    for (int i = 0; i < 3; ++i) vals.push_back(Value(static_cast<int>(all.size()) + i));
    AppendValues(*w, vals, kT0 + b * 10);
    all.insert(all.end(), vals.begin(), vals.end());
  }
  return all;
}

std::vector<int64_t> Segments(const std::string& dir) {
  auto s = ListSegments(dir);
  REQUIRE(s.ok());
  return *s;
}

// Byte positions of the batches of one segment.
std::vector<uint64_t> BatchPositions(const std::string& dir, int64_t base) {
  std::vector<uint64_t> out;
  DumpOptions o;
  o.from_offset = base;
  Status st = DumpPartition(dir, kLabel, o, [&](const BatchSummary& s, const Batch*) {
    if (s.segment_base == base) out.push_back(s.position);
    return Status::Ok();
  });
  REQUIRE(st.ok());
  return out;
}

std::string Log(const std::string& dir, int64_t base) { return SegmentPath(dir, base, kLogSuffix); }
std::string OffsetIndex(const std::string& dir, int64_t base) { return SegmentPath(dir, base, kOffsetIndexSuffix); }
std::string TimeIndex(const std::string& dir, int64_t base) { return SegmentPath(dir, base, kTimeIndexSuffix); }

void Recrc(std::string& batch) {
  klog::util::PutFixed<uint32_t>(batch.data() + kBatchCrcAt,
                                 klog::util::Crc32c(batch.data() + kBatchCrcStart, batch.size() - kBatchCrcStart));
}

// The single problem a report must have.
Damage Only(const VerifyReport& r) {
  REQUIRE_MESSAGE(r.damage.size() >= 1, "expected damage, report is clean");
  return r.damage.front();
}

}  // namespace

TEST_CASE("verify: a clean partition of many segments is OK with exact counts") {
  TempDir tmp;
  auto values = Fill(tmp.path(), 300);
  VerifyReport r = Verify(tmp.path());
  CHECK(r.ok());
  CHECK(r.segments == static_cast<int>(Segments(tmp.path()).size()));
  CHECK(r.segments > 3);
  CHECK(r.batches == 300);
  CHECK(r.records == 900);
  CHECK(r.start_offset == 0);
  CHECK(r.end_offset == 900);
  // The indexes really have entries (so later index tests test something).
  CHECK(FileSize(OffsetIndex(tmp.path(), 0)) >= 2 * kOffsetEntrySize);
}

TEST_CASE("verify: an empty partition directory is OK") {
  TempDir tmp;
  VerifyReport r = Verify(tmp.path());
  CHECK(r.ok());
  CHECK(r.segments == 0);
  CHECK(r.end_offset == 0);
}

TEST_CASE("verify: a missing partition directory is an error naming the partition") {
  TempDir tmp;
  auto r = VerifyPartition(tmp.Join("nope"), kLabel);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find(kLabel) != std::string::npos);
}

TEST_CASE("verify: creates nothing (works on a read-only copy)") {
  TempDir tmp;
  std::string dir = tmp.Join("p");
  REQUIRE(klog::os::MakeDirs(dir).ok());
  Fill(dir, 50);
  // Remove the lock file a writer leaves, as a backup copy may not have it.
  REQUIRE(klog::os::RemoveFile(dir + "/writer.lock").ok());
  auto segs = Segments(dir);
  TruncateAt(Log(dir, segs.back()), FileSize(Log(dir, segs.back())) - 3);  // damage: re-checked "under the lock"
  auto before = Snapshot(dir);
  VerifyReport r = Verify(dir);
  CHECK_FALSE(r.ok());
  CHECK(Snapshot(dir) == before);
}

TEST_CASE("verify: a torn tail in the active segment, cut at every byte, is repaired without losing a batch") {
  TempDir tmp;
  std::string src = tmp.Join("src");
  REQUIRE(klog::os::MakeDirs(src).ok());
  auto values = Fill(src, 4, 1 << 20);
  auto pos = BatchPositions(src, 0);
  REQUIRE(pos.size() == 4);
  uint64_t last = pos.back(), size = FileSize(Log(src, 0));
  auto files = Snapshot(src);
  for (uint64_t cut = last; cut < size; ++cut) {
    CAPTURE(cut);
    std::string dir = tmp.Join("cut" + std::to_string(cut));
    REQUIRE(klog::os::MakeDirs(dir).ok());
    for (const auto& [name, data] : files) WriteAll(dir + "/" + name, data);
    TruncateAt(Log(dir, 0), cut);
    VerifyReport r = Verify(dir);
    if (cut == last) {  // exactly at a batch boundary: nothing to see
      CHECK(r.ok());
      continue;
    }
    Damage d = Only(r);
    CHECK(d.kind == DamageKind::kTornTail);
    CHECK(d.position == last);
    CHECK(d.offset == 9);
    CHECK(d.repairable);
    RepairReport rr = Repair(dir);
    CHECK(rr.changed());
    CHECK(rr.after.ok());
    CHECK(FileSize(Log(dir, 0)) == last);
    CHECK(ReadValues(dir) == std::vector<std::string>(values.begin(), values.begin() + 9));
  }
}

TEST_CASE("verify: zero bytes after the last batch are a repairable torn tail") {
  TempDir tmp;
  auto values = Fill(tmp.path(), 5, 1 << 20);
  uint64_t size = FileSize(Log(tmp.path(), 0));
  for (uint64_t zeros : {7u, 40u, 300u}) {
    CAPTURE(zeros);
    TruncateAt(Log(tmp.path(), 0), size + zeros);  // extends with zeros
    Damage d = Only(Verify(tmp.path()));
    CHECK(d.kind == DamageKind::kTornTail);
    CHECK(d.position == size);
    RepairReport rr = Repair(tmp.path());
    CHECK(rr.after.ok());
    CHECK(FileSize(Log(tmp.path(), 0)) == size);
    CHECK(ReadValues(tmp.path()) == values);
  }
}

// A power loss during an unsynced append keeps some sectors of it and zeros
// for others, or a prefix and then zeros: the batch fits in the file but
// fails its checks. With nothing valid after it, it is a torn tail that
// repair cuts; with a valid batch after it, damage that repair never cuts
// (issue 19 item 3; found by the power-loss test, which reported these as
// "not repairable").
TEST_CASE("verify: a last batch torn into sectors, or a prefix then zeros, is a repairable torn tail") {
  enum Shape { kMiddleSector, kFirstSectorShare, kPrefixThenZeros, kMiddleSectorThenValid };
  for (Shape shape : {kMiddleSector, kFirstSectorShare, kPrefixThenZeros, kMiddleSectorThenValid}) {
    CAPTURE(shape);
    TempDir tmp;
    auto values = Fill(tmp.path(), 4, 1 << 20);
    {
      auto w = OpenWriter(tmp.path(), Config(1 << 20));
      AppendValues(*w, {std::string(700, 'a'), std::string(700, 'b'), std::string(700, 'c')}, kT0 + 100);
    }
    const std::string log = Log(tmp.path(), 0);
    auto pos = BatchPositions(tmp.path(), 0);
    REQUIRE(pos.size() == 5);
    const uint64_t last = pos.back(), size = FileSize(log);
    const uint64_t b = (last / 512 + 1) * 512;  // the first sector boundary inside the last batch
    REQUIRE(b + 512 < size);
    std::string bytes = ReadAll(log);
    if (shape == kMiddleSector || shape == kMiddleSectorThenValid) {
      bytes.replace(b, 512, std::string(512, '\0'));
    } else if (shape == kFirstSectorShare) {
      bytes.replace(last, b - last, std::string(b - last, '\0'));  // "bad batch header: batch length 0"
    } else {
      bytes.replace(last + 100, size - last - 100, std::string(size - last - 100, '\0'));
      bytes += std::string(size - last, '\0');  // and the next append never written back
    }
    if (shape == kMiddleSectorThenValid) bytes += bytes.substr(0, pos[1]);  // a whole, valid batch
    WriteAll(log, bytes);

    VerifyReport r = Verify(tmp.path());
    Damage d = Only(r);
    CHECK(d.position == last);
    CHECK(d.offset == 12);
    if (shape == kMiddleSectorThenValid) {
      CHECK(d.kind != DamageKind::kTornTail);
      CHECK_FALSE(r.repairable());
      auto before = Snapshot(tmp.path());
      CHECK_FALSE(Repair(tmp.path()).changed());
      CHECK(Snapshot(tmp.path()) == before);
      continue;
    }
    CHECK(d.kind == DamageKind::kTornTail);
    CHECK(d.repairable);
    RepairReport rr = Repair(tmp.path());
    CHECK(rr.after.ok());
    REQUIRE(!rr.actions.empty());
    CHECK(rr.actions[0].find("cut the torn tail of " + SegmentFileName(0, kLogSuffix)) == 0);
    CHECK(FileSize(log) == last);
    CHECK(ReadValues(tmp.path()) == values);
  }
}

// A closed segment cut short while the next one exists is what a power loss
// under an older klog left (the next segment created before the old one's
// tail was synced): the cut-off offsets are gone for good. Repair cuts the
// half-written batch and records the gap as lost (issue 19 item 1).
TEST_CASE("verify: a closed segment cut short is a gap: reported, and repaired by recording what is lost") {
  TempDir tmp;
  Fill(tmp.path(), 300);
  auto segs = Segments(tmp.path());
  REQUIRE(segs.size() >= 3);
  TruncateAt(Log(tmp.path(), segs[1]), FileSize(Log(tmp.path(), segs[1])) - 10);
  VerifyReport r = Verify(tmp.path());
  REQUIRE(r.damage.size() == 2u);
  const Damage& d = r.damage[0];
  CHECK(d.kind == DamageKind::kTruncated);
  CHECK(d.segment_base == segs[1]);
  CHECK(d.file == SegmentFileName(segs[1], kLogSuffix));
  CHECK(d.repairable);
  const Damage& gap = r.damage[1];
  CHECK(gap.kind == DamageKind::kSegmentGap);
  CHECK(gap.offset == d.offset);
  CHECK(gap.segment_base == segs[2]);
  CHECK(gap.repairable);
  CHECK(r.repairable());
  RepairReport rr = Repair(tmp.path());
  CHECK(rr.changed());
  CHECK(rr.after.ok());
  REQUIRE(rr.actions.size() >= 2u);
  CHECK(rr.actions[0].find("cut the end of closed segment") == 0);
  CHECK(rr.actions[1].find("recorded offsets " + std::to_string(d.offset) + " to " + std::to_string(segs[2] - 1)) == 0);
  CHECK(FileSize(Log(tmp.path(), segs[1])) == d.position);
  CHECK(Verify(tmp.path()).ok());
}

// A power loss under --fsync never (a klog mirror target, found by the
// power-loss test) can leave a gap and a torn active segment in the same
// partition. Repair recorded every damage that was not a cut segment as a
// gap, the torn tail too ('78 77' in lost-offsets), and every reader and
// writer of the partition then failed on that line.
TEST_CASE("verify: a gap and a torn tail in one partition: repair records only the gap") {
  TempDir tmp;
  Fill(tmp.path(), 300);
  auto segs = Segments(tmp.path());
  REQUIRE(segs.size() >= 3);
  TruncateAt(Log(tmp.path(), segs[1]), FileSize(Log(tmp.path(), segs[1])) - 10);
  int64_t last = segs.back();
  uint64_t size = FileSize(Log(tmp.path(), last));
  TruncateAt(Log(tmp.path(), last), size + 300);  // zeros: a torn tail
  VerifyReport r = Verify(tmp.path());
  CHECK(r.damage.size() == 3u);
  CHECK(r.repairable());
  RepairReport rr = Repair(tmp.path());
  CHECK(rr.after.ok());
  auto lost = ReadLostOffsets(tmp.path());
  REQUIRE_MESSAGE(lost.ok(), lost.status().message());
  REQUIRE(lost->size() == 1u);
  CHECK((*lost)[0].last == segs[2] - 1);
  CHECK(FileSize(Log(tmp.path(), last)) == size);
  CHECK(Verify(tmp.path()).ok());
}

TEST_CASE("verify: flipped bits in a batch header are reported at that batch") {
  struct Case {
    const char* name;
    uint64_t byte;  // within the batch
    DamageKind kind;
  };
  const Case cases[] = {
      {"base offset", 0, DamageKind::kOffsetSequence},
      {"length", 8, DamageKind::kChecksum},  // the CRC now covers one byte more or less
      {"crc", 12, DamageKind::kChecksum},
      {"magic", 16, DamageKind::kBadHeader},
      {"attributes", 17, DamageKind::kBadHeader},
      {"record count", 20, DamageKind::kChecksum},
      {"first timestamp", 24, DamageKind::kChecksum},
      {"max timestamp", 32, DamageKind::kChecksum},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    TempDir tmp;
    Fill(tmp.path(), 300);
    auto segs = Segments(tmp.path());
    auto pos = BatchPositions(tmp.path(), segs[1]);
    REQUIRE(pos.size() > 4);
    FlipBit(Log(tmp.path(), segs[1]), pos[2] + c.byte, 3);
    VerifyReport r = Verify(tmp.path());
    Damage d = Only(r);
    CHECK(d.kind == c.kind);
    CHECK(d.segment_base == segs[1]);
    CHECK(d.position == pos[2]);
    CHECK(d.offset == segs[1] + 6);
    CHECK_FALSE(r.repairable());
    CHECK(r.Describe(d).find("offset " + std::to_string(segs[1] + 6)) != std::string::npos);
    CHECK(r.Describe(d).find(SegmentFileName(segs[1], kLogSuffix) + " byte " + std::to_string(pos[2])) !=
          std::string::npos);
    auto before = Snapshot(tmp.path());
    CHECK_FALSE(Repair(tmp.path()).changed());
    CHECK(Snapshot(tmp.path()) == before);
  }
}

TEST_CASE("verify: a flipped bit in a payload is a checksum mismatch, also in the active segment") {
  TempDir tmp;
  Fill(tmp.path(), 300);
  auto segs = Segments(tmp.path());
  for (int64_t base : {segs.front(), segs.back()}) {
    CAPTURE(base);
    auto pos = BatchPositions(tmp.path(), base);
    REQUIRE(pos.size() >= 2);
    uint64_t at = pos[pos.size() - 1] + kBatchHeaderSize + 5;  // the last batch: not a torn tail either
    FlipBit(Log(tmp.path(), base), at, 0);
    Damage d = Only(Verify(tmp.path()));
    CHECK(d.kind == DamageKind::kChecksum);
    CHECK(d.position == pos.back());
    CHECK_FALSE(d.repairable);
    auto before = Snapshot(tmp.path());
    CHECK_FALSE(Repair(tmp.path()).changed());
    CHECK(Snapshot(tmp.path()) == before);
    FlipBit(Log(tmp.path(), base), at, 0);
    CHECK(Verify(tmp.path()).ok());
  }
}

TEST_CASE("verify: a zstd frame that does not decompress is reported although its CRC is good") {
  TempDir tmp;
  auto w = OpenWriter(tmp.path(), Config());
  AppendValues(*w, {"good"}, kT0);
  std::string bad = MakeBatch({"not", "compressed"}, kT0, Codec::kNone);
  bad[kBatchAttributesAt] = static_cast<char>(Codec::kZstd);  // claims zstd, holds plain records
  Recrc(bad);
  REQUIRE(w->Append(bad, kT0).ok());
  Damage d = Only(Verify(tmp.path()));
  CHECK(d.kind == DamageKind::kBadRecords);
  CHECK(d.offset == 1);
  CHECK(d.message.find("zstd") != std::string::npos);
}

TEST_CASE("verify: records that do not decode are reported although the CRC is good") {
  for (uint32_t count : {2u, 4u}) {  // fewer records than stored (trailing bytes); more (runs off the end)
    CAPTURE(count);
    TempDir tmp;
    auto w = OpenWriter(tmp.path(), Config());
    AppendValues(*w, {"a"}, kT0);
    std::string bad = MakeBatch({"x", "y", "z"}, kT0);
    klog::util::PutFixed<uint32_t>(bad.data() + kBatchRecordCountAt, count);
    Recrc(bad);
    REQUIRE(w->Append(bad, kT0).ok());
    Damage d = Only(Verify(tmp.path()));
    CHECK(d.kind == DamageKind::kBadRecords);
    CHECK(d.offset == 1);
  }
}

TEST_CASE("verify: compressed batches verify and dump like plain ones") {
  TempDir tmp;
  auto w = OpenWriter(tmp.path(), Config());
  for (int i = 0; i < 20; ++i) {
    std::string b = MakeBatch({Value(i), Value(i + 1)}, kT0 + i, Codec::kZstd);
    REQUIRE(w->Append(b, kT0).ok());
  }
  VerifyReport r = Verify(tmp.path());
  CHECK(r.ok());
  CHECK(r.records == 40);
  int zstd = 0;
  REQUIRE(DumpPartition(tmp.path(), kLabel, {}, [&](const BatchSummary& s, const Batch* b) {
            zstd += s.header.codec() == Codec::kZstd && s.crc_ok && b != nullptr;
            return Status::Ok();
          }).ok());
  CHECK(zstd == 20);
}

TEST_CASE("verify: index damage of every kind is reported and rebuilt to the same bytes") {
  struct Case {
    const char* name;
    void (*damage)(const std::string& dir, int64_t base);
  };
  const Case cases[] = {
      {"flipped bit in a position", [](const std::string& d, int64_t b) { FlipBit(OffsetIndex(d, b), 4, 2); }},
      {"flipped bit in a relative offset", [](const std::string& d, int64_t b) { FlipBit(OffsetIndex(d, b), 8, 0); }},
      {"flipped bit in a time entry's timestamp",
       [](const std::string& d, int64_t b) { FlipBit(TimeIndex(d, b), 16, 1); }},
      {"flipped high bit: points past the end",
       [](const std::string& d, int64_t b) { FlipBit(OffsetIndex(d, b), 7, 6); }},
      {"partial entry",
       [](const std::string& d, int64_t b) {
         WriteAll(OffsetIndex(d, b), ReadAll(OffsetIndex(d, b)) + std::string(3, '\1'));
       }},
      {"entries out of order",
       [](const std::string& d, int64_t b) {
         std::string s = ReadAll(OffsetIndex(d, b));
         REQUIRE(s.size() >= 2 * kOffsetEntrySize);
         std::string swapped = s.substr(8, 8) + s.substr(0, 8) + s.substr(16);
         WriteAll(OffsetIndex(d, b), swapped);
       }},
      {"time index one entry short",
       [](const std::string& d, int64_t b) {
         TruncateAt(TimeIndex(d, b), FileSize(TimeIndex(d, b)) - kTimeEntrySize);
       }},
      {"missing offset index",
       [](const std::string& d, int64_t b) { REQUIRE(klog::os::RemoveFile(OffsetIndex(d, b)).ok()); }},
      {"missing time index",
       [](const std::string& d, int64_t b) { REQUIRE(klog::os::RemoveFile(TimeIndex(d, b)).ok()); }},
  };
  for (const Case& c : cases) {
    for (int which : {0, 1}) {  // a closed segment, then the active one
      CAPTURE(c.name);
      CAPTURE(which);
      TempDir tmp;
      Fill(tmp.path(), 300, which == 0 ? 16 << 10 : 1 << 20);
      auto segs = Segments(tmp.path());
      int64_t base = which == 0 ? segs[1] : segs.back();
      REQUIRE(FileSize(OffsetIndex(tmp.path(), base)) >= 2 * kOffsetEntrySize);
      auto good = Snapshot(tmp.path());
      c.damage(tmp.path(), base);
      VerifyReport r = Verify(tmp.path());
      Damage d = Only(r);
      CHECK((d.kind == DamageKind::kIndex || d.kind == DamageKind::kMissingIndex));
      CHECK(d.segment_base == base);
      CHECK(d.repairable);
      CHECK(r.repairable());
      RepairReport rr = Repair(tmp.path());
      CHECK(rr.changed());
      CHECK(rr.after.ok());
      CHECK(Snapshot(tmp.path()) == good);  // rebuilt byte for byte; the logs untouched
    }
  }
}

TEST_CASE("verify: a missing index is fine where the segment needs no entries") {
  TempDir tmp;
  Fill(tmp.path(), 5, 1 << 20);  // well under kIndexIntervalBytes
  REQUIRE(FileSize(Log(tmp.path(), 0)) < kIndexIntervalBytes);
  REQUIRE(klog::os::RemoveFile(OffsetIndex(tmp.path(), 0)).ok());
  REQUIRE(klog::os::RemoveFile(TimeIndex(tmp.path(), 0)).ok());
  CHECK(Verify(tmp.path()).ok());
}

TEST_CASE("verify: a missing index is reported by name") {
  TempDir tmp;
  Fill(tmp.path(), 300);
  auto segs = Segments(tmp.path());
  REQUIRE(klog::os::RemoveFile(OffsetIndex(tmp.path(), segs[0])).ok());
  Damage d = Only(Verify(tmp.path()));
  CHECK(d.kind == DamageKind::kMissingIndex);
  CHECK(d.file == SegmentFileName(segs[0], kOffsetIndexSuffix));
}

TEST_CASE("verify: an overlapping segment is reported; repair changes nothing") {
  TempDir tmp;
  Fill(tmp.path(), 300);
  auto segs = Segments(tmp.path());
  REQUIRE(segs.size() >= 3);
  // A stray copy of segment 0 under a name inside segment 0's range.
  int64_t stray = segs[0] + 3;
  WriteAll(Log(tmp.path(), stray), ReadAll(Log(tmp.path(), segs[0])));
  VerifyReport r = Verify(tmp.path());
  Damage d = Only(r);
  CHECK(d.kind == DamageKind::kSegmentOverlap);
  CHECK(d.segment_base == stray);
  CHECK(d.position == 0);
  CHECK(d.message.find(SegmentFileName(segs[0], kLogSuffix)) != std::string::npos);
  auto before = Snapshot(tmp.path());
  CHECK_FALSE(Repair(tmp.path()).changed());
  CHECK(Snapshot(tmp.path()) == before);
}

TEST_CASE("verify: a segment missing from the middle is a gap") {
  TempDir tmp;
  Fill(tmp.path(), 300);
  auto segs = Segments(tmp.path());
  REQUIRE(segs.size() >= 3);
  for (const char* suffix : {kLogSuffix, kOffsetIndexSuffix, kTimeIndexSuffix})
    REQUIRE(klog::os::RemoveFile(SegmentPath(tmp.path(), segs[1], suffix)).ok());
  Damage d = Only(Verify(tmp.path()));
  CHECK(d.kind == DamageKind::kSegmentGap);
  CHECK(d.segment_base == segs[2]);
  CHECK(d.message.find("offsets " + std::to_string(segs[1]) + " to " + std::to_string(segs[2] - 1)) !=
        std::string::npos);
}

TEST_CASE("verify: an append in progress is never reported as damage") {
  TempDir tmp;
  auto w = OpenWriter(tmp.path(), Config(8 << 10));
  std::atomic<bool> stop{false};
  std::atomic<int> appended{0};
  // Bounded: each verify reads the whole log, so an endless writer on a
  // busy machine would make the checks ever slower.
  constexpr int kMaxAppends = 20000;
  std::thread writer([&] {
    int i = 0;
    while (!stop.load() && i < kMaxAppends) {
      std::string b = MakeBatch({Value(i), Value(i + 1)}, kT0 + i);
      if (!w->Append(b, kT0).ok()) break;
      ++i;
      appended.store(i);
    }
  });
  int checks = 0;
  bool all_ok = true;
  std::string first_problem;
  while (checks < 200 || appended.load() < 200) {
    auto r = VerifyPartition(tmp.path(), kLabel);
    if (!r.ok() || !r->ok()) {
      all_ok = false;
      first_problem = r.ok() ? r->Describe(r->damage.front()) : r.status().message();
      break;
    }
    ++checks;
  }
  stop.store(true);
  writer.join();
  CHECK_MESSAGE(all_ok, first_problem);
  CHECK(Verify(tmp.path()).ok());
}

TEST_CASE("dump: batches from an offset, with a bad checksum shown and passed") {
  TempDir tmp;
  Fill(tmp.path(), 300);
  auto segs = Segments(tmp.path());
  std::vector<BatchSummary> all;
  REQUIRE(DumpPartition(tmp.path(), kLabel, {}, [&](const BatchSummary& s, const Batch* b) {
            CHECK(b != nullptr);
            all.push_back(s);
            return Status::Ok();
          }).ok());
  REQUIRE(all.size() == 300);
  for (size_t i = 0; i < all.size(); ++i) {
    CHECK(all[i].header.base_offset == static_cast<int64_t>(3 * i));
    CHECK(all[i].header.record_count == 3);
    CHECK(all[i].crc_ok);
    CHECK(all[i].problem.empty());
  }

  DumpOptions from;
  from.from_offset = 301;  // inside batch 100
  from.max_batches = 4;
  std::vector<int64_t> bases;
  REQUIRE(DumpPartition(tmp.path(), kLabel, from, [&](const BatchSummary& s, const Batch*) {
            bases.push_back(s.header.base_offset);
            return Status::Ok();
          }).ok());
  CHECK(bases == std::vector<int64_t>{300, 303, 306, 309});

  FlipBit(Log(tmp.path(), 0), all[1].position + kBatchHeaderSize + 2, 5);
  std::vector<BatchSummary> again;
  std::vector<bool> decoded;
  REQUIRE(DumpPartition(tmp.path(), kLabel, {}, [&](const BatchSummary& s, const Batch* b) {
            again.push_back(s);
            decoded.push_back(b != nullptr);
            return Status::Ok();
          }).ok());
  REQUIRE(again.size() == 300);
  CHECK_FALSE(again[1].crc_ok);
  CHECK_FALSE(decoded[1]);
  CHECK(again[1].problem == "checksum mismatch");
  CHECK(again[2].crc_ok);
}

TEST_CASE("dump: a bad header stops the walk with an error naming the place") {
  TempDir tmp;
  Fill(tmp.path(), 10, 1 << 20);
  auto pos = BatchPositions(tmp.path(), 0);
  FlipBit(Log(tmp.path(), 0), pos[4] + kBatchMagicAt, 0);
  int seen = 0;
  Status st = DumpPartition(tmp.path(), kLabel, {}, [&](const BatchSummary&, const Batch*) {
    ++seen;
    return Status::Ok();
  });
  CHECK(seen == 4);
  CHECK(st.code() == klog::Code::kCorruption);
  CHECK(st.message().find("byte " + std::to_string(pos[4])) != std::string::npos);
}

TEST_CASE("retention plan: lists what EnforceRetentionNow then deletes, never the active segment") {
  TempDir tmp;
  Fill(tmp.path(), 300);
  auto segs = Segments(tmp.path());
  LogConfig c = Config(16 << 10);
  c.retention_bytes = 20 << 10;
  auto infos = ReadSegmentInfos(tmp.path());
  REQUIRE(infos.ok());
  auto plan = PlanRetention(tmp.path(), c, kT0);
  REQUIRE(plan.ok());
  REQUIRE(!plan->empty());
  REQUIRE(plan->size() < segs.size() - 1);
  CHECK(Segments(tmp.path()) == segs);  // a plan deletes nothing
  uint64_t kept = 0;
  for (size_t i = plan->size(); i < infos->size(); ++i) kept += (*infos)[i].bytes;
  CHECK(kept >= static_cast<uint64_t>(c.retention_bytes));                                // enough is kept
  CHECK(kept - (*infos)[plan->size()].bytes < static_cast<uint64_t>(c.retention_bytes));  // and no more
  for (size_t i = 0; i < plan->size(); ++i) {
    CHECK((*plan)[i].segment.base_offset == segs[i]);
    CHECK((*plan)[i].end_offset == segs[i + 1]);
    CHECK_FALSE((*plan)[i].by_time);
  }
  auto done = EnforceRetentionNow(tmp.path(), kLabel, c, kT0);
  REQUIRE(done.ok());
  REQUIRE(done->size() == plan->size());
  for (size_t i = 0; i < done->size(); ++i) {
    CHECK((*done)[i].segment.base_offset == (*plan)[i].segment.base_offset);
    CHECK((*done)[i].end_offset == (*plan)[i].end_offset);
  }
  CHECK(Segments(tmp.path()).size() == segs.size() - plan->size());
  CHECK(Verify(tmp.path()).ok());  // what is left is still a whole partition
}
