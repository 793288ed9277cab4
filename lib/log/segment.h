// Reading batches out of one segment's .log file with pread (never mmap: a
// truncation under a mapping is SIGBUS), and scanning a run of them.
#pragma once

#include <climits>
#include <cstdint>
#include <functional>
#include <optional>
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
  Status error;             // kCorrupt only: what is wrong
  bool header_ok = false;   // kCorrupt: the header parsed and named the expected offset
};

// Reads the batch at `pos` of a log of `size` bytes, whose base offset must
// be `expected_offset`. With `batch`, reads it whole, checks the CRC and
// decodes it into *batch; without, reads and checks only the header.
//
// A batch running past the end of the file is kIncomplete (a torn tail, or
// an append in progress) only when it can be nothing else: if its length
// field is damaged (the CRC matches a shorter batch) or any whole, valid
// batch follows anywhere later in the file, it is kCorrupt. A torn write
// leaves nothing valid after it; a damaged length does.
BatchRead ReadBatchAt(const os::File& log, uint64_t size, uint64_t pos, int64_t expected_offset, Batch* batch);

// Position of the first whole batch (sane header, CRC correct) that starts
// after `pos` in a log of `size` bytes, if any. Reads the rest of the file.
std::optional<uint64_t> FindValidBatchAfter(const os::File& log, uint64_t size, uint64_t pos);

// True when every byte of [pos, size) is zero: the end of a file a crash
// left allocated but unwritten (a torn tail, as an incomplete batch is).
bool AllZeros(const os::File& log, uint64_t pos, uint64_t size);

// Where a reader may go on after the damaged batch `bad` (kCorrupt with
// header_ok) at `pos`: the batch after it, when its length is intact —
// proven by a whole, valid batch right after it whose base offset is the
// damaged one's next offset. Nullopt when nothing proves where it ends.
std::optional<uint64_t> SkipDamagedBatch(const os::File& log, uint64_t size, uint64_t pos, const BatchRead& bad);

struct ScanResult {
  uint64_t end_pos = 0;      // end of the last good batch
  int64_t next_offset = 0;   // offset after the last good batch
  int64_t max_timestamp = INT64_MIN;
  ReadKind stop = ReadKind::kEnd;
  Status error;
};

// Walks batches from `pos` (base offset `expected_offset`) to the end, with
// CRC checks when `verify_crc`; calls on_batch(header, position) for each.
// With `skip_damage` (and verify_crc), a damaged batch that SkipDamagedBatch
// can step over is stepped over (counted in `skipped`, the first kept in
// `first_skipped`) instead of ending the scan.
struct SkippedDamage {
  int64_t offset = -1;  // base offset of the first damaged batch stepped over; -1: none
  uint64_t position = 0;
  Status error;
};
ScanResult ScanSegment(const os::File& log, uint64_t size, uint64_t pos, int64_t expected_offset, bool verify_crc,
                       const std::function<void(const BatchHeader&, uint64_t)>& on_batch = {},
                       SkippedDamage* skip_damage = nullptr);

// How segment `base` of the partition in `dir` ends: headers scanned from
// its last usable index entry (no CRC checks). next_offset is the offset
// after its last whole batch; stop says what follows that batch.
Result<ScanResult> ScanSegmentEnd(const std::string& dir, int64_t base);

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
