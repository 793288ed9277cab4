// One thread that runs its owner's tasks one at a time, kept for the
// owner's lifetime: thread-local state (zstd's contexts, megabytes of
// tables) is set up once, not once per task as with a thread per task.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "util/status.h"

namespace klog::util {

class WorkerThread {
 public:
  WorkerThread() = default;
  WorkerThread(const WorkerThread&) = delete;
  WorkerThread& operator=(const WorkerThread&) = delete;
  ~WorkerThread();  // waits for the running task, then ends the thread

  // Runs `task` on the thread, after waiting for the one before (whose
  // result is then lost: call Wait() first to see it). Starts the thread on
  // first use; IOError if the system refuses one.
  Status Start(std::function<Status()> task);
  // The running task's result once it is done; Ok when there is none.
  Status Wait();
  // A task was started and not yet waited for.
  bool busy() const { return started_; }

 private:
  void Loop();

  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::function<Status()> task_;  // set: waiting to run or running
  Status result_;
  bool started_ = false;  // owner's view: Start without Wait since
  bool quit_ = false;
};

}  // namespace klog::util
