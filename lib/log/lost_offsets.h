// The record of offsets a partition lost for good: a gap between two
// segments (offsets FIRST..LAST of no segment), left by a power loss under
// a klog older than the one that synced a segment before creating the next.
// Offsets are dense, so such a gap stops readers and writers until
// `klog verify --repair` accepts it by writing it here; from then on readers
// go from the segment before the gap to the one after it, and writers
// append again.
//
// File <partition>/lost-offsets, text, one gap per line: "FIRST LAST\n"
// (decimal, inclusive), ascending. Written whole (temp file, fsync,
// rename); absent when nothing was ever lost.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/status.h"

namespace klog::log {

struct LostRange {
  int64_t first = 0;
  int64_t last = 0;  // inclusive
};

// The gaps recorded for the partition in `dir`; empty when none.
Result<std::vector<LostRange>> ReadLostOffsets(const std::string& dir);
// True when exactly [first, last] is recorded.
bool IsRecordedGap(const std::vector<LostRange>& lost, int64_t first, int64_t last);
// Checks that segment `prev` of the partition in `dir` ends where the next
// one, `next`, begins, or that the gap between them is recorded. Corruption
// naming the missing offsets (and what to do) otherwise.
Status CheckSegmentJoin(const std::string& dir, const std::string& label, int64_t prev, int64_t next);
// "offsets 10 to 19 are missing between 00….log and 00….log": for messages.
std::string DescribeGap(int64_t prev_base, int64_t first, int64_t next_base);
// Records [first, last] (durably).
Status RecordLostOffsets(const std::string& dir, int64_t first, int64_t last);

}  // namespace klog::log
