// klog_bench_failover --klog PATH --dir DIR --topic T --group G
//                     [--members N] [--write P,P,...]
//
// Group failover after kill -9. Starts a producer that appends a record to
// each partition of --write (default 0,1; they must exist in T) every 2 ms,
// and N group members (default 2; `klog consume T -g G -f --format '%p\n'`);
// waits until the members have split those partitions (every member
// delivers, each written partition from one member only, for 300 ms); kills
// the member that delivers the first of them with SIGKILL and measures the
// time until every written partition it delivered is delivered by another
// member. Prints "FAILOVER_MS SPLIT_MS" on stdout: SPLIT_MS is the time from
// starting the members until the split was seen (300 ms of it the check).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
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
  std::map<int, int64_t> last_seen;  // when it last delivered from each written partition
  bool alive = true;
};

int Usage() {
  std::fprintf(stderr,
               "usage: klog_bench_failover --klog PATH --dir DIR --topic T --group G [--members N] [--write P,P,...]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string klog, dir, topic, group, write = "0,1";
  int members = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--klog") klog = argv[i + 1];
    else if (a == "--dir") dir = argv[i + 1];
    else if (a == "--topic") topic = argv[i + 1];
    else if (a == "--group") group = argv[i + 1];
    else if (a == "--members") members = std::atoi(argv[i + 1]);
    else if (a == "--write") write = argv[i + 1];
    else return Usage();
  }
  std::vector<int> parts;
  for (size_t at = 0; at < write.size();) {
    size_t comma = write.find(',', at);
    if (comma == std::string::npos) comma = write.size();
    parts.push_back(std::atoi(write.substr(at, comma - at).c_str()));
    at = comma + 1;
  }
  if (klog.empty() || dir.empty() || topic.empty() || group.empty() || members < 2 || parts.empty()) return Usage();
  ::signal(SIGPIPE, SIG_IGN);
  std::string recs;
  for (int p : parts) recs += "{\"value\":\"x\",\"partition\":" + std::to_string(p) + "}\n";
  std::set<int> written(parts.begin(), parts.end());

  int in[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return 1;
  pid_t producer = Spawn({klog, "--dir", dir, "produce", topic, "--format", "json"}, in[0], -1);
  ::close(in[0]);
  std::vector<Member> m(static_cast<size_t>(members));
  int64_t start = NowMs();
  for (auto& mem : m) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return 1;
    mem.pid = Spawn({klog, "--dir", dir, "consume", topic, "-g", group, "-f", "--format", "%p\\n"}, -1, out[1]);
    ::close(out[1]);
    mem.fd = out[0];
  }

  int code = 1;
  int64_t next_produce = start, killed_at = -1, split_ms = -1;
  size_t victim = 0;
  std::set<int> dead_parts;  // the victim's, not yet delivered by another member
  std::vector<struct pollfd> p(m.size());
  for (;;) {
    int64_t now = NowMs();
    if (now - start > 60000) {
      std::fprintf(stderr, "klog_bench_failover: %s within 60 s\n",
                   killed_at < 0 ? "the members never split the partitions" : "the partitions were never taken over");
      break;
    }
    if (now >= next_produce) {
      if (::write(in[1], recs.data(), recs.size()) < 0) {
        std::fprintf(stderr, "klog_bench_failover: the producer went away\n");
        break;
      }
      next_produce = now + 2;
    }
    for (size_t i = 0; i < m.size(); ++i) p[i] = {m[i].alive ? m[i].fd : -1, POLLIN, 0};
    ::poll(p.data(), p.size(), 2);
    now = NowMs();
    for (size_t i = 0; i < m.size(); ++i) {
      if (!m[i].alive || !(p[i].revents & (POLLIN | POLLHUP))) continue;
      char tmp[4096];
      ssize_t n = ::read(m[i].fd, tmp, sizeof tmp);
      if (n <= 0) continue;
      m[i].buf.append(tmp, static_cast<size_t>(n));
      size_t nl;
      while ((nl = m[i].buf.find('\n')) != std::string::npos) {
        int part = std::atoi(m[i].buf.substr(0, nl).c_str());
        m[i].buf.erase(0, nl + 1);
        if (written.count(part)) m[i].last_seen[part] = now;
        if (killed_at >= 0 && i != victim) dead_parts.erase(part);
      }
    }
    if (killed_at >= 0 && dead_parts.empty()) {
      std::printf("%lld %lld\n", static_cast<long long>(NowMs() - killed_at), static_cast<long long>(split_ms));
      code = 0;
      break;
    }
    if (killed_at < 0 && now - start > 300) {
      // Split: each member delivers, each written partition from one member only.
      auto recent = [&](const Member& mem, int part) {
        auto it = mem.last_seen.find(part);
        return it != mem.last_seen.end() && now - it->second < 300;
      };
      bool split = true;
      for (int part : written) {
        int from = 0;
        for (const auto& mem : m) from += recent(mem, part);
        split &= from == 1;
      }
      for (const auto& mem : m) {
        bool any = false;
        for (int part : written) any |= recent(mem, part);
        split &= any;
      }
      if (split) {
        split_ms = now - start;
        for (size_t i = 0; i < m.size(); ++i)
          if (recent(m[i], parts[0])) victim = i;
        for (int part : written)
          if (recent(m[victim], part)) dead_parts.insert(part);
        ::kill(m[victim].pid, SIGKILL);
        killed_at = NowMs();
        m[victim].alive = false;
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
