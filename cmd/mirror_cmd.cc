// klog mirror SOURCE TARGET: topics and group offsets between directories
// and Kafka clusters.
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "backend/stop_signals.h"
#include "cli.h"
#include "mirror/mirror.h"
#include "util/clock.h"
#include "util/name.h"
#include "util/parse.h"
#include "util/state_json.h"

namespace klog::cmd {
namespace {

struct MirrorFlags {
  std::string source, target;
  std::vector<std::string> topics, groups;
  bool follow = false;
  bool dry_run = false;
  bool json = false;
  std::string fsync = "never";
};

std::string PlanTable(const mirror::MirrorPlan& plan) {
  std::vector<std::vector<std::string>> rows = {
      {"TOPIC", "PARTITION", "SOURCE-START", "SOURCE-END", "TARGET-END", "TO-COPY", "NOTE"}};
  for (const auto& t : plan.topics)
    for (const auto& p : t.partitions) {
      std::string note = t.create ? "create topic" : "-";
      if (p.start_target_at) note = (t.create ? "create topic, " : "") + std::string("start at ") +
                                    std::to_string(*p.start_target_at);
      rows.push_back({t.topic, std::to_string(p.partition), std::to_string(p.source_start),
                      std::to_string(p.source_end), std::to_string(p.target_end), std::to_string(p.records()), note});
    }
  std::string out = FormatTable(rows);
  for (const auto& g : plan.groups)
    out += "group " + g.group + ": " + std::to_string(g.offsets.size()) + " committed offsets to copy\n";
  return out;
}

std::string PlanJson(const mirror::MirrorPlan& plan) {
  nlohmann::ordered_json doc;
  doc["partitions"] = nlohmann::ordered_json::array();
  for (const auto& t : plan.topics)
    for (const auto& p : t.partitions) {
      nlohmann::ordered_json row = {{"topic", t.topic},           {"partition", p.partition},
                                    {"source_start", p.source_start}, {"source_end", p.source_end},
                                    {"target_end", p.target_end},     {"records", p.records()},
                                    {"create_topic", t.create}};
      row["start_target_at"] = util::IntOrNull<nlohmann::ordered_json>(p.start_target_at);
      doc["partitions"].push_back(row);
    }
  doc["groups"] = nlohmann::ordered_json::array();
  for (const auto& g : plan.groups) {
    nlohmann::ordered_json offsets = nlohmann::ordered_json::array();
    for (const auto& o : g.offsets) offsets.push_back({{"topic", o.topic}, {"partition", o.partition}, {"offset", o.offset}});
    doc["groups"].push_back({{"group", g.group}, {"offsets", offsets}});
  }
  doc["records"] = plan.records();
  return doc.dump() + "\n";
}

// "1,234 records, 5.6 MiB, 12,000 rec/s, ETA 3s", redrawn in place.
class ProgressLine {
 public:
  explicit ProgressLine(bool on) : on_(on), start_ms_(util::NowMs()) {}
  void Draw(const mirror::MirrorProgress& p) {
    if (!on_) return;
    double secs = std::max<int64_t>(1, util::NowMs() - start_ms_) / 1000.0;
    double rate = static_cast<double>(p.records) / secs;
    std::string line = "\rklog: mirror: " + std::to_string(p.records) + " records, " +
                       util::FormatSize(static_cast<uint64_t>(p.bytes)) + ", " +
                       std::to_string(static_cast<int64_t>(rate)) + " records/s";
    if (p.planned > p.records && rate > 0)
      line += ", ETA " + util::FormatDurationMs(static_cast<int64_t>((p.planned - p.records) / rate * 1000));
    line += "\033[K";
    drawn_ = true;
    (void)!::write(2, line.data(), line.size());
  }
  ~ProgressLine() {
    if (drawn_) (void)!::write(2, "\n", 1);
  }

