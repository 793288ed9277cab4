#include "group/liveness.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

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
  struct stat st;
  if (::stat(paths.MemberFile(id).c_str(), &st) != 0) return 0;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

Liveness CheckMember(const GroupPaths& paths, const MemberInfo& m, int64_t now_ms) {
  int fd = ::open(paths.MemberLock(m.id).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Liveness::kDead;  // it left, or never got that far
  bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0;
  ::close(fd);  // drops our probe lock, if we got it
  if (!held) return Liveness::kDead;
  int64_t hb = LastHeartbeatMs(paths, m.id);
  if (m.session_timeout_ms > 0 && hb > 0 && now_ms - hb > m.session_timeout_ms) return Liveness::kStale;
  return Liveness::kAlive;
}

}  // namespace klog::group
