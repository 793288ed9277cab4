#include "log/log_config.h"

#include <string>

namespace klog::log {

const char* FsyncPolicyName(FsyncPolicy p) {
  switch (p) {
    case FsyncPolicy::kBatch:
      return "batch";
    case FsyncPolicy::kAlways:
      return "always";
    default:
      return "never";
  }
}

Result<FsyncPolicy> ParseFsyncPolicy(std::string_view s) {
  if (s == "never") return FsyncPolicy::kNever;
  if (s == "batch") return FsyncPolicy::kBatch;
  if (s == "always") return FsyncPolicy::kAlways;
  return Status::InvalidArgument("unknown fsync policy '" + std::string(s) + "' (expected never, batch or always)");
}

}  // namespace klog::log
