// `klog offset show|reset|commit|history` on a Kafka cluster.
//  - reset plans with group::PlanFromFacts, fed from the cluster: the
//    group's committed offsets (OffsetFetch), watermarks (ListOffsets),
//    offsetsForTimes for --to-datetime/--by-duration, and, undoing, the
//    group's history (offset_history_topic.h);
//  - --execute (and commit) changes every partition of the plan in one
//    AlterConsumerGroupOffsets request. Refused with Busy (exit 3) while the
//    group has members: by the members DescribeConsumerGroups names where
//    the cluster can be asked (kafka_groups.h), and always by the broker,
//    whose refusal (UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS, a non-empty
//    group) becomes one line;
//  - after the change landed its entry is appended to the history topic:
//    history never shows a change that did not happen (if that append
//    fails, the offsets are moved and the error says the entry is missing).
// An undo back to "nothing committed" cannot be done through
// AlterConsumerGroupOffsets: such rows are refused (NotSupported).
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <string>
#include <vector>

#include "group/journal.h"
#include "group/offset_commit.h"
#include "group/offset_reset.h"
#include "kafka/cluster_connection.h"
#include "util/status.h"

namespace klog::kafka {

// Pure: AlterConsumerGroupOffsets' answer as a Status; a refusal because
// of members is Busy naming the group.
Status AlterOffsetsStatus(const std::string& group, rd_kafka_resp_err_t err, const std::string& message,
                          const std::string& brokers);

// Pure: the history entry of an executed plan (old offsets from the plan).
group::JournalEntry EntryForPlan(const std::vector<group::PlanRow>& plan, const std::string& kind,
                                 const std::string& actor, int64_t now_ms);

Result<std::vector<group::PlanRow>> PlanReset(ClusterConnection& conn, const std::string& group,
                                              const std::vector<group::TopicSelection>& topics,
                                              const group::ResetSpec& spec, int64_t now_ms);
Status ExecuteReset(ClusterConnection& conn, const std::string& group, const std::vector<group::PlanRow>& plan,
                    const std::string& kind);
Status Commit(ClusterConnection& conn, const std::string& group, const std::vector<group::CommitSpec>& offsets);
Result<std::string> LiveMembersLine(ClusterConnection& conn, const std::string& group);
// NotFound for a group with neither history nor committed offsets.
Result<std::vector<group::JournalEntry>> OffsetHistory(ClusterConnection& conn, const std::string& group);

}  // namespace klog::kafka
