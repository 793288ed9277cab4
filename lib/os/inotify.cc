#include "os/inotify.h"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "os/file.h"

namespace klog::os {

DirWatcher::DirWatcher() { fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC); }
DirWatcher::~DirWatcher() {
  if (fd_ >= 0) ::close(fd_);
}

Status DirWatcher::Watch(const std::string& dir, uint64_t tag) {
  if (fd_ < 0) return ErrnoStatus("inotify", dir, errno);
  int wd = ::inotify_add_watch(fd_, dir.c_str(), IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_DELETE_SELF);
  if (wd < 0) return ErrnoStatus("watch", dir, errno);
  tags_[wd] = tag;
  return Status::Ok();
}

bool DirWatcher::Wait(int timeout_ms, int output_fd, Changes* changes) {
  // No events asked of output_fd: poll wakes on its POLLERR/POLLHUP alone.
  struct pollfd pfds[2] = {{fd_, POLLIN, 0}, {output_fd, 0, 0}};
  int r = ::poll(pfds, output_fd >= 0 ? 2 : 1, timeout_ms);
  if (r <= 0) return false;
  alignas(struct inotify_event) char buf[16384];
  ssize_t n;
  while ((n = ::read(fd_, buf, sizeof buf)) > 0) {
    if (!changes) continue;
    for (ssize_t at = 0; at + static_cast<ssize_t>(sizeof(struct inotify_event)) <= n;) {
      struct inotify_event ev;
      std::memcpy(&ev, buf + at, sizeof ev);
      at += static_cast<ssize_t>(sizeof ev + ev.len);
      if (ev.mask & IN_Q_OVERFLOW) {
        changes->overflow = true;
        continue;
      }
      auto it = tags_.find(ev.wd);
      if (it != tags_.end()) changes->tags.push_back(it->second);
    }
  }
  return true;
}

}  // namespace klog::os
