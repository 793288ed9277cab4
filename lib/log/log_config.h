// Per-partition settings of the log (filled from the topic's config).
#pragma once

#include <cstdint>
#include <string_view>

#include "util/status.h"

namespace klog::log {

// When appends reach the disk, not just the page cache. Every policy
// survives a kill -9 of any process (the page cache keeps what write(2)
// took); only kBatch and kAlways survive a power loss.
enum class FsyncPolicy {
  kNever,   // default: the kernel writes back in its own time
  kBatch,   // fdatasync the log after every batch
  kAlways,  // every record its own batch, log, indexes and directory synced
};
const char* FsyncPolicyName(FsyncPolicy p);
Result<FsyncPolicy> ParseFsyncPolicy(std::string_view s);

struct LogConfig {
  uint64_t segment_bytes = 1ull << 30;           // roll when the next batch would pass this
  int64_t segment_ms = 7ll * 24 * 3600 * 1000;   // roll when the first batch is this old
  int64_t retention_ms = 7ll * 24 * 3600 * 1000; // -1: keep forever
  int64_t retention_bytes = -1;                  // -1: no size limit
  FsyncPolicy fsync = FsyncPolicy::kNever;
};

}  // namespace klog::log
