// verify and retention over whole topics of a data directory: the loops
// over partitions and what they add up to, for `klog verify` and
// `klog retention` (cmd/ only formats the result).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "log/retention_plan.h"
#include "log/verify.h"
#include "topic/topic_store.h"
#include "util/status.h"

namespace klog::topic {

// One partition's verify (or repair): `error` when it could not be checked
// at all (its directory unreadable, its writer lock held ...).
struct PartitionCheck {
  std::string topic;
  int partition = 0;
  Status error;
  log::RepairReport report;  // without repair: before == after, no actions
};

struct VerifyRun {
  std::vector<PartitionCheck> partitions;  // topic by topic, partition order
  // Every partition checked and sound (after repair, with repair).
  bool ok() const;
};

// Checks (or repairs) every partition of `topics`, all topics when empty.
// An unknown topic fails before anything is checked.
Result<VerifyRun> VerifyTopics(const TopicStore& store, const std::vector<std::string>& topics, bool repair);

struct PartitionRetention {
  std::string topic;
  int partition = 0;
  Status error;
  std::vector<log::ExpiredSegment> expired;  // deleted (or, dry run, to delete)
};

struct RetentionRun {
  std::vector<PartitionRetention> partitions;
  bool ok() const;  // no partition failed
  int64_t segments() const;
  uint64_t bytes() const;
};

// Enforces retention now on every partition of `topics` (all when empty);
// with dry_run only says what would go. A partition with nothing to delete
// is not locked or touched. An unknown topic fails before anything is done.
Result<RetentionRun> EnforceRetention(const TopicStore& store, const std::vector<std::string>& topics, bool dry_run,
                                      int64_t now_ms);

}  // namespace klog::topic
