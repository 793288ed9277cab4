// Syncs segment files on a thread of its own, for --fsync batch, so that
// the writer goes on writing while the disk syncs. Syncs that pile up are
// merged ("group commit"): one fdatasync(2) of a file covers every batch
// written to it before that sync began, so while one sync runs, the next
// gathers all the batches written meanwhile instead of queueing a sync per
// batch. A batch still counts as synced only after a sync that began after
// it was written has succeeded.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "log/partition_writer.h"
#include "util/status.h"

namespace klog::log {

class SyncThread {
 public:
  SyncThread() = default;
  SyncThread(const SyncThread&) = delete;
  SyncThread& operator=(const SyncThread&) = delete;
  ~SyncThread();  // runs what was added, then ends the thread

  // Hands over the syncs one write left (PartitionWriter::Append's
  // sync_later) and returns their ticket for WaitFor. Starts the thread on
  // first use; IOError if the system refuses one (the syncs are then left
  // in *syncs, for the caller to run).
  Result<uint64_t> Add(std::vector<PendingSync>* syncs);
  // Blocks until the syncs of `ticket` and of every ticket before it are
  // done. After a failed sync, that failure is the answer for its tickets
  // (all those it would have covered) and every later one: a later sync
  // that succeeds proves nothing about pages whose write-back failed.
  Status WaitFor(uint64_t ticket);

 private:
  void Loop();

  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<PendingSync> queued_;  // added, not yet taken by a sync
  uint64_t added_ = 0;               // tickets handed out
  uint64_t done_ = 0;                // tickets synced (or failed)
  Status failed_;                    // the first failure, sticky
  uint64_t failed_from_ = 0;         // the first ticket it answers for
  bool quit_ = false;
};

}  // namespace klog::log
