// Which closed segments retention removes: a pure decision, so tests can
// cover it without files. Only a prefix of the oldest closed segments goes;
// the active (last) segment never does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace klog::log {

struct SegmentInfo {
  int64_t base_offset = 0;
  uint64_t bytes = 0;
  int64_t max_timestamp = 0;  // INT64_MIN when empty
};

// `segments` ascending by base offset, the last one active. Returns how many
// of the oldest to delete: by time, those whose newest record is older than
// now - retention_ms; by size, while the total stays >= retention_bytes
// without them (Kafka's rule).
size_t SegmentsToDelete(const std::vector<SegmentInfo>& segments, int64_t retention_ms, int64_t retention_bytes,
                        int64_t now_ms);

}  // namespace klog::log
