// Is a member alive? Two facts decide: a member's flock on members/ID.lock
// is dropped by the kernel the instant it dies, so a lock we can take means
// a dead member; but a stopped (SIGSTOP) or hung process keeps its flocks,
// so its heartbeat (the mtime of members/ID.json, touched every
// heartbeat interval) must also be younger than its session timeout.
#pragma once

#include <cstdint>
#include <string>

#include "group/group_paths.h"
#include "group/group_state.h"

namespace klog::group {

enum class Liveness { kAlive, kDead, kStale };
const char* LivenessName(Liveness l);

// Reads only (works on a read-only copy): takes and drops a probe lock.
Liveness CheckMember(const GroupPaths& paths, const MemberInfo& m, int64_t now_ms);
// Last heartbeat in ms since the epoch; 0 if unknown.
int64_t LastHeartbeatMs(const GroupPaths& paths, const std::string& id);

}  // namespace klog::group
