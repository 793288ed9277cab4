#include "util/clock.h"

#include <atomic>
#include <chrono>

namespace klog::util {

namespace {
std::atomic<ClockFn> g_clock{nullptr};
}  // namespace

int64_t NowMs() {
  if (ClockFn fake = g_clock.load(std::memory_order_relaxed)) return fake();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void SetClockForTesting(ClockFn clock) { g_clock.store(clock, std::memory_order_relaxed); }

}  // namespace klog::util
