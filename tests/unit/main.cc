#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "support/skip.h"

// doctest's own main, except that a run in which nothing failed but a test
// could not run exits kSkipExitCode, so ctest reports it as skipped.
int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  int failed = context.run();
  if (context.shouldExit()) return failed;
  if (failed == 0 && klog::testing::AnySkipped()) return klog::testing::kSkipExitCode;
  return failed;
}
