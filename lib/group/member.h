// One member of a consumer group: a `klog consume -g GROUP` process.
//
// Joining: create members/ID.lock already flock'ed (made under a temporary
// name, locked, then renamed into place, so it is never seen unlocked),
// write members/ID.json, start the heartbeat thread, then add itself to
// state.json under group.lock with a new generation and assignment.
//
// Poll, called often by the consume loop: expel members that are dead (lock
// free) or stale (no heartbeat for their session timeout), read state.json,
// and when the generation changed: hand revoked partitions back (the caller
// commits them first, then their partition locks are released) and take the
// new ones, each only once its partition lock is free — or its holder is no
// longer a member (expelled but still holding it while stopped).
//
// partitions/T.P.lock holds the id of the member that owns the partition
// ("" once released). An owner writes its id when it takes the partition and
// clears it before it lets the lock go. A partition whose lock an expelled,
// stopped member still holds is taken "lockless": the new owner writes its
// id into the file (so a third member waits for it instead of also taking
// it from the expelled one), takes the lock itself as soon as it is free,
// and on revoke writes the expelled member's id back. So a member takes a
// partition when (a) it gets the lock and the file names no other member of
// the group, or (b) the lock is held and the file names a non-member whose
// heartbeat is stale (an expelled, stopped process). Both are judged
// against the newest state.json: when it changed, Poll applies it first.
// Those decisions are pure functions (handover.h); Member reads their
// inputs and does what they return.
//
// Fencing: a member that is no longer in state.json gets kFenced from Poll
// and Commit; Commit checks membership under group.lock, so an expelled
// member can never overwrite its successor's progress.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "group/group_paths.h"
#include "group/group_state.h"
#include "group/offset_store.h"
#include "os/file.h"
#include "topic/topic_store.h"
#include "util/status.h"

namespace klog::group {

struct MemberOptions {
  int64_t session_timeout_ms = 10000;
  int64_t heartbeat_interval_ms = 0;  // 0: a tenth of the session timeout, at most 500 ms
};

class Member {
 public:
  static Result<std::unique_ptr<Member>> Join(const topic::TopicStore& store, const std::string& group,
                                              const std::vector<std::string>& topics, const MemberOptions& options);
  ~Member();

  const std::string& id() const { return info_.id; }
  const GroupPaths& paths() const { return paths_; }
  int64_t generation() const { return applied_generation_; }

  // Called with partitions about to be released, before their locks go.
  using RevokeFn = std::function<Status(const std::vector<TopicPartition>&)>;
  Status Poll(const RevokeFn& on_revoke);

  // Partitions this member may read now (assigned and taken over).
  const std::set<TopicPartition>& owned() const { return owned_; }
  // Changes whenever owned() does: callers skip matching it when it did not.
  uint64_t owned_version() const { return owned_version_; }
  // Assigned but still waiting for the previous owner to let go.
  bool has_pending() const { return !pending_.empty(); }
  // True when state.json changed since this member last read it.
  bool StateChanged() const;

  Status Commit(const Offsets& offsets);
  // Removes this member from the group (the caller committed first).
  Status Leave();

 private:
  Member(const topic::TopicStore& store, GroupPaths paths) : store_(store), paths_(std::move(paths)) {}
  Status Rebalance(bool add_self, bool remove_self);
  // True when a subscribed topic has more partitions than state_ assigns
  // (topic alter --partitions): checked every kPartitionCheckMs.
  bool PartitionsGrew();
  Status ExpelDeadOrStale(GroupState& state, int64_t now_ms, std::vector<std::string>* removed);
  void StartHeartbeat();
  void StopHeartbeat();
  void ReleaseAll();

  const topic::TopicStore& store_;
  GroupPaths paths_;
  MemberInfo info_;
  MemberOptions options_;
  os::FileLock member_lock_;
  GroupState state_;
  int64_t partitions_checked_ms_ = 0;
  std::map<std::string, int> assigned_;  // partitions per topic in state_.assignment
  bool assigned_counted_ = false;        // of the state_ read last
  int64_t applied_generation_ = -1;
  struct StateStamp {
    int64_t ino = 0, mtime_ns = 0, size = 0;
    bool operator==(const StateStamp&) const = default;
  } stamp_;  // of the state.json that state_ was read from
  static StateStamp StampOf(const os::FileStat& st) {
    return {static_cast<int64_t>(st.ino), st.mtime_ns, static_cast<int64_t>(st.size)};
  }
  // Reads state.json; `stamp` (if given) gets the identity of what was read,
  // `rebuilt` (if given) whether it was damaged and rebuilt (state_store.h).
  Result<GroupState> ReadState(StateStamp* stamp, bool* rebuilt);
  std::set<TopicPartition> owned_;
  uint64_t owned_version_ = 0;
  std::set<TopicPartition> pending_;
  std::map<TopicPartition, os::FileLock> partition_locks_;
  // Owned while an expelled member still holds the lock: that member's id.
  std::map<TopicPartition, std::string> lockless_;
  // Writes the owner id ("" when released) into a partition lock file: the
  // hand-over judges by it, so a failed write is an error (naming the file).
  Status WriteHolder(const TopicPartition& tp, const std::string& id);
  // Whether the process of member `id` runs and heartbeats (an expelled but
  // stopped one does not; a member newer than state_ does).
  bool HolderAlive(const std::string& id) const;
  bool left_ = false;

  std::thread heartbeat_;
  std::atomic<bool> stop_heartbeat_{false};
  std::mutex heartbeat_mu_;
  std::condition_variable heartbeat_cv_;
};

}  // namespace klog::group
