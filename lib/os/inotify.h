// Wakes a follower when a watched directory changes (a segment appended to,
// created or deleted), so `consume -f` neither sleeps nor polls.
//
// Each watch carries a tag of the caller's choosing (e.g. the index of a
// partition), and Wait says which tags changed: a reader of thousands of
// partitions then reads only those that changed, so following an idle topic
// costs nothing per partition.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "util/status.h"

namespace klog::os {

class DirWatcher {
 public:
  DirWatcher();
  ~DirWatcher();
  DirWatcher(const DirWatcher&) = delete;
  DirWatcher& operator=(const DirWatcher&) = delete;

  // Watching a directory again replaces its tag.
  Status Watch(const std::string& dir, uint64_t tag = 0);

  // What changed since the last Wait.
  struct Changes {
    std::vector<uint64_t> tags;  // of the directories that changed; may repeat
    bool overflow = false;       // the kernel dropped events: anything may have changed
  };
  // Blocks until something changed in a watched directory, `timeout_ms`
  // passed (-1: no limit), a signal arrived or, when `output_fd` is a pipe
  // (else -1), its reader went away; drains pending events, and when
  // `changes` is given adds to it what they name. True when something
  // changed or the reader went away.
  bool Wait(int timeout_ms, int output_fd = -1, Changes* changes = nullptr);

 private:
  int fd_ = -1;
  std::unordered_map<int, uint64_t> tags_;  // by watch descriptor
};

}  // namespace klog::os
