// Reading batches out of one segment's .log file with pread (never mmap: a
// truncation under a mapping is SIGBUS), and scanning a run of them.
#pragma once

#include <climits>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>

#include "log/batch.h"
#include "os/file.h"
#include "util/status.h"

namespace klog::log {

enum class ReadKind {
  kBatch,       // a whole batch was read
  kEnd,         // pos is the end of the file
  kIncomplete,  // the file ends inside a batch: a torn tail or an append in progress
  kCorrupt,     // bad header, unexpected base offset or checksum mismatch
};

struct BatchRead {
  ReadKind kind = ReadKind::kEnd;
  BatchHeader header;
  Status error;  // kCorrupt only: what is wrong
};

// Reads the batch at `pos` of a log of `size` bytes, whose base offset must
// be `expected_offset`. With `batch`, reads it whole, checks the CRC and
// decodes it into *batch; without, reads and checks only the header.
BatchRead ReadBatchAt(const os::File& log, uint64_t size, uint64_t pos, int64_t expected_offset, Batch* batch);

struct ScanResult {
  uint64_t end_pos = 0;      // end of the last good batch
  int64_t next_offset = 0;   // offset after the last good batch
  int64_t max_timestamp = INT64_MIN;
  ReadKind stop = ReadKind::kEnd;
  Status error;
};

// Walks batches from `pos` (base offset `expected_offset`) to the end, with
// CRC checks when `verify_crc`; calls on_batch(header, position) for each.
ScanResult ScanSegment(const os::File& log, uint64_t size, uint64_t pos, int64_t expected_offset, bool verify_crc,
                       const std::function<void(const BatchHeader&, uint64_t)>& on_batch = {});

// "topic 't' partition 0 offset 42 (segment 00000000000000000040.log byte 4096)"
std::string Where(const std::string& label, int64_t offset, int64_t segment_base, uint64_t pos);

// Where to scan segment `base` from to reach `offset`: position and base
// offset of the last indexed batch at or before it, verified against the
// log; (0, base) when the index has nothing usable. Any offset past the
// segment's 2^32 relative offsets gives the last entry.
std::pair<uint64_t, int64_t> IndexedStart(const std::string& partition_dir, int64_t base, const os::File& log,
                                          uint64_t size, int64_t offset);

// Where to scan segment `base` from to find the records with timestamps at
// or after `ts`: the last time-index entry whose max_ts_before is below `ts`,
// trusted only if it points at a whole batch with the offset it names and
// its max_ts_before equals that of the entry before it (or INT64_MIN) maxed
// with the batches in between — so one damaged entry (a flipped bit) can
// never make a lookup skip records or retention misjudge a segment's age.
// Else the segment's start: {0, base, INT64_MIN}.
struct TimeIndexedStart {
  uint64_t position = 0;
  int64_t offset = 0;
  int64_t max_ts_before = INT64_MIN;  // of every record before `position`
};
TimeIndexedStart FindTimeIndexedStart(const std::string& partition_dir, int64_t base, const os::File& log,
                                      uint64_t size, int64_t ts);

// Largest record timestamp in a segment, from its time index's last entry
// (checked as above) and the batches after it; INT64_MIN for an empty segment.
Result<int64_t> SegmentMaxTimestamp(const std::string& partition_dir, int64_t base);

}  // namespace klog::log
