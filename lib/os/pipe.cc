#include "os/pipe.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace klog::os {

bool IsPipe(int fd) {
  struct stat st;
  return ::fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}

void EnlargePipe(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) return;
  constexpr int kPipeBytes = 1 << 20;  // /proc/sys/fs/pipe-max-size's default
  if (::fcntl(fd, F_GETPIPE_SZ) < kPipeBytes) (void)::fcntl(fd, F_SETPIPE_SZ, kPipeBytes);
}

bool ReaderGone(int fd) {
  // No events asked for: poll reports only POLLERR (a pipe without readers)
  // and POLLHUP (a socket shut down), without blocking.
  struct pollfd pfd = {fd, 0, 0};
  return ::poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLERR | POLLHUP)) != 0;
}

bool WaitWritable(int fd, int timeout_ms) {
  struct pollfd pfd = {fd, POLLOUT, 0};
  return ::poll(&pfd, 1, timeout_ms) == 1 && (pfd.revents & (POLLOUT | POLLERR | POLLHUP)) != 0;
}

Result<size_t> ReadSome(int fd, char* buf, size_t n) {
  for (;;) {
    ssize_t r = ::read(fd, buf, n);
    if (r >= 0) return static_cast<size_t>(r);
    if (errno != EINTR) return Status::IOError(std::string("reading input: ") + std::strerror(errno));
  }
}

Result<size_t> WriteSome(int fd, const char* data, size_t n) {
  ssize_t w = ::write(fd, data, n);
  if (w >= 0) return static_cast<size_t>(w);
  if (errno == EINTR) return size_t{0};
  if (errno == EPIPE) return Status::OutputClosed("stdout closed");
  return Status::IOError(std::string("writing output: ") + std::strerror(errno));
}

}  // namespace klog::os
