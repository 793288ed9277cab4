// The one wall clock of klog: record timestamps, heartbeats, member start
// times, journal entries and time-based retention all read it. Durations
// (waits, intervals) use std::chrono::steady_clock instead, which this does
// not replace.
#pragma once

#include <cstdint>

namespace klog::util {

// Milliseconds since the Unix epoch.
int64_t NowMs();

// For tests: NowMs() returns clock() until it is called again with nullptr
// (the system clock). Swap it only while no other thread reads the clock.
using ClockFn = int64_t (*)();
void SetClockForTesting(ClockFn clock);

}  // namespace klog::util
