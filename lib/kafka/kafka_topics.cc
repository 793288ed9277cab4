#include "kafka/kafka_topics.h"

#include <charconv>
#include <functional>
#include <memory>

#include "util/parse.h"

namespace klog::kafka {
namespace {

constexpr const char* kRetentionMs = "retention.ms";
constexpr const char* kRetentionBytes = "retention.bytes";
constexpr const char* kSegmentBytes = "segment.bytes";
constexpr const char* kSegmentMs = "segment.ms";
constexpr const char* kCompressionType = "compression.type";
constexpr const char* kZstdLevel = "compression.zstd.level";

const char* CompressionType(log::Codec c) { return c == log::Codec::kZstd ? "zstd" : "uncompressed"; }

struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
struct AdminOptionsDeleter {
  void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); }
};
struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
using EventPtr = std::unique_ptr<rd_kafka_event_t, EventDeleter>;

void Set(Properties& props, const std::string& name, const std::string& value) {
  for (auto& [n, v] : props)
    if (n == name) {
      v = value;
      return;
    }
  props.emplace_back(name, value);
}

Result<int64_t> Number(const std::string& topic, const ConfigEntry& e) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(e.value.data(), e.value.data() + e.value.size(), v);
  if (ec != std::errc() || end != e.value.data() + e.value.size())
    return Status::Corruption("topic '" + topic + "': config " + e.name + " is '" + e.value + "', not a number");
  return v;
}

}  // namespace

Properties CreateConfigs(const topic::TopicConfig& c) {
  const topic::TopicConfig d;
  Properties p;
  if (c.retention_ms != d.retention_ms) p.emplace_back(kRetentionMs, std::to_string(c.retention_ms));
  if (c.retention_bytes != d.retention_bytes) p.emplace_back(kRetentionBytes, std::to_string(c.retention_bytes));
  if (c.segment_bytes != d.segment_bytes) p.emplace_back(kSegmentBytes, std::to_string(c.segment_bytes));
  if (c.segment_ms != d.segment_ms) p.emplace_back(kSegmentMs, std::to_string(c.segment_ms));
  if (c.compression != d.compression) p.emplace_back(kCompressionType, CompressionType(c.compression));
  if (c.compression_level) p.emplace_back(kZstdLevel, std::to_string(*c.compression_level));
  return p;
}

Result<topic::TopicConfig> TopicConfigFromEntries(const std::string& topic, int partitions,
                                                  const std::vector<ConfigEntry>& entries) {
  topic::TopicConfig c;
  c.partitions = partitions;
  for (const ConfigEntry& e : entries) {
    bool numeric = e.name == kRetentionMs || e.name == kRetentionBytes || e.name == kSegmentBytes ||
                   e.name == kSegmentMs || (e.name == kZstdLevel && e.is_override);
    if (e.name == kCompressionType) c.compression = e.value == "zstd" ? log::Codec::kZstd : log::Codec::kNone;
    if (!numeric) continue;
    auto v = Number(topic, e);
    if (!v.ok()) return v.status();
    if (e.name == kRetentionMs) c.retention_ms = *v;
    else if (e.name == kRetentionBytes) c.retention_bytes = *v;
    else if (e.name == kSegmentBytes) c.segment_bytes = static_cast<uint64_t>(std::max<int64_t>(*v, 1));
    else if (e.name == kSegmentMs) c.segment_ms = *v;
    else c.compression_level = static_cast<int>(*v);
  }
  return c;
}

Properties AlterConfigs(const std::vector<ConfigEntry>& current, const topic::TopicConfig& before,
                        const topic::TopicConfig& after) {
  Properties p;
  for (const ConfigEntry& e : current)
    if (e.is_override) p.emplace_back(e.name, e.value);
  if (before.retention_ms != after.retention_ms) Set(p, kRetentionMs, std::to_string(after.retention_ms));
  if (before.retention_bytes != after.retention_bytes) Set(p, kRetentionBytes, std::to_string(after.retention_bytes));
  if (before.segment_bytes != after.segment_bytes) Set(p, kSegmentBytes, std::to_string(after.segment_bytes));
  if (before.segment_ms != after.segment_ms) Set(p, kSegmentMs, std::to_string(after.segment_ms));
  if (before.compression != after.compression) Set(p, kCompressionType, CompressionType(after.compression));
  if (before.compression_level != after.compression_level) {
    if (after.compression_level) Set(p, kZstdLevel, std::to_string(*after.compression_level));
    else std::erase_if(p, [](const auto& kv) { return kv.first == kZstdLevel; });
  }
  return p;
}

