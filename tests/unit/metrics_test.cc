// Prometheus text of `group describe --format prometheus`, byte for byte:
// the HELP and TYPE lines of each family before its samples, partitions
// without a committed offset left out of klog_group_committed_offset.
#include <doctest/doctest.h>

#include <string>

#include "format/group_metrics.h"

namespace klog::format {
namespace {

TEST_CASE("GroupMetrics: families, labels and values as group describe prints them") {
  group::GroupView v;
  v.name = "billing";
  v.live_members = 2;
  v.total_lag = 7;
  group::PartitionView p0;
  p0.topic = "events";
  p0.partition = 0;
  p0.committed = 40;
  p0.lag = 2;
  group::PartitionView p1;
  p1.topic = "events";
  p1.partition = 1;
  p1.lag = 5;  // nothing committed
  v.partitions = {p0, p1};
  CHECK(GroupMetrics(v) ==
        "# HELP klog_group_lag Records in the log not yet committed by the group.\n"
        "# TYPE klog_group_lag gauge\n"
        "klog_group_lag{group=\"billing\",topic=\"events\",partition=\"0\"} 2\n"
        "klog_group_lag{group=\"billing\",topic=\"events\",partition=\"1\"} 5\n"
        "# HELP klog_group_committed_offset The group's committed offset.\n"
        "# TYPE klog_group_committed_offset gauge\n"
        "klog_group_committed_offset{group=\"billing\",topic=\"events\",partition=\"0\"} 40\n"
        "# HELP klog_group_total_lag Sum of the group's lag.\n"
        "# TYPE klog_group_total_lag gauge\n"
        "klog_group_total_lag{group=\"billing\"} 7\n"
        "# HELP klog_group_members Live members of the group (processes holding their lock, stopped ones "
        "included).\n"
        "# TYPE klog_group_members gauge\n"
        "klog_group_members{group=\"billing\"} 2\n");
}

TEST_CASE("GroupMetrics: a group with no partitions still has every family") {
  group::GroupView v;
  v.name = "g";
  CHECK(GroupMetrics(v) ==
        "# HELP klog_group_lag Records in the log not yet committed by the group.\n"
        "# TYPE klog_group_lag gauge\n"
        "# HELP klog_group_committed_offset The group's committed offset.\n"
        "# TYPE klog_group_committed_offset gauge\n"
        "# HELP klog_group_total_lag Sum of the group's lag.\n"
        "# TYPE klog_group_total_lag gauge\n"
        "klog_group_total_lag{group=\"g\"} 0\n"
        "# HELP klog_group_members Live members of the group (processes holding their lock, stopped ones "
        "included).\n"
        "# TYPE klog_group_members gauge\n"
        "klog_group_members{group=\"g\"} 0\n");
}

}  // namespace
}  // namespace klog::format
