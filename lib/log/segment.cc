#include "log/segment.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <vector>

#include "log/index.h"
#include "log/segment_name.h"
#include "util/crc32c.h"

namespace klog::log {

namespace {

// A torn tail (a killed append) and a whole batch whose length field took a
// flipped bit both look like a batch running past the end of the file; only
// the first may be cut. Told apart by the CRC: if the bytes there check out
// for the length with one of its set bits cleared, the batch is whole.
bool WholeBatchWithDamagedLength(const os::File& log, uint64_t size, uint64_t pos, const BatchHeader& h) {
  std::vector<uint64_t> ends;  // candidate batch sizes
  for (int k = 0; k < 32; ++k) {
    uint64_t total = kBatchLengthPrefix + (h.length & ~(1u << k));
    if ((h.length & (1u << k)) && total >= kBatchHeaderSize && total <= size - pos) ends.push_back(total);
  }
  std::sort(ends.begin(), ends.end());
  uint32_t crc = 0;
  uint64_t done = kBatchCrcStart;
  char buf[65536];
  for (uint64_t end : ends) {
    while (done < end) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(sizeof buf, end - done));
      auto n = log.ReadAt(pos + done, buf, want);
      if (!n.ok() || *n != want) return false;
      crc = util::Crc32cExtend(crc, buf, want);
      done += want;
    }
    if (crc == h.crc) return true;
  }
  return false;
}

}  // namespace

bool AllZeros(const os::File& log, uint64_t pos, uint64_t size) {
  char buf[65536];
  while (pos < size) {
    auto n = log.ReadAt(pos, buf, static_cast<size_t>(std::min<uint64_t>(sizeof buf, size - pos)));
    if (!n.ok() || *n == 0) return false;
    if (std::any_of(buf, buf + *n, [](char c) { return c != 0; })) return false;
    pos += *n;
  }
  return true;
}

std::optional<uint64_t> FindValidBatchAfter(const os::File& log, uint64_t size, uint64_t pos) {
  constexpr size_t kChunk = 1 << 20;
  std::vector<char> buf(kChunk + kBatchHeaderSize);
  std::string whole;
  for (uint64_t start = pos + 1; start < size && size - start >= kBatchHeaderSize; start += kChunk) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), size - start));
    auto n = log.ReadAt(start, buf.data(), want);
    if (!n.ok()) return std::nullopt;
    for (size_t i = 0; i < kChunk && i + kBatchHeaderSize <= *n; ++i) {
      if (static_cast<uint8_t>(buf[i + kBatchMagicAt]) != kBatchMagic) continue;
      BatchHeader h;
      if (!ParseBatchHeader(buf.data() + i, h).ok()) continue;
      uint64_t at = start + i;
      if (h.total_size() > size - at) continue;
      whole.resize(h.total_size());
      auto m = log.ReadAt(at, whole.data(), whole.size());
      if (m.ok() && *m == whole.size() && BatchCrcOk(h, whole.data())) return at;
    }
  }
  return std::nullopt;
}

std::optional<uint64_t> SkipDamagedBatch(const os::File& log, uint64_t size, uint64_t pos, const BatchRead& bad) {
  if (bad.kind != ReadKind::kCorrupt || !bad.header_ok || bad.header.total_size() > size - pos) return std::nullopt;
  uint64_t next = pos + bad.header.total_size();
  Batch batch;
  if (ReadBatchAt(log, size, next, bad.header.next_offset(), &batch).kind != ReadKind::kBatch) return std::nullopt;
  return next;
}

BatchRead ReadBatchAt(const os::File& log, uint64_t size, uint64_t pos, int64_t expected_offset, Batch* batch) {
  BatchRead r;
  if (pos >= size) {
    r.kind = ReadKind::kEnd;
    return r;
  }
  if (size - pos < kBatchHeaderSize) {
    r.kind = ReadKind::kIncomplete;
    return r;
  }
  char hdr[kBatchHeaderSize];
  auto n = log.ReadAt(pos, hdr, sizeof hdr);
  if (!n.ok()) {
    r.kind = ReadKind::kCorrupt;
    r.error = n.status();
    return r;
  }
  if (*n < kBatchHeaderSize) {
    r.kind = ReadKind::kIncomplete;  // shrank under us (truncated by a writer's recovery)
    return r;
  }
  Status st = ParseBatchHeader(hdr, r.header);
  if (st.ok() && r.header.base_offset != expected_offset)
    st = Status::Corruption("base offset " + std::to_string(r.header.base_offset) + " where " +
                            std::to_string(expected_offset) + " was expected");
  if (!st.ok()) {
    r.kind = ReadKind::kCorrupt;
    r.error = st;
    return r;
  }
  if (r.header.total_size() > size - pos) {
    if (WholeBatchWithDamagedLength(log, size, pos, r.header)) {
      r.kind = ReadKind::kCorrupt;
      r.error = Status::Corruption("batch length " + std::to_string(r.header.length) +
                                   " runs past the end of the segment, but the checksum matches a shorter batch: "
                                   "damaged length field");
      return r;
    }
    if (auto at = FindValidBatchAfter(log, size, pos)) {
      r.kind = ReadKind::kCorrupt;
      r.error = Status::Corruption("batch length " + std::to_string(r.header.length) +
                                   " runs past the end of the segment, but a valid batch follows at byte " +
                                   std::to_string(*at) + ": damaged length field, not a torn write");
      return r;
    }
    r.kind = ReadKind::kIncomplete;
    return r;
  }
  if (batch) {
    std::string& raw = batch->mutable_raw();
    raw.resize(r.header.total_size());
    std::memcpy(raw.data(), hdr, sizeof hdr);
    auto m = log.ReadAt(pos + kBatchHeaderSize, raw.data() + kBatchHeaderSize, raw.size() - kBatchHeaderSize);
    if (!m.ok()) {
      r.kind = ReadKind::kCorrupt;
      r.error = m.status();
      return r;
    }
    if (*m < raw.size() - kBatchHeaderSize) {
      r.kind = ReadKind::kIncomplete;
      return r;
    }
    st = batch->Load();
    if (!st.ok()) {
      r.kind = ReadKind::kCorrupt;
      r.error = st;
      r.header_ok = true;
      return r;
    }
  }
  r.kind = ReadKind::kBatch;
  return r;
}

