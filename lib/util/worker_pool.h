// A few threads that run their owner's tasks, started in the order they
// were submitted (with more than one thread they may end in another
// order), kept for the owner's lifetime: thread-local state (zstd's
// contexts, megabytes of tables) is set up once, not once per task as with
// a thread per task. Tasks wait in a queue, so a thread that finishes early
// takes the next one at once instead of idling until its owner comes back
// for that thread's own result.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "util/status.h"

namespace klog::util {

class WorkerPool {
 public:
  explicit WorkerPool(int threads) : max_threads_(threads) {}
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  ~WorkerPool();  // runs what was submitted, then ends the threads

  // Queues `task` and returns its ticket for Wait. Starts the threads on
  // first use; IOError if the system refuses even one (the task is then
  // not queued). With fewer threads than asked for, tasks just wait longer.
  Result<uint64_t> Submit(std::function<Status()> task);
  // Blocks until the task of `ticket` (one Submit returned, not yet
  // waited for) is done and returns its result.
  Status Wait(uint64_t ticket);

 private:
  Status StartThreads();  // under mu_
  void Loop();

  const int max_threads_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable work_cv_;  // a task was queued, or quit_
  std::condition_variable done_cv_;  // a task is done
  std::deque<std::pair<uint64_t, std::function<Status()>>> queue_;
  std::map<uint64_t, Status> done_;  // results not yet waited for
  uint64_t submitted_ = 0;
  bool quit_ = false;
};

}  // namespace klog::util
