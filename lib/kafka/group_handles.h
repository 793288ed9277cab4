// What the group consumer, `group` and `offset` share on a cluster: a
// consumer handle carrying a group id, and the offset requests of a group
// bounded by --timeout. A handle that never subscribes reads and commits a
// group's offsets from outside without joining it.
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kafka/rdkafka_handles.h"
#include "util/status.h"

namespace klog::kafka {

using TopicPartition = std::pair<std::string, int>;

// A consumer handle with group.id `group`, auto-commit and offset store
// off (klog commits itself, after output). `forced` come last.
// `setup`, when given, may add callbacks to the configuration first.
Result<HandlePtr> NewGroupHandle(const KafkaSettings& settings, const std::string& group, const Properties& forced,
                                 void (*setup)(rd_kafka_conf_t*, void*) = nullptr, void* opaque = nullptr);

// A partition list of `offsets` (an offset < 0: none, RD_KAFKA_OFFSET_INVALID).
TopicPartitionListPtr ToPartitionList(const std::map<TopicPartition, std::optional<int64_t>>& offsets);

// The group's committed offset of each partition (none where nothing is
// committed). Unavailable naming the brokers when the coordinator does not
// answer within timeout_ms.
Result<std::map<TopicPartition, std::optional<int64_t>>> ReadCommitted(rd_kafka_t* rk,
                                                                      const std::vector<TopicPartition>& partitions,
                                                                      int timeout_ms, const std::string& brokers);

// Commits `offsets` and waits up to timeout_ms for the coordinator's
// answer. Returns the first error (the request's or a partition's;
// __TIMED_OUT when no answer came) and, in *where, the partition it names
// ("" for the request).
rd_kafka_resp_err_t CommitAndWait(rd_kafka_t* rk, const rd_kafka_topic_partition_list_t* offsets, int timeout_ms,
                                  std::string* where);

// One Admin API request: its options carry timeout_ms as the request
// timeout, its queue gets the answer.
class AdminRequest {
 public:
  AdminRequest(rd_kafka_t* rk, rd_kafka_admin_op_t op, int timeout_ms);
  ~AdminRequest();
  AdminRequest(const AdminRequest&) = delete;
  AdminRequest& operator=(const AdminRequest&) = delete;
  rd_kafka_AdminOptions_t* options() { return options_; }
  rd_kafka_queue_t* queue() { return queue_; }
  // The result event (owned by this object), or null when none came within
  // the timeout (and a second's grace). *err: the request's error.
  rd_kafka_event_t* Wait(rd_kafka_resp_err_t* err, std::string* message);

 private:
  rd_kafka_AdminOptions_t* options_;
  rd_kafka_queue_t* queue_;
  rd_kafka_event_t* event_ = nullptr;
  int timeout_ms_;
};

// The broker refused because the group has, or is changing, members:
// UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS,
// NON_EMPTY_GROUP, FENCED_INSTANCE_ID.
bool IsMembershipError(rd_kafka_resp_err_t err);

}  // namespace klog::kafka
