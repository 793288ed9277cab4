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
    uint64_t total = 12ull + (h.length & ~(1u << k));
    if ((h.length & (1u << k)) && total >= kBatchHeaderSize && total <= size - pos) ends.push_back(total);
  }
  std::sort(ends.begin(), ends.end());
  uint32_t crc = 0;
  uint64_t done = 16;  // the CRC covers bytes [16, total)
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
    st = batch->Load("");
    if (!st.ok()) {
      r.kind = ReadKind::kCorrupt;
      r.error = st;
      return r;
    }
  }
  r.kind = ReadKind::kBatch;
  return r;
}

ScanResult ScanSegment(const os::File& log, uint64_t size, uint64_t pos, int64_t expected_offset, bool verify_crc,
                       const std::function<void(const BatchHeader&, uint64_t)>& on_batch) {
  ScanResult s;
  s.end_pos = pos;
  s.next_offset = expected_offset;
  Batch batch;
  for (;;) {
    BatchRead r = ReadBatchAt(log, size, s.end_pos, s.next_offset, verify_crc ? &batch : nullptr);
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

Result<int64_t> SegmentMaxTimestamp(const std::string& dir, int64_t base) {
  auto log = os::File::OpenRead(SegmentPath(dir, base, kLogSuffix));
  if (!log.ok()) return log.status();
  auto size = log->Size();
  if (!size.ok()) return size.status();
  IndexFile tindex(SegmentPath(dir, base, kTimeIndexSuffix), kTimeEntrySize);
  KLOG_RETURN_IF_ERROR(tindex.Open());
  int64_t max_ts = INT64_MIN;
  uint64_t pos = 0;
  int64_t expected = base;
  if (tindex.count() > 0) {
    auto e = tindex.At(tindex.count() - 1);
    if (e.ok() && e->position < *size) {
      BatchRead r = ReadBatchAt(*log, *size, e->position, base + e->rel_offset, nullptr);
      if (r.kind == ReadKind::kBatch) {  // a wrong entry is ignored: scan from the start
        pos = e->position;
        expected = base + e->rel_offset;
        max_ts = e->max_ts_before;
      }
    }
  }
  ScanResult s = ScanSegment(*log, *size, pos, expected, false);
  return std::max(max_ts, s.max_timestamp);
}

}  // namespace klog::log
