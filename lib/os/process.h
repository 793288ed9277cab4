// Running a shell command for `consume --exec`, with records on its stdin.
#pragma once

#include <string>
#include <string_view>

#include "util/status.h"

namespace klog::os {

// Runs `sh -c command`, writes `input` to its stdin, closes it and waits.
// Returns its exit status (128+N when killed by signal N). The child shares
// our stdout and stderr; it inherits no other descriptor (all are O_CLOEXEC).
// It is SIGKILLed if we die first (PR_SET_PDEATHSIG, which fires when the
// calling thread ends: call it from a thread that outlives the command, as
// this one waits for it anyway). Processes it starts are its business.
Result<int> RunShellCommand(const std::string& command, std::string_view input);

}  // namespace klog::os
