#include "group/member.h"

#include <chrono>
#include <map>
#include <random>

#include "group/handover.h"
#include "group/journal.h"
#include "group/liveness.h"
#include "group/state_store.h"
#include "os/this_process.h"
#include "util/clock.h"
#include "util/name.h"

namespace klog::group {

namespace {

std::string NewMemberId() {
  std::random_device rd;
  char buf[64];
  snprintf(buf, sizeof buf, "m-%d-%08x", os::ProcessId(), static_cast<unsigned>(rd()));
  return buf;
}

}  // namespace

Result<std::unique_ptr<Member>> Member::Join(const topic::TopicStore& store, const std::string& group,
                                             const std::vector<std::string>& topics, const MemberOptions& options) {
  KLOG_RETURN_IF_ERROR(util::ValidateName(group, "group"));
  for (const auto& t : topics) {
    auto c = store.Load(t);
    if (!c.ok()) return c.status();
  }
  std::unique_ptr<Member> m(new Member(store, GroupPaths(store.dir(), group)));
  m->options_ = options;
  if (m->options_.heartbeat_interval_ms <= 0)
    m->options_.heartbeat_interval_ms = std::clamp<int64_t>(options.session_timeout_ms / 10, 10, 500);
  m->info_.id = NewMemberId();
  m->info_.host = os::HostName();
  m->info_.pid = os::ProcessId();
  m->info_.start_ms = util::NowMs();
  m->info_.topics = topics;
  m->info_.session_timeout_ms = options.session_timeout_ms;
  const GroupPaths& p = m->paths_;
  KLOG_RETURN_IF_ERROR(os::MakeDirs(p.MembersDir()));
  KLOG_RETURN_IF_ERROR(os::MakeDirs(p.PartitionsDir()));

  // The member lock appears in place already locked: nobody can mistake a
  // joining member for a dead one.
  std::string tmp = p.MembersDir() + "/." + m->info_.id + ".lock.tmp";
  // A join that fails takes its files with it (they are ours, locked by
  // us): no orphan lock file is left for every later reader to check.
  auto lock = os::FileLock::TryAcquire(tmp);
  if (!lock.ok()) {
    (void)os::RemoveFile(tmp);
    return lock.status();
  }
  Status placed = os::Rename(tmp, p.MemberLock(m->info_.id));
  if (!placed.ok()) {
    (void)os::RemoveFile(tmp);
    return placed;
  }
  m->member_lock_ = std::move(lock).value();
  m->info_.generation = 0;
  Status written = os::WriteFileAtomic(p.MemberFile(m->info_.id), MemberInfoToJson(m->info_), false);
  if (!written.ok()) {
    (void)os::RemoveFile(p.MemberLock(m->info_.id));
    return written;
  }
  m->StartHeartbeat();
  Status st = m->Rebalance(true, false);
  if (!st.ok()) {
    m->StopHeartbeat();
    (void)os::RemoveFile(p.MemberFile(m->info_.id));
    (void)os::RemoveFile(p.MemberLock(m->info_.id));
    return st;
  }
  return m;
}

Member::~Member() {
  StopHeartbeat();
  if (!left_) ReleaseAll();
}

void Member::StartHeartbeat() {
  std::string path = paths_.MemberFile(info_.id);
  int64_t interval = options_.heartbeat_interval_ms;
  heartbeat_ = std::thread([this, path, interval] {
    std::unique_lock<std::mutex> lock(heartbeat_mu_);
    while (!stop_heartbeat_.load()) {
      (void)os::Touch(path);  // the heartbeat is the mtime
      // Woken by StopHeartbeat, not by polling the flag every 10 ms.
      heartbeat_cv_.wait_for(lock, std::chrono::milliseconds(interval), [this] { return stop_heartbeat_.load(); });
    }
  });
}

void Member::StopHeartbeat() {
  {
    std::lock_guard<std::mutex> lock(heartbeat_mu_);
    stop_heartbeat_ = true;
  }
  heartbeat_cv_.notify_all();
  if (heartbeat_.joinable()) heartbeat_.join();
}

void Member::ReleaseAll() {
  partition_locks_.clear();
  lockless_.clear();
  owned_.clear();
  ++owned_version_;
  pending_.clear();
}

Result<GroupState> Member::ReadState(StateStamp* stamp, bool* rebuilt) {
  if (rebuilt) *rebuilt = false;
  auto st = os::StatPath(paths_.State());
  if (!st.ok()) return GroupState{};
  auto loaded = LoadGroupState(paths_);
  if (!loaded.ok()) return loaded.status();
  if (stamp) *stamp = StampOf(*st);
  if (rebuilt) *rebuilt = loaded->rebuilt;
  return std::move(loaded->state);
}

bool Member::StateChanged() const {
  auto st = os::StatPath(paths_.State());
  return !st.ok() || !(StampOf(*st) == stamp_);
}

Status Member::ExpelDeadOrStale(GroupState& state, int64_t now_ms, std::vector<std::string>* removed) {
  std::vector<MemberInfo> keep;
  for (const auto& m : state.members) {
    if (m.id == info_.id || CheckMember(paths_, m, now_ms) == Liveness::kAlive) {
      keep.push_back(m);
    } else {
      removed->push_back(m.id);
    }
  }
  state.members = std::move(keep);
  return Status::Ok();
}

Status Member::Rebalance(bool add_self, bool remove_self) {
  auto lock = os::FileLock::Acquire(paths_.Lock());
  if (!lock.ok()) return lock.status();
  bool rebuilt = false;
  auto loaded = ReadState(nullptr, &rebuilt);
  if (!loaded.ok()) return loaded.status();
  GroupState state = std::move(loaded).value();
  GroupState before = state;
  std::vector<std::string> removed;
  KLOG_RETURN_IF_ERROR(ExpelDeadOrStale(state, util::NowMs(), &removed));
  if (remove_self) {
    std::erase_if(state.members, [&](const MemberInfo& m) { return m.id == info_.id; });
  } else if (!state.FindMember(info_.id)) {
    if (!add_self)
      return Status::Fenced("member " + info_.id + " was expelled from group '" + paths_.group() +
                            "' (no heartbeat within its session timeout of " +
                            std::to_string(info_.session_timeout_ms) + " ms)");
    state.members.push_back(info_);
  }
  std::vector<MemberSubscription> subs;
  std::set<std::string> topics;
  for (const auto& m : state.members) {
    subs.push_back({m.id, std::set<std::string>(m.topics.begin(), m.topics.end())});
    topics.insert(m.topics.begin(), m.topics.end());
  }
  std::vector<TopicPartition> partitions;
  for (const auto& t : topics) {
    auto c = store_.Load(t);
    if (!c.ok()) continue;  // deleted meanwhile: nothing to assign
    for (int p = 0; p < c->partitions; ++p) partitions.emplace_back(t, p);
  }
  state.assignment = Assign(subs, partitions, before.assignment);
  bool changed = state.assignment != before.assignment || state.members.size() != before.members.size() ||
                 !removed.empty() || add_self || remove_self || rebuilt;
  if (changed) {
    state.generation = before.generation + 1;
    for (auto& m : state.members) m.generation = 0;
    KLOG_RETURN_IF_ERROR(StoreGroupState(paths_, state));
  }
  // Files of dead members go; a stale (stopped) one keeps its lock file until
  // it exits, as a lock file another process holds is never unlinked.
  for (const auto& id : removed) {
    MemberInfo m;
    m.id = id;
    if (CheckMember(paths_, m, util::NowMs()) == Liveness::kDead) {
      (void)os::RemoveFile(paths_.MemberFile(id));
      (void)os::RemoveFile(paths_.MemberLock(id));
    }
  }
  return Status::Ok();
}

bool Member::PartitionsGrew() {
  constexpr int64_t kPartitionCheckMs = 500;
  int64_t now = util::NowMs();
  if (applied_generation_ < 0 || now - partitions_checked_ms_ < kPartitionCheckMs) return false;
  partitions_checked_ms_ = now;
  // Counted once per state read, not on every check (10,000 partitions).
  if (!assigned_counted_) {
    assigned_.clear();
    for (const auto& [id, parts] : state_.assignment)
      for (const auto& tp : parts) ++assigned_[tp.first];
    assigned_counted_ = true;
  }
  for (const auto& t : info_.topics) {
    auto c = store_.Load(t);
    if (c.ok() && c->partitions > assigned_[t]) return true;
  }
  return false;
}

Status Member::Poll(const RevokeFn& on_revoke) {
  if (left_) return Status::Fenced("member " + info_.id + " has left group '" + paths_.group() + "'");
  bool expel = false;
  int64_t now = util::NowMs();
  for (const auto& m : state_.members)
    if (m.id != info_.id && CheckMember(paths_, m, now) != Liveness::kAlive) expel = true;
  // Partitions added by topic alter: a new assignment that includes them,
  // which every member then applies (one of them notices first).
  if (expel || PartitionsGrew()) {
    Status st = Rebalance(false, false);
    if (!st.ok()) {
      if (st.code() == Code::kFenced) ReleaseAll();
      return st;
    }
  }
  if (StateChanged() || applied_generation_ < 0) {
    bool rebuilt = false;
    auto s = ReadState(&stamp_, &rebuilt);
    if (!s.ok()) return s.status();
    if (rebuilt) {
      // Damaged: write it anew (state_store.h), then act on what was written.
      Status st = Rebalance(false, false);
      if (!st.ok()) {
        if (st.code() == Code::kFenced) ReleaseAll();
        return st;
      }
      s = ReadState(&stamp_, nullptr);
      if (!s.ok()) return s.status();
    }
    state_ = std::move(s).value();
    assigned_counted_ = false;
  }
  if (!state_.FindMember(info_.id)) {
    ReleaseAll();
    return Status::Fenced("member " + info_.id + " was expelled from group '" + paths_.group() +
                          "' (no heartbeat within its session timeout of " + std::to_string(info_.session_timeout_ms) +
                          " ms); its uncommitted records go to the other members");
  }
  if (state_.generation != applied_generation_) {
    auto assigned_list = state_.PartitionsOf(info_.id);
    AssignmentChange change =
        ChangeAssignment(owned_, std::set<TopicPartition>(assigned_list.begin(), assigned_list.end()));
    if (!change.revoke.empty() && on_revoke) KLOG_RETURN_IF_ERROR(on_revoke(change.revoke));
    // Released all the same when a holder file cannot be written (the
    // assignment says so); the error ends this member, whose leaving frees them.
    Status holders = Status::Ok();
    for (const auto& tp : change.revoke) {
      owned_.erase(tp);
      ++owned_version_;
      auto ll = lockless_.find(tp);
      Release release = DecideRelease(ll != lockless_.end() ? std::optional(ll->second) : std::nullopt);
      Status st = WriteHolder(tp, release.holder);
      if (ll != lockless_.end()) lockless_.erase(ll);
      if (release.unlock) partition_locks_.erase(tp);
      if (holders.ok()) holders = st;
    }
    pending_ = std::move(change.pending);
    applied_generation_ = state_.generation;
    info_.generation = applied_generation_;
    (void)os::WriteFileAtomic(paths_.MemberFile(info_.id), MemberInfoToJson(info_), false);
    KLOG_RETURN_IF_ERROR(holders);
  }
  // Lockless partitions: take their lock as soon as the expelled holder lets go.
  for (auto it = lockless_.begin(); it != lockless_.end();) {
    auto lock = os::FileLock::TryAcquire(paths_.PartitionLock(it->first.first, it->first.second));
    if (!lock.ok()) {
      ++it;
      continue;
    }
    partition_locks_[it->first] = std::move(lock).value();
    it = lockless_.erase(it);
  }
  // Who may take what is judged against the newest state: a member that
  // joined since state_ was read must not look like an expelled one.
  if (!pending_.empty() && StateChanged()) return Status::Ok();  // the next Poll applies it first
  for (auto it = pending_.begin(); it != pending_.end();) {
    std::string path = paths_.PartitionLock(it->first, it->second);
    if (os::Dirname(path) != paths_.PartitionsDir()) KLOG_RETURN_IF_ERROR(os::MakeDirs(os::Dirname(path)));
    auto lock = os::FileLock::TryAcquire(path);
    if (!lock.ok() && lock.status().code() != Code::kBusy) return lock.status();
    TakeFacts facts{.lock_free = lock.ok(), .holder = std::nullopt};
    if (auto holder = os::ReadFile(path, kMaxMemberFileBytes); holder.ok()) facts.holder = std::move(*holder);
    Take take = DecideTake(facts, info_.id, state_, [this](const std::string& id) { return HolderAlive(id); });
    if (take == Take::kWait) {
      ++it;
      continue;
    }
    // Not taken unless the file says so: the next member judges by it.
    KLOG_RETURN_IF_ERROR(WriteHolder(*it, info_.id));
    if (take == Take::kTake) partition_locks_[*it] = std::move(lock).value();
    else lockless_[*it] = *facts.holder;
    owned_.insert(*it);
    ++owned_version_;
    it = pending_.erase(it);
  }
  return Status::Ok();
}

bool Member::HolderAlive(const std::string& id) const {
  // The id comes from a file anyone in the group may write: it builds no
  // path unless valid, and an invalid one names no live member.
  if (!ValidateMemberId(id).ok()) return false;
  MemberInfo m;
  m.id = id;
  auto text = os::ReadFile(paths_.MemberFile(id), kMaxMemberFileBytes);
  if (text.ok()) {
    auto info = MemberInfoFromJson(*text, paths_.MemberFile(id));
    if (info.ok() && info->id == id) m = *info;
  }
  return CheckMember(paths_, m, util::NowMs()) == Liveness::kAlive;
}

Status Member::WriteHolder(const TopicPartition& tp, const std::string& id) {
  auto f = os::File::OpenReadWrite(paths_.PartitionLock(tp.first, tp.second), false);
  if (!f.ok()) return f.status();
  if (id.empty()) return f->Truncate(0);
  // An id is written over the old one, then the file cut to its length:
  // emptying it first made ext4 free the file's block (a discard, on some
  // mounts waited for) and write the new one back on close, milliseconds
  // per partition, so 5,000 partitions of a dead member took seconds to
  // take over. A reader in between may see a mix of the two names: no
  // member and not alive, so it decides as it would on the name replaced
  // (a dead or expelled holder) or on the one written (an expelled holder
  // written back on revoke).
  KLOG_RETURN_IF_ERROR(f->WriteAt(0, id));
  auto size = f->Size();
  if (!size.ok()) return size.status();
  if (*size > id.size()) KLOG_RETURN_IF_ERROR(f->Truncate(id.size()));
  return Status::Ok();
}

Status Member::Commit(const Offsets& offsets) {
  if (offsets.empty()) return Status::Ok();
  auto lock = os::FileLock::Acquire(paths_.Lock());
  if (!lock.ok()) return lock.status();
  auto state = ReadState(nullptr, nullptr);
  if (!state.ok()) return state.status();
  if (!state->FindMember(info_.id))
    return Status::Fenced("member " + info_.id + " was expelled from group '" + paths_.group() +
                          "'; its commit is refused so that it cannot overwrite its successor's progress");
  auto current = LoadOffsets(paths_);
  if (!current.ok()) return current.status();
  JournalEntry e{.ts_ms = util::NowMs(), .kind = "commit", .actor = info_.id + "@" + info_.host, .changes = {}};
  Offsets merged = *current;
  for (const auto& [tp, off] : offsets) {
    auto it = current->find(tp);
    if (it != current->end() && it->second == off) continue;
    std::optional<int64_t> old;
    if (it != current->end()) old = it->second;
    e.changes.push_back({tp.first, tp.second, old, off});
    merged[tp] = off;
  }
  if (e.changes.empty()) return Status::Ok();
  return StoreOffsetsJournaled(paths_, e, *current, merged);
}

Status Member::Leave() {
  if (left_) return Status::Ok();
  Status st = Rebalance(false, true);
  ReleaseAll();
  StopHeartbeat();
  left_ = true;
  (void)os::RemoveFile(paths_.MemberFile(info_.id));
  (void)os::RemoveFile(paths_.MemberLock(info_.id));
  member_lock_.Release();
  return st;
}

}  // namespace klog::group
