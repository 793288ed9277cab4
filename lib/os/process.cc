#include "os/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace klog::os {

Result<int> RunShellCommand(const std::string& command, std::string_view input) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Status::IOError(std::string("pipe: ") + std::strerror(errno));
  const char* argv[] = {"sh", "-c", command.c_str(), nullptr};
  // posix_spawn cannot ask for PR_SET_PDEATHSIG, so fork (not vfork: a
  // sanitizer's interceptors would run in the child on our memory), with
  // every signal blocked until the child has reset our handlers. The child
  // makes only async-signal-safe calls: we have other threads.
  sigset_t all, before;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &before);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    // The command dies with its member, even by kill -9: otherwise it runs
    // on beside the next owner of its partition's records.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(127);
    struct sigaction dfl = {};
    dfl.sa_handler = SIG_DFL;
    for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &dfl, nullptr);
    ::sigprocmask(SIG_SETMASK, &before, nullptr);
    if (fds[0] == 0) ::fcntl(0, F_SETFD, 0);
    else if (::dup2(fds[0], 0) < 0) ::_exit(127);
    ::execve("/bin/sh", const_cast<char* const*>(argv), environ);
    ::_exit(127);
  }
  int spawn_errno = errno;
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
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Status::IOError(std::string("waitpid: ") + std::strerror(errno));
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace klog::os
