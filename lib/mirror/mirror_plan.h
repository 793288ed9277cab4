// What klog mirror copies, decided from facts alone (no I/O): per
// topic-partition, the source's range, the target's end, and the records
// to copy so that every record keeps its offset. Refusals name the topic
// and partition and say why (contract section 9).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "util/status.h"

namespace klog::mirror {

struct PartitionFacts {
  std::string topic;
  int partition = 0;
  int64_t source_start = 0;  // oldest offset the source still has
  int64_t source_end = 0;    // the source's next offset (as of now)
  bool target_exists = false;  // the target topic exists (else mirror creates it)
  int64_t target_start = 0;
  int64_t target_end = 0;
  // When the target holds records the source still has: whether the
  // target's last record (at target_end - 1) equals the source's there.
  std::optional<bool> last_record_matches;
  // Offsets each side lost in a crash before they were synced and `klog
  // verify --repair` recorded (directories only): inclusive, ascending.
  // Ones the target lacks and the source has cannot be filled in by a rerun.
  std::vector<std::pair<int64_t, int64_t>> target_lost, source_lost;
};

struct PartitionPlan {
  std::string topic;
  int partition = 0;
  int64_t source_start = 0;
  int64_t source_end = 0;
  int64_t target_end = 0;
  // The empty target partition is first made to start here (the source's
  // oldest records are gone); none when it already starts right.
  std::optional<int64_t> start_target_at;
  int64_t copy_from = 0;  // first source offset copied
  int64_t records() const { return source_end - copy_from; }
};

// InvalidArgument (naming topic and partition) when a target partition
// holds records mirror did not put there: more than the source has, a
// last record that differs, or an end the source has deleted past (the
// records between would be missing); or lacks offsets the source has. `target_can_start_anywhere`: the
// target can make an empty partition start past 0 (a directory can; a
// Kafka cluster cannot, and then a source whose oldest records are gone
// is refused rather than copied to other offsets).
Result<PartitionPlan> PlanPartition(const PartitionFacts& facts, bool target_can_start_anywhere);

// The first offsets [first, last] of the target's records (below its end)
// that it lost and the source still has; none when there are none.
std::optional<std::pair<int64_t, int64_t>> FirstMissingInTarget(const PartitionFacts& facts);

}  // namespace klog::mirror
