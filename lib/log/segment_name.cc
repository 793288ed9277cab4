#include "log/segment_name.h"

#include <cstdio>

#include "os/file.h"

namespace klog::log {

std::string SegmentFileName(int64_t base_offset, const char* suffix) {
  char buf[32];
  snprintf(buf, sizeof buf, "%020lld", static_cast<long long>(base_offset));
  return std::string(buf) + suffix;
}

std::string SegmentPath(const std::string& partition_dir, int64_t base_offset, const char* suffix) {
  return os::JoinPath(partition_dir, SegmentFileName(base_offset, suffix));
}

Result<std::vector<int64_t>> ListSegments(const std::string& partition_dir) {
  auto names = os::ListDir(partition_dir);
  if (!names.ok()) return names.status();
  std::vector<int64_t> bases;
  for (const auto& n : *names) {
    if (n.size() != 24 || n.compare(20, 4, kLogSuffix) != 0) continue;
    int64_t v = 0;
    bool digits = true;
    for (int i = 0; i < 20; ++i) {
      if (n[i] < '0' || n[i] > '9') {
        digits = false;
        break;
      }
      v = v * 10 + (n[i] - '0');
    }
    if (digits) bases.push_back(v);
  }
  return bases;  // ListDir sorts names; fixed width makes that numeric order
}

}  // namespace klog::log
