// Retention on demand (`klog retention`, for cron): what retention would
// delete from a partition now, and deleting it. The decision itself is
// SegmentsToDelete (retention.h); this reads its inputs from the files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "log/log_config.h"
#include "log/retention.h"
#include "util/status.h"

namespace klog::log {

struct ExpiredSegment {
  SegmentInfo segment;     // base offset, bytes of the .log, newest timestamp
  int64_t end_offset = 0;  // offset after its last record (the next segment's base)
  bool by_time = false;    // past retention_ms; else deleted to meet retention_bytes
};

// Sizes and newest record timestamps of the partition's segments, oldest
// first (one deleted meanwhile is left out). Read-only: takes no lock and
// creates nothing; PartitionWriter calls it under its lock.
Result<std::vector<SegmentInfo>> ReadSegmentInfos(const std::string& dir);

// The closed segments retention would delete now (a dry run). Read-only.
Result<std::vector<ExpiredSegment>> PlanRetention(const std::string& dir, const LogConfig& config, int64_t now_ms);

// Deletes them through PartitionWriter::EnforceRetention (under the writer
// lock, never the active segment) and says what went.
Result<std::vector<ExpiredSegment>> EnforceRetentionNow(const std::string& dir, const std::string& label,
                                                        const LogConfig& config, int64_t now_ms);

}  // namespace klog::log
