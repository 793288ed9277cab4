#include "mirror/mirror_plan.h"

namespace klog::mirror {

Result<PartitionPlan> PlanPartition(const PartitionFacts& f, bool target_can_start_anywhere) {
  const std::string where = "topic '" + f.topic + "' partition " + std::to_string(f.partition);
  PartitionPlan plan{f.topic, f.partition, f.source_start, f.source_end, f.target_end, std::nullopt, f.target_end};
  if (f.target_end > f.source_end)
    return Status::InvalidArgument("target " + where + " holds records up to offset " +
                                   std::to_string(f.target_end - 1) + " but the source ends at " +
                                   std::to_string(f.source_end) +
                                   ": it holds records mirror did not put there (mirror into a new topic)");
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
