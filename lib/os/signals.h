// Stop requests: SIGINT, SIGTERM and SIGHUP ask a long-running klog (a
// follower, a group member, a producer fed by `tail -F`) to finish what it
// holds and exit, as a terminal's Ctrl-C, systemd and `docker stop` ask.
#pragma once

#include <atomic>

namespace klog::os {

// Installs handlers for SIGINT, SIGTERM and SIGHUP that set StopFlag().
// Without SA_RESTART: a blocking call they interrupt returns EINTR.
void CatchStopSignals();
const std::atomic<bool>* StopFlag();

// While pgid > 0, a SIGINT caught by those handlers is also sent to process
// group pgid (0: to none): an --exec command runs in its own group, out of
// reach of a terminal's Ctrl-C, which would have interrupted it too. SIGTERM
// and SIGHUP are not passed on: `kill` and `docker stop` ask klog alone to
// finish, and systemd signals every process of its unit itself.
void ForwardInterruptsTo(int pgid);

// Blocks those signals in the calling thread, and so in every thread it
// starts afterwards (call it before them): they are then delivered only
// inside WaitReadable, which cannot miss one that arrives just before it
// waits, as a check of the flag followed by a blocking read(2) could.
void BlockStopSignals();

enum class WaitResult { kReady, kTimeout, kStopped };

// Waits until fd is readable (or at its end), timeout_ms passes (-1: no
// limit) or, when `stoppable`, a stop was requested (before or during the wait).
WaitResult WaitReadable(int fd, int timeout_ms, bool stoppable);

}  // namespace klog::os
