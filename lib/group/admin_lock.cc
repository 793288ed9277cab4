#include "group/admin_lock.h"

namespace klog::group {

Result<os::FileLock> LockGroupForAdmin(const GroupPaths& paths, int wait_ms) {
  auto lock = os::FileLock::AcquireWithin(paths.Lock(), wait_ms);
  if (lock.ok() || lock.status().code() != Code::kBusy) return lock;
  return Status::Busy("refused: group '" + paths.group() + "' is locked by another process for over " +
                      std::to_string(wait_ms / 1000) + " s (" + paths.Lock() +
                      "): a member stopped while changing the group? Resume it (kill -CONT) or stop it, then "
                      "try again");
}

}  // namespace klog::group
