// Runs the real klog binary as a child process, as a user's shell would.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace klog::testing {

struct RunResult {
  int exit_code = -1;  // 128+N when killed by signal N
  std::string out;
  std::string err;
};

struct RunOptions {
  std::string stdin_data;
  std::map<std::string, std::string> env;  // added to (or replacing in) the environment
  std::vector<std::string> unset_env;
  int timeout_ms = 30000;  // killed with SIGKILL after this; exit_code then 137
};

// Path of the klog binary under test (from the build).
std::string KlogBinary();

// klog ARGS... with stdin from options.stdin_data; waits for it to exit.
RunResult RunKlog(const std::vector<std::string>& args, const RunOptions& options = {});

// `sh -c SCRIPT` with klog's directory first on PATH.
RunResult RunShell(const std::string& script, const RunOptions& options = {});

// A klog process left running (followers, group members); its stdout and
// stderr go to files so the test can read them at any time.
class KlogProcess {
 public:
  KlogProcess(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
              const std::string& out_path, const std::string& err_path, const std::string& stdin_path = "");
  ~KlogProcess();  // SIGKILLs and reaps the process if still running
  pid_t pid() const { return pid_; }
  void Signal(int sig);
  // Waits up to timeout_ms; returns exit code (128+N for a signal) or -1 if still running.
  int Wait(int timeout_ms);
  bool running();
  // True once the process has a handler for `sig` (SigCgt in /proc/PID/status):
  // a signal sent before that, during start-up, kills it with the default action.
  bool Catches(int sig);

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

// Polls `pred` every few ms until it is true or timeout_ms passes.
bool WaitFor(const std::function<bool()>& pred, int timeout_ms);

// Clock ticks of CPU (user + system) used so far by `pid`, all its threads.
long CpuTicks(pid_t pid);

// True when this run may start klog as other Unix users (root and setpriv);
// otherwise reports the test skipped (Skip) and returns false.
bool CanRunAsOtherUsers();

}  // namespace klog::testing
