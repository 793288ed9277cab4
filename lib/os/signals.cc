#include "os/signals.h"

#include <poll.h>
#include <signal.h>

#include <cerrno>

namespace klog::os {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_forward_pgid{0};
static_assert(std::atomic<int>::is_always_lock_free);  // read in a signal handler

void OnStopSignal(int sig) {
  g_stop.store(true);
  int pgid = g_forward_pgid.load();
  if (sig == SIGINT && pgid > 0) ::kill(-pgid, sig);  // async-signal-safe
}

constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP};

// A stop signal that is blocked and pending is delivered by ppoll only when
// ppoll would otherwise wait: input that is always ready (a writer that never
// pauses) would keep it pending for ever. Takes it here instead.
bool TakePendingStop() {
  sigset_t pending;
  if (sigpending(&pending) != 0) return false;
  for (int sig : kStopSignals) {
    if (!sigismember(&pending, sig)) continue;
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, sig);
    struct timespec now = {0, 0};
    if (sigtimedwait(&one, nullptr, &now) == sig) OnStopSignal(sig);
    return g_stop.load();
  }
  return false;
}

}  // namespace

void CatchStopSignals() {
  struct sigaction sa = {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocking wait returns at once
  for (int sig : kStopSignals) sigaction(sig, &sa, nullptr);
}

const std::atomic<bool>* StopFlag() { return &g_stop; }

void ForwardInterruptsTo(int pgid) { g_forward_pgid.store(pgid); }

void BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : kStopSignals) sigaddset(&set, sig);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

WaitResult WaitReadable(int fd, int timeout_ms, bool stoppable) {
  // The mask during the wait: ours without the stop signals, so that one
  // pending since before the wait is delivered in it and ends it.
  sigset_t during;
  pthread_sigmask(SIG_SETMASK, nullptr, &during);
  if (stoppable) {
    for (int sig : kStopSignals) sigdelset(&during, sig);
  }
  for (;;) {
    if (stoppable && (g_stop.load() || TakePendingStop())) return WaitResult::kStopped;
    struct pollfd pfd = {fd, POLLIN, 0};
    struct timespec ts = {timeout_ms / 1000, (timeout_ms % 1000) * 1000000L};
    int r = ::ppoll(&pfd, 1, timeout_ms < 0 ? nullptr : &ts, &during);
    if (r > 0) return WaitResult::kReady;
    if (r == 0) return WaitResult::kTimeout;
    if (errno != EINTR) return WaitResult::kReady;  // let read(2) report it
    // Another signal: wait on (a timeout then restarts; rare enough).
  }
}

}  // namespace klog::os
