// `klog topic create|list|describe|alter|delete` on a Kafka cluster,
// through librdkafka's Admin API (CreateTopics, DeleteTopics,
// CreatePartitions, DescribeConfigs, AlterConfigs) and metadata.
//
// klog's topic settings and Kafka's topic configs:
//   --retention        retention.ms       (-1: forever)
//   --retention-bytes  retention.bytes    (-1: no limit)
//   --segment-bytes    segment.bytes
//   --segment-ms       segment.ms
//   --compression      compression.type   zstd -> "zstd", none -> "uncompressed";
//                                         read back, only "zstd" is zstd (producer,
//                                         gzip, lz4, snappy, uncompressed: none)
//   --compression-level compression.zstd.level (brokers from Kafka 3.8)
// A topic is created with the settings that differ from klog's defaults
// (the rest are the broker's defaults) and replication factor -1 (the
// broker's default.replication.factor). AlterConfigs (librdkafka 2.0.2 has
// no incremental alter) replaces a topic's whole set of overrides: the set
// read with DescribeConfigs is sent back with only the changed settings
// replaced, so overrides klog does not know survive.
//
// Partitions come from metadata; bytes and segments of a partition live on
// the brokers and are unknown here (PartitionStats leaves them empty). Each
// request is bounded by --timeout: no answer is kUnavailable naming the
// brokers.
#pragma once

#include <librdkafka/rdkafka.h>

#include <map>
#include <string>
#include <vector>

#include "kafka/cluster_connection.h"
#include "kafka/rdkafka_handles.h"
#include "topic/topic_config.h"
#include "topic/topic_store.h"
#include "util/status.h"

namespace klog::kafka {

// A topic's configs as DescribeConfigs lists them.
struct ConfigEntry {
  std::string name;
  std::string value;
  bool is_override = false;  // set on the topic itself (source DYNAMIC_TOPIC_CONFIG)
};

// ---- pure: request building and result mapping ----

// The configs a new topic with `c` is created with: those that differ from
// klog's defaults (TopicConfig{}).
Properties CreateConfigs(const topic::TopicConfig& c);
// The topic's config from its partition count and DescribeConfigs entries;
// Corruption naming the entry for a value that is not a number.
Result<topic::TopicConfig> TopicConfigFromEntries(const std::string& topic, int partitions,
                                                  const std::vector<ConfigEntry>& entries);
// The whole set of overrides AlterConfigs is sent: the topic's overrides
// now, with each setting that differs between `before` and `after` replaced
// (or dropped: a compression level reset to the default).
Properties AlterConfigs(const std::vector<ConfigEntry>& current, const topic::TopicConfig& before,
                        const topic::TopicConfig& after);
// An Admin API error about `topic` as a Status: AlreadyExists, NotFound
// "unknown topic", InvalidArgument for a request the broker refused (with
// its reason, `detail`), PermissionDenied, Unavailable naming `brokers` for
// timeouts and transport, else IOError. `what` says what was being done.
Status AdminStatus(rd_kafka_resp_err_t err, const std::string& detail, const std::string& topic,
                   const std::string& what, const std::string& brokers);

// ---- the operations ----

class ClusterTopics {
 public:
  explicit ClusterTopics(ClusterConnection& conn) : conn_(conn) {}

  Status Create(const std::string& name, const topic::TopicConfig& config, bool if_not_exists, bool* created);
  // Names from metadata; the configs of all of them are then read in one
  // request, for the LoadTopic calls that follow (topic list).
  Result<std::vector<std::string>> List();
  Result<topic::TopicConfig> Load(const std::string& name);
  Result<std::vector<topic::PartitionStats>> Describe(const std::string& name);
  Status Alter(const std::string& name, const topic::TopicConfig& updated);
  Status Delete(const std::string& name, bool if_exists, bool* deleted);

 private:
  // DescribeConfigs of `names` in one request: each topic's entries, or the
  // error that came instead.
  std::map<std::string, Result<std::vector<ConfigEntry>>> DescribeConfigs(const std::vector<std::string>& names);
  Result<std::vector<ConfigEntry>> Configs(const std::string& name);
  Result<int> Partitions(const std::string& name);

  ClusterConnection& conn_;
  // Read by List for the Load calls after it; taken once.
  std::map<std::string, Result<std::vector<ConfigEntry>>> prefetched_;
};

}  // namespace klog::kafka
