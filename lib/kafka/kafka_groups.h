// `klog group list|describe|delete` on a Kafka cluster, through the Admin
// API (ListConsumerGroups, DescribeConsumerGroups, DeleteGroups) and the
// group's committed offsets (OffsetFetch from a handle with the group's id
// that never subscribes, so it never joins).
//
// librdkafka 2.0.2 aborts the calling process when DescribeConsumerGroups
// or DeleteGroups meet a cluster that does not know them (librdkafka issues
// #3663, #4605; librdkafka's mock cluster is one). So both are only sent
// after ListConsumerGroups was answered: a cluster that answers it knows
// the group Admin API. Where it is not answered, describe shows the
// committed offsets and lag without members or state ("Unknown"), and
// list and delete end with one line (NotSupported, exit 2).
#pragma once

#include <librdkafka/rdkafka.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "group/group_admin.h"
#include "kafka/cluster_connection.h"
#include "kafka/group_handles.h"
#include "util/status.h"

namespace klog::kafka {

// A group as ListConsumerGroups names it.
struct GroupListing {
  std::string name;
  std::string state;  // Kafka's: Stable, Empty, PreparingRebalance, ...
};

// One member as DescribeConsumerGroups tells it.
struct MemberListing {
  std::string id;
  std::string client_id;
  std::string host;
  std::vector<TopicPartition> partitions;
};

// Everything a GroupView is made from on a cluster.
struct GroupFacts {
  std::string name;
  std::optional<std::string> state;  // none: the cluster could not be asked (see above)
  std::vector<MemberListing> members;
  std::map<TopicPartition, std::optional<int64_t>> committed;
  std::map<TopicPartition, Watermarks> marks;
};

// Pure: the view `group describe` prints; lag as kafka-consumer-groups
// (high watermark - committed, or - low watermark with nothing committed).
group::GroupView BuildGroupView(const GroupFacts& facts);

// Pure: "Stable", "Empty", ... for librdkafka's state ("Unknown" for others).
std::string GroupStateName(rd_kafka_consumer_group_state_t state);

// Pure: DeleteGroups' answer for one group as a Status: NON_EMPTY_GROUP is
// Busy (exit 3), GROUP_ID_NOT_FOUND NotFound.
Status DeleteGroupStatus(const std::string& group, rd_kafka_resp_err_t err, const std::string& message,
                         const std::string& brokers);

// Pure: ListConsumerGroups failing means the cluster does not know the
// group Admin API (NotSupported, naming what cannot be done) or could not
// be reached (Unavailable).
Status GroupAdminUnavailable(const std::string& what, rd_kafka_resp_err_t err, const std::string& message,
                             const std::string& brokers);

// ListConsumerGroups, sorted by name.
Result<std::vector<GroupListing>> ListGroupListings(ClusterConnection& conn, const std::string& what);

Result<std::vector<std::string>> ListGroups(ClusterConnection& conn);
// NotFound "unknown group 'g'" when the group has no committed offset and
// (where the cluster can say) no members.
Result<group::GroupView> DescribeGroup(ClusterConnection& conn, const std::string& group);
Status DeleteGroup(ClusterConnection& conn, const std::string& group);

// The group's members (DescribeConsumerGroups) where the cluster can be
// asked safely; none (nullopt) where it cannot.
Result<std::optional<std::vector<MemberListing>>> GroupMembers(ClusterConnection& conn, const std::string& group,
                                                                std::optional<std::string>* state = nullptr);

// The group's committed offsets over every partition of `topics` (every
// topic of the cluster when empty), only those with an offset.
Result<std::map<TopicPartition, std::optional<int64_t>>> GroupCommitted(ClusterConnection& conn,
                                                                       const std::string& group,
                                                                       std::vector<std::string> topics);

}  // namespace klog::kafka