Status AdminStatus(rd_kafka_resp_err_t err, const std::string& detail, const std::string& topic,
                   const std::string& what, const std::string& brokers) {
  std::string reason = detail.empty() ? rd_kafka_err2str(err) : detail;
  switch (err) {
    case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
      return Status::AlreadyExists("topic '" + topic + "' already exists");
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
      return Status::NotFound("unknown topic '" + topic + "'");
    case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICA_ASSIGNMENT:
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
    case RD_KAFKA_RESP_ERR_INVALID_REQUEST:
    case RD_KAFKA_RESP_ERR_POLICY_VIOLATION:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
      return Status::InvalidArgument(what + ": the cluster refused it: " + reason);
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_TOPIC_DELETION_DISABLED:
      return Status(Code::kPermissionDenied, what + ": " + reason + " (brokers " + brokers + ")");
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__RESOLVE:
      return Status::Unavailable(what + ": " + reason + " (brokers " + brokers + ")");
    default:
      return Status::IOError(what + ": " + reason + " (brokers " + brokers + ")");
  }
}

namespace {

// One Admin API request, its answer awaited within --timeout: the result
// event, or the error (of the request as a whole) as a Status.
using Send = std::function<void(rd_kafka_t*, const rd_kafka_AdminOptions_t*, rd_kafka_queue_t*)>;
Result<EventPtr> AdminRequest(ClusterConnection& conn, rd_kafka_admin_op_t op, const std::string& topic,
                              const std::string& what, const Send& send) {
  auto rk = conn.handle();
  if (!rk.ok()) return rk.status();
  std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsDeleter> options(rd_kafka_AdminOptions_new(*rk, op));
  char err[512];
  int timeout = conn.timeout_ms();
  (void)rd_kafka_AdminOptions_set_request_timeout(options.get(), timeout, err, sizeof err);
  // The broker's own wait for the change to spread through the cluster:
  // inside the request's time, so that its answer comes back in time.
  if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_DELETETOPICS ||
      op == RD_KAFKA_ADMIN_OP_CREATEPARTITIONS)
    (void)rd_kafka_AdminOptions_set_operation_timeout(options.get(), std::max(1, timeout / 2), err, sizeof err);
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> queue(rd_kafka_queue_new(*rk));
  send(*rk, options.get(), queue.get());
  // librdkafka answers by the request timeout; the margin is for its timers.
  EventPtr ev(rd_kafka_queue_poll(queue.get(), timeout + 1000));
  if (!ev)
    return Status::Unavailable(what + ": no answer within " + util::FormatDurationMs(timeout) + " (brokers " +
                               conn.settings().brokers + ")");
  if (rd_kafka_event_error(ev.get()))
    return AdminStatus(rd_kafka_event_error(ev.get()), rd_kafka_event_error_string(ev.get()), topic, what,
                       conn.settings().brokers);
  return ev;
}

// A CreateTopics, DeleteTopics or CreatePartitions request about `topic`:
// NO_ERROR when done, `tolerated` when the cluster answered that (an
// existing topic for --if-not-exists, a missing one for --if-exists), else
// the error as a Status.
using TopicsOf = const rd_kafka_topic_result_t** (*)(rd_kafka_event_t*, size_t*);
Result<rd_kafka_resp_err_t> OneTopicRequest(ClusterConnection& conn, rd_kafka_admin_op_t op, const std::string& topic,
                                            const std::string& what, const Send& send, TopicsOf topics_of,
                                            rd_kafka_resp_err_t tolerated) {
  auto ev = AdminRequest(conn, op, topic, what, send);
  if (!ev.ok()) return ev.status();
  size_t n = 0;
  const rd_kafka_topic_result_t** topics = topics_of(ev->get(), &n);
  if (n < 1) return Status::IOError(what + ": the cluster's answer names no topic");
  rd_kafka_resp_err_t err = rd_kafka_topic_result_error(topics[0]);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == tolerated) return err;
  const char* detail = rd_kafka_topic_result_error_string(topics[0]);
  return AdminStatus(err, detail ? detail : "", topic, what, conn.settings().brokers);
}

}  // namespace

