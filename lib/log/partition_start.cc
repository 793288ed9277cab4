#include "log/partition_start.h"

#include "log/segment_name.h"
#include "os/file.h"

namespace klog::log {

Status StartEmptyPartitionAt(const std::string& dir, const std::string& label, int64_t offset) {
  if (offset < 0) return Status::InvalidArgument(label + ": a partition cannot start at offset " + std::to_string(offset));
  auto lock = os::FileLock::Acquire(os::JoinPath(dir, kWriterLockFile));
  if (!lock.ok()) return lock.status().WithContext(label);
  auto bases = ListSegments(dir);
  if (!bases.ok()) return bases.status().WithContext(label);
  for (int64_t b : *bases) {
    auto log = os::File::OpenRead(SegmentPath(dir, b, kLogSuffix));
    if (!log.ok()) return log.status().WithContext(label);
    auto size = log->Size();
    if (!size.ok()) return size.status().WithContext(label);
    if (*size > 0)
      return Status::InvalidArgument(label + " is not empty: it cannot be made to start at offset " +
                                     std::to_string(offset));
    // Empty, but its offsets already went past: they are never given twice.
    if (b > offset)
      return Status::InvalidArgument(label + " is empty but its next offset is " + std::to_string(b) +
                                     ": it cannot be made to start at offset " + std::to_string(offset) +
                                     " (offsets are never given twice)");
  }
  if (bases->size() == 1 && (*bases)[0] == offset) return Status::Ok();
  // The old empty segments go first: a crash in between leaves a partition
  // with no segment (empty at 0, to be started again), never two segments
  // with a gap between them.
  for (int64_t b : *bases)
    for (const char* suffix : {kLogSuffix, kOffsetIndexSuffix, kTimeIndexSuffix})
      KLOG_RETURN_IF_ERROR(os::RemoveFile(SegmentPath(dir, b, suffix)).WithContext(label));
  KLOG_RETURN_IF_ERROR(os::SyncDir(dir).WithContext(label));
  for (const char* suffix : {kLogSuffix, kOffsetIndexSuffix, kTimeIndexSuffix}) {
    auto f = os::File::OpenReadWrite(SegmentPath(dir, offset, suffix), true);
    if (!f.ok()) return f.status().WithContext(label);
    KLOG_RETURN_IF_ERROR(f->DataSync().WithContext(label));
  }
  return os::SyncDir(dir).WithContext(label);
}

}  // namespace klog::log
