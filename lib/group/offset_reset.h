// `klog offset reset`: Kafka's kafka-consumer-groups reset modes, planned
// first (nothing changes), then executed atomically — every partition of
// the plan or none — while the group has no live members.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "group/assignor.h"
#include "group/journal.h"
#include "group/offset_store.h"
#include "topic/topic_store.h"
#include "util/status.h"

namespace klog::group {

enum class ResetMode { kEarliest, kLatest, kOffset, kShiftBy, kDatetime, kDuration, kPrevious, kEntry };

struct ResetSpec {
  ResetMode mode = ResetMode::kEarliest;
  int64_t value = 0;  // offset, shift, ms since epoch, duration ms, or entry number
};

struct TopicSelection {
  std::string topic;
  std::vector<int> partitions;  // empty: all
};

struct PlanRow {
  std::string topic;
  int partition = 0;
  std::optional<int64_t> old_offset;
  // None for both: the committed offset is removed (an undo back to a time
  // when nothing was committed, so --auto-offset-reset decides again).
  std::optional<int64_t> requested;  // before clamping
  std::optional<int64_t> new_offset;
  int64_t log_start = 0;
  int64_t log_end = 0;
  bool clamped = false;
};

// Parses "T", "T:P" or "T:P,P,...".
Result<TopicSelection> ParseTopicSelection(const std::string& text);

// What a plan is made from. PlanReset gathers it from the data directory;
// PlanFromFacts reads no files and no clock, so tests give it by hand.
struct ResetFacts {
  std::string group;
  std::string offsets_path;  // named when offsets.json is damaged
  Offsets committed;         // empty when damaged
  bool damaged = false;      // offsets.json was damaged (a reset repairs it)
  // kPrevious/kEntry: the offsets to go back to; none where nothing was
  // committed before. Partitions not in it are left as they are.
  std::map<TopicPartition, std::optional<int64_t>> undo;
  int64_t now_ms = 0;        // "now" of kDuration
  // Lookups, in the order the plan needs them (their errors end planning):
  std::function<Result<int>(const std::string& topic)> partitions;  // a topic's partition count
  std::function<Result<topic::OffsetRange>(const std::string& topic, int partition)> range;
  // The first offset with a timestamp >= ts, or the end if none.
  std::function<Result<int64_t>(const std::string& topic, int partition, int64_t ts)> offset_for_time;
};

// The plan: one row per selected partition (each once), the requested
// offset clamped into [log_start, log_end]. `topics` empty means every topic
// the group has committed offsets for (or, undoing, that the undo touches).
Result<std::vector<PlanRow>> PlanFromFacts(const ResetFacts& facts, const std::vector<TopicSelection>& topics,
                                           const ResetSpec& spec);

// The offsets an undo goes back to (ResetFacts::undo) from the group's
// history, oldest first: kPrevious undoes the newest "reset", kEntry the
// entry numbered spec.value. NotFound/InvalidArgument say what is missing.
Result<std::map<TopicPartition, std::optional<int64_t>>> UndoTargetsFromHistory(
    const std::string& group, const std::vector<JournalEntry>& history, const ResetSpec& spec);

// `topics` empty means every topic the group has committed offsets for.
Result<std::vector<PlanRow>> PlanReset(const topic::TopicStore& store, const std::string& group,
                                       const std::vector<TopicSelection>& topics, const ResetSpec& spec,
                                       int64_t now_ms);

// Applies the plan under group.lock; kBusy (exit 3) naming live members.
// A reset or undo replaces a damaged offsets.json (PlanReset plans it as
// nothing committed); a "commit" fails on one.
Status ExecuteReset(const topic::TopicStore& store, const std::string& group, const std::vector<PlanRow>& plan,
                    const std::string& kind, const std::string& actor);

// "user@host" of whoever runs the command, for the journal.
std::string CurrentActor();

}  // namespace klog::group
