// Appends batches to one partition. Any number of processes may hold a
// writer for the same partition: each Append takes the partition's lock file
// (flock on <partition>/writer.lock), brings its view of the active segment
// up to date, assigns the batch its base offset, writes it with one write(2),
// then appends index entries, and lets go.
//
// Recovery happens in the same place: when the active segment's end does not
// end on a whole batch (a writer was killed mid-append), the torn tail is
// truncated — never anything before it — and indexes that point past the end,
// end in a partial entry or disagree with the log are repaired. A tail is
// torn only when it can be nothing else (segment.h: no valid batch after
// it, or nothing but zeros); other damage is reported and never cut, and
// the writer refuses to append after it, except after a damaged batch whose
// intact length the next batch's valid header proves (appending there hides
// nothing). The writer also refuses to append when the previous segment
// does not end where the active one begins, unless that gap is recorded as
// lost (lost_offsets.h).
//
// Durability (fsync batch or always): before a batch is reported, every byte
// before it in the partition is durable too, whoever wrote it: on opening,
// and whenever another writer created segments meanwhile, the writer syncs
// the segments it does not know to be durable, the partition directory and
// the directories leading to it (`parents`). A roll syncs the old segment
// before the next one exists, so a power loss can never leave a gap.
//
// Deletion: the writer remembers which directory (device, inode) it opened;
// if the path names another or none (the topic was deleted, perhaps created
// again), Append fails saying so: checked before each write (through the
// active segment's identity, or the directory's when that changed) and
// after it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "log/log_config.h"
#include "log/retention.h"
#include "os/file.h"
#include "os/file_id.h"
#include "util/status.h"

namespace klog::log {

struct RecoveryReport {
  uint64_t truncated_bytes = 0;  // torn tail cut from the active segment
  bool rebuilt_indexes = false;
};

// A sync of a segment file that Append left to its caller.
struct PendingSync {
  os::File segment;   // a descriptor of its own: the writer may roll meanwhile
  std::string label;  // names the partition in messages
  Status Run() { return segment.DataSync().WithContext(label); }
};

class PartitionWriter {
 public:
  // `label` names the partition in messages ("topic 'events' partition 3").
  // Creates the directory's first segment when there is none. `parents`:
  // the directories whose entries lead to `dir` (nearest first), synced by
  // a durable writer.
  static Result<std::unique_ptr<PartitionWriter>> Open(const std::string& dir, const std::string& label,
                                                       const LogConfig& config,
                                                       std::vector<std::string> parents = {});

  // Appends one batch made by BatchBuilder::Finish; patches its base offset.
  // Returns the base offset. `now_ms` drives age-based roll and retention.
  // With fsync "batch" and `sync_later`, the segment is not synced here:
  // the sync is added to *sync_later, for the caller to run (on any
  // thread) before it reports the batch, so that it can write the next
  // batch while this one syncs.
  Result<int64_t> Append(std::string& batch, int64_t now_ms, std::vector<PendingSync>* sync_later = nullptr);
  // Append only if the batch gets base offset `base`: the partition's next
  // offset is checked under the lock, so another writer cannot slip in
  // between. kCorruption naming both offsets, nothing written, otherwise.
  // A copy that must keep its source's offsets (klog mirror) appends so.
  Result<int64_t> AppendAt(std::string& batch, int64_t base, int64_t now_ms,
                           std::vector<PendingSync>* sync_later = nullptr);

  // Takes the lock and recovers the active segment (torn tail, indexes)
  // without appending; what was done goes to *report.
  Status Recover(RecoveryReport* report);

  // Deletes closed segments past retention (under the lock); returns them.
  Result<std::vector<SegmentInfo>> EnforceRetention(int64_t now_ms);

  const LogConfig& config() const { return config_; }
  // The offset the next appended record gets (as of this writer's last append).
  int64_t next_offset() const { return next_offset_; }
  void set_fsync(FsyncPolicy p) { config_.fsync = p; }

 private:
  PartitionWriter(std::string dir, std::string label, const LogConfig& config)
      : dir_(std::move(dir)), label_(std::move(label)), config_(config) {}

  Result<int64_t> AppendExpecting(std::string& batch, std::optional<int64_t> base, int64_t now_ms,
                                  std::vector<PendingSync>* sync_later);
  Status Lock(os::FileLock& lock);
  // NotFound "the topic was deleted" when dir_ no longer names the
  // directory this writer opened.
  Status CheckDir();
  Status Deleted() const;
  // Makes what other writers left before this one's appends durable.
  Status SyncEarlier(const std::vector<int64_t>& bases);
  Status SyncSegment(int64_t base);
  bool StateCurrent();
  Status Refresh(RecoveryReport* report, bool may_rebuild);
  Status RebuildIndexes();
  Status OpenSegment(int64_t base);
  Status Roll(int64_t now_ms);
  Result<std::vector<SegmentInfo>> DeleteExpired(int64_t now_ms);

  std::string dir_;
  std::string label_;
  LogConfig config_;
  std::vector<std::string> parents_;
  os::FileId dir_id_;
  bool parents_synced_ = false;
  int64_t durable_base_ = -1;  // segments below it, and its directory entry, are known durable
  int64_t joined_base_ = -1;   // active segment whose join to the one before was checked
  os::FileId log_id_;          // of log_

  // What this process knows of the active segment; valid only under the lock
  // and only after StateCurrent() says nobody else has appended since.
  bool state_valid_ = false;
  int64_t base_ = 0;
  os::File log_;
  os::File offset_index_;
  os::File time_index_;
  uint64_t size_ = 0;
  int64_t next_offset_ = 0;
  int64_t max_ts_ = INT64_MIN;
  int64_t first_ts_ = 0;          // first batch's timestamp, for age-based roll
  uint64_t last_entry_pos_ = 0;   // position of the newest index entry (0: none)
};

}  // namespace klog::log
