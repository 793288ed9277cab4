// A topic's settings, stored as DIR/topics/TOPIC/topic.json:
//   {"version":1,"partitions":3,"retention_ms":604800000,"retention_bytes":-1,
//    "segment_bytes":1073741824,"segment_ms":604800000,"compression":"none",
//    "created_ms":1764000000000}
// and "compression_level":N when one was chosen.
// -1 means "no limit". Unknown keys are ignored when read, and dropped
// when `topic alter` writes the file again (only the fields above are
// written).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "log/batch.h"
#include "log/log_config.h"
#include "util/status.h"

namespace klog::topic {

constexpr int kMaxPartitions = 10000;
// topic.json is a few hundred bytes: more than this is damage, not read.
constexpr uint64_t kMaxTopicConfigBytes = 64 << 10;

struct TopicConfig {
  int partitions = 1;
  int64_t retention_ms = 7ll * 24 * 3600 * 1000;
  int64_t retention_bytes = -1;
  uint64_t segment_bytes = 1ull << 30;
  int64_t segment_ms = 7ll * 24 * 3600 * 1000;
  log::Codec compression = log::Codec::kNone;
  std::optional<int> compression_level;  // zstd level; none: klog's default (fast)
  int64_t created_ms = 0;

  log::LogConfig ToLogConfig() const;
};

std::string TopicConfigToJson(const TopicConfig& c);
Result<TopicConfig> TopicConfigFromJson(const std::string& text, const std::string& what);
Status ValidateTopicConfig(const TopicConfig& c);
// Partitions can only grow (records are routed by key modulo the count):
// InvalidArgument naming topic `name` when `updated` is below `current`.
Status CheckPartitionsGrow(const std::string& name, int current, int updated);

}  // namespace klog::topic
