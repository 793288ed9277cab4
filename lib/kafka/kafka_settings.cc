#include "kafka/kafka_settings.h"

#include "os/file.h"
#include "util/parse.h"

namespace klog::kafka {
namespace {

std::string Trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  size_t b = s.find_last_not_of(" \t\r");
  return s.substr(a, b - a + 1);
}

// kafka.conf is a few lines: more than this is not a config file.
constexpr uint64_t kMaxConfigFileBytes = 1 << 20;

}  // namespace

Result<std::pair<std::string, std::string>> ParseProperty(const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos)
    return Status::InvalidArgument("'" + text + "': expected NAME=VALUE (a librdkafka property, e.g. client.id=etl)");
  std::string name = Trim(text.substr(0, eq));
  if (name.empty()) return Status::InvalidArgument("'" + text + "': the property name is empty (expected NAME=VALUE)");
  return std::make_pair(name, text.substr(eq + 1));
}

Result<std::vector<std::pair<std::string, std::string>>> ParseConfigFile(const std::string& text,
                                                                         const std::string& path) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t start = 0;
  for (int line = 1; start <= text.size(); ++line) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string l = Trim(text.substr(start, end - start));
    start = end + 1;
    if (l.empty() || l[0] == '#') continue;
    auto eq = l.find('=');
    std::string name = eq == std::string::npos ? "" : Trim(l.substr(0, eq));
    if (name.empty())
      return Status::InvalidArgument(path + " line " + std::to_string(line) +
                                     ": expected NAME=VALUE (a librdkafka property) or a # comment");
    out.emplace_back(name, Trim(l.substr(eq + 1)));
  }
  return out;
}

Result<std::string> ConfigFilePath(const char* klog_kafka_config_env, const char* xdg_config_home_env,
                                   const char* home_env) {
  if (klog_kafka_config_env && *klog_kafka_config_env) {
    std::string p = klog_kafka_config_env;
    if (!os::Exists(p))
      return Status::NotFound("$KLOG_KAFKA_CONFIG names '" + p + "', which does not exist (unset it or create the file)");
    return p;
  }
  std::string base;
  if (xdg_config_home_env && *xdg_config_home_env) base = xdg_config_home_env;
  else if (home_env && *home_env) base = std::string(home_env) + "/.config";
  else return std::string();
  std::string p = base + "/klog/kafka.conf";
  return os::Exists(p) ? p : std::string();
}

Status ValidateBrokers(const std::string& brokers, const std::string& source) {
  if (brokers.empty()) return Status::InvalidArgument(source + ": empty (expected HOST:PORT[,HOST:PORT...])");
  size_t start = 0;
  while (start <= brokers.size()) {
    size_t end = brokers.find(',', start);
    if (end == std::string::npos) end = brokers.size();
    std::string b = brokers.substr(start, end - start);
    start = end + 1;
    auto colon = b.rfind(':');
    bool ok = colon != std::string::npos && colon > 0 && util::ParseInt(b.substr(colon + 1), 1, 65535).ok();
    if (!ok)
      return Status::InvalidArgument(source + ": '" + b + "' is not HOST:PORT (expected HOST:PORT[,HOST:PORT...])");
  }
  return Status::Ok();
}

Result<std::vector<std::pair<std::string, std::string>>> LoadProperties(
    const std::string& path, const std::vector<std::pair<std::string, std::string>>& flags) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!path.empty()) {
    auto text = os::ReadFile(path, kMaxConfigFileBytes);
    if (!text.ok()) return text.status();
    auto file = ParseConfigFile(*text, path);
    if (!file.ok()) return file.status();
    for (auto& p : *file) {
      bool overridden = false;
      for (const auto& f : flags) overridden |= f.first == p.first;
      if (!overridden) out.push_back(std::move(p));
    }
  }
  out.insert(out.end(), flags.begin(), flags.end());
  return out;
}

}  // namespace klog::kafka
