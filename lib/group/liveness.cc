#include "group/liveness.h"

#include "os/file.h"

namespace klog::group {

const char* LivenessName(Liveness l) {
  switch (l) {
    case Liveness::kAlive:
      return "alive";
    case Liveness::kDead:
      return "dead";
    default:
      return "stale";
  }
}

int64_t LastHeartbeatMs(const GroupPaths& paths, const std::string& id) {
  auto st = os::StatPath(paths.MemberFile(id));
  return st.ok() ? st->mtime_ms() : 0;
}

Liveness CheckMember(const GroupPaths& paths, const MemberInfo& m, int64_t now_ms) {
  // Free (our probe lock is dropped at once) or gone (it left, or never got
  // that far): its process is dead.
  auto probe = os::FileLock::TryAcquireShared(paths.MemberLock(m.id));
  if (probe.status().code() != Code::kBusy) return Liveness::kDead;
  int64_t hb = LastHeartbeatMs(paths, m.id);
  if (m.session_timeout_ms > 0 && hb > 0 && now_ms - hb > m.session_timeout_ms) return Liveness::kStale;
  return Liveness::kAlive;
}

}  // namespace klog::group
