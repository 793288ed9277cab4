// klog_bench_failover --klog PATH --dir DIR --topic T --group G
//
// Group failover after kill -9. T must have 2 partitions. Starts a producer
// that appends a record to each partition every 2 ms, and two group members
// (`klog consume T -g G -f --format '%p\n'`); waits until each member
// delivers from one partition only and they differ; kills one with SIGKILL
// and measures the time until the other delivers a record from the dead
// member's partition. Prints "MILLISECONDS" on stdout.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Runs argv with stdin/stdout redirected where given (-1: inherit).
pid_t Spawn(const std::vector<std::string>& args, int stdin_fd, int stdout_fd) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  if (stdin_fd >= 0) ::dup2(stdin_fd, 0);
  if (stdout_fd >= 0) ::dup2(stdout_fd, 1);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ::execv(argv[0], argv.data());
  _exit(127);
}

struct Member {
  pid_t pid = -1;
  int fd = -1;
  std::string buf;
  int64_t last_seen[2] = {0, 0};  // when it last delivered from each partition
  bool alive = true;
};

int Usage() {
  std::fprintf(stderr, "usage: klog_bench_failover --klog PATH --dir DIR --topic T --group G\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string klog, dir, topic, group;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--klog") klog = argv[i + 1];
    else if (a == "--dir") dir = argv[i + 1];
    else if (a == "--topic") topic = argv[i + 1];
    else if (a == "--group") group = argv[i + 1];
    else return Usage();
  }
  if (klog.empty() || dir.empty() || topic.empty() || group.empty()) return Usage();
  ::signal(SIGPIPE, SIG_IGN);

  int in[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return 1;
  pid_t producer = Spawn({klog, "--dir", dir, "produce", topic, "--format", "json"}, in[0], -1);
  ::close(in[0]);
  Member m[2];
  for (auto& mem : m) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return 1;
    mem.pid = Spawn({klog, "--dir", dir, "consume", topic, "-g", group, "-f", "--format", "%p\\n"}, -1, out[1]);
    ::close(out[1]);
    mem.fd = out[0];
  }

  int code = 1;
  int64_t start = NowMs(), next_produce = start, killed_at = -1;
  int victim = -1, dead_partition = -1;
  for (;;) {
    int64_t now = NowMs();
    if (now - start > 20000) {
      std::fprintf(stderr, "klog_bench_failover: %s within 20 s\n",
                   killed_at < 0 ? "the members never split the partitions" : "the partition was never taken over");
      break;
    }
    if (now >= next_produce) {
      const char* recs = "{\"value\":\"x\",\"partition\":0}\n{\"value\":\"x\",\"partition\":1}\n";
      if (::write(in[1], recs, std::char_traits<char>::length(recs)) < 0) {
        std::fprintf(stderr, "klog_bench_failover: the producer went away\n");
        break;
      }
      next_produce = now + 2;
    }
    struct pollfd p[2];
    for (int i = 0; i < 2; ++i) p[i] = {m[i].alive ? m[i].fd : -1, POLLIN, 0};
    ::poll(p, 2, 2);
    now = NowMs();
    bool done = false;
    for (int i = 0; i < 2; ++i) {
      if (!m[i].alive || !(p[i].revents & (POLLIN | POLLHUP))) continue;
      char tmp[4096];
      ssize_t n = ::read(m[i].fd, tmp, sizeof tmp);
      if (n <= 0) continue;
      m[i].buf.append(tmp, static_cast<size_t>(n));
      size_t nl;
      while ((nl = m[i].buf.find('\n')) != std::string::npos) {
        int part = std::atoi(m[i].buf.substr(0, nl).c_str());
        m[i].buf.erase(0, nl + 1);
        if (part == 0 || part == 1) m[i].last_seen[part] = now;
        if (killed_at >= 0 && i != victim && part == dead_partition) done = true;
      }
    }
    if (done) {
      std::printf("%lld\n", static_cast<long long>(NowMs() - killed_at));
      code = 0;
      break;
    }
    if (killed_at < 0 && now - start > 300) {
      // Split: each member delivered from exactly one partition in the last 300 ms.
      auto only = [&](const Member& mem) {
        bool a = now - mem.last_seen[0] < 300, b = now - mem.last_seen[1] < 300;
        return a == b ? -1 : (a ? 0 : 1);
      };
      int p0 = only(m[0]), p1 = only(m[1]);
      if (p0 >= 0 && p1 >= 0 && p0 != p1) {
        victim = 0;
        dead_partition = p0;
        ::kill(m[0].pid, SIGKILL);
        killed_at = NowMs();
        m[0].alive = false;
      }
    }
  }
  ::close(in[1]);
  for (auto& mem : m) {
    ::kill(mem.pid, SIGKILL);
    ::waitpid(mem.pid, nullptr, 0);
  }
  ::waitpid(producer, nullptr, 0);
  return code;
}
