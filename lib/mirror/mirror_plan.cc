#include "mirror/mirror_plan.h"

#include <algorithm>

namespace klog::mirror {

std::optional<std::pair<int64_t, int64_t>> FirstMissingInTarget(const PartitionFacts& f) {
  const int64_t from = std::max(f.source_start, f.target_start), until = std::min(f.source_end, f.target_end) - 1;
  for (const auto& [lost_first, lost_last] : f.target_lost) {
    int64_t at = std::max(lost_first, from);
    const int64_t last = std::min(lost_last, until);
    for (const auto& [gone_first, gone_last] : f.source_lost) {  // the source lacks these too
      if (at > last) break;
      if (gone_last < at) continue;
      if (gone_first > at) return std::make_pair(at, std::min(last, gone_first - 1));
      at = gone_last + 1;
    }
    if (at <= last) return std::make_pair(at, last);
  }
  return std::nullopt;
}

Result<PartitionPlan> PlanPartition(const PartitionFacts& f, bool target_can_start_anywhere) {
  const std::string where = "topic '" + f.topic + "' partition " + std::to_string(f.partition);
  PartitionPlan plan{f.topic, f.partition, f.source_start, f.source_end, f.target_end, std::nullopt, f.target_end};
  if (f.target_end > f.source_end)
    return Status::InvalidArgument("target " + where + " holds records up to offset " +
                                   std::to_string(f.target_end - 1) + " but the source ends at " +
                                   std::to_string(f.source_end) +
                                   ": it holds records mirror did not put there (mirror into a new topic)");
  if (auto missing = FirstMissingInTarget(f))
    return Status::InvalidArgument("target " + where + " is missing offsets " + std::to_string(missing->first) +
                                   " to " + std::to_string(missing->second) +
                                   ", which the source has (lost in a crash before they were synced): mirror only "
                                   "appends and cannot fill them in (mirror into a new topic; --fsync batch keeps a "
                                   "copy whole)");
  bool target_empty = f.target_end == f.target_start;
  if (!target_empty && f.last_record_matches == std::optional<bool>(false))
    return Status::InvalidArgument("target " + where + " holds a record at offset " +
                                   std::to_string(f.target_end - 1) +
                                   " that differs from the source's: it holds records mirror did not put there "
                                   "(mirror into a new topic)");
  if (f.target_end < f.source_start) {
    if (!target_empty)
      return Status::InvalidArgument("target " + where + " ends at offset " + std::to_string(f.target_end) +
                                     " but the source's oldest record is now " + std::to_string(f.source_start) +
                                     " (retention deleted the records between): the copy cannot continue without a "
                                     "gap (mirror into a new topic)");
    if (!target_can_start_anywhere)
      return Status::InvalidArgument("source " + where + " starts at offset " + std::to_string(f.source_start) +
                                     " (older records were deleted) and a Kafka partition starts at 0: the copy "
                                     "could not keep the source's offsets");
    plan.start_target_at = f.source_start;
    plan.copy_from = f.source_start;
  }
  return plan;
}

}  // namespace klog::mirror
