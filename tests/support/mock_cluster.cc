#include "support/mock_cluster.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <thread>

// The powerloss tests compile tests/support too but have no helper.
#ifndef KLOG_MOCK_CLUSTER
#define KLOG_MOCK_CLUSTER ""
#endif

namespace klog::testing {

std::string MockClusterBinary() {
  if (const char* p = std::getenv("KLOG_MOCK_CLUSTER")) return p;
  return KLOG_MOCK_CLUSTER;
}

MockCluster::MockCluster(int brokers, int start_timeout_ms) {
  std::string bin = MockClusterBinary();
  if (bin.empty() || ::access(bin.c_str(), X_OK) != 0) {
    error_ = "klog-mock-cluster not found at '" + bin + "' (build it: cmake --build build)";
    return;
  }
  // A helper killed mid-answer must make write() fail, not kill the test.
  signal(SIGPIPE, SIG_IGN);
  // O_CLOEXEC: no other child (klog, kcat) may inherit the write end of the
  // helper's stdin, or the helper would outlive this object and the test.
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0) {
    error_ = "pipe failed";
    return;
  }
  if (pipe2(out, O_CLOEXEC) != 0) {
    close(in[0]);
    close(in[1]);
    error_ = "pipe failed";
    return;
  }
  std::string count = std::to_string(brokers);
  pid_ = fork();
  if (pid_ == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    signal(SIGPIPE, SIG_DFL);
    execl(bin.c_str(), bin.c_str(), "--brokers", count.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  to_ = in[1];
  from_ = out[0];
  if (pid_ < 0) {
    error_ = "fork failed";
    return;
  }
  std::string line;
  if (!ReadLine(&line, start_timeout_ms) || line.empty()) {
    error_ = "klog-mock-cluster printed no bootstrap servers within " + std::to_string(start_timeout_ms) +
             " ms (its errors are on the test's stderr)";
    return;
  }
  bootstrap_ = line;
}

MockCluster::~MockCluster() {
  if (to_ >= 0) close(to_);  // end of stdin: the helper destroys the cluster and exits
  if (pid_ > 0) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    int status;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  if (from_ >= 0) close(from_);
}

bool MockCluster::ReadLine(std::string* line, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    size_t nl = buffered_.find('\n');
    if (nl != std::string::npos) {
      *line = buffered_.substr(0, nl);
      buffered_.erase(0, nl + 1);
      return true;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0 || from_ < 0) return false;
    struct pollfd p = {from_, POLLIN, 0};
    int r = poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    char buf[4096];
    ssize_t n = read(from_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;  // the helper is gone
    buffered_.append(buf, static_cast<size_t>(n));
  }
}

std::string MockCluster::Command(const std::string& line, int timeout_ms) {
  if (!ok()) return "error: no mock cluster: " + error_;
  if (from_ < 0) return "error: " + error_;
  if (line.find('\n') != std::string::npos) return "error: a command is one line";
  std::string msg = line + "\n";
  size_t done = 0;
  while (done < msg.size()) {
    ssize_t n = write(to_, msg.data() + done, msg.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return "error: klog-mock-cluster is gone (writing '" + line + "')";
    done += static_cast<size_t>(n);
  }
  std::string answer;
  if (!ReadLine(&answer, timeout_ms)) {
    // A late answer would be taken for the next command's: stop reading.
    error_ = "klog-mock-cluster gave no answer to '" + line + "' within " + std::to_string(timeout_ms) + " ms";
    close(from_);
    from_ = -1;
    return "error: " + error_;
  }
  return answer;
}

}  // namespace klog::testing
