#include "topic/data_dir.h"

#include "os/file.h"

namespace klog::topic {

Result<std::string> ResolveDataDir(const std::string& flag, const char* klog_dir, const char* xdg,
                                   const char* home) {
  if (!flag.empty()) return flag;
  if (klog_dir && *klog_dir) return std::string(klog_dir);
  if (xdg && *xdg) return std::string(xdg) + "/klog";
  // Not ./.local/share/klog: a directory that depends on where the command
  // happens to run would scatter topics.
  if (!home || !*home)
    return Status::InvalidArgument(
        "no data directory: HOME is not set, nor KLOG_DIR or XDG_DATA_HOME; give --dir DIR or set KLOG_DIR");
  return std::string(home) + "/.local/share/klog";
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
