// klog_bench_rusage REPORT CMD [ARG...]: runs CMD (no shell; stdin, stdout
// and stderr inherited), then writes "WALL_SECONDS MAX_RSS_KIB" to the file
// REPORT and exits with CMD's exit status. Peak RSS comes from wait4(2), so
// it is CMD's own, not a shell's.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: klog_bench_rusage REPORT CMD [ARG...]\n");
    return 2;
  }
  auto t0 = std::chrono::steady_clock::now();
  pid_t pid = ::fork();
  if (pid < 0) {
    std::perror("klog_bench_rusage: fork");
    return 1;
  }
  if (pid == 0) {
    ::execvp(argv[2], argv + 2);
    std::fprintf(stderr, "klog_bench_rusage: cannot run %s: %s\n", argv[2], std::strerror(errno));
    _exit(127);
  }
  int status = 0;
  struct rusage ru = {};
  while (::wait4(pid, &status, 0, &ru) < 0) {
    if (errno != EINTR) {
      std::perror("klog_bench_rusage: wait4");
      return 1;
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::FILE* f = std::fopen(argv[1], "w");
  if (!f) {
    std::fprintf(stderr, "klog_bench_rusage: cannot write %s: %s\n", argv[1], std::strerror(errno));
    return 1;
  }
  std::fprintf(f, "%.6f %ld\n", secs, ru.ru_maxrss);
  std::fclose(f);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
