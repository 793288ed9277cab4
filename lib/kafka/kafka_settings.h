// How klog reaches a Kafka cluster (klog(1) "KAFKA CLUSTERS", contract
// section 8): bootstrap brokers, librdkafka properties from the kafka.conf
// file and -X (which beats the file), and the --timeout that bounds
// reaching the cluster and each request.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "util/status.h"

namespace klog::kafka {

constexpr int64_t kDefaultTimeoutMs = 30'000;

struct KafkaSettings {
  std::string brokers;  // HOST:PORT[,HOST:PORT...]
  // librdkafka properties in the order they apply (the file's, then -X):
  // a later one of the same name wins.
  std::vector<std::pair<std::string, std::string>> properties;
  int64_t timeout_ms = kDefaultTimeoutMs;
};

// `-X NAME=VALUE`: InvalidArgument without a '=' or with an empty name.
Result<std::pair<std::string, std::string>> ParseProperty(const std::string& text);

// A kafka.conf file's text: NAME=VALUE lines; blank lines and lines whose
// first non-blank character is '#' are skipped; spaces around NAME and
// VALUE are trimmed. InvalidArgument names `path` and the line.
Result<std::vector<std::pair<std::string, std::string>>> ParseConfigFile(const std::string& text,
                                                                         const std::string& path);

// The kafka.conf that applies: $KLOG_KAFKA_CONFIG when set (it must then
// exist), else ${XDG_CONFIG_HOME:-$HOME/.config}/klog/kafka.conf when it
// exists, else none (""). Arguments are the environment (nullptr: unset).
Result<std::string> ConfigFilePath(const char* klog_kafka_config_env, const char* xdg_config_home_env,
                                   const char* home_env);

// The properties of the kafka.conf at `path` ("": none), then `flags`
// (-X), so that -X beats the file. A file property that `flags` names
// again is left out rather than applied first: a bad value in the file must
// not fail a command that overrides it.
Result<std::vector<std::pair<std::string, std::string>>> LoadProperties(
    const std::string& path, const std::vector<std::pair<std::string, std::string>>& flags);

// HOST:PORT[,HOST:PORT...]: InvalidArgument naming the bad entry and
// `source`, where the list came from ("--brokers" or "$KLOG_BROKERS").
Status ValidateBrokers(const std::string& brokers, const std::string& source = "--brokers");

}  // namespace klog::kafka
