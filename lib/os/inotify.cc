#include "os/inotify.h"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>

#include "os/file.h"

namespace klog::os {

DirWatcher::DirWatcher() { fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC); }
DirWatcher::~DirWatcher() {
  if (fd_ >= 0) ::close(fd_);
}

Status DirWatcher::Watch(const std::string& dir) {
  if (fd_ < 0) return ErrnoStatus("inotify", dir, errno);
  if (::inotify_add_watch(fd_, dir.c_str(), IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_DELETE_SELF) < 0)
    return ErrnoStatus("watch", dir, errno);
  return Status::Ok();
}

bool DirWatcher::Wait(int timeout_ms, int output_fd) {
  // No events asked of output_fd: poll wakes on its POLLERR/POLLHUP alone.
  struct pollfd pfds[2] = {{fd_, POLLIN, 0}, {output_fd, 0, 0}};
  int r = ::poll(pfds, output_fd >= 0 ? 2 : 1, timeout_ms);
  if (r <= 0) return false;
  alignas(struct inotify_event) char buf[16384];
  while (::read(fd_, buf, sizeof buf) > 0) {
  }
  return true;
}

}  // namespace klog::os
