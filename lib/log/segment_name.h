// Segment files are named by their base offset in 20 digits (Kafka's
// convention): 00000000000000001042.log with .index and .timeindex beside it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/status.h"

namespace klog::log {

inline constexpr const char* kLogSuffix = ".log";
inline constexpr const char* kOffsetIndexSuffix = ".index";
inline constexpr const char* kTimeIndexSuffix = ".timeindex";
// Offsets lost between two segments that `klog verify --repair` accepted
// (lost_offsets.h): readers and writers step over exactly these gaps.
inline constexpr const char* kLostOffsetsFile = "lost-offsets";
// The partition's writer lock (partition_writer.h): flock'ed by appenders,
// repair and retention, shared by verify; never deleted.
inline constexpr const char* kWriterLockFile = "writer.lock";

std::string SegmentFileName(int64_t base_offset, const char* suffix);
std::string SegmentPath(const std::string& partition_dir, int64_t base_offset, const char* suffix);

// Base offsets of the .log files in a partition directory, ascending.
Result<std::vector<int64_t>> ListSegments(const std::string& partition_dir);

}  // namespace klog::log
