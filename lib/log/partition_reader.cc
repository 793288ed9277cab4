#include "log/partition_reader.h"

#include <algorithm>
#include <climits>

#include "log/index.h"
#include "log/lost_offsets.h"
#include "log/segment.h"
#include "log/segment_name.h"

namespace klog::log {

Status PartitionReader::ListFailed(const Status& st) const {
  // The partition directory goes only with its topic (topic delete).
  if (st.code() == Code::kNotFound)
    return Status::NotFound(label_ + ": the topic was deleted (" + dir_ + " is gone)");
  return st.WithContext(label_);
}

Result<int64_t> PartitionReader::StartOffset() const {
  auto bases = ListSegments(dir_);
  if (!bases.ok()) return ListFailed(bases.status());
  return bases->empty() ? 0 : bases->front();
}

Result<int64_t> PartitionReader::EndOffset() const {
  auto bases = ListSegments(dir_);
  if (!bases.ok()) return ListFailed(bases.status());
  if (bases->empty()) return 0;
  int64_t base = bases->back();
  auto log = os::File::OpenRead(SegmentPath(dir_, base, kLogSuffix));
  if (!log.ok()) return log.status().WithContext(label_);
  auto size = log->Size();
  if (!size.ok()) return size.status();
  auto [pos, expected] = IndexedStart(dir_, base, *log, *size, INT64_MAX / 2);
  // A damaged batch whose end the next batch proves does not end the log:
  // readers step over it to reach the records after it.
  SkippedDamage skipped;
  ScanResult s = ScanSegment(*log, *size, pos, expected, true, {}, &skipped);
  // A killed append leaves an incomplete batch (the end of what readers can
  // see), never a complete one that fails its checks: that is damage, and
  // ending the log there would hide every record after it without a word.
  if (s.stop == ReadKind::kCorrupt)
    return Status::Corruption(Where(label_, s.next_offset, base, s.end_pos) + ": " + s.error.message() +
                              "; run 'klog verify' for details");
  return s.next_offset;
}

Result<int64_t> PartitionReader::OffsetForTimestamp(int64_t ts) const {
  auto bases = ListSegments(dir_);
  if (!bases.ok()) return ListFailed(bases.status());
  for (int64_t base : *bases) {
    auto max_ts = SegmentMaxTimestamp(dir_, base);
    if (!max_ts.ok()) {
      if (max_ts.status().code() == Code::kNotFound) continue;  // deleted by retention meanwhile
      return max_ts.status().WithContext(label_);
    }
    if (*max_ts < ts) continue;
    auto log = os::File::OpenRead(SegmentPath(dir_, base, kLogSuffix));
    if (!log.ok()) return log.status().WithContext(label_);
    auto size = log->Size();
    if (!size.ok()) return size.status();
    TimeIndexedStart start = FindTimeIndexedStart(dir_, base, *log, *size, ts);
    uint64_t pos = start.position;
    int64_t expected = start.offset;
    Batch batch;
    for (;;) {
      BatchRead r = ReadBatchAt(*log, *size, pos, expected, &batch);
      if (r.kind == ReadKind::kCorrupt)
        return Status::Corruption(Where(label_, expected, base, pos) + ": " + r.error.message());
      if (r.kind != ReadKind::kBatch) break;
      if (r.header.max_timestamp >= ts) {
        record::RecordView rec;
        while (batch.Next(rec))
          if (rec.timestamp >= ts) return rec.offset;
      }
      pos += r.header.total_size();
      expected = r.header.next_offset();
    }
  }
  return EndOffset();
}

Status PartitionReader::OpenSegmentFor(int64_t offset) {
  auto bases = ListSegments(dir_);
  if (!bases.ok()) return ListFailed(bases.status());
  if (bases->empty()) {
    log_.Close();
    seg_base_ = -1;
    return Status::Ok();
  }
  if (offset < bases->front())
    return Status::OutOfRange(label_ + ": offset " + std::to_string(offset) + " is no longer available, earliest is " +
                              std::to_string(bases->front()));
  auto it = std::upper_bound(bases->begin(), bases->end(), offset);
  int64_t base = *(it - 1);
  next_base_ = it == bases->end() ? -1 : *it;
  auto log = os::File::OpenRead(SegmentPath(dir_, base, kLogSuffix));
  if (!log.ok()) {
    if (log.status().code() == Code::kNotFound) return OpenSegmentFor(offset);  // deleted meanwhile: look again
    return log.status().WithContext(label_);
  }
  auto size = log->Size();
  if (!size.ok()) return size.status();
  log_ = std::move(log).value();
  seg_base_ = base;
  std::tie(pos_, expected_) = IndexedStart(dir_, base, log_, *size, offset);
  return Status::Ok();
}

Status PartitionReader::Seek(int64_t offset) {
  want_ = offset;
  return OpenSegmentFor(offset);
}

Result<bool> PartitionReader::Next(Batch& batch, int64_t* skip_below) {
  if (seg_base_ < 0) {
    KLOG_RETURN_IF_ERROR(OpenSegmentFor(want_));
    if (seg_base_ < 0) return false;
  }
  for (;;) {
    auto size = log_.Size();
    if (!size.ok()) return size.status();
    BatchRead r = ReadBatchAt(log_, *size, pos_, expected_, &batch);
    if (r.kind == ReadKind::kCorrupt) {
      std::optional<uint64_t> after = SkipDamagedBatch(log_, *size, pos_, r);
      if (after && r.header.next_offset() <= want_) {  // wholly before the position: step over it
        pos_ = *after;
        expected_ = r.header.next_offset();
        continue;
      }
      std::string hint = after ? "; the records after it can be read: klog consume -o " +
                                     std::to_string(r.header.next_offset()) + " (see 'klog verify')"
                               : "; see 'klog verify'";
      return Status::Corruption(Where(label_, expected_, seg_base_, pos_) + ": " + r.error.message() + hint);
    }
    if (r.kind == ReadKind::kBatch) {
      pos_ += r.header.total_size();
      expected_ = r.header.next_offset();
      if (r.header.next_offset() <= want_) continue;  // wholly before the position
      *skip_below = want_;
      want_ = r.header.next_offset();
      return true;
    }
    // End of this segment's whole batches: move on if a newer one exists
    // (a roll happens only after the last write to the old one).
    std::string next = SegmentPath(dir_, expected_, kLogSuffix);
    if (expected_ != seg_base_ && os::Exists(next)) {
      auto again = log_.Size();
      if (again.ok() && *again != *size) continue;  // appended before the roll
      // Through OpenSegmentFor, which also learns what follows the new one.
      KLOG_RETURN_IF_ERROR(OpenSegmentFor(std::max(want_, expected_)));
      continue;
    }
    // A closed segment that ends short of the next one: a gap a crash left.
    if (next_base_ >= 0 && next_base_ != expected_) {
      auto again = log_.Size();
      if (again.ok() && *again != *size) continue;
      if (os::Exists(SegmentPath(dir_, next_base_, kLogSuffix))) {
        Status joined = CheckSegmentJoin(dir_, label_, seg_base_, next_base_);
        if (!joined.ok()) return joined;
        want_ = std::max(want_, next_base_);  // the offsets of a recorded gap do not exist
        KLOG_RETURN_IF_ERROR(OpenSegmentFor(want_));
        continue;
      }
    }
    if (auto st = log_.Stat(); st.ok() && st->links == 0) {
      // Our segment was deleted by retention: whatever followed may be too.
      KLOG_RETURN_IF_ERROR(OpenSegmentFor(want_));
      continue;
    }
    return false;
  }
}

}  // namespace klog::log
