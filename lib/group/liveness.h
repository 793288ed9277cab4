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

// The one definition of a live member, for everything that counts or shows
// members (group list and describe, their state, owners of partitions, the
// Prometheus gauge) and for what live members forbid (offset reset, group
// delete): its process holds its lock. A stale member (stopped or hung past
// its session timeout) is live: it may resume, and until another member
// expels it (a new generation) its commits would still be accepted.
inline bool IsLive(Liveness l) { return l != Liveness::kDead; }

// Reads only (works on a read-only copy): takes and drops a probe lock.
Liveness CheckMember(const GroupPaths& paths, const MemberInfo& m, int64_t now_ms);
// Last heartbeat in ms since the epoch; 0 if unknown.
int64_t LastHeartbeatMs(const GroupPaths& paths, const std::string& id);

}  // namespace klog::group
