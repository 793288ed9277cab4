// node-exporter textfile metrics of one consumer group, for
// `klog group describe --format prometheus`:
//   klog_group_lag{group,topic,partition}, klog_group_committed_offset
//   (partitions with a committed offset only), klog_group_total_lag{group},
//   klog_group_members{group} (live members, as group::GroupView counts them).
#pragma once

#include <string>

#include "group/group_admin.h"

namespace klog::format {

std::string GroupMetrics(const group::GroupView& v);

}  // namespace klog::format
