#include "format/group_metrics.h"

#include "format/prometheus.h"

namespace klog::format {

std::string GroupMetrics(const group::GroupView& v) {
  PrometheusWriter w;
  auto labels = [&](const group::PartitionView& p) {
    return PromLabels{{"group", v.name}, {"topic", p.topic}, {"partition", std::to_string(p.partition)}};
  };
  w.Family("klog_group_lag", "Records in the log not yet committed by the group.");
  for (const auto& p : v.partitions) w.Sample("klog_group_lag", labels(p), static_cast<long long>(p.lag));
  w.Family("klog_group_committed_offset", "The group's committed offset.");
  for (const auto& p : v.partitions)
    if (p.committed) w.Sample("klog_group_committed_offset", labels(p), static_cast<long long>(*p.committed));
  w.Family("klog_group_total_lag", "Sum of the group's lag.");
  w.Sample("klog_group_total_lag", {{"group", v.name}}, static_cast<long long>(v.total_lag));
  w.Family("klog_group_members",
           "Live members of the group (processes holding their lock, stopped ones included).");
  w.Sample("klog_group_members", {{"group", v.name}}, static_cast<long long>(v.live_members));
  return w.text();
}

}  // namespace klog::format
