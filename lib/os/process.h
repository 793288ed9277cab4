// Running a shell command for `consume --exec`, with records on its stdin.
#pragma once

#include <string>
#include <string_view>

#include "util/status.h"

namespace klog::os {

// Runs `sh -c command`, writes `input` to its stdin, closes it and waits.
// Returns its exit status (128+N when killed by signal N). The child shares
// our stdout and stderr; it inherits no other descriptor (all are O_CLOEXEC).
// It runs in a process group of its own, which is SIGKILLed whole if we die
// first, even by kill -9 (a guard process with PR_SET_PDEATHSIG, which fires
// when the calling thread ends: call it from a thread that outlives the
// command, as this one waits for it anyway). A SIGINT we catch is passed on
// to that group while it runs (os::ForwardInterruptsTo). Processes that
// leave the group (setsid, daemons), or outlive the command, are its business.
Result<int> RunShellCommand(const std::string& command, std::string_view input);

}  // namespace klog::os
