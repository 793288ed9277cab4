// The pure parts of the Kafka backend's topic admin and producer setup:
// TopicConfig <-> Kafka topic configs, the full override set AlterConfigs
// is sent, Admin API errors as Statuses, and the producer's properties.
#include <doctest/doctest.h>

#include "kafka/kafka_producer.h"
#include "kafka/kafka_topics.h"

using namespace klog;
using klog::kafka::ConfigEntry;
using klog::kafka::Properties;

namespace {

std::string Get(const Properties& p, const std::string& name) {
  for (const auto& [n, v] : p)
    if (n == name) return v;
  return "<unset>";
}

}  // namespace

TEST_CASE("kafka topics: a new topic sends only the settings that differ from klog's defaults") {
  CHECK(kafka::CreateConfigs(topic::TopicConfig{}).empty());
  topic::TopicConfig c;
  c.partitions = 6;  // not a config: CreateTopics' own field
  c.retention_ms = -1;
  c.retention_bytes = 10ll << 30;
  c.segment_bytes = 1 << 20;
  c.segment_ms = 3600000;
  c.compression = log::Codec::kZstd;
  c.compression_level = 7;
  Properties p = kafka::CreateConfigs(c);
  CHECK(p == Properties{{"retention.ms", "-1"},
                        {"retention.bytes", "10737418240"},
                        {"segment.bytes", "1048576"},
                        {"segment.ms", "3600000"},
                        {"compression.type", "zstd"},
                        {"compression.zstd.level", "7"}});
}

TEST_CASE("kafka topics: DescribeConfigs entries read back as a TopicConfig") {
  std::vector<ConfigEntry> e = {{"cleanup.policy", "delete", false},
                                {"retention.ms", "86400000", true},
                                {"retention.bytes", "-1", false},
                                {"segment.bytes", "1073741824", false},
                                {"segment.ms", "604800000", false},
                                {"compression.type", "zstd", true},
                                {"compression.zstd.level", "3", false}};
  auto c = kafka::TopicConfigFromEntries("t", 4, e);
  REQUIRE(c.ok());
  CHECK(c->partitions == 4);
  CHECK(c->retention_ms == 86400000);
  CHECK(c->retention_bytes == -1);
  CHECK(c->segment_bytes == 1073741824u);
  CHECK(c->compression == log::Codec::kZstd);
  CHECK(!c->compression_level);  // the broker's default level is not klog's setting
  e.back().is_override = true;
  CHECK(kafka::TopicConfigFromEntries("t", 4, e)->compression_level == 3);
  // Codecs klog does not write read as none.
  for (const char* other : {"producer", "gzip", "lz4", "snappy", "uncompressed"}) {
    e[5].value = other;
    CHECK(kafka::TopicConfigFromEntries("t", 4, e)->compression == log::Codec::kNone);
  }
  e[1].value = "7d";
  auto bad = kafka::TopicConfigFromEntries("t", 4, e);
  CHECK(bad.status().code() == Code::kCorruption);
  CHECK(bad.status().message() == "topic 't': config retention.ms is '7d', not a number");
}

TEST_CASE("kafka topics: AlterConfigs resends every override, with only what changed replaced") {
  std::vector<ConfigEntry> current = {{"cleanup.policy", "compact", true},
                                      {"retention.ms", "86400000", true},
                                      {"segment.bytes", "1073741824", false},  // a default: not resent
                                      {"compression.zstd.level", "5", true}};
  auto before = kafka::TopicConfigFromEntries("t", 2, current);
  REQUIRE(before.ok());
  // Nothing changed: the same set (the caller then sends nothing).
  CHECK(kafka::AlterConfigs(current, *before, *before) ==
        Properties{{"cleanup.policy", "compact"}, {"retention.ms", "86400000"}, {"compression.zstd.level", "5"}});
  topic::TopicConfig after = *before;
  after.retention_ms = 3600000;
  after.segment_bytes = 1 << 20;
  after.compression = log::Codec::kZstd;
  after.compression_level.reset();
  Properties p = kafka::AlterConfigs(current, *before, after);
  CHECK(Get(p, "cleanup.policy") == "compact");  // an override klog does not know survives
  CHECK(Get(p, "retention.ms") == "3600000");
  CHECK(Get(p, "segment.bytes") == "1048576");
  CHECK(Get(p, "compression.type") == "zstd");
  CHECK(Get(p, "compression.zstd.level") == "<unset>");
  CHECK(p.size() == 4);
  after.compression = log::Codec::kNone;
  CHECK(Get(kafka::AlterConfigs(current, *before, after), "compression.type") == "<unset>");  // none before and after
  before->compression = log::Codec::kZstd;
  CHECK(Get(kafka::AlterConfigs(current, *before, after), "compression.type") == "uncompressed");
}

