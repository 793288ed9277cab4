// `klog offset reset`: Kafka's kafka-consumer-groups reset modes, planned
// first (nothing changes), then executed atomically — every partition of
// the plan or none — while the group has no live members.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "group/assignor.h"
#include "group/journal.h"
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
