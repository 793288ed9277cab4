#include "group/group_admin.h"

#include <set>

#include "group/admin_lock.h"
#include "group/offset_store.h"
#include "group/state_store.h"
#include "os/file.h"
#include "util/clock.h"
#include "util/name.h"

namespace klog::group {

namespace {

Status UnknownGroup(const std::string& g) { return Status::NotFound("unknown group '" + g + "'"); }

// Read-only: a damaged state.json is shown as rebuilt, and left for the
// members to write anew (state_store.h).
Result<GroupState> LoadState(const GroupPaths& paths) {
  auto loaded = LoadGroupState(paths);
  if (!loaded.ok()) return loaded.status();
  return std::move(loaded->state);
}

}  // namespace

Result<std::vector<std::string>> ListGroups(const topic::DataDir& dir) {
  if (!os::IsDir(dir.GroupsDir())) return std::vector<std::string>{};
  auto names = os::ListDir(dir.GroupsDir());
  if (!names.ok()) return names.status();
  std::vector<std::string> out;
  for (const auto& n : *names)
    if (util::ValidateName(n, "group").ok() && os::IsDir(dir.GroupDir(n))) out.push_back(n);
  return out;
}

Result<std::vector<MemberInfo>> LiveMembers(const GroupPaths& paths) {
  auto state = LoadState(paths);
  if (!state.ok()) return state.status();
  std::vector<MemberInfo> live;
  int64_t now = util::NowMs();
  for (const auto& m : state->members)
    if (IsLive(CheckMember(paths, m, now))) live.push_back(m);
  return live;
}

std::string DescribeLiveMembers(const std::vector<MemberInfo>& members) {
  std::string s;
  for (const auto& m : members) {
    if (!s.empty()) s += ", ";
    s += m.id + " (pid " + std::to_string(m.pid) + " on " + m.host + ")";
  }
  return s + "; stop them first (e.g. kill -TERM PID: they commit and leave; a stopped one needs kill -CONT too)";
}

Result<GroupView> DescribeGroup(const topic::TopicStore& store, const std::string& group) {
  KLOG_RETURN_IF_ERROR(util::ValidateName(group, "group"));
  GroupPaths paths(store.dir(), group);
  if (!os::IsDir(paths.root())) return UnknownGroup(group);
  auto state = LoadState(paths);
  if (!state.ok()) return state.status();
  auto offsets = LoadOffsets(paths);
  if (!offsets.ok()) return offsets.status();
  GroupView v;
  v.name = group;
  v.generation = state->generation;
  int64_t now = util::NowMs();
  int live = 0;
  bool settled = true;
  std::set<std::string> topics;
  for (const auto& m : state->members) {
    MemberView mv;
    mv.info = m;
    mv.liveness = CheckMember(paths, m, now);
    mv.last_heartbeat_ms = LastHeartbeatMs(paths, m.id);
    mv.partitions = state->PartitionsOf(m.id);
    auto file = os::ReadFile(paths.MemberFile(m.id), kMaxMemberFileBytes);
    if (file.ok()) {
      auto info = MemberInfoFromJson(*file, paths.MemberFile(m.id));
      if (info.ok() && info->generation != state->generation) settled = false;
    }
    if (IsLive(mv.liveness)) ++live;
    if (mv.liveness != Liveness::kAlive) settled = false;  // to be expelled or removed
    topics.insert(m.topics.begin(), m.topics.end());
    v.members.push_back(mv);
  }
  v.live_members = live;
  v.state = live == 0 ? "Empty" : settled ? "Stable" : "Rebalancing";
  for (const auto& [tp, off] : *offsets) topics.insert(tp.first);
  for (const auto& t : topics) {
    auto c = store.Load(t);
    if (!c.ok()) continue;  // topic deleted since: nothing to show
    for (int p = 0; p < c->partitions; ++p) {
      PartitionView pv;
      pv.topic = t;
      pv.partition = p;
      auto range = store.Offsets(t, p);
      if (!range.ok()) return range.status();
      pv.log_start = range->start;
      pv.log_end = range->end;
      auto it = offsets->find({t, p});
      if (it != offsets->end()) pv.committed = it->second;
      pv.out_of_range = pv.committed && (*pv.committed < pv.log_start || *pv.committed > pv.log_end);
      pv.lag = pv.log_end - (pv.committed && !pv.out_of_range ? *pv.committed : pv.log_start);
      pv.owner = state->OwnerOf({t, p});
      // A dead member owns nothing: its lock is free, the next to rebalance
      // takes its partitions.
      for (const auto& mv : v.members)
        if (mv.info.id == pv.owner && !IsLive(mv.liveness)) pv.owner.clear();
      v.total_lag += pv.lag;
      v.partitions.push_back(pv);
    }
  }
  return v;
}

Status DeleteGroup(const topic::DataDir& dir, const std::string& group) {
  KLOG_RETURN_IF_ERROR(util::ValidateName(group, "group"));
  GroupPaths paths(dir, group);
  if (!os::IsDir(paths.root())) return UnknownGroup(group);
  auto lock = LockGroupForAdmin(paths);
  if (!lock.ok()) return lock.status();
  auto live = LiveMembers(paths);
  if (!live.ok()) return live.status();
  if (!live->empty())
    return Status::Busy("group '" + group + "' has live members: " + DescribeLiveMembers(*live));
  KLOG_RETURN_IF_ERROR(os::MakeDirs(dir.TrashDir()));
  // Cut short so that a 249-character name still fits NAME_MAX (255).
  std::string trash = dir.TrashDir() + "/group." + group.substr(0, 100) + "." + std::to_string(util::NowMs());
  KLOG_RETURN_IF_ERROR(os::Rename(paths.root(), trash));
  // The delete is durable before it is reported, as the trash is emptied.
  Status synced = os::SyncDir(dir.GroupsDir());
  Status removed = os::RemoveTree(trash);
  return synced.ok() ? removed : synced;
}

}  // namespace klog::group
