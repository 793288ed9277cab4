#include "topic/data_dir.h"

#include "os/file.h"

namespace klog::topic {

std::string ResolveDataDir(const std::string& flag, const char* klog_dir, const char* xdg, const char* home) {
  if (!flag.empty()) return flag;
  if (klog_dir && *klog_dir) return klog_dir;
  if (xdg && *xdg) return std::string(xdg) + "/klog";
  return std::string(home && *home ? home : ".") + "/.local/share/klog";
}

Status CheckDataDir(const std::string& root, bool must_exist) {
  auto exists = os::DirExists(root);
  if (!exists.ok()) {
    if (exists.status().code() != Code::kInvalidArgument) return exists.status();
    return Status::InvalidArgument("data directory '" + root + "' is not a directory (check --dir and $KLOG_DIR)");
  }
  if (!*exists && must_exist)
    return Status::NotFound("data directory '" + root +
                            "' does not exist (check --dir and $KLOG_DIR; 'klog topic create' makes it)");
  return Status::Ok();
}

std::string PartitionLabel(const std::string& topic, int partition) {
  return "topic '" + topic + "' partition " + std::to_string(partition);
}

}  // namespace klog::topic
