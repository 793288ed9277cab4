#include "topic/data_dir.h"

namespace klog::topic {

std::string ResolveDataDir(const std::string& flag, const char* klog_dir, const char* xdg, const char* home) {
  if (!flag.empty()) return flag;
  if (klog_dir && *klog_dir) return klog_dir;
  if (xdg && *xdg) return std::string(xdg) + "/klog";
  return std::string(home && *home ? home : ".") + "/.local/share/klog";
}

std::string PartitionLabel(const std::string& topic, int partition) {
  return "topic '" + topic + "' partition " + std::to_string(partition);
}

}  // namespace klog::topic
