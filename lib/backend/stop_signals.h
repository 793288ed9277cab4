// How a running command is asked to stop: SIGINT, SIGTERM and SIGHUP set
// the flag that every long-running backend operation polls (Consume,
// ConsumeGroup, ProduceStream), so that it finishes what it holds (os/signals.h).
#pragma once

#include <atomic>

#include "os/signals.h"

namespace klog::backend {

// Installs the handlers; returns the flag to hand to operations.
inline const std::atomic<bool>* CatchStopSignals() {
  os::CatchStopSignals();
  return os::StopFlag();
}

// For produce from stdin: the signals are then delivered only while it
// waits for input (call before any thread starts: they inherit the mask).
inline void DeliverStopSignalsOnlyWhileWaiting() { os::BlockStopSignals(); }

}  // namespace klog::backend
