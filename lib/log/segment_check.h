// Checking one segment, for VerifyPartition and RepairPartition (see
// verify.h for what is checked and why). Internal to lib/log.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "log/verify.h"

namespace klog::log {

struct BatchStart {
  uint64_t position;
  int64_t base_offset;
  int64_t max_ts_before;  // newest record timestamp before this batch in the segment
};

// What one segment looks like: its log checked, then its indexes.
struct SegmentCheck {
  int64_t base = 0;
  bool present = true;  // false: deleted (by retention) while we looked
  uint64_t size = 0;
  bool log_clean = false;   // every byte of the log is in a valid batch
  uint64_t good_end = 0;    // end of the last valid batch
  int64_t next_offset = 0;  // offset after the last valid batch
  int64_t batches = 0;
  int64_t records = 0;
  std::vector<BatchStart> starts;
  std::optional<uint64_t> zero_tail;  // where an all-zero torn tail begins
  std::optional<uint64_t> torn_tail;  // where a torn last batch begins (see TornWrite in the .cc)
  std::vector<Damage> damage;         // log damage first (at most one), then indexes
};

Damage MakeDamage(DamageKind kind, int64_t base, const char* suffix, uint64_t pos, int64_t offset, std::string msg);

// Checks the log of segment seg.base (the active one when `active`): every
// batch, and how the file ends. Fills everything but index damage.
void CheckLog(const std::string& dir, bool active, SegmentCheck& seg);

// CheckLog, then both indexes against what the log says.
void CheckSegment(const std::string& dir, bool active, SegmentCheck& seg);

// VerifyPartition without taking any lock: for a caller that holds the
// writer lock already (a shared flock would wait for it forever).
Result<VerifyReport> VerifyScan(const std::string& dir, const std::string& label);

}  // namespace klog::log
