// Running a shell command for `consume --exec`, with records on its stdin.
#pragma once

#include <string>
#include <string_view>

#include "util/status.h"

namespace klog::os {

// Runs `sh -c command`, writes `input` to its stdin, closes it and waits.
// Returns its exit status (128+N when killed by signal N). The child shares
// our stdout and stderr; it inherits no other descriptor (all are O_CLOEXEC).
Result<int> RunShellCommand(const std::string& command, std::string_view input);

}  // namespace klog::os
