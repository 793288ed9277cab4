#include "cli.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "backend/backend.h"
#include "format/output.h"
#include "util/name.h"
#include "util/parse.h"

namespace klog::cmd {

int Fail(const Status& status) {
  std::string line = "klog: error: " + status.message() + "\n";
  (void)!::write(2, line.data(), line.size());
  switch (status.code()) {
    case Code::kOk:
      return kExitOk;
    case Code::kBusy:
      return kExitRefused;
    case Code::kNotSupported:  // the contract: a command this backend cannot run is a usage error
      return kExitUsage;
    default:
      return kExitRuntime;
  }
}

int UsageError(const std::string& message) {
  std::string line = "klog: error: " + message + "\n";
  (void)!::write(2, line.data(), line.size());
  return kExitUsage;
}

void Note(const Globals& g, const std::string& message) {
  if (g.quiet || !(g.verbose || ::isatty(2))) return;
  std::string line = "klog: " + message + "\n";
  (void)!::write(2, line.data(), line.size());
}

void Warn(const Globals& g, const std::string& message) {
  if (g.quiet) return;
  std::string line = "klog: " + message + "\n";
  (void)!::write(2, line.data(), line.size());
}

backend::WhereFlags WhereFlagsFrom(const Globals& g) {
  backend::WhereFlags flags;
  flags.dir = g.dir;
  flags.brokers = g.brokers;
  flags.properties = g.properties;
  flags.timeout = g.timeout;
  flags.klog_dir_env = std::getenv("KLOG_DIR");
  flags.klog_brokers_env = std::getenv("KLOG_BROKERS");
  flags.klog_kafka_config_env = std::getenv("KLOG_KAFKA_CONFIG");
  flags.xdg_config_home_env = std::getenv("XDG_CONFIG_HOME");
  flags.xdg_data_home_env = std::getenv("XDG_DATA_HOME");
  flags.home_env = std::getenv("HOME");
  return flags;
}

std::unique_ptr<backend::Backend> OpenWhere(const backend::Where& where, DirUse use) {
  auto opened = backend::OpenBackend(where, use == DirUse::kMustExist);
  if (!opened.ok()) throw CLI::RuntimeError(Fail(opened.status()));
  return std::move(opened).value();
}

std::unique_ptr<backend::Backend> OpenBackendFrom(const Globals& g, DirUse use) {
  auto where = backend::ResolveWhere(WhereFlagsFrom(g));
  if (!where.ok())
    throw CLI::RuntimeError(where.status().code() == Code::kInvalidArgument ? UsageError(where.status().message())
                                                                            : Fail(where.status()));
  return OpenWhere(*where, use);
}

std::string IntRangeMessage(const std::string& flag, const std::string& text, int64_t min, int64_t max) {
  // A number too large for int64 is not told "at least MIN", which it is:
  // name the real maximum then.
  bool too_large = false;
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    std::string digits = text.substr(std::min(text.find_first_not_of('0'), text.size()));
    const std::string top = std::to_string(INT64_MAX);
    too_large = digits.size() > top.size() || (digits.size() == top.size() && digits > top);
  }
  std::string range = max == INT64_MAX && !too_large
                          ? "a whole number of at least " + std::to_string(min)
                          : "between " + std::to_string(min) + " and " + std::to_string(max);
  return flag + ": must be " + range + ", not '" + text + "'";
}

std::string LagCell(const backend::PartitionView& p) {
  return std::to_string(p.lag) + (p.out_of_range ? " (offset out of range)" : "");
}

std::string OffsetCell(const std::optional<int64_t>& offset) { return offset ? std::to_string(*offset) : "-"; }

int ParseCompressionLevelFlag(const std::string& text) {
  return static_cast<int>(
      ParseFlag("--compression-level", util::ParseInt(text, backend::kMinZstdLevel, backend::kMaxZstdLevel)));
}

void CheckGroupName(const std::string& name) {
  Status st = util::ValidateName(name, "group");
  if (!st.ok()) throw CLI::RuntimeError(UsageError(st.message()));
}


int PrintAndExit(const std::string& text) {
  format::Output out;
  out.buffer() = text;
  Status st = out.Flush();
  if (!st.ok() && st.code() != Code::kOutputClosed) return Fail(st);
  return kExitOk;
}

}  // namespace klog::cmd
