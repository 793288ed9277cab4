// klog_bench_latency --writer CMD --reader CMD [--count N] [--gap-us U]
//
// End-to-end latency, one record at a time. Starts WRITER (sh -c) with its
// stdin on a pipe and READER (sh -c) with its stdout on a pipe, writes a
// line "m SEQ SENT_NS" into the writer, waits until the reader prints that
// line back, and notes how long it took; then pauses GAP microseconds and
// sends the next. Before measuring it sends warm-up lines until the reader
// is seen to deliver (a reader started at the end would miss earlier ones).
//
//   klog:     --writer 'exec klog produce t' --reader "exec klog consume t -f -o end --format '%v\n'"
//   baseline: --writer 'exec cat >> F'      --reader 'exec tail -F -n 0 F'
//
// Prints "P50_US P99_US MAX_US MEAN_US COUNT" on stdout.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

pid_t Spawn(const std::string& cmd, int stdin_fd, int stdout_fd, int close_fd) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::setpgid(0, 0);
  if (stdin_fd >= 0) ::dup2(stdin_fd, 0);
  if (stdout_fd >= 0) ::dup2(stdout_fd, 1);
  if (close_fd >= 0) ::close(close_fd);
  ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
  _exit(127);
}

class LineReader {
 public:
  explicit LineReader(int fd) : fd_(fd) {}
  // Next line (without '\n'), waiting until the deadline; false on timeout or EOF.
  bool Next(std::string& line, int64_t deadline_ns) {
    for (;;) {
      size_t nl = buf_.find('\n');
      if (nl != std::string::npos) {
        line.assign(buf_, 0, nl);
        buf_.erase(0, nl + 1);
        return true;
      }
      int64_t left_ms = (deadline_ns - NowNs()) / 1000000;
      if (left_ms < 0) return false;
      struct pollfd p = {fd_, POLLIN, 0};
      int r = ::poll(&p, 1, static_cast<int>(left_ms) + 1);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return false;
      char tmp[65536];
      ssize_t n = ::read(fd_, tmp, sizeof tmp);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      buf_.append(tmp, static_cast<size_t>(n));
    }
  }

 private:
  int fd_;
  std::string buf_;
};

bool Send(int fd, char tag, long seq) {
  char line[64];
  int n = std::snprintf(line, sizeof line, "%c %ld %lld\n", tag, seq, static_cast<long long>(NowNs()));
  return ::write(fd, line, static_cast<size_t>(n)) == n;
}

int Usage() {
  std::fprintf(stderr, "usage: klog_bench_latency --writer CMD --reader CMD [--count N] [--gap-us U]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string writer, reader;
  long count = 1000, gap_us = 1000;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return Usage();
    if (a == "--writer") writer = argv[++i];
    else if (a == "--reader") reader = argv[++i];
    else if (a == "--count") count = std::atol(argv[++i]);
    else if (a == "--gap-us") gap_us = std::atol(argv[++i]);
    else return Usage();
  }
  if (writer.empty() || reader.empty() || count < 1) return Usage();
  ::signal(SIGPIPE, SIG_IGN);

  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) {
    std::perror("klog_bench_latency: pipe");
    return 1;
  }
  pid_t rpid = Spawn(reader, -1, out[1], -1);
  pid_t wpid = Spawn(writer, in[0], -1, -1);
  ::close(in[0]);
  ::close(out[1]);
  int wfd = in[1];
  LineReader lines(out[0]);

  auto finish = [&](int code) {
    ::close(wfd);  // the writer sees EOF and exits
    int st;
    ::waitpid(wpid, &st, 0);
    ::kill(-rpid, SIGTERM);
    ::waitpid(rpid, &st, 0);
    return code;
  };
  auto fail = [&](const char* what) {
    std::fprintf(stderr, "klog_bench_latency: %s\n", what);
    return finish(1);
  };

  // Warm up: until the reader delivers anything, send a line every 20 ms.
  std::string line;
  long seq = 0;
  int64_t give_up = NowNs() + 10'000'000'000;
  bool seen = false;
  while (!seen) {
    if (NowNs() > give_up) return fail("the reader delivered nothing within 10 s");
    if (!Send(wfd, 'w', seq++)) return fail("the writer went away");
    seen = lines.Next(line, NowNs() + 20'000'000);
  }
  // Then a few one at a time, dropping whatever is still in flight.
  for (int i = 0; i < 20; ++i) {
    long want = seq;
    if (!Send(wfd, 'w', seq++)) return fail("the writer went away");
    for (;;) {
      if (!lines.Next(line, NowNs() + 5'000'000'000)) return fail("a warm-up record did not arrive within 5 s");
      long got = -1;
      std::sscanf(line.c_str(), "w %ld", &got);
      if (got == want) break;
    }
  }

  std::vector<int64_t> lat;
  lat.reserve(static_cast<size_t>(count));
  for (long i = 0; i < count; ++i) {
    if (gap_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(gap_us));
    if (!Send(wfd, 'm', i)) return fail("the writer went away");
    for (;;) {
      if (!lines.Next(line, NowNs() + 5'000'000'000)) return fail("a record did not arrive within 5 s");
      int64_t now = NowNs();
      long got = -1;
      long long sent = 0;
      if (std::sscanf(line.c_str(), "m %ld %lld", &got, &sent) == 2 && got == i) {
        lat.push_back(now - sent);
        break;
      }
    }
  }
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double p) {
    size_t k = static_cast<size_t>(p * static_cast<double>(lat.size() - 1) + 0.5);
    return static_cast<double>(lat[k]) / 1000.0;
  };
  double sum = 0;
  for (int64_t v : lat) sum += static_cast<double>(v);
  std::printf("%.1f %.1f %.1f %.1f %zu\n", pct(0.50), pct(0.99), static_cast<double>(lat.back()) / 1000.0,
              sum / static_cast<double>(lat.size()) / 1000.0, lat.size());
  return finish(0);
}
