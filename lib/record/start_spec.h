// Where a consumer without a group starts: `-o/--offset` of klog consume,
// the same for every backend.
#pragma once

#include <cstdint>
#include <string_view>

#include "util/status.h"

namespace klog::record {

// -o/--offset: beginning | end | N | -N | @MS | @ISO-8601
struct StartSpec {
  enum Kind { kBeginning, kEnd, kOffset, kFromEnd, kTimestamp } kind = kBeginning;
  int64_t value = 0;
};

Result<StartSpec> ParseStartSpec(std::string_view text);

// Where a reader of the partition range [start, end) begins for `spec`
// (kTimestamp already looked up into `offset_for_time`): clamped into the
// range, so that an offset deleted by retention starts at the oldest kept.
int64_t ClampStart(const StartSpec& spec, int64_t start, int64_t end, int64_t offset_for_time);

}  // namespace klog::record
