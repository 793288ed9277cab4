// Checking a partition's files for damage (`klog verify`) and mending what
// can be mended without losing a record (`klog verify --repair`).
//
// What is checked, segment by segment, oldest first:
//   - every batch: header (magic, attributes, length, count), base offset
//     equal to the offset expected next, CRC-32C, zstd frame, every record;
//   - the segment's end: a batch cut short is a torn tail;
//   - offsets across segments: each segment's base offset must be the end
//     offset of the one before it (lower: overlap; higher: gap, unless
//     that gap is recorded as lost, lost_offsets.h);
//   - both indexes: whole entries only, strictly increasing, each pointing at
//     the start of a batch whose base offset matches, the time index's
//     "max timestamp before" equal to what the log says, and the two files
//     agreeing entry for entry. A missing index file is fine only when the
//     segment needs no entries (no batch starts kIndexIntervalBytes or more
//     into it); otherwise it is reported as a missing index.
//
// Verification opens files read-only and creates nothing, so it works on a
// read-only copy of a data directory. It takes no lock, except that a
// problem seen in the active (newest) segment is checked again while holding
// a shared flock on the partition's writer.lock (when that file exists), so
// an append in progress is never reported as a torn tail. Segments deleted
// by retention while verification runs are skipped.
//
// Repair mends three kinds of damage and nothing else:
//   - a torn tail of the active segment (a writer killed mid-append, or
//     zero bytes left at the end by a crash): cut off by
//     PartitionWriter::Recover; nothing before it is touched;
//   - a gap between two segments (a power loss under an older klog kept
//     the next segment but not the end of the one before): the missing
//     offsets are not on disk, so repair records them as lost (readers and
//     writers then go on past them) and cuts the closed segment's half
//     written last batch, if any; the report names the offsets lost;
//   - bad or missing indexes of any segment: rebuilt from the log under the
//     writer lock (closed segments: a new file renamed into place; the active
//     one: rewritten in place, since writers keep it open).
// Anything else (a bad batch anywhere but a torn tail, an overlap between
// segments, a closed segment cut short with no gap after it) would cost
// records to "repair": it is reported and the partition is left exactly as
// it was.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "log/log_config.h"
#include "util/status.h"

namespace klog::log {

enum class DamageKind {
  kBadHeader,       // the batch header cannot be parsed
  kChecksum,        // CRC-32C mismatch
  kBadRecords,      // CRC fine, but the zstd frame or a record does not decode
  kOffsetSequence,  // a batch's base offset is not the one expected next
  kSegmentOverlap,  // a segment starts below the previous segment's end
  kSegmentGap,      // a segment starts above the previous segment's end
  kTornTail,        // the active segment ends inside a batch (or in zeros)
  kTruncated,       // a closed segment ends inside a batch
  kIndex,           // an index entry is partial, out of order or wrong
  kMissingIndex,    // an index file is missing where entries are needed
  kIOError,         // a file could not be read
};

// "checksum", "torn-tail", ...: stable names for --json and scripts.
const char* DamageKindName(DamageKind kind);

struct Damage {
  DamageKind kind = DamageKind::kBadHeader;
  int64_t segment_base = 0;  // the segment concerned
  std::string file;          // file name within the partition directory
  uint64_t position = 0;     // byte in `file` where the damage starts
  int64_t offset = -1;       // offset expected at that point; -1 if none
  std::string message;       // what is wrong
  bool repairable = false;   // RepairPartition can mend it without losing a record
};

struct VerifyReport {
  std::string label;
  int segments = 0;
  int64_t batches = 0;         // whole, valid batches
  int64_t records = 0;         // records in them
  uint64_t log_bytes = 0;      // size of the .log files
  int64_t start_offset = 0;    // base offset of the oldest segment
  int64_t end_offset = 0;      // offset after the last valid batch of the newest segment
  std::vector<Damage> damage;  // in file order: by segment, log before indexes

  bool ok() const { return damage.empty(); }
  bool repairable() const;  // some damage, all of it repairable
  // "topic 't' partition 0 offset 42 (segment 00000000000000000040.log byte 4096): checksum mismatch"
  std::string Describe(const Damage& d) const;
};

// Checks the partition in `dir`. Errors only when the directory cannot be
// listed; unreadable files are reported as damage.
Result<VerifyReport> VerifyPartition(const std::string& dir, const std::string& label);

struct RepairReport {
  VerifyReport before;
  VerifyReport after;                // equals `before` when nothing was done
  std::vector<std::string> actions;  // what was changed, one sentence each
  bool changed() const { return !actions.empty(); }
};

// Verifies, repairs what is repairable when all damage is, and verifies
// again. Leaves the partition untouched when any damage is not repairable.
// Takes the partition's writer lock (creating writer.lock if needed).
Result<RepairReport> RepairPartition(const std::string& dir, const std::string& label, const LogConfig& config);

}  // namespace klog::log
