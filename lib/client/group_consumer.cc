#include "client/group_consumer.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <map>
#include <memory>
#include <set>

#include "os/inotify.h"
#include "os/process.h"

namespace klog::client {
namespace {

using group::TopicPartition;

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct PartState {
  std::unique_ptr<log::PartitionReader> reader;
  int64_t position = 0;   // next offset to deliver
  int64_t committed = -1;
  int64_t end = INT64_MAX;
};

// Watch tag of the group directory (state.json); a partition's tag is its
// index in GroupRun::tags_.
constexpr uint64_t kGroupDirTag = UINT64_MAX;

class GroupRun {
 public:
  GroupRun(const topic::TopicStore& store, const GroupConsumeOptions& o, RecordSink& sink, const std::atomic<bool>* stop)
      : store_(store), o_(o), sink_(sink), stop_(stop) {}

  Status Run() {
    Status st = Loop();
    if (st.code() == Code::kFenced) return st;  // nothing of ours may be committed any more
    Status flushed = sink_.Idle();
    if (st.ok() && !flushed.ok() && flushed.code() != Code::kOutputClosed) st = flushed;
    if (member_) {
      Status c = CommitAll();
      Status l = member_->Leave();
      if (st.ok()) st = !c.ok() ? c : l;
    }
    return st;
  }

 private:
  Status Loop() {
    // Ends are fixed now, before joining: a cron run stops at what was there.
    for (const auto& t : o_.topics) {
      auto c = store_.Load(t);
      if (!c.ok()) return c.status();
      for (int p = 0; p < c->partitions; ++p) {
        std::string dir = store_.dir().PartitionDir(t, p);
        KLOG_RETURN_IF_ERROR(watcher_.Watch(dir, TagOf({t, p})));
        watched_.insert({t, p});
        if (!o_.follow) {
          log::PartitionReader r(dir, topic::PartitionLabel(t, p));
          auto end = r.EndOffset();
          if (!end.ok()) return end.status();
          ends_[{t, p}] = *end;
        }
      }
    }
    auto m = group::Member::Join(store_, o_.group, o_.topics, {o_.session_timeout_ms, o_.heartbeat_interval_ms});
    if (!m.ok()) return m.status();
    member_ = std::move(m).value();
    (void)watcher_.Watch(member_->paths().root(), kGroupDirTag);
    int64_t last_sync = -1;
    for (;;) {
      if ((stop_ && stop_->load()) || stop_requested_) return Status::Ok();
      int64_t now = SteadyMs();
      if (last_sync < 0 || now - last_sync >= 100 || member_->StateChanged()) {
        KLOG_RETURN_IF_ERROR(Sync());
        last_sync = now;
      }
      bool progress = false;
      // Following, only the partitions whose directory changed are read
      // (until they have nothing more): an idle member of 10,000 partitions
      // costs nothing per partition. Without -f every unfinished one is.
      std::vector<TopicPartition> keys(active_.begin(), active_.end());
      for (const auto& tp : keys) {
        if (stop_ && stop_->load()) return Status::Ok();
        if (member_->StateChanged()) KLOG_RETURN_IF_ERROR(Sync());  // generation check before each batch
        auto it = parts_.find(tp);
        if (it == parts_.end() || it->second.position >= it->second.end) {
          active_.erase(tp);
          continue;
        }
        bool delivered = false, more = false;
        KLOG_RETURN_IF_ERROR(ReadAndDeliver(tp, it->second, &delivered, &more));
        progress |= delivered;
        if (!more && o_.follow && watched_.count(tp)) active_.erase(tp);
        if (Reached() || stop_requested_) return Status::Ok();
      }
      if (!progress) {
        if (!o_.follow && Done()) return Status::Ok();
        Status idle = sink_.Idle();
        if (idle.code() == Code::kOutputClosed) return Status::Ok();
        KLOG_RETURN_IF_ERROR(idle);
        if (SteadyMs() - last_commit_ >= o_.commit_interval_ms) KLOG_RETURN_IF_ERROR(CommitAll());
        changes_.tags.clear();
        changes_.overflow = false;
        watcher_.Wait(member_->has_pending() ? 20 : 100, sink_.output_pipe(), &changes_);
        for (uint64_t tag : changes_.tags)
          if (tag < tags_.size() && parts_.count(tags_[tag])) active_.insert(tags_[tag]);
        if (changes_.overflow)
          for (const auto& [tp, ps] : parts_) active_.insert(tp);
      }
    }
  }

  bool stopping() const { return stop_ && stop_->load(); }

  bool Reached() const { return o_.max_messages >= 0 && delivered_ >= o_.max_messages; }

  // A partition's watch tag: its index in tags_.
  uint64_t TagOf(const TopicPartition& tp) {
    auto [it, added] = tag_of_.emplace(tp, tags_.size());
    if (added) tags_.push_back(tp);
    return it->second;
  }

