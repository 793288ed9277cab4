#include "util/worker_thread.h"

#include <system_error>

namespace klog::util {

WorkerThread::~WorkerThread() {
  if (!thread_.joinable()) return;
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return !task_; });
    quit_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

Status WorkerThread::Start(std::function<Status()> task) {
  if (started_) (void)Wait();
  if (!thread_.joinable()) {
    try {
      thread_ = std::thread([this] { Loop(); });
    } catch (const std::system_error& e) {
      return Status::IOError(std::string("cannot start a thread: ") + e.what());
    }
  }
  {
    std::lock_guard lock(mu_);
    task_ = std::move(task);
  }
  started_ = true;
  cv_.notify_all();
  return Status::Ok();
}

Status WorkerThread::Wait() {
  if (!started_) return Status::Ok();
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return !task_; });
  started_ = false;
  return std::move(result_);
}

void WorkerThread::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return task_ || quit_; });
    if (!task_) return;  // quit_ with nothing to run
    lock.unlock();
    Status st = task_();
    lock.lock();
    result_ = std::move(st);
    task_ = nullptr;
    cv_.notify_all();
  }
}

}  // namespace klog::util
