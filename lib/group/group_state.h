// A group's shared state, DIR/groups/GROUP/state.json, replaced atomically
// under DIR/groups/GROUP/group.lock by whichever member changes membership:
//
//   {"version":1,"generation":7,
//    "members":[{"id":"m-1234-9f3a","host":"box","pid":1234,"start_ms":...,
//                "topics":["events"]}],
//    "assignment":{"m-1234-9f3a":[["events",0],["events",1]]}}
//
// Every change of membership bumps the generation. A member acts on a
// generation only once it has read it; it acknowledges it in its own member
// file (members/ID.json "generation"), which is what "Stable" means.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "group/assignor.h"
#include "util/status.h"

namespace klog::group {

struct MemberInfo {
  std::string id;
  std::string host;
  int64_t pid = 0;
  int64_t start_ms = 0;
  std::vector<std::string> topics;
  int64_t session_timeout_ms = 0;
  int64_t generation = 0;  // member file only: the last generation it applied
};

struct GroupState {
  int64_t generation = 0;
  std::vector<MemberInfo> members;
  Assignment assignment;

  const MemberInfo* FindMember(const std::string& id) const;
  std::vector<TopicPartition> PartitionsOf(const std::string& id) const;
  // Owner of a partition, or "" if none.
  std::string OwnerOf(const TopicPartition& tp) const;
};

// Member ids follow the rule of topic and group names (util/name.h); klog
// makes them as m-PID-RANDOM.
Status ValidateMemberId(const std::string& id);

// Parsing checks every name it reads (member ids, topic names, partition
// numbers) as the command line would: a file with one that is not valid is
// kCorruption, and the name is never used.
std::string GroupStateToJson(const GroupState& s);
Result<GroupState> GroupStateFromJson(const std::string& text, const std::string& what);
std::string MemberInfoToJson(const MemberInfo& m);
Result<MemberInfo> MemberInfoFromJson(const std::string& text, const std::string& what);

}  // namespace klog::group
