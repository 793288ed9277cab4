// klog offset reset|show|history|commit
#include <nlohmann/json.hpp>

#include "cli.h"
#include "util/clock.h"
#include "util/name.h"
#include "util/parse.h"
#include "util/state_json.h"

namespace klog::cmd {
namespace {

struct ResetFlags {
  std::string group;
  std::vector<std::string> topics;
  bool all_topics = false;
  bool to_earliest = false, to_latest = false, to_previous = false;
  std::string to_offset, shift_by, to_datetime, by_duration, to_entry;
  bool dry_run = false, execute = false, json = false;
  // The modes with a value count as given even with an empty one
  // (`--to-datetime "$T"` with T unset is an error, not "no mode").
  CLI::Option *to_offset_flag = nullptr, *shift_by_flag = nullptr, *to_datetime_flag = nullptr,
              *by_duration_flag = nullptr, *to_entry_flag = nullptr;
};

backend::ResetSpec SpecFrom(const ResetFlags& f) {
  std::vector<backend::ResetSpec> modes;
  if (f.to_earliest) modes.push_back({backend::ResetMode::kEarliest, 0});
  if (f.to_latest) modes.push_back({backend::ResetMode::kLatest, 0});
  if (f.to_previous) modes.push_back({backend::ResetMode::kPrevious, 0});
  if (f.to_offset_flag->count() > 0)
    modes.push_back({backend::ResetMode::kOffset, ParseFlag("--to-offset", util::ParseInt(f.to_offset, 0, INT64_MAX))});
  if (f.shift_by_flag->count() > 0)
    modes.push_back({backend::ResetMode::kShiftBy, ParseFlag("--shift-by", util::ParseInt(f.shift_by, INT64_MIN / 2, INT64_MAX / 2))});
  if (f.to_datetime_flag->count() > 0)
    modes.push_back({backend::ResetMode::kDatetime, ParseFlag("--to-datetime", util::ParseIsoTimeMs(f.to_datetime))});
  if (f.by_duration_flag->count() > 0)
    modes.push_back({backend::ResetMode::kDuration, ParseFlag("--by-duration", util::ParseDurationMs(f.by_duration))});
  if (f.to_entry_flag->count() > 0)
    modes.push_back({backend::ResetMode::kEntry, ParseFlag("--to-entry", util::ParseInt(f.to_entry, 1, INT64_MAX))});
  if (modes.size() != 1)
    throw CLI::RuntimeError(UsageError(
        std::string(modes.empty() ? "no reset mode given" : "more than one reset mode given") +
        ": use exactly one of --to-earliest, --to-latest, --to-offset, --shift-by, --to-datetime, --by-duration, "
        "--to-previous, --to-entry"));
  return modes[0];
}

std::string Change(const backend::PlanRow& r) {
  if (!r.new_offset) return r.old_offset ? "remove" : "none";
  if (!r.old_offset) return "start at " + std::to_string(*r.new_offset);
  int64_t d = *r.new_offset - *r.old_offset;
  if (d < 0) return "replay " + std::to_string(-d);
  if (d > 0) return "skip " + std::to_string(d);
  return "none";
}

std::string PlanTable(const std::vector<backend::PlanRow>& plan) {
  std::vector<std::vector<std::string>> rows = {
      {"TOPIC", "PARTITION", "OLD-OFFSET", "NEW-OFFSET", "LOG-START", "LOG-END", "CHANGE", "CLAMPED"}};
  for (const auto& r : plan)
    rows.push_back({r.topic, std::to_string(r.partition), OffsetCell(r.old_offset), OffsetCell(r.new_offset),
                    std::to_string(r.log_start), std::to_string(r.log_end), Change(r),
                    r.clamped ? "yes (asked " + OffsetCell(r.requested) + ")" : "no"});
  return FormatTable(rows);
}

nlohmann::ordered_json PlanJson(const std::string& group, const std::vector<backend::PlanRow>& plan, bool executed) {
  nlohmann::ordered_json j;
  j["group"] = group;
  j["executed"] = executed;
  j["partitions"] = nlohmann::ordered_json::array();
  for (const auto& r : plan) {
    nlohmann::ordered_json row = {{"topic", r.topic}, {"partition", r.partition}};
    row["old_offset"] = util::IntOrNull<nlohmann::ordered_json>(r.old_offset);
    row["new_offset"] = util::IntOrNull<nlohmann::ordered_json>(r.new_offset);
    row["requested_offset"] = util::IntOrNull<nlohmann::ordered_json>(r.requested);
    row["log_start_offset"] = r.log_start;
    row["log_end_offset"] = r.log_end;
    row["delta"] = r.old_offset && r.new_offset ? *r.new_offset - *r.old_offset : 0;
    row["clamped"] = r.clamped;
    j["partitions"].push_back(row);
  }
  return j;
}

int RunReset(const Globals& g, const ResetFlags& f) {
  CheckGroupName(f.group);
  backend::ResetSpec spec = SpecFrom(f);
  bool undo = spec.mode == backend::ResetMode::kPrevious || spec.mode == backend::ResetMode::kEntry;
  if (f.dry_run && f.execute) return UsageError("--dry-run and --execute cannot both be given");
  if (!f.topics.empty() && f.all_topics) return UsageError("give either --topic or --all-topics, not both");
  if (f.topics.empty() && !f.all_topics && !undo) return UsageError("name the partitions: --topic T[:P[,P...]] or --all-topics");
  std::vector<backend::TopicSelection> sel;
  for (const auto& t : f.topics) sel.push_back(ParseFlag("--topic", backend::ParseTopicSelection(t)));
  auto store = OpenBackendFrom(g);
  auto plan = store->PlanReset(f.group, sel, spec, util::NowMs());
  if (!plan.ok()) return Fail(plan.status());
  if (f.execute) {
    Status st = store->ExecuteReset(f.group, *plan, undo ? "undo" : "reset");
    if (!st.ok()) return Fail(st);
  } else {
    auto live = store->LiveMembersLine(f.group);
    if (live.ok() && !live->empty())
      Warn(g, "warning: group '" + f.group + "' has live members; --execute would be refused: " + *live);
    Note(g, "dry run: nothing changed (add --execute to apply this plan)");
  }
  if (f.json) return PrintAndExit(PlanJson(f.group, *plan, f.execute).dump() + "\n");
  return PrintAndExit(PlanTable(*plan));
}

int RunShow(const Globals& g, const std::string& grp, bool json) {
  CheckGroupName(grp);
  auto v = OpenBackendFrom(g)->DescribeGroup(grp);
  if (!v.ok()) return Fail(v.status());
  if (json) {
    auto arr = nlohmann::ordered_json::array();
    for (const auto& p : v->partitions) {
      nlohmann::ordered_json row = {{"topic", p.topic}, {"partition", p.partition}};
      row["current_offset"] = util::IntOrNull<nlohmann::ordered_json>(p.committed);
      row["log_end_offset"] = p.log_end;
      row["lag"] = p.lag;
      row["out_of_range"] = p.out_of_range;
      arr.push_back(row);
    }
    return PrintAndExit(arr.dump() + "\n");
  }
  std::vector<std::vector<std::string>> rows = {{"TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG"}};
  for (const auto& p : v->partitions)
    rows.push_back({p.topic, std::to_string(p.partition), OffsetCell(p.committed),
                    std::to_string(p.log_end), LagCell(p)});
  return PrintAndExit(FormatTable(rows));
}

int RunHistory(const Globals& g, const std::string& grp, bool json, int64_t last) {
  CheckGroupName(grp);
  auto journal = OpenBackendFrom(g)->OffsetHistory(grp);
  if (!journal.ok()) return Fail(journal.status());
  size_t from = last > 0 && static_cast<size_t>(last) < journal->size() ? journal->size() - last : 0;
  if (json) {
    auto arr = nlohmann::ordered_json::array();
    for (size_t i = from; i < journal->size(); ++i) {
      const auto& e = (*journal)[i];
      nlohmann::ordered_json ej = {{"entry", e.seq}, {"ts", e.ts_ms}, {"kind", e.kind}, {"actor", e.actor}};
      ej["changes"] = nlohmann::ordered_json::array();
      for (const auto& c : e.changes) {
        nlohmann::ordered_json cj = {{"topic", c.topic}, {"partition", c.partition}};
        cj["old"] = util::IntOrNull<nlohmann::ordered_json>(c.old_offset);
        cj["new"] = util::IntOrNull<nlohmann::ordered_json>(c.new_offset);
        ej["changes"].push_back(cj);
      }
      arr.push_back(ej);
    }
    return PrintAndExit(arr.dump() + "\n");
  }
  std::vector<std::vector<std::string>> rows = {{"ENTRY", "TIME", "KIND", "ACTOR", "TOPIC", "PARTITION", "OLD", "NEW"}};
  for (size_t i = from; i < journal->size(); ++i) {
    const auto& e = (*journal)[i];
    for (const auto& c : e.changes)
      rows.push_back({std::to_string(e.seq), util::FormatIsoTimeMs(e.ts_ms), e.kind, e.actor, c.topic,
                      std::to_string(c.partition), OffsetCell(c.old_offset), OffsetCell(c.new_offset)});
  }
  return PrintAndExit(FormatTable(rows));
}

int RunCommit(const Globals& g, const std::string& grp, const std::vector<std::string>& specs) {
  CheckGroupName(grp);
  auto offsets = backend::ParseCommitSpecs(specs);
  if (!offsets.ok()) return UsageError(offsets.status().message());
  Status st = OpenBackendFrom(g)->Commit(grp, *offsets);
  return st.ok() ? kExitOk : Fail(st);
}

}  // namespace

void AddOffsetCommands(CLI::App& app, Globals& g, Action& action) {
  CLI::App* off = app.add_subcommand("offset", "Show, rewind, commit and undo a group's offsets");
  off->require_subcommand(1);
  {
    auto f = std::make_shared<ResetFlags>();
    auto* sub = off->add_subcommand(
        "reset",
        "Plan, or --execute, a reset of a group's offsets\nExample: klog offset reset -g billing \\\n  --topic events --by-duration 1h --execute");
    sub->add_option("-g,--group", f->group, "Group to reset")->required()->type_name("GROUP");
    sub->add_option("--topic", f->topics, "Topic, or TOPIC:P[,P...] for some partitions\n(repeatable)")
        ->type_name("T[:P[,P...]]");
    sub->add_flag("--all-topics", f->all_topics, "Every topic the group has offsets for");
    sub->add_flag("--to-earliest", f->to_earliest, "To the oldest record still kept");
    sub->add_flag("--to-latest", f->to_latest, "To the end (skip everything)");
    f->to_offset_flag = sub->add_option("--to-offset", f->to_offset, "To offset N")->type_name("N");
    f->shift_by_flag = sub->add_option("--shift-by", f->shift_by, "Move by N (negative: replay N records)")->type_name("N");
    f->to_datetime_flag = sub->add_option("--to-datetime", f->to_datetime, "To the first record at or after an ISO-8601 time")
        ->type_name("TIME");
    f->by_duration_flag = sub->add_option("--by-duration", f->by_duration, "To the first record of the last DURATION (e.g. 1h)")
        ->type_name("DURATION");
    sub->add_flag("--to-previous", f->to_previous, "Undo: back to the offsets before the last reset");
    f->to_entry_flag = sub->add_option("--to-entry", f->to_entry, "Undo history entry N: back to the offsets\nbefore it")->type_name("N");
    sub->add_flag("--dry-run", f->dry_run, "Only print the plan (the default)");
    sub->add_flag("--execute", f->execute, "Apply the plan, to all partitions or none");
    sub->add_flag("--json", f->json, "The plan as one JSON document");
    sub->callback([&, f] { action = [&, f] { return RunReset(g, *f); }; });
  }
  {
    auto grp = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    auto* sub = off->add_subcommand("show", "A group's committed offsets and lag\nExample: klog offset show -g billing");
    sub->add_option("-g,--group", *grp, "Group")->required()->type_name("GROUP");
    sub->add_flag("--json", *json, "One JSON document instead of a table");
    sub->callback([&, grp, json] { action = [&, grp, json] { return RunShow(g, *grp, *json); }; });
  }
  {
    auto grp = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    auto last = std::make_shared<int64_t>(0);
    auto* sub = off->add_subcommand("history", "Who moved which offset when\nExample: klog offset history -g billing -n 20");
    sub->add_option("-g,--group", *grp, "Group")->required()->type_name("GROUP");
    AddIntOption(sub, "-n,--last", *last, 1, INT64_MAX, "Only the last N entries")->type_name("N");
    sub->add_flag("--json", *json, "One JSON document instead of a table");
    sub->callback([&, grp, json, last] { action = [&, grp, json, last] { return RunHistory(g, *grp, *json, *last); }; });
  }
  {
    auto grp = std::make_shared<std::string>();
    auto specs = std::make_shared<std::vector<std::string>>();
    auto* sub = off->add_subcommand(
        "commit", "Commit offsets (for scripts that track progress)\nExample: klog offset commit -g etl events:0=42");
    sub->add_option("-g,--group", *grp, "Group")->required()->type_name("GROUP");
    sub->add_option("OFFSETS", *specs, "TOPIC:PARTITION=OFFSET (repeatable)")->required();
    sub->callback([&, grp, specs] { action = [&, grp, specs] { return RunCommit(g, *grp, *specs); }; });
  }
}

}  // namespace klog::cmd
