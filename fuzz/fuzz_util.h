// Helpers shared by the fuzz targets: a failed property aborts, so libFuzzer
// reports it like a crash and keeps the input.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#define FUZZ_ASSERT(cond)                                                          \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      std::fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                \
    }                                                                              \
  } while (0)

namespace klog::fuzz {

// An in-memory file (memfd) holding `data`; -1 on failure. The caller owns it.
inline int MemFile(std::string_view data) {
  int fd = ::memfd_create("klog-fuzz", MFD_CLOEXEC);
  if (fd < 0) return -1;
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n <= 0) {
      ::close(fd);
      return -1;
    }
    done += static_cast<size_t>(n);
  }
  return fd;
}

inline std::string FdPath(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

}  // namespace klog::fuzz
