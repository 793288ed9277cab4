#include "group/handover.h"

namespace klog::group {

AssignmentChange ChangeAssignment(const std::set<TopicPartition>& owned, const std::set<TopicPartition>& assigned) {
  AssignmentChange c;
  for (const auto& tp : owned)
    if (!assigned.count(tp)) c.revoke.push_back(tp);
  for (const auto& tp : assigned)
    if (!owned.count(tp)) c.pending.insert(tp);
  return c;
}

Release DecideRelease(const std::optional<std::string>& expelled_holder) {
  if (expelled_holder) return {*expelled_holder, false};
  return {"", true};
}

Take DecideTake(const TakeFacts& facts, const std::string& own_id, const GroupState& state,
                const std::function<bool(const std::string&)>& holder_alive) {
  const std::optional<std::string>& h = facts.holder;
  bool other_member = h && !h->empty() && *h != own_id && state.FindMember(*h);
  if (facts.lock_free) return other_member ? Take::kWait : Take::kTake;
  if (!h || h->empty() || *h == own_id || other_member) return Take::kWait;
  return holder_alive(*h) ? Take::kWait : Take::kTakeLockless;
}

}  // namespace klog::group
