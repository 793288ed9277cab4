#include "util/worker_pool.h"

#include <system_error>

namespace klog::util {

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mu_);
    quit_ = true;  // the threads empty the queue first
  }
  work_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

Status WorkerPool::StartThreads() {
  while (static_cast<int>(threads_.size()) < max_threads_) {
    try {
      threads_.emplace_back([this] { Loop(); });
    } catch (const std::system_error& e) {
      if (threads_.empty()) return Status::IOError(std::string("cannot start a thread: ") + e.what());
      break;  // the ones we have will do
    }
  }
  return Status::Ok();
}

Result<uint64_t> WorkerPool::Submit(std::function<Status()> task) {
  uint64_t ticket;
  {
    std::lock_guard lock(mu_);
    if (threads_.empty()) KLOG_RETURN_IF_ERROR(StartThreads());
    ticket = ++submitted_;
    queue_.emplace_back(ticket, std::move(task));
  }
  work_cv_.notify_one();
  return ticket;
}

Status WorkerPool::Wait(uint64_t ticket) {
  std::unique_lock lock(mu_);
  done_cv_.wait(lock, [&] { return done_.count(ticket) != 0; });
  auto it = done_.find(ticket);
  Status st = std::move(it->second);
  done_.erase(it);
  return st;
}

void WorkerPool::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [this] { return !queue_.empty() || quit_; });
    if (queue_.empty()) return;  // quit_ with nothing left to run
    auto [ticket, task] = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    Status st = task();
    lock.lock();
    done_.emplace(ticket, std::move(st));
    done_cv_.notify_all();
  }
}

}  // namespace klog::util
