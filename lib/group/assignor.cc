#include "group/assignor.h"

#include <algorithm>

namespace klog::group {

Assignment Assign(const std::vector<MemberSubscription>& members_in, const std::vector<TopicPartition>& partitions_in,
                  const Assignment& previous) {
  Assignment out;
  if (members_in.empty()) return out;
  std::vector<MemberSubscription> members = members_in;
  std::sort(members.begin(), members.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  std::vector<TopicPartition> partitions = partitions_in;
  std::sort(partitions.begin(), partitions.end());
  partitions.erase(std::unique(partitions.begin(), partitions.end()), partitions.end());
  for (const auto& m : members) out[m.id];

  // Quotas: n / k each, and one more for n % k members — those that held
  // the most before, so that fewer partitions have to move.
  const size_t k = members.size(), n = partitions.size();
  std::map<std::string, size_t> kept_before;
  for (const auto& m : members) {
    auto it = previous.find(m.id);
    size_t c = 0;
    if (it != previous.end())
      for (const auto& tp : it->second)
        if (m.topics.count(tp.first) && std::binary_search(partitions.begin(), partitions.end(), tp)) ++c;
    kept_before[m.id] = c;
  }
  std::vector<std::string> by_previous;
  for (const auto& m : members) by_previous.push_back(m.id);
  std::stable_sort(by_previous.begin(), by_previous.end(),
                   [&](const auto& a, const auto& b) { return kept_before[a] > kept_before[b]; });
  std::map<std::string, size_t> quota;
  for (size_t i = 0; i < k; ++i) quota[by_previous[i]] = n / k + (i < n % k ? 1 : 0);

  std::map<TopicPartition, std::string> owner;
  std::map<std::string, const MemberSubscription*> sub;
  for (const auto& m : members) sub[m.id] = &m;
  // 1. Keep previous ownership up to quota.
  for (const auto& m : members) {
    auto it = previous.find(m.id);
    if (it == previous.end()) continue;
    std::vector<TopicPartition> prev = it->second;
    std::sort(prev.begin(), prev.end());
    for (const auto& tp : prev) {
      if (out[m.id].size() >= quota[m.id]) break;
      if (!m.topics.count(tp.first) || !std::binary_search(partitions.begin(), partitions.end(), tp)) continue;
      if (owner.count(tp)) continue;
      owner[tp] = m.id;
      out[m.id].push_back(tp);
    }
  }
  // 2. Hand out the rest to subscribed members under quota, fewest first.
  for (const auto& tp : partitions) {
    if (owner.count(tp)) continue;
    const MemberSubscription* best = nullptr;
    for (const auto& m : members) {
      if (!m.topics.count(tp.first)) continue;
      bool under = out[m.id].size() < quota[m.id];
      if (!best) {
        best = &m;
        continue;
      }
      bool best_under = out[best->id].size() < quota[best->id];
      if (under != best_under) {
        if (under) best = &m;
        continue;
      }
      if (out[m.id].size() < out[best->id].size()) best = &m;
    }
    if (!best) continue;  // nobody subscribes to this topic
    owner[tp] = best->id;
    out[best->id].push_back(tp);
  }
  for (auto& [id, tps] : out) std::sort(tps.begin(), tps.end());
  return out;
}

}  // namespace klog::group
