// Which backend a command runs on, from the global flags and the
// environment (klog(1) "WHERE RECORDS LIVE"): a data directory (--dir,
// $KLOG_DIR, the XDG default) or a Kafka cluster (-b/--brokers,
// $KLOG_BROKERS; -X and kafka.conf for client properties, --timeout).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "kafka/kafka_settings.h"
#include "util/status.h"

namespace klog::backend {

// What the user said, unresolved: flags as given ("" or empty = not
// given), the environment as read (nullptr = unset).
struct WhereFlags {
  std::string dir;
  std::string brokers;
  std::vector<std::string> properties;  // -X NAME=VALUE, in order
  std::string timeout;                  // --timeout DURATION
  const char* klog_dir_env = nullptr;
  const char* klog_brokers_env = nullptr;
  const char* klog_kafka_config_env = nullptr;
  const char* xdg_config_home_env = nullptr;
  const char* xdg_data_home_env = nullptr;
  const char* home_env = nullptr;
};

struct Where {
  bool cluster = false;
  std::string dir;                // the data directory, unless cluster
  kafka::KafkaSettings settings;  // the cluster
};

// A flag beats an environment variable; --dir with --brokers, or both
// variables set with neither flag, is InvalidArgument naming both, as are
// -X without a cluster, a bad -X, --brokers or --timeout, and nothing naming
// a place at all. A kafka.conf that cannot be read or parsed is an error of
// its own (not a usage error: NotFound, IOError or Corruption).
Result<Where> ResolveWhere(const WhereFlags& flags);

// A location named on the command line (klog mirror's SOURCE and TARGET):
// `kafka://HOST:PORT[,HOST:PORT...]` is a cluster (with the global -X and
// --timeout of `globals`), anything else a data directory. The
// environment's KLOG_DIR and KLOG_BROKERS do not apply: the place is named.
Result<Where> WhereOf(const std::string& location, const WhereFlags& globals);

// Whether two places are one: the same brokers, or the same directory
// (one inode, however it is spelled; the same path when it does not exist yet).
bool SamePlace(const Where& a, const Where& b);

// Something that is not a directory at `dir` fails; so does a missing one
// when `dir_must_exist` (verify, retention: "checked nothing" must not read
// as "all is well"). Otherwise a missing directory is left to the command.
// A cluster is not contacted here: its first operation reaches it (bounded
// by the timeout) and reports an unreachable one.
Result<std::unique_ptr<Backend>> OpenBackend(const Where& where, bool dir_must_exist);

}  // namespace klog::backend