Result<int> ClusterTopics::Partitions(const std::string& name) {
  auto count = conn_.PartitionCount(name);
  if (!count.ok() && count.status().code() == Code::kNotFound)
    return Status::NotFound("unknown topic '" + name + "' (create it with 'klog topic create " + name + "')");
  return count;
}

Status ClusterTopics::Create(const std::string& name, const topic::TopicConfig& config, bool if_not_exists,
                             bool* created) {
  if (created) *created = false;
  char err[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(name.c_str(), config.partitions, -1, err, sizeof err);
  if (!nt) return Status::InvalidArgument("creating topic '" + name + "': " + err);
  for (const auto& [n, v] : CreateConfigs(config)) (void)rd_kafka_NewTopic_set_config(nt, n.c_str(), v.c_str());
  auto r = OneTopicRequest(
      conn_, RD_KAFKA_ADMIN_OP_CREATETOPICS, name, "creating topic '" + name + "'",
      [&](rd_kafka_t* rk, const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) { rd_kafka_CreateTopics(rk, &nt, 1, o, q); },
      [](rd_kafka_event_t* ev, size_t* n) {
        return rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), n);
      },
      if_not_exists ? RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS : RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_NewTopic_destroy(nt);
  if (!r.ok()) return r.status();
  if (created) *created = *r == RD_KAFKA_RESP_ERR_NO_ERROR;
  return Status::Ok();
}

Status ClusterTopics::Delete(const std::string& name, bool if_exists, bool* deleted) {
  if (deleted) *deleted = false;
  rd_kafka_DeleteTopic_t* dt = rd_kafka_DeleteTopic_new(name.c_str());
  auto r = OneTopicRequest(
      conn_, RD_KAFKA_ADMIN_OP_DELETETOPICS, name, "deleting topic '" + name + "'",
      [&](rd_kafka_t* rk, const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) { rd_kafka_DeleteTopics(rk, &dt, 1, o, q); },
      [](rd_kafka_event_t* ev, size_t* n) {
        return rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), n);
      },
      if_exists ? RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART : RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_DeleteTopic_destroy(dt);
  if (!r.ok()) return r.status();
  if (deleted) *deleted = *r == RD_KAFKA_RESP_ERR_NO_ERROR;
  return Status::Ok();
}

std::map<std::string, Result<std::vector<ConfigEntry>>> ClusterTopics::DescribeConfigs(
    const std::vector<std::string>& names) {
  std::map<std::string, Result<std::vector<ConfigEntry>>> out;
  std::vector<rd_kafka_ConfigResource_t*> resources;
  for (const auto& n : names) resources.push_back(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, n.c_str()));
  std::string what = names.size() == 1 ? "reading the config of topic '" + names[0] + "'"
                                       : "reading the configs of " + std::to_string(names.size()) + " topics";
  auto ev = AdminRequest(conn_, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, names.size() == 1 ? names[0] : "", what,
                         [&](rd_kafka_t* rk, const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                           rd_kafka_DescribeConfigs(rk, resources.data(), resources.size(), o, q);
                         });
  rd_kafka_ConfigResource_destroy_array(resources.data(), resources.size());
  for (const auto& n : names) out.emplace(n, Status::IOError(what + ": the cluster's answer left out topic '" + n + "'"));
  if (!ev.ok()) {
    for (auto& [n, r] : out) r = ev.status();
    return out;
  }
  size_t count = 0;
  auto res = rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev->get()), &count);
  for (size_t i = 0; i < count; ++i) {
    std::string name = rd_kafka_ConfigResource_name(res[i]);
    auto it = out.find(name);
    if (it == out.end()) continue;
    if (rd_kafka_resp_err_t e = rd_kafka_ConfigResource_error(res[i])) {
      const char* detail = rd_kafka_ConfigResource_error_string(res[i]);
      it->second = AdminStatus(e, detail ? detail : "", name, "reading the config of topic '" + name + "'",
                               conn_.settings().brokers);
      continue;
    }
    std::vector<ConfigEntry> entries;
    size_t ecount = 0;
    auto configs = rd_kafka_ConfigResource_configs(res[i], &ecount);
    for (size_t j = 0; j < ecount; ++j) {
      const char* value = rd_kafka_ConfigEntry_value(configs[j]);
      if (!value) continue;  // sensitive: never sent back
      entries.push_back({rd_kafka_ConfigEntry_name(configs[j]), value,
                         rd_kafka_ConfigEntry_source(configs[j]) == RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG});
    }
    it->second = std::move(entries);
  }
  return out;
}

