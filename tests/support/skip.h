// Tests that cannot run on this machine (no root, a missing tool) say so:
// Skip() prints the reason and marks the run, and the test binary then exits
// with kSkipExitCode when nothing failed, which ctest shows as "Not Run
// (Skipped)" instead of "Passed" (SKIP_RETURN_CODE in tests/CMakeLists.txt).
#pragma once

#include <string>

namespace klog::testing {

inline constexpr int kSkipExitCode = 77;

// Records that the calling test could not run, with why; the caller returns.
void Skip(const std::string& why);

// True once any test called Skip().
bool AnySkipped();

}  // namespace klog::testing
