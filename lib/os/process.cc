#include "os/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "os/signals.h"

extern char** environ;

namespace klog::os {

Result<int> RunShellCommand(const std::string& command, std::string_view input) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Status::IOError(std::string("pipe: ") + std::strerror(errno));
  const char* argv[] = {"sh", "-c", command.c_str(), nullptr};
  // posix_spawn cannot ask for PR_SET_PDEATHSIG, so fork (not vfork: a
  // sanitizer's interceptors would run in the child on our memory), with
  // every signal blocked until the children have set theirs. They make only
  // async-signal-safe calls: we have other threads.
  //
  // The command dies with its member, even by kill -9: otherwise it runs on
  // beside the next owner of its partition's records. PR_SET_PDEATHSIG on
  // `sh` alone is not enough (sh forks what it runs), so a guard process
  // leads a process group of its own, forks the command into it and waits;
  // when we die it is sent guard_signal and kills the whole group.
  const int guard_signal = SIGRTMIN;
  sigset_t all, before;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &before);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    ::close(fds[1]);
    struct sigaction kill_group = {};
    kill_group.sa_handler = [](int) {
      ::kill(0, SIGKILL);
      ::_exit(137);
    };
    sigemptyset(&kill_group.sa_mask);
    ::sigaction(guard_signal, &kill_group, nullptr);
    if (::prctl(PR_SET_PDEATHSIG, guard_signal) != 0 || ::getppid() != parent) ::_exit(127);
    // The guard takes only guard_signal; a SIGINT we pass on to the group
    // stays blocked here and is the command's.
    sigset_t guard_only;
    sigfillset(&guard_only);
    sigdelset(&guard_only, guard_signal);
    ::sigprocmask(SIG_SETMASK, &guard_only, nullptr);
    pid_t cmd = ::fork();
    if (cmd == 0) {
      struct sigaction dfl = {};
      dfl.sa_handler = SIG_DFL;
      for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, guard_signal}) ::sigaction(sig, &dfl, nullptr);
      ::sigprocmask(SIG_SETMASK, &before, nullptr);
      if (fds[0] == 0) ::fcntl(0, F_SETFD, 0);
      else if (::dup2(fds[0], 0) < 0) ::_exit(127);
      ::execve("/bin/sh", const_cast<char* const*>(argv), environ);
      ::_exit(127);
    }
    ::close(fds[0]);  // the command's alone: its end of input is ours to see as EPIPE
    if (cmd < 0) ::_exit(127);
    int st = 0;
    while (::waitpid(cmd, &st, 0) < 0) {
      if (errno != EINTR) ::_exit(127);
    }
    if (WIFEXITED(st)) ::_exit(WEXITSTATUS(st));
    if (WIFSIGNALED(st)) ::_exit(128 + WTERMSIG(st));
    ::_exit(127);
  }
  int spawn_errno = errno;
  if (pid > 0) {
    // Set here too: a SIGINT passed on before the guard's own setpgid must
    // not miss, nor reach a group that is not yet its.
    ::setpgid(pid, pid);
    ForwardInterruptsTo(pid);
  }
  pthread_sigmask(SIG_SETMASK, &before, nullptr);
  ::close(fds[0]);
  if (pid < 0) {
    ::close(fds[1]);
    return Status::IOError("cannot run '" + command + "': " + std::strerror(spawn_errno));
  }
  size_t done = 0;
  while (done < input.size()) {
    ssize_t w = ::write(fds[1], input.data() + done, input.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      break;  // EPIPE: the command does not read all its input; that is its business
    }
    done += static_cast<size_t>(w);
  }
  ::close(fds[1]);
  int status = 0;
  int waited;
  while ((waited = ::waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
  }
  int wait_errno = errno;
  ForwardInterruptsTo(0);
  if (waited < 0) return Status::IOError(std::string("waitpid: ") + std::strerror(wait_errno));
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace klog::os