Result<std::vector<ConfigEntry>> ClusterTopics::Configs(const std::string& name) {
  auto it = prefetched_.find(name);
  if (it != prefetched_.end()) {
    auto r = std::move(it->second);
    prefetched_.erase(it);
    return r;
  }
  return std::move(DescribeConfigs({name}).at(name));
}

Result<std::vector<std::string>> ClusterTopics::List() {
  auto names = conn_.TopicNames();
  if (!names.ok() || names->empty()) return names;
  prefetched_ = DescribeConfigs(*names);
  return names;
}

Result<topic::TopicConfig> ClusterTopics::Load(const std::string& name) {
  auto count = Partitions(name);
  if (!count.ok()) return count.status();
  auto entries = Configs(name);
  if (!entries.ok()) return entries.status();
  auto config = TopicConfigFromEntries(name, *count, *entries);
  if (config.ok()) prefetched_.insert_or_assign(name, std::move(entries));  // for an Alter that follows
  return config;
}

Result<std::vector<topic::PartitionStats>> ClusterTopics::Describe(const std::string& name) {
  auto count = Partitions(name);
  if (!count.ok()) return count.status();
  std::vector<topic::PartitionStats> out;
  for (int p = 0; p < *count; ++p) {
    auto w = conn_.QueryWatermarks(name, p);
    if (!w.ok()) return w.status();
    topic::PartitionStats s;
    s.partition = p;
    s.start_offset = w->low;
    s.end_offset = w->high;
    // bytes, segments and the last append are the brokers' to know.
    s.bytes.reset();
    s.segments.reset();
    out.push_back(s);
  }
  return out;
}

Status ClusterTopics::Alter(const std::string& name, const topic::TopicConfig& updated) {
  auto count = Partitions(name);
  if (!count.ok()) return count.status();
  auto entries = Configs(name);
  if (!entries.ok()) return entries.status();
  auto before = TopicConfigFromEntries(name, *count, *entries);
  if (!before.ok()) return before.status();
  KLOG_RETURN_IF_ERROR(topic::CheckPartitionsGrow(name, *count, updated.partitions));
  const std::string& brokers = conn_.settings().brokers;
  if (updated.partitions > *count) {
    char err[512];
    rd_kafka_NewPartitions_t* np = rd_kafka_NewPartitions_new(name.c_str(), updated.partitions, err, sizeof err);
    if (!np) return Status::InvalidArgument("adding partitions to topic '" + name + "': " + err);
    auto r = OneTopicRequest(
        conn_, RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, name, "adding partitions to topic '" + name + "'",
        [&](rd_kafka_t* rk, const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
          rd_kafka_CreatePartitions(rk, &np, 1, o, q);
        },
        [](rd_kafka_event_t* ev, size_t* n) {
          return rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(ev), n);
        },
        RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_NewPartitions_destroy(np);
    if (!r.ok()) return r.status();
  }
  Properties set = AlterConfigs(*entries, *before, updated);
  Properties now = AlterConfigs(*entries, *before, *before);
  if (set == now) return Status::Ok();
  rd_kafka_ConfigResource_t* r = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name.c_str());
  for (const auto& [n, v] : set) (void)rd_kafka_ConfigResource_set_config(r, n.c_str(), v.c_str());
  std::string what = "changing the config of topic '" + name + "'";
  auto ev = AdminRequest(conn_, RD_KAFKA_ADMIN_OP_ALTERCONFIGS, name, what,
                         [&](rd_kafka_t* rk, const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                           rd_kafka_AlterConfigs(rk, &r, 1, o, q);
                         });
  rd_kafka_ConfigResource_destroy(r);
  if (!ev.ok()) return ev.status();
  size_t n = 0;
  auto res = rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(ev->get()), &n);
  if (n >= 1 && rd_kafka_ConfigResource_error(res[0])) {
    const char* detail = rd_kafka_ConfigResource_error_string(res[0]);
    return AdminStatus(rd_kafka_ConfigResource_error(res[0]), detail ? detail : "", name, what, brokers);
  }
  return Status::Ok();
}

}  // namespace klog::kafka
