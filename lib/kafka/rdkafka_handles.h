// librdkafka objects owned by unique_ptr, and the one place that turns
// KafkaSettings into a configuration: a bad property is InvalidArgument
// naming it (exit 2), never a crash or a silently ignored setting.
#pragma once

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kafka/kafka_settings.h"
#include "util/status.h"

namespace klog::kafka {

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
struct HandleDeleter {
  void operator()(rd_kafka_t* k) const { rd_kafka_destroy(k); }
};
struct TopicPartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* m) const { rd_kafka_metadata_destroy(m); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using HandlePtr = std::unique_ptr<rd_kafka_t, HandleDeleter>;
using TopicPartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, TopicPartitionListDeleter>;
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;
using MetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;

// klog's own settings for a role, applied before the user's (which win,
// except where klog's semantics depend on them: see MakeConf).
using Properties = std::vector<std::pair<std::string, std::string>>;

// bootstrap.servers from settings.brokers, then `defaults`, then the user's
// properties, then `forced` (what klog's semantics need: the user cannot
// turn it off). InvalidArgument "-X NAME: ..." for an unknown property or a
// bad value.
Result<ConfPtr> MakeConf(const KafkaSettings& settings, const Properties& defaults, const Properties& forced);

// Every property of `settings` known to librdkafka with a valid value, so
// that a typo is a usage error before anything runs.
Status ValidateSettings(const KafkaSettings& settings);

// Each of `properties` as librdkafka takes it on its own: InvalidArgument
// "SOURCE: NAME: ..." for an unknown name or a bad value, so that a bad
// line of kafka.conf is reported with the file's name rather than as -X.
Status CheckProperties(const Properties& properties, const std::string& source);

// rd_kafka_new of a producer or consumer; InvalidArgument for a property
// that only shows at this point (e.g. conflicting ones).
Result<HandlePtr> NewHandle(rd_kafka_type_t type, ConfPtr conf);

// A librdkafka error as a Status: transport errors (all brokers down, timed
// out) are Unavailable naming `brokers`, the rest IOError; `what` says what
// was being done ("producing to topic 't'").
Status StatusFromError(rd_kafka_resp_err_t err, const std::string& what, const std::string& brokers);

}  // namespace klog::kafka
