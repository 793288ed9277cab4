// Which member owns which partition: a pure, deterministic function of the
// members, the partitions and the previous assignment, so every member that
// computes it gets the same answer and tests can check it exhaustively.
//
// Balanced: with members subscribed to the same topics, each of k members
// gets floor(n/k) or ceil(n/k) of the n partitions. Sticky: a partition stays
// with its previous owner whenever balance allows, so a join or a leave moves
// as few partitions as possible.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace klog::group {

using TopicPartition = std::pair<std::string, int>;

struct MemberSubscription {
  std::string id;
  std::set<std::string> topics;
};

using Assignment = std::map<std::string, std::vector<TopicPartition>>;  // member id -> partitions (sorted)

Assignment Assign(const std::vector<MemberSubscription>& members, const std::vector<TopicPartition>& partitions,
                  const Assignment& previous);

}  // namespace klog::group
