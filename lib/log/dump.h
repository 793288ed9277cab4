// A batch-level view of a partition for `klog dump`: what is on disk, batch
// by batch, including batches that fail their checksum (a reader would stop
// there; a person mending the log wants to see them).
//
// Read-only: opens files for reading, takes no lock, creates nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "log/batch.h"
#include "util/status.h"

namespace klog::log {

struct BatchSummary {
  int64_t segment_base = 0;
  uint64_t position = 0;  // byte in the segment's .log
  BatchHeader header;     // base offset, count, length, codec, timestamps
  bool crc_ok = false;
  // Empty when the batch is sound; else what is wrong with it (checksum
  // mismatch, records that do not decode, unexpected base offset).
  std::string problem;
};

struct DumpOptions {
  int64_t from_offset = -1;  // start at the batch holding it; -1 or below the start: the oldest batch
  int64_t max_batches = -1;  // -1: all
};

// Calls `on_batch` for each batch in offset order, from the segment holding
// options.from_offset on. `batch` is the decoded batch (positioned at its
// first record) when its checksum is good and its records decode, else
// nullptr. A non-ok Status from on_batch stops the walk and is returned.
//
// The end of the newest segment cut inside a batch (an append in progress or
// a torn tail) ends the walk quietly, as it does for readers; a header that
// cannot be parsed, or a closed segment cut short, is Corruption naming the
// place.
using DumpCallback = std::function<Status(const BatchSummary&, const Batch* batch)>;
Status DumpPartition(const std::string& dir, const std::string& label, const DumpOptions& options,
                     const DumpCallback& on_batch);

}  // namespace klog::log
