#include "log/retention.h"

namespace klog::log {

size_t SegmentsToDelete(const std::vector<SegmentInfo>& segments, int64_t retention_ms, int64_t retention_bytes,
                        int64_t now_ms) {
  if (segments.size() <= 1) return 0;
  size_t closed = segments.size() - 1;
  size_t n = 0;
  if (retention_ms >= 0) {
    while (n < closed && segments[n].max_timestamp < now_ms - retention_ms) ++n;
  }
  if (retention_bytes >= 0) {
    uint64_t total = 0;
    for (const auto& s : segments) total += s.bytes;
    for (size_t i = 0; i < n; ++i) total -= segments[i].bytes;
    while (n < closed && total - segments[n].bytes >= static_cast<uint64_t>(retention_bytes)) {
      total -= segments[n].bytes;
      ++n;
    }
  }
  return n;
}

}  // namespace klog::log
