#include "backend/open_backend.h"

#include "backend/local_backend.h"
#include "kafka/kafka_backend.h"
#include "kafka/rdkafka_handles.h"
#include "os/file_id.h"
#include "topic/data_dir.h"
#include "util/parse.h"

namespace klog::backend {

Result<Where> ResolveWhere(const WhereFlags& flags) {
  auto set = [](const char* env) { return env != nullptr && *env != '\0'; };
  if (!flags.dir.empty() && !flags.brokers.empty())
    return Status::InvalidArgument("--dir and --brokers both given: records live in a directory or in a Kafka "
                                   "cluster; give one");
  bool cluster = !flags.brokers.empty();
  if (flags.dir.empty() && flags.brokers.empty()) {
    if (set(flags.klog_dir_env) && set(flags.klog_brokers_env))
      return Status::InvalidArgument("both $KLOG_DIR and $KLOG_BROKERS are set: unset one, or choose with --dir or "
                                     "--brokers");
    cluster = set(flags.klog_brokers_env);
  }
  Where where;
  // Checked on a directory too, where it has no effect: a bad value is a
  // mistake wherever records live.
  if (!flags.timeout.empty()) {
    auto ms = util::ParseDurationMs(flags.timeout);
    if (!ms.ok()) return Status::InvalidArgument("--timeout: " + ms.status().message());
    if (*ms < 1) return Status::InvalidArgument("--timeout: must be at least 1ms");
    where.settings.timeout_ms = *ms;
  }
  if (!cluster) {
    if (!flags.properties.empty())
      return Status::InvalidArgument("-X sets a Kafka client property: give --brokers (or $KLOG_BROKERS) too");
    auto root = topic::ResolveDataDir(flags.dir, flags.klog_dir_env, flags.xdg_data_home_env, flags.home_env);
    if (!root.ok()) return root.status();
    where.dir = *root;
    return where;
  }
  where.cluster = true;
  kafka::KafkaSettings& s = where.settings;
  s.brokers = flags.brokers.empty() ? std::string(flags.klog_brokers_env) : flags.brokers;
  Status st = kafka::ValidateBrokers(s.brokers, flags.brokers.empty() ? "$KLOG_BROKERS" : "--brokers");
  if (!st.ok()) return st;
  std::vector<std::pair<std::string, std::string>> given;
  for (const auto& x : flags.properties) {
    auto p = kafka::ParseProperty(x);
    if (!p.ok()) return Status::InvalidArgument("-X " + p.status().message());
    given.push_back(*p);
  }
  auto path = kafka::ConfigFilePath(flags.klog_kafka_config_env, flags.xdg_config_home_env, flags.home_env);
  if (!path.ok()) return Status::NotFound(path.status().message());
  auto properties = kafka::LoadProperties(*path, given);
  if (!properties.ok()) return Status::Corruption(properties.status().message());
  s.properties = std::move(properties).value();
  // The file's properties come first (LoadProperties): a bad one is named
  // with the file, not as a -X the user never typed.
  kafka::Properties from_file(s.properties.begin(), s.properties.end() - static_cast<ptrdiff_t>(given.size()));
  st = kafka::CheckProperties(from_file, *path);
  if (!st.ok()) return st;
  st = kafka::ValidateSettings(s);
  if (!st.ok()) return st;
  return where;
}

Result<Where> WhereOf(const std::string& location, const WhereFlags& globals) {
  const std::string scheme = "kafka://";
  WhereFlags f = globals;
  f.dir.clear();
  f.brokers.clear();
  f.klog_dir_env = f.klog_brokers_env = nullptr;
  if (location.rfind(scheme, 0) == 0) {
    f.brokers = location.substr(scheme.size());
    if (f.brokers.empty())
      return Status::InvalidArgument("'" + location + "': no brokers after kafka:// (expected kafka://HOST:PORT[,...])");
  } else if (location.empty()) {
    return Status::InvalidArgument("an empty location (an unset variable?): give a directory or kafka://HOST:PORT");
  } else {
    f.dir = location;
    f.properties.clear();  // -X is for the other side, a cluster
  }
  return ResolveWhere(f);
}

bool SamePlace(const Where& a, const Where& b) {
  if (a.cluster != b.cluster) return false;
  if (a.cluster) return a.settings.brokers == b.settings.brokers;
  auto ia = os::IdOfPath(a.dir), ib = os::IdOfPath(b.dir);
  if (ia.ok() && ib.ok()) return *ia == *ib;
  auto trimmed = [](std::string p) {
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    return p;
  };
  return trimmed(a.dir) == trimmed(b.dir);
}

Result<std::unique_ptr<Backend>> OpenBackend(const Where& where, bool dir_must_exist) {
  if (where.cluster) {
    auto cluster = kafka::KafkaBackend::Open(where.settings);
    if (!cluster.ok()) return cluster.status();
    return std::unique_ptr<Backend>(std::move(cluster).value());
  }
  Status st = topic::CheckDataDir(where.dir, dir_must_exist);
  if (!st.ok()) return st;
  return std::unique_ptr<Backend>(new LocalBackend(topic::DataDir(where.dir)));
}

}  // namespace klog::backend
