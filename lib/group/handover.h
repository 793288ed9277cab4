// The hand-over of partitions between members (member.h tells the
// protocol), decided from facts alone: no files, locks, clocks or pids.
// Member gathers the facts (its flock attempts, the id in a partition's
// lock file, state.json, whether a holder runs) and does what these say.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "group/assignor.h"
#include "group/group_state.h"

namespace klog::group {

// A new generation applied: the partitions this member lets go of (owned,
// no longer assigned) and those it waits for (assigned, not owned yet);
// the rest it keeps.
struct AssignmentChange {
  std::vector<TopicPartition> revoke;
  std::set<TopicPartition> pending;
};
AssignmentChange ChangeAssignment(const std::set<TopicPartition>& owned, const std::set<TopicPartition>& assigned);

// Letting go of a revoked partition: `holder` is written into its lock
// file, then our flock is dropped when `unlock`. A partition taken from an
// expelled member without its lock (`expelled_holder`) gets that member's
// id back and has no flock of ours: the next owner may take it from the
// expelled one as we did. Any other is released: "" before the lock goes.
struct Release {
  std::string holder;
  bool unlock = false;
};
Release DecideRelease(const std::optional<std::string>& expelled_holder);

// Taking a pending partition.
enum class Take {
  kWait,          // its owner has not let go yet: ask again at the next Poll
  kTake,          // with its lock, which we got
  kTakeLockless,  // without it: an expelled member that is stopped holds it
};
struct TakeFacts {
  bool lock_free = false;             // our non-blocking flock on it succeeded
  std::optional<std::string> holder;  // the id its lock file names; none: unreadable
};
// `state`: the newest state.json (a member that joined since an older one
// must not look expelled). `holder_alive(id)`: whether member id's process
// runs and heartbeats; asked only of a holder that is neither this member
// nor in `state`, while the lock is held.
//
// A free lock is taken unless its file names another member of the group
// (one that took it lockless and still has to hand it over). A held lock is
// taken lockless only from a named holder that is no member and not alive.
Take DecideTake(const TakeFacts& facts, const std::string& own_id, const GroupState& state,
                const std::function<bool(const std::string&)>& holder_alive);

}  // namespace klog::group
