#include "kafka/rdkafka_handles.h"

namespace klog::kafka {
namespace {

// `prefix` says where the property came from: "-X " or "FILE: ".
Status Set(rd_kafka_conf_t* conf, const std::string& name, const std::string& value,
           const std::string& prefix = "-X ") {
  char err[512];
  rd_kafka_conf_res_t r = rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err, sizeof err);
  if (r == RD_KAFKA_CONF_OK) return Status::Ok();
  if (r == RD_KAFKA_CONF_UNKNOWN)
    return Status::InvalidArgument(prefix + name +
                                   ": no such librdkafka property (see librdkafka's CONFIGURATION.md)");
  return Status::InvalidArgument(prefix + name + ": " + err);
}

}  // namespace

Result<ConfPtr> MakeConf(const KafkaSettings& settings, const Properties& defaults, const Properties& forced) {
  ConfPtr conf(rd_kafka_conf_new());
  // librdkafka logs to stderr by default ("1/1 brokers are down" per retry):
  // klog reports an error once, in its own line, so its log is off.
  rd_kafka_conf_set_log_cb(conf.get(), nullptr);
  KLOG_RETURN_IF_ERROR(Set(conf.get(), "bootstrap.servers", settings.brokers));
  for (const auto& [n, v] : defaults) KLOG_RETURN_IF_ERROR(Set(conf.get(), n, v));
  for (const auto& [n, v] : settings.properties) KLOG_RETURN_IF_ERROR(Set(conf.get(), n, v));
  for (const auto& [n, v] : forced) KLOG_RETURN_IF_ERROR(Set(conf.get(), n, v));
  return conf;
}

Status ValidateSettings(const KafkaSettings& settings) {
  auto conf = MakeConf(settings, {}, {});
  return conf.ok() ? Status::Ok() : conf.status();
}

Status CheckProperties(const Properties& properties, const std::string& source) {
  ConfPtr conf(rd_kafka_conf_new());
  for (const auto& [n, v] : properties) KLOG_RETURN_IF_ERROR(Set(conf.get(), n, v, source + ": "));
  return Status::Ok();
}

Result<HandlePtr> NewHandle(rd_kafka_type_t type, ConfPtr conf) {
  char err[512];
  rd_kafka_t* k = rd_kafka_new(type, conf.get(), err, sizeof err);
  if (!k) return Status::InvalidArgument(std::string("Kafka client settings: ") + err);
  conf.release();  // rd_kafka_new owns it now
  return HandlePtr(k);
}

Status StatusFromError(rd_kafka_resp_err_t err, const std::string& what, const std::string& brokers) {
  std::string msg = what + ": " + rd_kafka_err2str(err);
  switch (err) {
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__RESOLVE:
      return Status::Unavailable(msg + " (brokers " + brokers + ")");
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
      return Status::NotFound(msg);
    default:
      return Status::IOError(msg + " (brokers " + brokers + ")");
  }
}

}  // namespace klog::kafka
