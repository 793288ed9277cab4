// Reads one partition without taking any lock. A reader sees only whole,
// checksummed batches: the end of the log is the end of the last complete
// batch, so a concurrent append or a writer killed mid-append shows up as
// "nothing more yet", never as half a batch.
#pragma once

#include <cstdint>
#include <string>

#include "log/batch.h"
#include "os/file.h"
#include "util/status.h"

namespace klog::log {

class PartitionReader {
 public:
  PartitionReader(std::string dir, std::string label) : dir_(std::move(dir)), label_(std::move(label)) {}

  const std::string& dir() const { return dir_; }
  const std::string& label() const { return label_; }

  // Offset of the oldest record still kept.
  Result<int64_t> StartOffset() const;
  // Offset the next record appended will get. Corruption when the newest
  // segment holds a damaged whole batch (an incomplete one is a torn tail:
  // the end is before it).
  Result<int64_t> EndOffset() const;
  // Offset of the first record with timestamp >= ts, or EndOffset() if none.
  Result<int64_t> OffsetForTimestamp(int64_t ts) const;

  // Positions the reader so Next returns the record at `offset` first.
  // OutOfRange ("offset N is no longer available, earliest is M") when it
  // was deleted by retention; an offset past the end waits for it.
  Status Seek(int64_t offset);
  int64_t position() const { return want_; }

  // Reads the next batch holding records at or after position(); sets
  // *skip_below to the first offset to deliver from it and advances
  // position() past it. Returns false when there is nothing more yet.
  Result<bool> Next(Batch& batch, int64_t* skip_below);

 private:
  Status OpenSegmentFor(int64_t offset);
  Status ListFailed(const Status& st) const;

  std::string dir_;
  std::string label_;
  os::File log_;
  int64_t seg_base_ = -1;
  int64_t next_base_ = -1;  // the segment after seg_base_ when it was opened; -1: none
  uint64_t pos_ = 0;
  int64_t expected_ = 0;  // base offset of the batch at pos_
  int64_t want_ = 0;      // next offset to deliver
};

}  // namespace klog::log