TEST_CASE("kafka topics: Admin API errors as one-line Statuses") {
  const std::string b = "h1:9092,h2:9092";
  Status s = kafka::AdminStatus(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS, "Topic 't' already exists.", "t",
                                "creating topic 't'", b);
  CHECK(s.code() == Code::kAlreadyExists);
  CHECK(s.message() == "topic 't' already exists");
  s = kafka::AdminStatus(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, "", "t", "deleting topic 't'", b);
  CHECK(s.code() == Code::kNotFound);
  CHECK(s.message() == "unknown topic 't'");
  s = kafka::AdminStatus(RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR, "Replication factor: 3 larger than available brokers: 1.",
                         "t", "creating topic 't'", b);
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK(s.message() == "creating topic 't': the cluster refused it: Replication factor: 3 larger than available brokers: 1.");
  s = kafka::AdminStatus(RD_KAFKA_RESP_ERR_INVALID_CONFIG, "", "t", "changing the config of topic 't'", b);
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK(s.message().find("Broker: Configuration is invalid") != std::string::npos);
  s = kafka::AdminStatus(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, "", "t", "deleting topic 't'", b);
  CHECK(s.code() == Code::kPermissionDenied);
  s = kafka::AdminStatus(RD_KAFKA_RESP_ERR__TIMED_OUT, "Failed while waiting for controller: Local: Timed out", "t",
                         "creating topic 't'", b);
  CHECK(s.code() == Code::kUnavailable);
  CHECK(s.message() ==
        "creating topic 't': Failed while waiting for controller: Local: Timed out (brokers h1:9092,h2:9092)");
  s = kafka::AdminStatus(RD_KAFKA_RESP_ERR_NOT_CONTROLLER, "", "t", "creating topic 't'", b);
  CHECK(s.code() == Code::kIOError);
  CHECK(s.message().find("(brokers h1:9092,h2:9092)") != std::string::npos);
}

TEST_CASE("kafka producer: properties from produce's options and --timeout") {
  client::ProducerOptions o;
  o.linger_ms = 50;
  o.batch_bytes = 1 << 20;
  o.max_record_bytes = 1 << 20;
  auto p = kafka::ProducerPropertiesFor(o, 30000);
  CHECK(p.forced == Properties{{"acks", "all"}, {"enable.idempotence", "true"}, {"partitioner", "murmur2_random"}});
  CHECK(Get(p.defaults, "message.timeout.ms") == "30000");
  CHECK(Get(p.defaults, "linger.ms") == "50");
  CHECK(Get(p.defaults, "batch.size") == "1048576");
  CHECK(Get(p.defaults, "message.max.bytes") == std::to_string((1 << 20) + (64 << 10)));
  CHECK(Get(p.defaults, "reconnect.backoff.max.ms") == "7500");
  CHECK(Get(p.defaults, "compression.level") == "<unset>");
  o.codec = log::Codec::kZstd;
  o.zstd_level = 9;
  o.max_record_bytes = 1000;
  o.linger_ms = 5000;
  p = kafka::ProducerPropertiesFor(o, 2000);
  CHECK(Get(p.forced, "compression.codec") == "zstd");
  CHECK(Get(p.defaults, "compression.level") == "9");
  CHECK(Get(p.defaults, "message.max.bytes") == "<unset>");  // librdkafka's default fits
  CHECK(Get(p.defaults, "linger.ms") == "1999");             // below message.timeout.ms, as librdkafka needs
  CHECK(Get(p.defaults, "reconnect.backoff.max.ms") == "500");
  o.codec = log::Codec::kNone;
  CHECK(Get(kafka::ProducerPropertiesFor(o, 2000).forced, "compression.codec") == "none");
  // --linger 0ms: librdkafka's 5 ms, so that records share requests (input
  // pausing flushes at once anyway).
  o.linger_ms = 0;
  CHECK(Get(kafka::ProducerPropertiesFor(o, 2000).defaults, "linger.ms") == "5");
}
