// Reading and writing a group's state.json (group_state.h has its format).
//
// state.json is replaced atomically and durably (temp file, fsync, rename,
// fsync of the group directory) under group.lock. It can still be found
// damaged: torn or empty after a power loss under an older klog, edited by
// hand, or holding a name that is not valid. Everything in it can be
// rebuilt from the members' own files, so damage is never an error: the
// state is rebuilt from members/ID.json, with a generation past any a
// member has applied (so every member applies it) and no assignment; the
// next member to rebalance computes one and writes state.json anew.
#pragma once

#include <cstdint>

#include "group/group_paths.h"
#include "group/group_state.h"
#include "util/status.h"

namespace klog::group {

// More than this is not a state.json klog wrote (10000 partitions of
// 249-character topics take about 3 MB).
constexpr uint64_t kMaxStateBytes = 16 << 20;
// members/ID.json and the id in a partitions/…lock file.
constexpr uint64_t kMaxMemberFileBytes = 64 << 10;

struct LoadedState {
  GroupState state;
  bool rebuilt = false;  // state.json was damaged: `state` comes from the member files
};

// An absent state.json is an empty state; a damaged one is rebuilt (above).
// Errors only for I/O failures other than "absent".
Result<LoadedState> LoadGroupState(const GroupPaths& paths);
// Caller holds group.lock.
Status StoreGroupState(const GroupPaths& paths, const GroupState& state);

}  // namespace klog::group
