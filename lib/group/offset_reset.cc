#include "group/offset_reset.h"

#include <algorithm>
#include <map>
#include <set>

#include "group/admin_lock.h"
#include "group/group_admin.h"
#include "group/offset_store.h"
#include "log/partition_reader.h"
#include "os/file.h"
#include "os/this_process.h"
#include "util/clock.h"
#include "util/name.h"
#include "util/parse.h"

namespace klog::group {

Result<TopicSelection> ParseTopicSelection(const std::string& text) {
  TopicSelection s;
  auto colon = text.find(':');
  s.topic = text.substr(0, colon);
  KLOG_RETURN_IF_ERROR(util::ValidateName(s.topic, "topic"));
  if (colon == std::string::npos) return s;
  // "t:0,0" names partition 0 once: one plan row, not two.
  auto partitions = util::ParsePartitionList(std::string_view(text).substr(colon + 1));
  if (!partitions.ok())
    return Status::InvalidArgument("'" + text + "': " + partitions.status().message() + " (expected TOPIC[:P[,P...]])");
  s.partitions = std::move(*partitions);
  return s;
}

std::string CurrentActor() { return os::UserName() + "@" + os::HostName(); }

namespace {

// The offsets to go back to for kPrevious (before the last reset) and
// kEntry (before history entry N, as `offset history` numbers it); none
// where nothing was committed before it.
Result<std::map<TopicPartition, std::optional<int64_t>>> UndoTargets(const GroupPaths& paths, const ResetSpec& spec) {
  auto journal = ReadJournal(paths);
  if (!journal.ok()) return journal.status();
  return UndoTargetsFromHistory(paths.group(), *journal, spec);
}

}  // namespace

Result<std::map<TopicPartition, std::optional<int64_t>>> UndoTargetsFromHistory(
    const std::string& group, const std::vector<JournalEntry>& history, const ResetSpec& spec) {
  const std::vector<JournalEntry>* journal = &history;
  const JournalEntry* entry = nullptr;
  if (spec.mode == ResetMode::kPrevious) {
    for (auto it = journal->rbegin(); it != journal->rend(); ++it)
      if (it->kind == "reset") {
        entry = &*it;
        break;
      }
    if (!entry)
      return Status::NotFound("group '" + group +
                              "' has no reset in its history to go back from (to undo a commit, use --to-entry N; "
                              "see 'klog offset history')");
  } else {
    for (const auto& e : *journal)
      if (e.seq == spec.value) entry = &e;
    if (!entry)
      return Status::InvalidArgument(
          "group '" + group + "' has no history entry " + std::to_string(spec.value) +
          (journal->empty() ? std::string(" (its history is empty: there is nothing to undo)")
                            : " (it has " + std::to_string(journal->front().seq) + " to " +
                                  std::to_string(journal->back().seq) + "; see 'klog offset history')"));
  }
  std::map<TopicPartition, std::optional<int64_t>> out;
  for (const auto& c : entry->changes) out[{c.topic, c.partition}] = c.old_offset;
  return out;
}

Result<std::vector<PlanRow>> PlanFromFacts(const ResetFacts& facts, const std::vector<TopicSelection>& topics_in,
                                           const ResetSpec& spec) {
  const std::string& group = facts.group;
  if (facts.damaged && spec.mode == ResetMode::kShiftBy)
    return Status::InvalidArgument("group '" + group + "' offsets " + facts.offsets_path +
                                   " are damaged, so there is nothing to shift by; reset to a position instead "
                                   "(--to-earliest, --to-latest, --to-offset N, --to-datetime, --by-duration)");
  bool undoing = spec.mode == ResetMode::kPrevious || spec.mode == ResetMode::kEntry;
  std::vector<TopicSelection> topics = topics_in;
  if (topics.empty()) {
    std::set<std::string> names;
    for (const auto& [tp, off] : facts.committed) names.insert(tp.first);
    if (undoing)
      for (const auto& [tp, off] : facts.undo) names.insert(tp.first);
    for (const auto& n : names) topics.push_back({n, {}});
    if (topics.empty() && facts.damaged)
      return Status::NotFound("group '" + group + "' offsets " + facts.offsets_path +
                              " are damaged, so which topics it had is unknown; name them with --topic");
    if (topics.empty()) return Status::NotFound("group '" + group + "' has no committed offsets; name a --topic");
  }
  std::vector<PlanRow> plan;
  std::set<TopicPartition> planned;  // `--topic t --topic t:0` plans t:0 once
  for (const auto& sel : topics) {
    auto count = facts.partitions(sel.topic);
    if (!count.ok()) return count.status();
    std::vector<int> parts = sel.partitions;
    if (parts.empty())
      for (int p = 0; p < *count; ++p) parts.push_back(p);
    for (int p : parts) {
      if (p >= *count)
        return Status::InvalidArgument("topic '" + sel.topic + "' has no partition " + std::to_string(p) + " (it has " +
                                       std::to_string(*count) + ")");
      auto undo = facts.undo.find({sel.topic, p});
      if (undoing && undo == facts.undo.end()) continue;  // untouched by what is undone
      if (!planned.insert({sel.topic, p}).second) continue;
      PlanRow row;
      row.topic = sel.topic;
      row.partition = p;
      auto range = facts.range(sel.topic, p);
      if (!range.ok()) return range.status();
      row.log_start = range->start;
      row.log_end = range->end;
      auto c = facts.committed.find({sel.topic, p});
      if (c != facts.committed.end()) row.old_offset = c->second;
      int64_t base = row.old_offset.value_or(row.log_start);
      switch (spec.mode) {
        case ResetMode::kEarliest: row.requested = row.log_start; break;
        case ResetMode::kLatest: row.requested = row.log_end; break;
        case ResetMode::kOffset: row.requested = spec.value; break;
        case ResetMode::kShiftBy: row.requested = base + spec.value; break;
        case ResetMode::kDatetime:
        case ResetMode::kDuration: {
          int64_t ts = spec.mode == ResetMode::kDatetime ? spec.value : facts.now_ms - spec.value;
          auto off = facts.offset_for_time(sel.topic, p, ts);
          if (!off.ok()) return off.status();
          row.requested = *off;
          break;
        }
        case ResetMode::kPrevious:
        case ResetMode::kEntry: row.requested = undo->second; break;
      }
      if (row.requested) {
        row.new_offset = std::clamp(*row.requested, row.log_start, std::max(row.log_start, row.log_end));
        row.clamped = row.new_offset != row.requested;
      }
      plan.push_back(row);
    }
  }
  if (plan.empty()) return Status::NotFound("nothing to reset in group '" + group + "'");
  return plan;
}

Result<std::vector<PlanRow>> PlanReset(const topic::TopicStore& store, const std::string& group,
                                       const std::vector<TopicSelection>& topics, const ResetSpec& spec,
                                       int64_t now_ms) {
  KLOG_RETURN_IF_ERROR(util::ValidateName(group, "group"));
  GroupPaths paths(store.dir(), group);
  if (!os::IsDir(paths.root())) return Status::NotFound("unknown group '" + group + "'");
  ResetFacts facts;
  facts.group = group;
  facts.offsets_path = paths.Offsets();
  facts.now_ms = now_ms;
  // A damaged offsets.json is what a reset repairs (its error says so): the
  // plan then starts from nothing committed.
  auto committed = LoadOffsets(paths, &facts.damaged);
  if (!committed.ok()) return committed.status();
  facts.committed = std::move(committed).value();
  if (facts.damaged && spec.mode == ResetMode::kShiftBy) return PlanFromFacts(facts, topics, spec);  // its error
  if (spec.mode == ResetMode::kPrevious || spec.mode == ResetMode::kEntry) {
    auto u = UndoTargets(paths, spec);
    if (!u.ok()) return u.status();
    facts.undo = std::move(u).value();
  }
  facts.partitions = [&](const std::string& topic) -> Result<int> {
    auto config = store.Load(topic);
    if (!config.ok()) return config.status();
    return config->partitions;
  };
  facts.range = [&](const std::string& topic, int p) { return store.Offsets(topic, p); };
  facts.offset_for_time = [&](const std::string& topic, int p, int64_t ts) {
    log::PartitionReader r(store.dir().PartitionDir(topic, p), topic::PartitionLabel(topic, p));
    return r.OffsetForTimestamp(ts);
  };
  return PlanFromFacts(facts, topics, spec);
}

Status ExecuteReset(const topic::TopicStore& store, const std::string& group, const std::vector<PlanRow>& plan,
                    const std::string& kind, const std::string& actor) {
  GroupPaths paths(store.dir(), group);
  KLOG_RETURN_IF_ERROR(os::MakeDirs(paths.root()));
  auto lock = LockGroupForAdmin(paths);
  if (!lock.ok()) return lock.status();
  auto live = LiveMembers(paths);
  if (!live.ok()) return live.status();
  if (!live->empty())
    return Status::Busy("refused: group '" + group + "' has live members: " + DescribeLiveMembers(*live));
  // A reset replaces a damaged file (journaling what it knows: the new
  // offsets); a commit does not.
  bool damaged = false;
  auto current = LoadOffsets(paths, kind == "commit" ? nullptr : &damaged);
  if (!current.ok()) return current.status();
  Offsets next = *current;
  JournalEntry e;
  e.ts_ms = util::NowMs();
  e.kind = kind;
  e.actor = actor;
  for (const auto& row : plan) {
    auto it = current->find({row.topic, row.partition});
    std::optional<int64_t> old;
    if (it != current->end()) old = it->second;
    e.changes.push_back({row.topic, row.partition, old, row.new_offset});
    if (row.new_offset) next[{row.topic, row.partition}] = *row.new_offset;
    else next.erase({row.topic, row.partition});
  }
  // One atomic replace: all partitions or none.
  return StoreOffsetsJournaled(paths, e, *current, next);
}

}  // namespace klog::group
