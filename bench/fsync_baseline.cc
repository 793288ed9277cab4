// klog_bench_fsync SEGMENT OUT: the physical limit for `klog produce --fsync
// batch`. Reads a klog segment (the batches klog wrote in the same run),
// then appends the very same batches to OUT with one write(2) and one
// fdatasync(2) each, and prints "SECONDS BATCHES BYTES" for that loop alone
// (reading the segment is not timed).
//
// It knows only the batch framing of man/klog-files.5: bytes 8..11 of each
// batch hold, little-endian, the length of the rest after those 12 bytes.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

namespace {

bool ReadWhole(const char* path, std::string& out) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return true;
}

bool WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: klog_bench_fsync SEGMENT OUT\n");
    return 2;
  }
  std::string seg;
  if (!ReadWhole(argv[1], seg)) {
    std::fprintf(stderr, "klog_bench_fsync: cannot read %s: %s\n", argv[1], std::strerror(errno));
    return 1;
  }
  int fd = ::open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::fprintf(stderr, "klog_bench_fsync: cannot create %s: %s\n", argv[2], std::strerror(errno));
    return 1;
  }
  auto t0 = std::chrono::steady_clock::now();
  size_t pos = 0, batches = 0;
  while (pos + 12 <= seg.size()) {
    uint32_t len;
    std::memcpy(&len, seg.data() + pos + 8, 4);
    size_t total = 12 + static_cast<size_t>(len);
    if (pos + total > seg.size()) break;
    if (!WriteAll(fd, seg.data() + pos, total) || ::fdatasync(fd) != 0) {
      std::fprintf(stderr, "klog_bench_fsync: writing %s: %s\n", argv[2], std::strerror(errno));
      return 1;
    }
    pos += total;
    ++batches;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ::close(fd);
  if (batches == 0) {
    std::fprintf(stderr, "klog_bench_fsync: no batches in %s\n", argv[1]);
    return 1;
  }
  std::printf("%.6f %zu %zu\n", secs, batches, pos);
  return 0;
}
