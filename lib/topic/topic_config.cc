#include "topic/topic_config.h"

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "util/state_json.h"

namespace klog::topic {

log::LogConfig TopicConfig::ToLogConfig() const {
  log::LogConfig l;
  l.segment_bytes = segment_bytes;
  l.segment_ms = segment_ms;
  l.retention_ms = retention_ms;
  l.retention_bytes = retention_bytes;
  return l;
}

std::string TopicConfigToJson(const TopicConfig& c) {
  nlohmann::ordered_json j;
  j["version"] = 1;
  j["partitions"] = c.partitions;
  j["retention_ms"] = c.retention_ms;
  j["retention_bytes"] = c.retention_bytes;
  j["segment_bytes"] = c.segment_bytes;
  j["segment_ms"] = c.segment_ms;
  j["compression"] = log::CodecName(c.compression);
  if (c.compression_level) j["compression_level"] = *c.compression_level;
  j["created_ms"] = c.created_ms;
  return j.dump(2) + "\n";
}

Result<TopicConfig> TopicConfigFromJson(const std::string& text, const std::string& what) {
  // Every field is read before any command can change it (alter loads
  // first), so the way out is the file itself.
  auto damaged = [&what](const std::string& problem) {
    return Status::Corruption(what + ": " + problem + " (fix the file by hand: klog-files(5) describes its fields)");
  };
  TopicConfig c;
  try {
    auto j = util::ParseStateJson(text);
    if (!j.is_object()) return damaged("not a JSON object");
    if (j.value("version", 1) != 1)
      return Status::Corruption(what + ": written by a newer klog (config version " +
                                std::to_string(j.value("version", 0)) + "); use that klog");
    c.partitions = j.at("partitions").get<int>();
    c.retention_ms = j.value("retention_ms", c.retention_ms);
    c.retention_bytes = j.value("retention_bytes", c.retention_bytes);
    c.segment_bytes = j.value("segment_bytes", c.segment_bytes);
    c.segment_ms = j.value("segment_ms", c.segment_ms);
    auto codec = log::ParseCodec(j.value("compression", std::string("none")));
    if (!codec.ok()) return damaged(codec.status().message());
    c.compression = *codec;
    if (j.contains("compression_level") && !j["compression_level"].is_null())
      // Read wide and clamped, so that a huge value fails validation rather
      // than wrapping into a valid level.
      c.compression_level =
          static_cast<int>(std::clamp<int64_t>(j["compression_level"].get<int64_t>(), INT32_MIN, INT32_MAX));
    c.created_ms = j.value("created_ms", int64_t{0});
  } catch (const std::exception& e) {
    return damaged(e.what());
  }
  Status st = ValidateTopicConfig(c);
  if (!st.ok()) return damaged(st.message());
  return c;
}

Status CheckPartitionsGrow(const std::string& name, int current, int updated) {
  if (updated >= current) return Status::Ok();
  return Status::InvalidArgument("topic '" + name + "' has " + std::to_string(current) +
                                 " partitions; partitions can only grow");
}

Status ValidateTopicConfig(const TopicConfig& c) {
  if (c.partitions < 1 || c.partitions > kMaxPartitions)
    return Status::InvalidArgument("partitions must be between 1 and " + std::to_string(kMaxPartitions));
  if (c.segment_bytes < 4096 || c.segment_bytes > (2ull << 30))
    return Status::InvalidArgument("segment bytes must be between 4KiB and 2GiB");
  if (c.segment_ms < 1) return Status::InvalidArgument("segment age must be positive");
  if (c.retention_ms < -1 || c.retention_bytes < -1) return Status::InvalidArgument("retention must be -1 or positive");
  if (c.compression_level) KLOG_RETURN_IF_ERROR(log::ValidateZstdLevel(*c.compression_level));
  return Status::Ok();
}

}  // namespace klog::topic
