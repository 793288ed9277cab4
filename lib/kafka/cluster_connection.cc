#include "kafka/cluster_connection.h"

#include <algorithm>

namespace klog::kafka {

Result<rd_kafka_t*> ClusterConnection::handle() {
  if (handle_) return handle_.get();
  // A producer handle: it joins no group and needs no group.id. Metadata
  // requests must not create topics as a side effect.
  auto conf = MakeConf(settings_, {{"allow.auto.create.topics", "false"}}, {});
  if (!conf.ok()) return conf.status();
  auto h = NewHandle(RD_KAFKA_PRODUCER, std::move(conf).value());
  if (!h.ok()) return h.status();
  handle_ = std::move(h).value();
  return handle_.get();
}

Result<MetadataPtr> ClusterConnection::Metadata(const std::string* topic) {
  auto rk = handle();
  if (!rk.ok()) return rk.status();
  rd_kafka_topic_t* rkt = topic ? rd_kafka_topic_new(*rk, topic->c_str(), nullptr) : nullptr;
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(*rk, topic ? 0 : 1, rkt, &md, timeout_ms());
  if (rkt) rd_kafka_topic_destroy(rkt);
  if (err) return Error(err, "reading the cluster's metadata");
  return MetadataPtr(md);
}

Result<std::vector<std::string>> ClusterConnection::TopicNames() {
  auto md = Metadata(nullptr);
  if (!md.ok()) return md.status();
  std::vector<std::string> names;
  for (int i = 0; i < (*md)->topic_cnt; ++i) {
    std::string n = (*md)->topics[i].topic;
    if (n.rfind("__", 0) != 0 && !(*md)->topics[i].err) names.push_back(n);
  }
  std::sort(names.begin(), names.end());
  return names;
}

Result<int> ClusterConnection::PartitionCount(const std::string& topic) {
  auto md = Metadata(&topic);
  if (!md.ok()) return md.status();
  if ((*md)->topic_cnt < 1) return Status::NotFound("unknown topic '" + topic + "'");
  const rd_kafka_metadata_topic_t& t = (*md)->topics[0];
  if (t.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || t.err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC)
    return Status::NotFound("unknown topic '" + topic + "'");
  if (t.err) return Error(t.err, "reading topic '" + topic + "'");
  return t.partition_cnt;
}

Result<Watermarks> ClusterConnection::QueryWatermarks(const std::string& topic, int partition) {
  auto rk = handle();
  if (!rk.ok()) return rk.status();
  Watermarks w;
  rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(*rk, topic.c_str(), partition, &w.low, &w.high,
                                                             timeout_ms());
  if (err) return Error(err, "reading the offsets of topic '" + topic + "' partition " + std::to_string(partition));
  return w;
}

}  // namespace klog::kafka
