// `klog offset commit -g G TOPIC:PARTITION=OFFSET...`: the specs parsed and
// turned into the plan that ExecuteReset applies (kind "commit").
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "group/offset_reset.h"
#include "util/status.h"

namespace klog::group {

struct CommitSpec {
  std::string topic;
  int partition = 0;
  int64_t offset = 0;
};

// InvalidArgument naming the spec for a malformed one, or for two different
// offsets given for one partition (only the user can resolve that); the
// same commit given twice is one.
Result<std::vector<CommitSpec>> ParseCommitSpecs(const std::vector<std::string>& specs);

// One plan row per spec; `partitions` tells a topic's partition count (its
// error, e.g. an unknown topic, is returned) and a partition past it is
// InvalidArgument.
Result<std::vector<PlanRow>> PlanCommit(const std::vector<CommitSpec>& offsets,
                                        const std::function<Result<int>(const std::string& topic)>& partitions);

}  // namespace klog::group
