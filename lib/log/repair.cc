// RepairPartition (declared in verify.h).
#include <algorithm>
#include <climits>
#include <string>
#include <vector>

#include "log/index.h"
#include "log/lost_offsets.h"
#include "log/partition_writer.h"
#include "log/segment.h"
#include "log/segment_check.h"
#include "log/segment_name.h"
#include "log/verify.h"
#include "os/file.h"

namespace klog::log {

namespace {

struct Entries {
  std::string offsets, times;
  size_t count = 0;
};

// The indexes PartitionWriter would have written for this log: an entry at
// each batch starting kIndexIntervalBytes or more after the previous entry.
Result<Entries> ComputeIndexes(const std::string& dir, int64_t base) {
  auto log = os::File::OpenRead(SegmentPath(dir, base, kLogSuffix));
  if (!log.ok()) return log.status();
  auto size = log->Size();
  if (!size.ok()) return size.status();
  Entries out;
  uint64_t last = 0;
  int64_t max_ts = INT64_MIN;
  ScanResult s = ScanSegment(*log, *size, 0, base, false, [&](const BatchHeader& h, uint64_t pos) {
    if (pos - last >= kIndexIntervalBytes) {
      IndexEntry e{static_cast<uint32_t>(h.base_offset - base), static_cast<uint32_t>(pos), max_ts};
      out.offsets += EncodeOffsetEntry(e);
      out.times += EncodeTimeEntry(e);
      ++out.count;
      last = pos;
    }
    max_ts = std::max(max_ts, h.max_timestamp);
  });
  if (s.stop != ReadKind::kEnd)
    return Status::Corruption(SegmentFileName(base, kLogSuffix) +
                              " changed during repair: it no longer ends on a batch");
  return out;
}

Status WriteInPlace(const std::string& path, const std::string& data) {
  auto f = os::File::OpenReadWrite(path, true);
  if (!f.ok()) return f.status();
  KLOG_RETURN_IF_ERROR(f->Truncate(0));
  KLOG_RETURN_IF_ERROR(f->WriteAt(0, data));
  return f->DataSync();
}

// Rebuilds the indexes of every segment in `bases` whose indexes are still
// bad once the writer lock is held.
Status RebuildBadIndexes(const std::string& dir, const std::string& label, const std::vector<int64_t>& bases,
                         std::vector<std::string>* actions) {
  auto lock = os::FileLock::Acquire(os::JoinPath(dir, kWriterLockFile));
  if (!lock.ok()) return lock.status().WithContext(label);
  auto listed = ListSegments(dir);
  if (!listed.ok()) return listed.status().WithContext(label);
  if (listed->empty()) return Status::Ok();
  const int64_t active = listed->back();
  for (int64_t base : bases) {
    if (!std::binary_search(listed->begin(), listed->end(), base)) continue;  // deleted by retention
    SegmentCheck seg;
    seg.base = base;
    CheckSegment(dir, base == active, seg);
    if (!seg.present) continue;
    bool index_bad = std::any_of(seg.damage.begin(), seg.damage.end(), [](const Damage& d) {
      return d.kind == DamageKind::kIndex || d.kind == DamageKind::kMissingIndex;
    });
    if (!index_bad) continue;
    if (!seg.log_clean)
      return Status::Corruption(label + ": " + SegmentFileName(base, kLogSuffix) + " changed during repair");
    auto e = ComputeIndexes(dir, base);
    if (!e.ok()) return e.status().WithContext(label);
    std::string oi = SegmentPath(dir, base, kOffsetIndexSuffix), ti = SegmentPath(dir, base, kTimeIndexSuffix);
    if (base == active) {
      // Writers keep the active segment's indexes open and append to them:
      // a renamed-in file would be invisible to them. Under the lock no one
      // appends, and readers check every entry they use.
      KLOG_RETURN_IF_ERROR(WriteInPlace(oi, e->offsets).WithContext(label));
      KLOG_RETURN_IF_ERROR(WriteInPlace(ti, e->times).WithContext(label));
    } else {
      KLOG_RETURN_IF_ERROR(os::WriteFileAtomic(oi, e->offsets).WithContext(label));
      KLOG_RETURN_IF_ERROR(os::WriteFileAtomic(ti, e->times).WithContext(label));
    }
    actions->push_back("rebuilt " + SegmentFileName(base, kOffsetIndexSuffix) + " and " +
                       SegmentFileName(base, kTimeIndexSuffix) + " from the log (" + std::to_string(e->count) +
                       (e->count == 1 ? " entry)" : " entries)"));
  }
  return Status::Ok();
}

// Cuts the half-written last batch of closed segments and records the gaps
// between segments as lost, under the writer lock, after checking again
// that the partition still looks as `before` says.
Status RepairGaps(const std::string& dir, const std::string& label, const VerifyReport& before,
                  std::vector<std::string>* actions, std::vector<int64_t>* index_bases) {
  auto lock = os::FileLock::Acquire(os::JoinPath(dir, kWriterLockFile));
  if (!lock.ok()) return lock.status().WithContext(label);
  auto now = VerifyScan(dir, label);
  if (!now.ok()) return now.status();
  auto same = [](const Damage& a, const Damage& b) {
    return a.kind == b.kind && a.segment_base == b.segment_base && a.position == b.position && a.offset == b.offset;
  };
  for (const Damage& d : before.damage) {
    if (d.kind != DamageKind::kSegmentGap && d.kind != DamageKind::kTruncated) continue;
    if (std::none_of(now->damage.begin(), now->damage.end(), [&](const Damage& x) { return same(x, d); }))
      return Status::Corruption(label + ": " + d.file + " changed during repair");
  }
  for (const Damage& d : before.damage) {
    if (d.kind == DamageKind::kTruncated) {
      auto f = os::File::OpenReadWrite(SegmentPath(dir, d.segment_base, kLogSuffix), false);
      if (!f.ok()) return f.status().WithContext(label);
      auto size = f->Size();
      if (!size.ok()) return size.status().WithContext(label);
      KLOG_RETURN_IF_ERROR(f->Truncate(d.position).WithContext(label));
      KLOG_RETURN_IF_ERROR(f->DataSync().WithContext(label));
      actions->push_back("cut the end of closed segment " + d.file + ": " + std::to_string(*size - d.position) +
                         " bytes from byte " + std::to_string(d.position) +
                         " that were never completely written (offsets from " + std::to_string(d.offset) +
                         " on are lost)");
      index_bases->push_back(d.segment_base);
    } else if (d.kind == DamageKind::kSegmentGap) {  // other damage is mended by the caller, never recorded
      int64_t last = d.segment_base - 1;
      KLOG_RETURN_IF_ERROR(RecordLostOffsets(dir, d.offset, last).WithContext(label));
      actions->push_back("recorded " +
                         (d.offset == last ? "offset " + std::to_string(last)
                                           : "offsets " + std::to_string(d.offset) + " to " + std::to_string(last)) +
                         " as lost in " + kLostOffsetsFile +
                         " (they are not on disk: a crash before they were synced); readers and writers go on "
                         "past them");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<RepairReport> RepairPartition(const std::string& dir, const std::string& label, const LogConfig& config) {
  RepairReport rr;
  auto before = VerifyPartition(dir, label);
  if (!before.ok()) return before.status();
  rr.before = std::move(before).value();
  if (!rr.before.repairable()) {
    rr.after = rr.before;
    return rr;
  }
  std::vector<int64_t> index_bases;
  bool gaps = std::any_of(rr.before.damage.begin(), rr.before.damage.end(),
                          [](const Damage& d) { return d.kind == DamageKind::kSegmentGap || d.kind == DamageKind::kTruncated; });
  if (gaps) KLOG_RETURN_IF_ERROR(RepairGaps(dir, label, rr.before, &rr.actions, &index_bases));
  bool torn = false;
  for (const Damage& d : rr.before.damage) {
    if (d.kind == DamageKind::kTornTail) torn = true;
    if ((d.kind == DamageKind::kIndex || d.kind == DamageKind::kMissingIndex) &&
        (index_bases.empty() || index_bases.back() != d.segment_base))
      index_bases.push_back(d.segment_base);
  }

  if (torn) {
    {
      // Recovery cuts batches cut short, but not zeros that look like no
      // batch at all: cut those first, under the same lock writers take.
      auto lock = os::FileLock::Acquire(os::JoinPath(dir, kWriterLockFile));
      if (!lock.ok()) return lock.status().WithContext(label);
      auto listed = ListSegments(dir);
      if (!listed.ok()) return listed.status().WithContext(label);
      if (!listed->empty()) {
        SegmentCheck seg;
        seg.base = listed->back();
        CheckLog(dir, true, seg);
        if (seg.present && seg.torn_tail) {
          auto f = os::File::OpenReadWrite(SegmentPath(dir, seg.base, kLogSuffix), false);
          if (!f.ok()) return f.status().WithContext(label);
          KLOG_RETURN_IF_ERROR(f->Truncate(*seg.torn_tail).WithContext(label));
          KLOG_RETURN_IF_ERROR(f->DataSync().WithContext(label));
          rr.actions.push_back("cut the torn tail of " + SegmentFileName(seg.base, kLogSuffix) + ": " +
                               std::to_string(seg.size - *seg.torn_tail) + " bytes from byte " +
                               std::to_string(*seg.torn_tail) + " (offsets from " + std::to_string(seg.next_offset) +
                               " on were never completely written)");
        } else if (seg.present && seg.zero_tail) {
          auto f = os::File::OpenReadWrite(SegmentPath(dir, seg.base, kLogSuffix), false);
          if (!f.ok()) return f.status().WithContext(label);
          KLOG_RETURN_IF_ERROR(f->Truncate(*seg.zero_tail).WithContext(label));
          rr.actions.push_back("cut the torn tail of " + SegmentFileName(seg.base, kLogSuffix) + ": " +
                               std::to_string(seg.size - *seg.zero_tail) + " zero bytes from byte " +
                               std::to_string(*seg.zero_tail));
        }
      }
    }
    auto writer = PartitionWriter::Open(dir, label, config);
    if (!writer.ok()) return writer.status();
    RecoveryReport rec;
    KLOG_RETURN_IF_ERROR((*writer)->Recover(&rec));
    if (rec.truncated_bytes > 0) {
      const Damage* d = nullptr;
      for (const Damage& x : rr.before.damage)
        if (x.kind == DamageKind::kTornTail) d = &x;
      rr.actions.push_back("cut the torn tail of " + d->file + ": " + std::to_string(rec.truncated_bytes) +
                           " bytes of an incomplete batch from byte " + std::to_string(d->position) +
                           " (offsets from " + std::to_string(d->offset) + " on were never completely written)");
    }
    if (rec.rebuilt_indexes) rr.actions.push_back("recovery repaired the active segment's indexes");
    auto listed = ListSegments(dir);
    if (listed.ok() && !listed->empty() &&
        std::find(index_bases.begin(), index_bases.end(), listed->back()) == index_bases.end())
      index_bases.push_back(listed->back());  // recovery may have left its indexes to check
  }
  if (!index_bases.empty()) KLOG_RETURN_IF_ERROR(RebuildBadIndexes(dir, label, index_bases, &rr.actions));

  auto after = VerifyPartition(dir, label);
  if (!after.ok()) return after.status();
  rr.after = std::move(after).value();
  return rr;
}

}  // namespace klog::log
