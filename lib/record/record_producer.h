// What `klog produce` writes through, for any backend: records are added,
// batched by the backend, and reported back in runs once they are written
// (on a directory: appended, and fsynced as --fsync asks; on a cluster:
// acknowledged).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "record/record.h"
#include "util/status.h"

namespace klog::record {

// `count` records written to `partition` at offsets offset, offset + 1, ...
// (consecutive records of the input that went to one partition: one entry,
// not one per record).
struct WrittenRun {
  int partition;
  int64_t offset;
  int64_t count;
};

class RecordProducer {
 public:
  virtual ~RecordProducer() = default;
  // Queues a record; InvalidArgument for a bad partition or oversize record.
  // May write by itself; an error of such a write may be returned by a
  // later Add or Flush.
  virtual Status Add(std::optional<int> partition, int64_t timestamp, std::optional<std::string_view> key,
                     std::string_view value, const std::vector<HeaderView>& headers) = 0;
  // Writes everything added; what was written is then in TakeWritten().
  virtual Status Flush() = 0;
  // Records added but not yet handed to a write.
  virtual bool has_pending() const = 0;
  // A write is running in the background (Flush waits for it).
  virtual bool writing() const = 0;
  virtual bool has_written() const = 0;
  virtual size_t max_record_bytes() const = 0;
  // Records written since the last TakeWritten(), in input order.
  virtual std::vector<WrittenRun> TakeWritten() = 0;
  // After a failed write: the number of the first record added (0 for the
  // first Add that succeeded) that was not written, so that an error can
  // name the input line to resume from. None before any write failed.
  virtual std::optional<int64_t> first_unwritten() const = 0;
};

}  // namespace klog::record
