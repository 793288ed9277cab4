// group.lock for the commands that change a group from outside (offset
// reset and commit, group delete). Members hold it only for a moment, but a
// member stopped (SIGSTOP) in that moment keeps it: an admin command waits a
// bounded time and then refuses, instead of hanging.
#pragma once

#include <string>

#include "group/group_paths.h"
#include "os/file.h"
#include "util/status.h"

namespace klog::group {

inline constexpr int kAdminLockWaitMs = 5000;

// kBusy (exit 3) naming the group and what to do when it is still held after
// wait_ms.
Result<os::FileLock> LockGroupForAdmin(const GroupPaths& paths, int wait_ms = kAdminLockWaitMs);

}  // namespace klog::group
