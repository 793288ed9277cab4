#include "log/sync_thread.h"

#include <set>
#include <system_error>
#include <utility>

namespace klog::log {

SyncThread::~SyncThread() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    quit_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

Result<uint64_t> SyncThread::Add(std::vector<PendingSync>* syncs) {
  if (!thread_.joinable()) {
    try {
      thread_ = std::thread([this] { Loop(); });
    } catch (const std::system_error& e) {
      return Status::IOError(std::string("cannot start a thread: ") + e.what());
    }
  }
  uint64_t ticket;
  {
    std::lock_guard lock(mu_);
    for (auto& s : *syncs) queued_.push_back(std::move(s));
    ticket = ++added_;
  }
  syncs->clear();
  cv_.notify_all();
  return ticket;
}

Status SyncThread::WaitFor(uint64_t ticket) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return done_ >= ticket; });
  return ticket >= failed_from_ ? failed_ : Status::Ok();
}

void SyncThread::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return done_ < added_ || quit_; });
    if (done_ == added_) return;  // quit_, and everything added is done
    std::vector<PendingSync> batch;
    batch.swap(queued_);
    uint64_t upto = added_;
    bool failed = !failed_.ok();
    lock.unlock();
    // One sync per file, however many writes to it were queued.
    Status st;
    std::set<std::pair<uint64_t, uint64_t>> synced;
    for (auto& s : batch) {
      if (failed || !st.ok()) break;
      auto id = s.segment.Stat();
      if (id.ok() && !synced.insert({id->dev, id->ino}).second) continue;
      st = s.Run();
    }
    batch.clear();  // closes the descriptors outside the lock
    lock.lock();
    if (failed_.ok() && !st.ok()) {
      failed_ = st;
      failed_from_ = done_ + 1;
    }
    done_ = upto;
    cv_.notify_all();
  }
}

}  // namespace klog::log
