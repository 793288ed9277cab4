// Reading and administering groups from outside: list, describe, delete,
// and the live-member check that offset resets and deletes are refused by.
// ListGroups, DescribeGroup and LiveMembers only read: they take no lock a
// member waits for (just a probe flock on member locks, liveness.h), so they
// work while members run and on a read-only copy of a data directory.
// DeleteGroup writes: it holds group.lock (admin_lock.h), refuses while the
// group has live members, then moves the group to the trash and removes it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "group/group_paths.h"
#include "group/group_state.h"
#include "group/liveness.h"
#include "topic/topic_store.h"
#include "util/status.h"

namespace klog::group {

struct MemberView {
  MemberInfo info;
  Liveness liveness = Liveness::kAlive;
  int64_t last_heartbeat_ms = 0;
  std::vector<TopicPartition> partitions;
};

struct PartitionView {
  std::string topic;
  int partition = 0;
  std::optional<int64_t> committed;
  int64_t log_start = 0;
  int64_t log_end = 0;
  int64_t lag = 0;  // log_end - committed (or - log_start when nothing committed)
  // The committed offset is outside [log_start, log_end]: past the end (the
  // topic was deleted and created again, or a hand commit) or deleted by
  // retention. A member starts where --auto-offset-reset says, so lag counts
  // what earliest (the default) would deliver: log_end - log_start.
  bool out_of_range = false;
  std::string owner;  // member id, "" if none
};

struct GroupView {
  std::string name;
  std::string state;  // Empty, Stable, Rebalancing
  int64_t generation = 0;
  std::vector<MemberView> members;  // dead ones too, until a member removes them
  int live_members = 0;              // IsLive (liveness.h): what Members and MEMBERS count
  std::vector<PartitionView> partitions;
  int64_t total_lag = 0;
};

Result<std::vector<std::string>> ListGroups(const topic::DataDir& dir);
// NotFound: "unknown group 'g'".
Result<GroupView> DescribeGroup(const topic::TopicStore& store, const std::string& group);
// Members whose process is alive (stale ones included: they may resume).
Result<std::vector<MemberInfo>> LiveMembers(const GroupPaths& paths);
// Busy (exit 3) while the group has live members.
Status DeleteGroup(const topic::DataDir& dir, const std::string& group);
// "m-12-ab (pid 12 on box), ..." and how to stop them, for refusals.
std::string DescribeLiveMembers(const std::vector<MemberInfo>& members);

}  // namespace klog::group