 private:
  bool on_;
  int64_t start_ms_;
  bool drawn_ = false;
};

// One side, opened; a directory side's problems told in mirror's terms
// (the shared wording points at --dir, which mirror does not take).
std::unique_ptr<backend::Backend> OpenSide(const char* side, const std::string& text, const backend::Where& where,
                                           DirUse use) {
  auto opened = backend::OpenBackend(where, use == DirUse::kMustExist);
  if (opened.ok()) return std::move(opened).value();
  Status st = opened.status();
  if (!where.cluster && st.code() == Code::kNotFound)
    st = Status::NotFound(std::string(side) + " '" + text +
                          "' does not exist: name a klog data directory or kafka://HOST:PORT");
  else if (!where.cluster && st.code() == Code::kInvalidArgument)
    st = Status::InvalidArgument(std::string(side) + " '" + text + "' is not a directory: name " +
                                 (use == DirUse::kMustExist ? "a klog data directory"
                                                            : "a directory (mirror creates a missing one)") +
                                 " or kafka://HOST:PORT");
  throw CLI::RuntimeError(Fail(st));
}

int Run(const Globals& g, const MirrorFlags& f) {
  for (const auto& t : f.topics) {
    Status st = util::ValidateName(t, "topic");
    if (!st.ok()) return UsageError("--topic: " + st.message());
  }
  for (const auto& grp : f.groups) CheckGroupName(grp);
  if (f.json && !f.dry_run) return UsageError("--json needs --dry-run (it formats the plan)");
  if (f.follow && f.dry_run) return UsageError("-f and --dry-run contradict each other (a plan is printed once)");
  backend::WhereFlags globals = WhereFlagsFrom(g);
  if (!g.dir.empty() || !g.brokers.empty())
    return UsageError("mirror names both sides itself: leave out --dir and --brokers (SOURCE and TARGET are each a "
                      "directory or kafka://HOST:PORT)");
  auto source = backend::WhereOf(f.source, globals);
  if (!source.ok()) return UsageError("SOURCE " + source.status().message());
  auto target = backend::WhereOf(f.target, globals);
  if (!target.ok()) return UsageError("TARGET " + target.status().message());
  if (!source->cluster && !target->cluster && !g.properties.empty())
    return UsageError("-X sets a Kafka client property: neither SOURCE nor TARGET is kafka://HOST:PORT");
  if (backend::SamePlace(*source, *target))
    return UsageError("SOURCE and TARGET are the same place ('" + f.source + "'): name two different ones");

  auto from = OpenSide("SOURCE", f.source, *source, DirUse::kMustExist);
  auto to = OpenSide("TARGET", f.target, *target, DirUse::kMayBeMissing);
  mirror::MirrorOptions options;
  options.topics = f.topics;
  options.groups = f.groups;
  options.follow = f.follow;
  options.fsync = ParseFlag("--fsync", backend::ParseFsyncPolicy(f.fsync));
  options.warn = [&g](const std::string& message) { Warn(g, message); };
  auto plan = mirror::PlanMirror(*from, *to, options);
  if (!plan.ok()) return Fail(plan.status());
  for (const auto& w : plan->warnings) Warn(g, "warning: " + w);
  if (f.dry_run) return PrintAndExit(f.json ? PlanJson(*plan) : PlanTable(*plan));

  const std::atomic<bool>* stop = backend::CatchStopSignals();
  ProgressLine line(!g.quiet && ::isatty(2));
  int64_t copied = 0;
  Status st = mirror::RunMirror(*from, *to, *plan, options, stop, [&](const mirror::MirrorProgress& p) {
    copied = p.records;
    line.Draw(p);
  });
  if (!st.ok()) return Fail(st);
  if (g.verbose)
    Note(g, "mirrored " + std::to_string(copied) + (copied == 1 ? " record" : " records") + " from " + f.source +
                " to " + f.target);
  return kExitOk;
}

}  // namespace

void AddMirrorCommand(CLI::App& app, Globals& g, Action& action) {
  auto f = std::make_shared<MirrorFlags>();
  auto* sub = app.add_subcommand(
      "mirror",
      "Copy topics (and group offsets) between a data\ndirectory and a Kafka cluster, keeping offsets\n"
      "Example: klog mirror ~/.local/share/klog \\\n  kafka://broker:9092 --topic events");
  sub->add_option("SOURCE", f->source, "A data directory or kafka://HOST:PORT[,...]")->required();
  sub->add_option("TARGET", f->target, "A data directory or kafka://HOST:PORT[,...]")->required();
  sub->add_option("--topic", f->topics, "Mirror this topic (repeatable; default: all)")->type_name("TOPIC");
  sub->add_option("--group", f->groups, "Copy this group's committed offsets (repeatable)")->type_name("GROUP");
  sub->add_flag("-f,--follow", f->follow, "Keep copying new records until SIGINT/SIGTERM");
  sub->add_option("--fsync", f->fsync,
                  "When to fsync a directory target:\nnever (default), batch or always")
      ->type_name("POLICY")
      ->check(CLI::IsMember({"never", "batch", "always"}));
  sub->add_flag("--dry-run", f->dry_run, "Only print the plan");
  sub->add_flag("--json", f->json, "With --dry-run: the plan as one JSON document");
  sub->callback([&, f] { action = [&, f] { return Run(g, *f); }; });
}

}  // namespace klog::cmd