ScanResult ScanSegment(const os::File& log, uint64_t size, uint64_t pos, int64_t expected_offset, bool verify_crc,
                       const std::function<void(const BatchHeader&, uint64_t)>& on_batch,
                       SkippedDamage* skip_damage) {
  ScanResult s;
  s.end_pos = pos;
  s.next_offset = expected_offset;
  Batch batch;
  for (;;) {
    BatchRead r = ReadBatchAt(log, size, s.end_pos, s.next_offset, verify_crc ? &batch : nullptr);
    if (r.kind == ReadKind::kCorrupt && skip_damage && verify_crc) {
      if (auto next = SkipDamagedBatch(log, size, s.end_pos, r)) {
        if (skip_damage->offset < 0) *skip_damage = {s.next_offset, s.end_pos, r.error};
        s.end_pos = *next;
        s.next_offset = r.header.next_offset();
        continue;
      }
    }
    if (r.kind != ReadKind::kBatch) {
      s.stop = r.kind;
      s.error = r.error;
      return s;
    }
    if (on_batch) on_batch(r.header, s.end_pos);
    s.max_timestamp = std::max(s.max_timestamp, r.header.max_timestamp);
    s.end_pos += r.header.total_size();
    s.next_offset = r.header.next_offset();
  }
}

std::string Where(const std::string& label, int64_t offset, int64_t segment_base, uint64_t pos) {
  return label + " offset " + std::to_string(offset) + " (segment " + SegmentFileName(segment_base, kLogSuffix) +
         " byte " + std::to_string(pos) + ")";
}

std::pair<uint64_t, int64_t> IndexedStart(const std::string& dir, int64_t base, const os::File& log, uint64_t size,
                                          int64_t offset) {
  IndexFile index(SegmentPath(dir, base, kOffsetIndexSuffix), kOffsetEntrySize);
  if (!index.Open().ok() || offset < base) return {0, base};
  // Entries hold 32-bit relative offsets, so any offset past base + 2^32 - 1
  // floors to the last entry (EndOffset asks for that with a huge offset).
  auto e = index.FloorByOffset(static_cast<uint32_t>(std::min<int64_t>(offset - base, UINT32_MAX)));
  if (!e.ok() || !e->has_value()) return {0, base};
  const IndexEntry& entry = **e;
  if (ReadBatchAt(log, size, entry.position, base + entry.rel_offset, nullptr).kind != ReadKind::kBatch)
    return {0, base};
  return {entry.position, base + entry.rel_offset};
}

TimeIndexedStart FindTimeIndexedStart(const std::string& dir, int64_t base, const os::File& log, uint64_t size,
                                      int64_t ts) {
  const TimeIndexedStart from_start{0, base, INT64_MIN};
  IndexFile tindex(SegmentPath(dir, base, kTimeIndexSuffix), kTimeEntrySize);
  if (!tindex.Open().ok()) return from_start;
  auto before = tindex.CountBeforeTime(ts);
  if (!before.ok() || *before == 0) return from_start;
  uint64_t lo = *before;
  auto e = tindex.At(lo - 1);
  if (!e.ok() || e->position >= size ||
      ReadBatchAt(log, size, e->position, base + e->rel_offset, nullptr).kind != ReadKind::kBatch)
    return from_start;
  IndexEntry prev{0, 0, INT64_MIN};
  if (lo >= 2) {
    auto p = tindex.At(lo - 2);
    if (!p.ok() || p->position >= e->position) return from_start;
    prev = *p;
  }
  // The batches between the two entries must end exactly at this one, and
  // its max_ts_before must be what they and the entry before it say.
  ScanResult s = ScanSegment(log, e->position, prev.position, base + prev.rel_offset, false);
  if (s.stop != ReadKind::kEnd || s.end_pos != e->position || s.next_offset != base + e->rel_offset ||
      std::max(prev.max_ts_before, s.max_timestamp) != e->max_ts_before)
    return from_start;
  return {e->position, base + e->rel_offset, e->max_ts_before};
}

Result<ScanResult> ScanSegmentEnd(const std::string& dir, int64_t base) {
  auto log = os::File::OpenRead(SegmentPath(dir, base, kLogSuffix));
  if (!log.ok()) return log.status();
  auto size = log->Size();
  if (!size.ok()) return size.status();
  auto [pos, expected] = IndexedStart(dir, base, *log, *size, INT64_MAX / 2);
  return ScanSegment(*log, *size, pos, expected, false);
}

Result<int64_t> SegmentMaxTimestamp(const std::string& dir, int64_t base) {
  auto log = os::File::OpenRead(SegmentPath(dir, base, kLogSuffix));
  if (!log.ok()) return log.status();
  auto size = log->Size();
  if (!size.ok()) return size.status();
  TimeIndexedStart start = FindTimeIndexedStart(dir, base, *log, *size, INT64_MAX);
  ScanResult s = ScanSegment(*log, *size, start.position, start.offset, false);
  return std::max(start.max_ts_before, s.max_timestamp);
}

}  // namespace klog::log
