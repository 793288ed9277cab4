// What every command shares: global flags, the data directory, error
// reporting ("klog: error: ..." in exactly one place) and exit codes.
#pragma once

#include <CLI/CLI.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "backend/open_backend.h"
#include "format/output.h"
#include "util/parse.h"
#include "util/text.h"
#include "util/status.h"

namespace klog::cmd {

// Exit codes (klog(1)): 0 ok, 1 runtime error, 2 usage error, 3 refused
// because a group has live members.
constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;
constexpr int kExitRefused = 3;

struct Globals {
  std::string dir;
  std::string brokers;                  // -b/--brokers
  std::vector<std::string> properties;  // -X NAME=VALUE
  std::string timeout;                  // --timeout
  bool quiet = false;
  bool verbose = false;
};

// The action a parsed subcommand runs; set by the subcommand's callback.
using Action = std::function<int()>;

// Prints "klog: error: MESSAGE" and returns the exit code for it.
int Fail(const Status& status);
// The same for a usage error (exit 2).
int UsageError(const std::string& message);
// A progress note on stderr: only with a terminal or -v, never with -q.
void Note(const Globals& g, const std::string& message);
// A warning on stderr unless -q.
void Warn(const Globals& g, const std::string& message);

// The data directory (--dir, $KLOG_DIR, else the XDG default). Something
// that is not a directory there fails the command (exit 1); so does a
// missing one with kMustExist (verify, retention). With kMayBeMissing a
// missing directory is left to the command: topic create makes it, topic and
// group list print nothing, the rest fail naming the unknown topic or group.
// The backend the global flags and environment choose, opened once per
// command; reports a failure (a usage error for bad flags) and throws.
enum class DirUse { kMayBeMissing, kMustExist };
std::unique_ptr<backend::Backend> OpenBackendFrom(const Globals& g, DirUse use = DirUse::kMayBeMissing);
// The global flags and the environment, as the backend layer takes them.
backend::WhereFlags WhereFlagsFrom(const Globals& g);
// Opens what `where` names (reports a failure and throws, as OpenBackendFrom).
std::unique_ptr<backend::Backend> OpenWhere(const backend::Where& where, DirUse use);

// Converts a flag value with a lib parser; on error prints it and exits 2
// (throws CLI::RuntimeError, caught by main).
template <typename T>
T ParseFlag(const std::string& flag, const Result<T>& parsed) {
  if (!parsed.ok()) throw CLI::RuntimeError(UsageError(flag + ": " + parsed.status().message()));
  return parsed.value();
}

// "FLAG: must be between MIN and MAX, not 'TEXT'" (or "a whole number of at
// least MIN" when there is no real maximum and TEXT is not a number too large
// for it).
std::string IntRangeMessage(const std::string& flag, const std::string& text, int64_t min, int64_t max);

// An integer option whose value must lie in [min, max], checked when it is
// parsed with util::ParseInt: a bad, empty or huge value is one usage error
// naming the flag and the range (not CLI11's "Could not convert" or its
// DBL_MAX bounds, and never a silent 0, -1 or "all").
template <typename T>
CLI::Option* AddIntOption(CLI::App* sub, const std::string& names, T& target, int64_t min, int64_t max,
                          const std::string& help) {
  std::string flag = names.substr(names.rfind(',') + 1);
  return sub->add_option_function<std::string>(
      names,
      [&target, flag, min, max](const std::string& text) {
        auto v = util::ParseInt(text, min, max);
        if (!v.ok()) throw CLI::RuntimeError(UsageError(IntRangeMessage(flag, text, min, max)));
        target = static_cast<T>(*v);
      },
      help);
}

using util::FormatTable;

// An offset that may be missing (nothing committed): "-" in a table cell
// (util::IntOrNull writes it as null in JSON).
std::string OffsetCell(const std::optional<int64_t>& offset);

// A partition's LAG in group describe and offset show: the number, and
// "(offset out of range)" when the committed offset is not in the log.
std::string LagCell(const backend::PartitionView& p);

// --compression-level N (1-19); throws a usage error otherwise.
int ParseCompressionLevelFlag(const std::string& text);

// Throws a usage error (exit 2) unless `name` is a valid group name.
void CheckGroupName(const std::string& name);

// Writes a whole string to stdout at once (tables, JSON documents).
int PrintAndExit(const std::string& text);

void AddTopicCommands(CLI::App& app, Globals& g, Action& action);
void AddProduceCommand(CLI::App& app, Globals& g, Action& action);
void AddConsumeCommand(CLI::App& app, Globals& g, Action& action);
void AddGroupCommands(CLI::App& app, Globals& g, Action& action);
void AddOffsetCommands(CLI::App& app, Globals& g, Action& action);
void AddMaintenanceCommands(CLI::App& app, Globals& g, Action& action);
void AddMirrorCommand(CLI::App& app, Globals& g, Action& action);

}  // namespace klog::cmd
