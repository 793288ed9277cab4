#include "os/pipe.h"

#include <fcntl.h>
#include <sys/stat.h>

namespace klog::os {

void EnlargePipe(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) return;
  constexpr int kPipeBytes = 1 << 20;  // /proc/sys/fs/pipe-max-size's default
  if (::fcntl(fd, F_GETPIPE_SZ) < kPipeBytes) (void)::fcntl(fd, F_SETPIPE_SZ, kPipeBytes);
}

}  // namespace klog::os
