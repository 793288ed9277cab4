#include "support/skip.h"

#include <atomic>
#include <cstdio>

namespace klog::testing {

namespace {
std::atomic<bool> skipped{false};
}  // namespace

void Skip(const std::string& why) {
  skipped = true;
  std::fprintf(stderr, "SKIPPED: %s\n", why.c_str());
}

bool AnySkipped() { return skipped; }

}  // namespace klog::testing
