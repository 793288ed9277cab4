// Files of one consumer group, DIR/groups/GROUP/:
//
//   group.lock              flock'ed (briefly) by whoever changes state.json,
//                           offsets.json or the journal
//   state.json              generation, members, assignment (group_state.h)
//   offsets.json            committed offsets (offset_store.h)
//   journal.jsonl(.1)       every commit and reset (journal.h)
//   members/ID.lock         flock'ed by member ID for its whole life: the
//                           kernel drops it the instant the member dies
//   members/ID.json         member info; its mtime is the heartbeat
//   partitions/T.P.lock     flock'ed by the member that reads partition P of
//                           topic T; holds that member's id. Where that name
//                           would pass NAME_MAX (255 bytes: topics of 245
//                           characters and more), partitions/T.d/P.lock
#pragma once

#include <climits>
#include <string>

#include "topic/data_dir.h"

namespace klog::group {

class GroupPaths {
 public:
  GroupPaths(const topic::DataDir& dir, std::string group)
      : group_(std::move(group)), root_(dir.GroupDir(group_)) {}
  const std::string& group() const { return group_; }
  const std::string& root() const { return root_; }
  std::string Lock() const { return root_ + "/group.lock"; }
  std::string State() const { return root_ + "/state.json"; }
  std::string Offsets() const { return root_ + "/offsets.json"; }
  std::string Journal() const { return root_ + "/journal.jsonl"; }
  std::string OldJournal() const { return root_ + "/journal.1.jsonl"; }
  std::string MembersDir() const { return root_ + "/members"; }
  std::string MemberLock(const std::string& id) const { return MembersDir() + "/" + id + ".lock"; }
  std::string MemberFile(const std::string& id) const { return MembersDir() + "/" + id + ".json"; }
  std::string PartitionsDir() const { return root_ + "/partitions"; }
  // T.P.lock is the name every klog has used, kept wherever it fits so that
  // members of different versions lock the same file. A name too long for
  // one file goes into a folder of its own: no lock file ends in ".d", so
  // the two kinds never meet.
  std::string PartitionLock(const std::string& topic, int p) const {
    std::string name = topic + "." + std::to_string(p) + ".lock";
    if (name.size() <= NAME_MAX) return PartitionsDir() + "/" + name;
    return PartitionsDir() + "/" + topic + ".d/" + std::to_string(p) + ".lock";
  }

 private:
  std::string group_;
  std::string root_;
};

}  // namespace klog::group