  bool Done() const {
    if (member_->has_pending() || member_->StateChanged()) return false;
    for (const auto& [tp, ps] : parts_)
      if (ps.position < ps.end) return false;
    return true;
  }

  Status Sync() {
    Status st = member_->Poll([this](const std::vector<TopicPartition>& revoked) {
      Status idle = sink_.Idle();  // what is committed must have been written
      if (!idle.ok() && idle.code() != Code::kOutputClosed) return idle;
      group::Offsets offsets;
      for (const auto& tp : revoked) {
        auto it = parts_.find(tp);
        if (it != parts_.end() && it->second.position != it->second.committed) offsets[tp] = it->second.position;
      }
      Status c = member_->Commit(offsets);
      for (const auto& tp : revoked) parts_.erase(tp);
      return c;
    });
    if (!st.ok()) return st;
    // Only when what we own changed: walking 10,000 partitions ten times a
    // second was most of an idle member's cost.
    if (member_->owned_version() == owned_version_) return Status::Ok();
    for (auto it = parts_.begin(); it != parts_.end();) {
      if (member_->owned().count(it->first)) {
        ++it;
      } else {
        active_.erase(it->first);
        it = parts_.erase(it);
      }
    }
    std::optional<group::Offsets> committed;
    for (const auto& tp : member_->owned()) {
      if (parts_.count(tp)) continue;
      if (!committed) {
        auto c = group::LoadOffsets(member_->paths());
        if (!c.ok()) return c.status();
        committed = std::move(c).value();
      }
      PartState ps;
      ps.reader = std::make_unique<log::PartitionReader>(store_.dir().PartitionDir(tp.first, tp.second),
                                                         topic::PartitionLabel(tp.first, tp.second));
      auto e = ends_.find(tp);
      if (e != ends_.end()) ps.end = e->second;
      else if (!o_.follow) ps.end = 0;  // added since the start: not in this run's snapshot of the ends
      else if (!watched_.count(tp) &&
               watcher_.Watch(store_.dir().PartitionDir(tp.first, tp.second), TagOf(tp)).ok())  // added by topic alter
        watched_.insert(tp);
      auto c = committed->find(tp);
      std::optional<int64_t> from;
      if (c != committed->end()) {
        ps.committed = c->second;
        from = c->second;
      }
      KLOG_RETURN_IF_ERROR(Position(ps, from));
      parts_.emplace(tp, std::move(ps));
      active_.insert(tp);
    }
    owned_version_ = member_->owned_version();
    return Status::Ok();
  }

  // Seeks to `from` (the committed offset) or, when there is none or it is
  // not in the log (deleted by retention, or past the end: the topic was
  // deleted and created again), where --auto-offset-reset says, as Kafka
  // does. Clamping a stale offset to the end skipped every new record.
  Status Position(PartState& ps, std::optional<int64_t> from) {
    auto start = ps.reader->StartOffset();
    if (!start.ok()) return start.status();
    auto end = ps.reader->EndOffset();
    if (!end.ok()) return end.status();
    int64_t at;
    if (from && *from >= *start && *from <= *end) {
      at = *from;
    } else {
      at = o_.reset == OffsetReset::kEarliest ? *start : *end;
      if (from && *from > *end && o_.warn)
        o_.warn(ps.reader->label() + ": committed offset " + std::to_string(*from) + " is past the end (" +
                std::to_string(*end) + "; was the topic deleted and created again?): starting at " +
                std::to_string(at) + " (--auto-offset-reset " +
                (o_.reset == OffsetReset::kEarliest ? "earliest" : "latest") + ")");
    }
    ps.position = at;
    moved_ = true;
    return ps.reader->Seek(at);
  }

