#include "log/partition_writer.h"

#include <algorithm>
#include <climits>

#include "log/batch.h"
#include "log/index.h"
#include "log/lost_offsets.h"
#include "log/retention_plan.h"
#include "log/segment.h"
#include "log/segment_name.h"

namespace klog::log {

Result<std::unique_ptr<PartitionWriter>> PartitionWriter::Open(const std::string& dir, const std::string& label,
                                                               const LogConfig& config,
                                                               std::vector<std::string> parents) {
  if (!os::IsDir(dir)) return Status::NotFound(label + ": directory " + dir + " is missing");
  auto id = os::IdOfPath(dir);
  if (!id.ok()) return id.status().WithContext(label);
  std::unique_ptr<PartitionWriter> w(new PartitionWriter(dir, label, config));
  w->parents_ = std::move(parents);
  w->dir_id_ = *id;
  return w;
}

Status PartitionWriter::Deleted() const {
  return Status::NotFound(label_ + ": the topic was deleted while this command was writing to it (" + dir_ +
                          " is gone or is a new directory); records not reported as written are not in it");
}

Status PartitionWriter::CheckDir() {
  auto id = os::IdOfPath(dir_);
  if (!id.ok()) return id.status().code() == Code::kNotFound ? Deleted() : id.status().WithContext(label_);
  return *id == dir_id_ ? Status::Ok() : Deleted();
}

Status PartitionWriter::Lock(os::FileLock& lock) {
  auto l = os::FileLock::Acquire(os::JoinPath(dir_, kWriterLockFile));
  if (!l.ok()) {
    // writer.lock is never deleted: its directory went.
    if (l.status().code() == Code::kNotFound) return Deleted();
    return l.status().WithContext(label_);
  }
  lock = std::move(l).value();
  return Status::Ok();
}

bool PartitionWriter::StateCurrent() {
  if (!state_valid_) return false;
  auto size = log_.Size();
  if (!size.ok() || *size != size_) return false;
  // Retention deleted our segment (and the ones after it) meanwhile, or it
  // was replaced: an append to the unlinked file would be lost.
  auto id = os::IdOfPath(SegmentPath(dir_, base_, kLogSuffix));
  if (!id.ok() || !(*id == log_id_)) return false;
  // Another writer that rolled created the segment named by our next offset.
  if (next_offset_ != base_ && os::Exists(SegmentPath(dir_, next_offset_, kLogSuffix))) return false;
  return true;
}

Status PartitionWriter::OpenSegment(int64_t base) {
  auto log = os::File::OpenAppend(SegmentPath(dir_, base, kLogSuffix), true);
  if (!log.ok()) return log.status();
  auto oi = os::File::OpenReadWrite(SegmentPath(dir_, base, kOffsetIndexSuffix), true);
  if (!oi.ok()) return oi.status();
  auto ti = os::File::OpenReadWrite(SegmentPath(dir_, base, kTimeIndexSuffix), true);
  if (!ti.ok()) return ti.status();
  auto id = os::IdOfFile(*log);
  if (!id.ok()) return id.status();
  log_id_ = *id;
  base_ = base;
  log_ = std::move(log).value();
  offset_index_ = std::move(oi).value();
  time_index_ = std::move(ti).value();
  return Status::Ok();
}

Status PartitionWriter::RebuildIndexes() {
  auto size = log_.Size();
  if (!size.ok()) return size.status();
  std::string offsets, times;
  uint64_t last = 0;
  int64_t max_ts = INT64_MIN;
  ScanSegment(log_, *size, 0, base_, false, [&](const BatchHeader& h, uint64_t pos) {
    if (pos - last >= kIndexIntervalBytes) {
      IndexEntry e{static_cast<uint32_t>(h.base_offset - base_), static_cast<uint32_t>(pos), max_ts};
      offsets += EncodeOffsetEntry(e);
      times += EncodeTimeEntry(e);
      last = pos;
    }
    max_ts = std::max(max_ts, h.max_timestamp);
  });
  KLOG_RETURN_IF_ERROR(offset_index_.Truncate(0));
  KLOG_RETURN_IF_ERROR(offset_index_.WriteAt(0, offsets));
  KLOG_RETURN_IF_ERROR(time_index_.Truncate(0));
  KLOG_RETURN_IF_ERROR(time_index_.WriteAt(0, times));
  return Status::Ok();
}

Status PartitionWriter::SyncSegment(int64_t base) {
  for (const char* suffix : {kLogSuffix, kOffsetIndexSuffix, kTimeIndexSuffix}) {
    Status st = os::SyncPath(SegmentPath(dir_, base, suffix));
    // Deleted by retention meanwhile (or an index never written): nothing to keep.
    if (!st.ok() && st.code() != Code::kNotFound) return st.WithContext(label_);
  }
  return Status::Ok();
}

Status PartitionWriter::SyncEarlier(const std::vector<int64_t>& bases) {
  if (config_.fsync == FsyncPolicy::kNever || bases.empty()) return Status::Ok();
  if (durable_base_ == bases.back() && parents_synced_) return Status::Ok();
  // Closed segments written by anyone (a --fsync never producer, say) since
  // this writer last looked; the active one is synced with each batch.
  for (size_t i = 0; i + 1 < bases.size(); ++i)
    if (bases[i] >= durable_base_) KLOG_RETURN_IF_ERROR(SyncSegment(bases[i]));
  KLOG_RETURN_IF_ERROR(os::SyncDir(dir_).WithContext(label_));
  if (!parents_synced_) {
    for (const std::string& p : parents_) KLOG_RETURN_IF_ERROR(os::SyncDir(p).WithContext(label_));
    parents_synced_ = true;
  }
  durable_base_ = bases.back();
  return Status::Ok();
}

Status PartitionWriter::Refresh(RecoveryReport* report, bool may_rebuild) {
  state_valid_ = false;
  auto bases = ListSegments(dir_);
  if (!bases.ok()) {
    if (bases.status().code() == Code::kNotFound) KLOG_RETURN_IF_ERROR(CheckDir());
    return bases.status().WithContext(label_);
  }
  Status opened = OpenSegment(bases->empty() ? 0 : bases->back());
  if (!opened.ok()) {
    if (opened.code() == Code::kNotFound) KLOG_RETURN_IF_ERROR(CheckDir());
    return opened.WithContext(label_);
  }
  if (bases->empty()) bases->push_back(0);
  // Before this writer's first batch counts, what is before it must be durable.
  KLOG_RETURN_IF_ERROR(SyncEarlier(*bases));
  // A crash of an older klog could leave the previous segment ending short
  // of this one: appending would report offsets no reader can reach.
  if (bases->size() >= 2 && joined_base_ != bases->back()) {
    KLOG_RETURN_IF_ERROR(CheckSegmentJoin(dir_, label_, (*bases)[bases->size() - 2], bases->back()));
    joined_base_ = bases->back();
  }
  auto size = log_.Size();
  if (!size.ok()) return size.status();

  // Indexes: cut partial entries, then trust the last entry only if both
  // files agree on it and it points at a real batch; otherwise rebuild.
  auto oi_size = offset_index_.Size();
  auto ti_size = time_index_.Size();
  if (!oi_size.ok()) return oi_size.status();
  if (!ti_size.ok()) return ti_size.status();
  uint64_t n_off = *oi_size / kOffsetEntrySize, n_time = *ti_size / kTimeEntrySize;
  bool rebuild = n_off != n_time;
  IndexEntry last{};
  if (!rebuild && n_off > 0) {
    char ob[kOffsetEntrySize], tb[kTimeEntrySize];
    auto r1 = offset_index_.ReadAt((n_off - 1) * kOffsetEntrySize, ob, sizeof ob);
    auto r2 = time_index_.ReadAt((n_time - 1) * kTimeEntrySize, tb, sizeof tb);
    if (!r1.ok()) return r1.status();
    if (!r2.ok()) return r2.status();
    last = DecodeIndexEntry(ob, kOffsetEntrySize);
    IndexEntry time = DecodeIndexEntry(tb, kTimeEntrySize);
    last.max_ts_before = time.max_ts_before;
    bool same = time.rel_offset == last.rel_offset && time.position == last.position;
    // An entry is appended only after its batch is whole, so anything but a
    // whole batch there means the entry is wrong: trusting it could cut
    // good batches as a "torn tail".
    rebuild = !same || last.position == 0 || last.position >= *size ||
              ReadBatchAt(log_, *size, last.position, base_ + last.rel_offset, nullptr).kind != ReadKind::kBatch;
  }
  if (!rebuild && (*oi_size % kOffsetEntrySize || *ti_size % kTimeEntrySize)) {
    KLOG_RETURN_IF_ERROR(offset_index_.Truncate(n_off * kOffsetEntrySize));
    KLOG_RETURN_IF_ERROR(time_index_.Truncate(n_time * kTimeEntrySize));
    if (report) report->rebuilt_indexes = true;
  }
  if (rebuild && may_rebuild) {
    KLOG_RETURN_IF_ERROR(RebuildIndexes().WithContext(label_));
    if (report) report->rebuilt_indexes = true;
    return Refresh(report, false);  // now consistent: takes the fast path
  }
  if (rebuild) n_off = 0;  // still inconsistent: scan the whole segment

  uint64_t from = n_off > 0 ? last.position : 0;
  int64_t expected = n_off > 0 ? base_ + last.rel_offset : base_;
  SkippedDamage skipped;  // appending after a batch whose end is proven hides nothing
  ScanResult s = ScanSegment(log_, *size, from, expected, true, {}, &skipped);
  // A crash can leave zeros where an append was not yet written back: a
  // torn tail too (and nothing else can be all zeros: a batch has a magic).
  bool zeros = s.stop == ReadKind::kCorrupt && AllZeros(log_, s.end_pos, *size);
  if (s.stop == ReadKind::kCorrupt && !zeros) {
    return Status::Corruption(Where(label_, s.next_offset, base_, s.end_pos) + ": " + s.error.message() +
                              "; klog will not append after damage it cannot step over: 'klog verify' shows it; "
                              "restore the partition from a backup, or copy the records before and after it (klog "
                              "consume -o OFFSET) to a new topic");
  }
  if (s.stop == ReadKind::kIncomplete || zeros) {  // torn tail of a killed append
    KLOG_RETURN_IF_ERROR(log_.Truncate(s.end_pos));
    if (report) report->truncated_bytes += *size - s.end_pos;
  }
  size_ = s.end_pos;
  next_offset_ = s.next_offset;
  max_ts_ = std::max(n_off > 0 ? last.max_ts_before : INT64_MIN, s.max_timestamp);
  last_entry_pos_ = from;
  first_ts_ = 0;
  if (size_ > 0) {
    BatchRead first = ReadBatchAt(log_, size_, 0, base_, nullptr);
    if (first.kind == ReadKind::kBatch) first_ts_ = first.header.first_timestamp;
  }
  state_valid_ = true;
  return Status::Ok();
}

Status PartitionWriter::Roll(int64_t now_ms) {
  int64_t base = next_offset_;
  if (config_.fsync != FsyncPolicy::kNever) {
    // The old segment must be durable before the next one exists: a power
    // loss must never keep the new segment's entry and lose the old one's
    // tail (a gap no reader can cross). --fsync batch leaves the sync of
    // the last batch to a thread; it cannot wait.
    KLOG_RETURN_IF_ERROR(log_.DataSync().WithContext(label_));
    KLOG_RETURN_IF_ERROR(offset_index_.DataSync().WithContext(label_));
    KLOG_RETURN_IF_ERROR(time_index_.DataSync().WithContext(label_));
  }
  KLOG_RETURN_IF_ERROR(OpenSegment(base).WithContext(label_));
  if (config_.fsync != FsyncPolicy::kNever) {
    KLOG_RETURN_IF_ERROR(os::SyncDir(dir_).WithContext(label_));
    durable_base_ = base;
  }
  joined_base_ = base;
  size_ = 0;
  max_ts_ = INT64_MIN;
  first_ts_ = now_ms;
  last_entry_pos_ = 0;
  auto deleted = DeleteExpired(now_ms);
  return deleted.status();
}

Result<int64_t> PartitionWriter::Append(std::string& batch, int64_t now_ms, std::vector<PendingSync>* sync_later) {
  return AppendExpecting(batch, std::nullopt, now_ms, sync_later);
}

Result<int64_t> PartitionWriter::AppendAt(std::string& batch, int64_t base, int64_t now_ms,
                                          std::vector<PendingSync>* sync_later) {
  return AppendExpecting(batch, base, now_ms, sync_later);
}

Result<int64_t> PartitionWriter::AppendExpecting(std::string& batch, std::optional<int64_t> base, int64_t now_ms,
                                                 std::vector<PendingSync>* sync_later) {
  BatchHeader h;
  if (batch.size() < kBatchHeaderSize) return Status::InvalidArgument("short batch");
  KLOG_RETURN_IF_ERROR(ParseBatchHeader(batch.data(), h));
  os::FileLock lock;
  KLOG_RETURN_IF_ERROR(Lock(lock));
  // The directory is checked once per batch, after the write. Before it,
  // StateCurrent's stat of the active segment vouches for it: its path
  // still names the file we hold open, which only our directory holds.
  if (!StateCurrent()) {
    KLOG_RETURN_IF_ERROR(CheckDir());
    KLOG_RETURN_IF_ERROR(Refresh(nullptr, true));
  }
  if (base && *base != next_offset_)
    return Status::Corruption(label_ + ": the next offset is " + std::to_string(next_offset_) + ", not " +
                              std::to_string(*base) + ": another writer appended meanwhile; nothing written");

  bool too_big = size_ > 0 && size_ + batch.size() > config_.segment_bytes;
  bool too_old = size_ > 0 && now_ms - first_ts_ > config_.segment_ms;
  if (too_big || too_old) KLOG_RETURN_IF_ERROR(Roll(now_ms));
  // Age counts from when the segment got its first batch, not from the
  // records' own (possibly old) timestamps: those would roll every batch.
  if (size_ == 0) first_ts_ = now_ms;

  SetBaseOffset(batch, next_offset_);
  Status st = log_.Append(batch);
  if (!st.ok()) {
    // Leave no partial batch behind (ENOSPC mid-write): cut back to the last
    // whole one. If even that fails, the next writer's recovery does it.
    (void)log_.Truncate(size_);
    state_valid_ = false;
    return st.WithContext(label_ + " offset " + std::to_string(next_offset_));
  }
  int64_t base_offset = next_offset_;
  if (size_ - last_entry_pos_ >= kIndexIntervalBytes) {
    IndexEntry e{static_cast<uint32_t>(base_offset - base_), static_cast<uint32_t>(size_), max_ts_};
    // An index entry that fails to land is repaired by the next Refresh;
    // the batch itself is already safe, so this append still succeeds.
    auto oi = offset_index_.Size();
    auto ti = time_index_.Size();
    if (oi.ok() && ti.ok()) {
      Status s1 = offset_index_.WriteAt(*oi, EncodeOffsetEntry(e));
      Status s2 = s1.ok() ? time_index_.WriteAt(*ti, EncodeTimeEntry(e)) : s1;
      if (s2.ok()) last_entry_pos_ = size_;
      else state_valid_ = false;
    }
  }
  // Deleted after the check above: the batch went with it.
  Status there = CheckDir();
  if (!there.ok()) {
    state_valid_ = false;
    return there;
  }
  size_ += batch.size();
  next_offset_ += h.record_count;
  max_ts_ = std::max(max_ts_, h.max_timestamp);
  if (config_.fsync == FsyncPolicy::kBatch && sync_later) {
    auto segment = log_.Dup();
    if (!segment.ok()) return segment.status().WithContext(label_);
    sync_later->push_back({std::move(segment).value(), label_});
  } else if (config_.fsync != FsyncPolicy::kNever) {
    KLOG_RETURN_IF_ERROR(log_.DataSync().WithContext(label_));
    if (config_.fsync == FsyncPolicy::kAlways) {
      KLOG_RETURN_IF_ERROR(offset_index_.DataSync());
      KLOG_RETURN_IF_ERROR(time_index_.DataSync());
    }
  }
  return base_offset;
}

Status PartitionWriter::Recover(RecoveryReport* report) {
  os::FileLock lock;
  KLOG_RETURN_IF_ERROR(Lock(lock));
  return Refresh(report, true);
}

Result<std::vector<SegmentInfo>> PartitionWriter::DeleteExpired(int64_t now_ms) {
  std::vector<SegmentInfo> deleted;
  if (config_.retention_ms < 0 && config_.retention_bytes < 0) return deleted;
  auto infos = ReadSegmentInfos(dir_);
  if (!infos.ok()) return infos.status();
  const std::vector<SegmentInfo>& segs = *infos;
  size_t n = SegmentsToDelete(segs, config_.retention_ms, config_.retention_bytes, now_ms);
  for (size_t i = 0; i < n; ++i) {
    // The .log goes first: readers find segments by their .log files.
    KLOG_RETURN_IF_ERROR(os::RemoveFile(SegmentPath(dir_, segs[i].base_offset, kLogSuffix)));
    KLOG_RETURN_IF_ERROR(os::RemoveFile(SegmentPath(dir_, segs[i].base_offset, kOffsetIndexSuffix)));
    KLOG_RETURN_IF_ERROR(os::RemoveFile(SegmentPath(dir_, segs[i].base_offset, kTimeIndexSuffix)));
    deleted.push_back(segs[i]);
  }
  // Unlinks are directory entries too: synced, so a power loss cannot bring
  // back a segment that retention reported deleted.
  if (n > 0) KLOG_RETURN_IF_ERROR(os::SyncDir(dir_));
  return deleted;
}

Result<std::vector<SegmentInfo>> PartitionWriter::EnforceRetention(int64_t now_ms) {
  os::FileLock lock;
  KLOG_RETURN_IF_ERROR(Lock(lock));
  if (!StateCurrent()) KLOG_RETURN_IF_ERROR(Refresh(nullptr, true));
  return DeleteExpired(now_ms);
}

}  // namespace klog::log
