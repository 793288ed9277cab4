// One lazily made librdkafka handle per command for what is not producing
// or consuming: metadata, watermarks and the Admin API. Every call is
// bounded by the settings' timeout; an unreachable cluster is kUnavailable
// naming the brokers (exit 1), an unknown topic kNotFound.
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <string>
#include <vector>

#include "kafka/kafka_settings.h"
#include "kafka/rdkafka_handles.h"
#include "util/status.h"

namespace klog::kafka {

struct Watermarks {
  int64_t low = 0;   // the oldest offset still kept
  int64_t high = 0;  // the offset the next record will get
};

class ClusterConnection {
 public:
  explicit ClusterConnection(KafkaSettings settings) : settings_(std::move(settings)) {}

  const KafkaSettings& settings() const { return settings_; }
  // The handle (made on first use); for the Admin API and metadata.
  Result<rd_kafka_t*> handle();

  // Topics of the cluster, sorted, without internal ones (names starting
  // with "__", e.g. __consumer_offsets).
  Result<std::vector<std::string>> TopicNames();
  // NotFound "unknown topic 't'" when the cluster has no such topic.
  Result<int> PartitionCount(const std::string& topic);
  Result<Watermarks> QueryWatermarks(const std::string& topic, int partition);

  // librdkafka's error as a Status naming this cluster's brokers.
  Status Error(rd_kafka_resp_err_t err, const std::string& what) const {
    return StatusFromError(err, what, settings_.brokers);
  }
  int timeout_ms() const { return static_cast<int>(settings_.timeout_ms); }

 private:
  Result<MetadataPtr> Metadata(const std::string* topic);

  KafkaSettings settings_;
  HandlePtr handle_;
};

}  // namespace klog::kafka
