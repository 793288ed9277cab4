// Wakes a follower when a watched directory changes (a segment appended to,
// created or deleted), so `consume -f` neither sleeps nor polls.
#pragma once

#include <string>

#include "util/status.h"

namespace klog::os {

class DirWatcher {
 public:
  DirWatcher();
  ~DirWatcher();
  DirWatcher(const DirWatcher&) = delete;
  DirWatcher& operator=(const DirWatcher&) = delete;

  Status Watch(const std::string& dir);
  // Blocks until something changed in a watched directory, `timeout_ms`
  // passed (-1: no limit), a signal arrived or, when `output_fd` is a pipe
  // (else -1), its reader went away; drains pending events. True when
  // something changed or the reader went away.
  bool Wait(int timeout_ms, int output_fd = -1);

 private:
  int fd_ = -1;
};

}  // namespace klog::os