  // *more: whether the partition may have more to read now.
  Status ReadAndDeliver(const TopicPartition& tp, PartState& ps, bool* delivered, bool* more_now) {
    *more_now = true;
    int64_t skip_below;
    auto more = ps.reader->Next(batch_, &skip_below);
    if (!more.ok()) {
      if (more.status().code() == Code::kOutOfRange) return Position(ps, std::nullopt);  // deleted by retention
      return more.status();
    }
    if (!*more) {
      *more_now = false;
      // The reader steps over offsets recorded as lost without a batch.
      int64_t past = std::min(ps.end, ps.reader->position());
      if (past > ps.position) {
        ps.position = past;
        moved_ = true;
      }
      return Status::Ok();
    }
    records_.clear();
    record::RecordView r;
    while (batch_.Next(r)) {
      if (r.offset < skip_below) continue;
      if (r.offset >= ps.end) break;
      if (o_.max_messages >= 0 && delivered_ + static_cast<int64_t>(records_.size()) >= o_.max_messages) break;
      records_.push_back(r);
    }
    if (!batch_.status().ok())
      return Status::Corruption(ps.reader->label() + " offset " + std::to_string(batch_.header().base_offset) + ": " +
                                batch_.status().message());
    if (records_.empty()) {
      ps.position = std::min(ps.end, batch_.header().next_offset());
      moved_ = true;
      return Status::Ok();
    }
    *delivered = true;
    if (o_.exec) return Exec(tp, ps);
    for (const auto& rec : records_) {
      Status st = sink_.Deliver(tp.first, tp.second, rec);
      if (st.code() == Code::kOutputClosed) {
        stop_requested_ = true;
        return Status::Ok();
      }
      KLOG_RETURN_IF_ERROR(st);
    }
    // Only what reached stdout is committed.
    Status idle = sink_.Idle();
    if (idle.code() == Code::kOutputClosed) {
      stop_requested_ = true;
      return Status::Ok();
    }
    KLOG_RETURN_IF_ERROR(idle);
    delivered_ += static_cast<int64_t>(records_.size());
    ps.position = records_.back().offset + 1;
    moved_ = true;
    if (Reached() || SteadyMs() - last_commit_ >= o_.commit_interval_ms) return CommitAll();
    return Status::Ok();
  }

  Status Exec(const TopicPartition& tp, PartState& ps) {
    size_t chunk = static_cast<size_t>(std::max<int64_t>(1, o_.exec_batch));
    for (size_t i = 0; i < records_.size(); i += chunk) {
      // Asked to stop: the runs done so far are committed on the way out,
      // the rest of the batch is left to the next owner.
      if (stopping()) return Status::Ok();
      if (member_->StateChanged()) {
        KLOG_RETURN_IF_ERROR(Sync());
        if (!parts_.count(tp)) return Status::Ok();  // revoked: the next owner goes on from our commit
      }
      size_t n = std::min(chunk, records_.size() - i);
      input_.clear();
      for (size_t k = i; k < i + n; ++k) o_.format_for_exec(input_, tp.first, tp.second, records_[k]);
      auto rc = os::RunShellCommand(*o_.exec, input_);
      if (!rc.ok()) return rc.status();
      // A Ctrl-C or a systemd stop reaches the command too: it failed
      // because we were asked to stop, so stop, its records uncommitted.
      if (*rc != 0 && stopping()) return Status::Ok();
      if (*rc != 0)
        return Status::IOError("--exec command exited with status " + std::to_string(*rc) + " at " +
                               ps.reader->label() + " offset " + std::to_string(records_[i].offset) +
                               "; that offset is left uncommitted");
      delivered_ += static_cast<int64_t>(n);
      ps.position = records_[i + n - 1].offset + 1;
      moved_ = true;
      KLOG_RETURN_IF_ERROR(CommitAll());
    }
    return Status::Ok();
  }

  Status CommitAll() {
    last_commit_ = SteadyMs();
    if (!member_ || !moved_) return Status::Ok();  // idle: no walk over every partition
    group::Offsets offsets;
    for (const auto& [tp, ps] : parts_)
      if (ps.position != ps.committed) offsets[tp] = ps.position;
    if (offsets.empty()) {
      moved_ = false;
      return Status::Ok();
    }
    KLOG_RETURN_IF_ERROR(member_->Commit(offsets));
    for (auto& [tp, ps] : parts_) ps.committed = ps.position;
    moved_ = false;
    return Status::Ok();
  }

  const topic::TopicStore& store_;
  const GroupConsumeOptions& o_;
  RecordSink& sink_;
  const std::atomic<bool>* stop_;
  os::DirWatcher watcher_;
  std::unique_ptr<group::Member> member_;
  std::map<TopicPartition, int64_t> ends_;
  std::map<TopicPartition, PartState> parts_;
  // Owned partitions to read on the next round (see Loop).
  std::set<TopicPartition> active_;
  // Partitions whose directory is watched (a watch can fail: the partition
  // is then read on every round).
  std::set<TopicPartition> watched_;
  std::vector<TopicPartition> tags_;
  std::map<TopicPartition, uint64_t> tag_of_;
  os::DirWatcher::Changes changes_;
  uint64_t owned_version_ = UINT64_MAX;  // of member_->owned() when parts_ was last matched to it
  log::Batch batch_;
  std::vector<record::RecordView> records_;
  std::string input_;
  int64_t delivered_ = 0;
  int64_t last_commit_ = 0;
  bool moved_ = false;  // a position changed since CommitAll last matched them to what is committed
  bool stop_requested_ = false;
};

}  // namespace

Status ConsumeGroup(const topic::TopicStore& store, const GroupConsumeOptions& options, RecordSink& sink,
                    const std::atomic<bool>* stop) {
  if (options.max_messages == 0) return Status::Ok();
  GroupRun run(store, options, sink, stop);
  return run.Run();
}

}  // namespace klog::client
