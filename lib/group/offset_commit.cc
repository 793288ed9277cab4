#include "group/offset_commit.h"

#include <map>
#include <utility>

#include "util/name.h"
#include "util/parse.h"

namespace klog::group {

Result<std::vector<CommitSpec>> ParseCommitSpecs(const std::vector<std::string>& specs) {
  std::vector<CommitSpec> out;
  std::map<TopicPartition, std::pair<std::string, int64_t>> given;  // -> the spec that named it, its offset
  for (const auto& s : specs) {
    const std::string expected = " (expected TOPIC:PARTITION=OFFSET)";
    auto colon = s.find(':');
    auto eq = s.rfind('=');
    if (eq == std::string::npos || colon == std::string::npos || colon > eq)
      return Status::InvalidArgument("'" + s + "': expected TOPIC:PARTITION=OFFSET");
    std::string topic = s.substr(0, colon);
    Status name = util::ValidateName(topic, "topic");
    if (!name.ok()) return Status::InvalidArgument("'" + s + "': " + name.message());
    auto partition = util::ParseInt(s.substr(colon + 1, eq - colon - 1), 0, 1 << 30);
    if (!partition.ok())
      return Status::InvalidArgument("'" + s + "': partition: " + partition.status().message() + expected);
    auto off = util::ParseInt(s.substr(eq + 1), 0, INT64_MAX);
    if (!off.ok()) return Status::InvalidArgument("'" + s + "': offset: " + off.status().message() + expected);
    TopicPartition tp{topic, static_cast<int>(*partition)};
    auto [it, fresh] = given.emplace(tp, std::make_pair(s, *off));
    if (!fresh) {
      if (it->second.second == *off) continue;
      return Status::InvalidArgument("'" + it->second.first + "' and '" + s + "' commit different offsets for " +
                                     topic + ":" + std::to_string(tp.second) + "; give one");
    }
    out.push_back({topic, tp.second, *off});
  }
  return out;
}

Result<std::vector<PlanRow>> PlanCommit(const std::vector<CommitSpec>& offsets,
                                        const std::function<Result<int>(const std::string& topic)>& partitions) {
  std::vector<PlanRow> plan;
  for (const auto& c : offsets) {
    auto count = partitions(c.topic);
    if (!count.ok()) return count.status();
    if (c.partition >= *count)
      return Status::InvalidArgument("topic '" + c.topic + "' has no partition " + std::to_string(c.partition));
    PlanRow row;
    row.topic = c.topic;
    row.partition = c.partition;
    row.new_offset = c.offset;
    plan.push_back(row);
  }
  return plan;
}

}  // namespace klog::group
