#include "support/run_klog.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include "support/skip.h"

extern char** environ;

namespace klog::testing {

std::string KlogBinary() {
  if (const char* p = std::getenv("KLOG_BINARY")) return p;
  return KLOG_BINARY;
}

namespace {

int ExitCodeOf(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

void ApplyEnv(const std::map<std::string, std::string>& env, const std::vector<std::string>& unset) {
  for (const auto& u : unset) unsetenv(u.c_str());
  for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
}

[[noreturn]] void Exec(const std::vector<std::string>& argv) {
  std::vector<char*> a;
  for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
  a.push_back(nullptr);
  execvp(a[0], a.data());
  _exit(127);
}

RunResult RunArgv(const std::vector<std::string>& argv, const RunOptions& o) {
  // A child that exits before reading all of stdin_data (klog refusing bad
  // input) must make write() fail with EPIPE, not kill the test binary.
  signal(SIGPIPE, SIG_IGN);
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) std::abort();
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    signal(SIGPIPE, SIG_DFL);
    ApplyEnv(o.env, o.unset_env);
    Exec(argv);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  fcntl(in[1], F_SETFL, O_NONBLOCK);
  RunResult r;
  size_t written = 0;
  if (o.stdin_data.empty()) {
    close(in[1]);
    in[1] = -1;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(o.timeout_ms);
  bool killed = false;
  while (out[0] >= 0 || err[0] >= 0) {
    struct pollfd p[3];
    int n = 0;
    if (out[0] >= 0) p[n++] = {out[0], POLLIN, 0};
    if (err[0] >= 0) p[n++] = {err[0], POLLIN, 0};
    if (in[1] >= 0) p[n++] = {in[1], POLLOUT, 0};
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    if (left <= 0 && !killed) {
      kill(pid, SIGKILL);
      killed = true;
    }
    poll(p, n, left > 0 ? std::min(left, 100) : 100);
    for (int i = 0; i < n; ++i) {
      if (!p[i].revents) continue;
      if (p[i].fd == in[1]) {
        ssize_t w = write(in[1], o.stdin_data.data() + written, o.stdin_data.size() - written);
        if (w > 0) written += static_cast<size_t>(w);
        if (w < 0 || written == o.stdin_data.size()) {
          close(in[1]);
          in[1] = -1;
        }
        continue;
      }
      char buf[65536];
      ssize_t got = read(p[i].fd, buf, sizeof buf);
      int& fd = p[i].fd == out[0] ? out[0] : err[0];
      std::string& dst = p[i].fd == out[0] ? r.out : r.err;
      if (got > 0) {
        dst.append(buf, static_cast<size_t>(got));
      } else {
        close(fd);
        fd = -1;
      }
    }
  }
  if (in[1] >= 0) close(in[1]);
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit_code = ExitCodeOf(status);
  return r;
}

}  // namespace

RunResult RunKlog(const std::vector<std::string>& args, const RunOptions& options) {
  std::vector<std::string> argv = {KlogBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunArgv(argv, options);
}

RunResult RunShell(const std::string& script, const RunOptions& options) {
  RunOptions o = options;
  std::string bin = KlogBinary();
  std::string dir = bin.substr(0, bin.find_last_of('/'));
  const char* path = std::getenv("PATH");
  o.env["PATH"] = dir + ":" + (path ? path : "/usr/bin:/bin");
  return RunArgv({"/bin/sh", "-c", script}, o);
}

KlogProcess::KlogProcess(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                         const std::string& out_path, const std::string& err_path, const std::string& stdin_path) {
  pid_ = fork();
  if (pid_ == 0) {
    int in = open(stdin_path.empty() ? "/dev/null" : stdin_path.c_str(), O_RDONLY);
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    signal(SIGPIPE, SIG_DFL);
    ApplyEnv(env, {});
    std::vector<std::string> argv = {KlogBinary()};
    argv.insert(argv.end(), args.begin(), args.end());
    Exec(argv);
  }
}

KlogProcess::~KlogProcess() {
  if (running()) {
    kill(pid_, SIGKILL);
    Wait(5000);
  }
}

void KlogProcess::Signal(int sig) { kill(pid_, sig); }

bool KlogProcess::running() {
  if (status_ != -1) return false;
  int st;
  pid_t r = waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    status_ = st;
    return false;
  }
  return r == 0;
}

bool KlogProcess::Catches(int sig) {
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("SigCgt:", 0) == 0) {
      uint64_t mask = std::stoull(line.substr(7), nullptr, 16);
      return (mask >> (sig - 1)) & 1;
    }
  return false;
}

int KlogProcess::Wait(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (running()) {
    if (std::chrono::steady_clock::now() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return ExitCodeOf(status_);
}

bool WaitFor(const std::function<bool()>& pred, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// Clock ticks of CPU (user + system) used so far by `pid`, all its threads;
// -1 when it cannot be read.
long CpuTicks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(stat.substr(close + 2));
  std::string f;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14) utime = std::stol(f);
    if (i == 15) stime = std::stol(f);
  }
  return utime + stime;
}

bool CanRunAsOtherUsers() {
  if (::geteuid() != 0) {
    Skip("needs root to run klog as other users (setpriv)");
    return false;
  }
  if (::access("/usr/bin/setpriv", X_OK) != 0) {
    Skip("setpriv (util-linux) is missing");
    return false;
  }
  return true;
}

}  // namespace klog::testing
