#include "kafka/group_handles.h"

namespace klog::kafka {

Result<HandlePtr> NewGroupHandle(const KafkaSettings& settings, const std::string& group, const Properties& forced,
                                 void (*setup)(rd_kafka_conf_t*, void*), void* opaque) {
  Properties must = {{"group.id", group}, {"enable.auto.commit", "false"}, {"enable.auto.offset.store", "false"}};
  must.insert(must.end(), forced.begin(), forced.end());
  // Reconnect soon after a broker comes back: librdkafka's 10 s default
  // backoff outlasts a --timeout of a few seconds.
  auto conf = MakeConf(settings, {{"reconnect.backoff.max.ms", "1000"}}, must);
  if (!conf.ok()) return conf.status();
  if (setup) setup(conf->get(), opaque);
  return NewHandle(RD_KAFKA_CONSUMER, std::move(conf).value());
}

TopicPartitionListPtr ToPartitionList(const std::map<TopicPartition, std::optional<int64_t>>& offsets) {
  TopicPartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& [tp, off] : offsets) {
    rd_kafka_topic_partition_t* p = rd_kafka_topic_partition_list_add(list.get(), tp.first.c_str(), tp.second);
    p->offset = off && *off >= 0 ? *off : RD_KAFKA_OFFSET_INVALID;
  }
  return list;
}

Result<std::map<TopicPartition, std::optional<int64_t>>> ReadCommitted(rd_kafka_t* rk,
                                                                      const std::vector<TopicPartition>& partitions,
                                                                      int timeout_ms, const std::string& brokers) {
  std::map<TopicPartition, std::optional<int64_t>> out;
  if (partitions.empty()) return out;
  std::map<TopicPartition, std::optional<int64_t>> ask;
  for (const auto& tp : partitions) ask[tp] = std::nullopt;
  TopicPartitionListPtr list = ToPartitionList(ask);
  rd_kafka_resp_err_t err = rd_kafka_committed(rk, list.get(), timeout_ms);
  if (err) return StatusFromError(err, "reading the group's committed offsets", brokers);
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = list->elems[i];
    if (p.err)
      return StatusFromError(p.err, "reading the committed offset of topic '" + std::string(p.topic) +
                                        "' partition " + std::to_string(p.partition),
                             brokers);
    out[{p.topic, p.partition}] = p.offset >= 0 ? std::optional<int64_t>(p.offset) : std::nullopt;
  }
  return out;
}

rd_kafka_resp_err_t CommitAndWait(rd_kafka_t* rk, const rd_kafka_topic_partition_list_t* offsets, int timeout_ms,
                                  std::string* where) {
  where->clear();
  // Through a queue of our own, not rd_kafka_commit's blocking call: that
  // one waits as long as the coordinator is away; this waits timeout_ms.
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_resp_err_t err = rd_kafka_commit_queue(rk, offsets, q, nullptr, nullptr);
  if (!err) {
    rd_kafka_event_t* ev = rd_kafka_queue_poll(q, timeout_ms);
    if (!ev) {
      err = RD_KAFKA_RESP_ERR__TIMED_OUT;
    } else {
      err = rd_kafka_event_error(ev);
      const rd_kafka_topic_partition_list_t* result = rd_kafka_event_topic_partition_list(ev);
      for (int i = 0; !err && result && i < result->cnt; ++i)
        if (result->elems[i].err) {
          err = result->elems[i].err;
          *where = "topic '" + std::string(result->elems[i].topic) + "' partition " +
                   std::to_string(result->elems[i].partition);
        }
      rd_kafka_event_destroy(ev);
    }
  }
  rd_kafka_queue_destroy(q);
  return err;
}

AdminRequest::AdminRequest(rd_kafka_t* rk, rd_kafka_admin_op_t op, int timeout_ms)
    : options_(rd_kafka_AdminOptions_new(rk, op)), queue_(rd_kafka_queue_new(rk)), timeout_ms_(timeout_ms) {
  char err[256];
  rd_kafka_AdminOptions_set_request_timeout(options_, timeout_ms, err, sizeof err);
}

AdminRequest::~AdminRequest() {
  if (event_) rd_kafka_event_destroy(event_);
  rd_kafka_queue_destroy(queue_);
  rd_kafka_AdminOptions_destroy(options_);
}

rd_kafka_event_t* AdminRequest::Wait(rd_kafka_resp_err_t* err, std::string* message) {
  event_ = rd_kafka_queue_poll(queue_, timeout_ms_ + 1000);
  if (!event_) {
    *err = RD_KAFKA_RESP_ERR__TIMED_OUT;
    *message = "no answer within --timeout";
    return nullptr;
  }
  *err = rd_kafka_event_error(event_);
  *message = *err ? rd_kafka_event_error_string(event_) : "";
  return event_;
}

bool IsMembershipError(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID:
    case RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION:
    case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP:
    case RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID:
      return true;
    default:
      return false;
  }
}

}  // namespace klog::kafka
