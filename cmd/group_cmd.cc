// klog group list|describe|delete
#include <nlohmann/json.hpp>

#include "cli.h"
#include "format/group_metrics.h"
#include "util/parse.h"
#include "util/state_json.h"

namespace klog::cmd {
namespace {

std::string DescribeTable(const backend::GroupView& v) {
  std::string out = "Group: " + v.name + "  State: " + v.state + "  Generation: " + std::to_string(v.generation) +
                    "  Members: " + std::to_string(v.live_members) + "\n\n";
  std::vector<std::vector<std::string>> rows = {
      {"TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "MEMBER-ID", "HOST", "PID"}};
  for (const auto& p : v.partitions) {
    std::string host = "-", pid = "-";
    for (const auto& m : v.members)
      if (m.info.id == p.owner) host = m.info.host, pid = std::to_string(m.info.pid);
    rows.push_back({p.topic, std::to_string(p.partition), OffsetCell(p.committed), std::to_string(p.log_end),
                    LagCell(p), p.owner.empty() ? "-" : p.owner, host, pid});
  }
  out += FormatTable(rows);
  if (!v.members.empty()) {
    std::vector<std::vector<std::string>> mrows = {{"MEMBER-ID", "HOST", "PID", "STATUS", "LAST-HEARTBEAT", "PARTITIONS"}};
    for (const auto& m : v.members) {
      std::string parts;
      for (const auto& [t, p] : m.partitions) parts += (parts.empty() ? "" : ",") + t + ":" + std::to_string(p);
      mrows.push_back({m.info.id, m.info.host, std::to_string(m.info.pid), backend::LivenessName(m.liveness),
                       m.last_heartbeat_ms ? util::FormatIsoTimeMs(m.last_heartbeat_ms) : "-",
                       parts.empty() ? "-" : parts});
    }
    out += "\n" + FormatTable(mrows);
  }
  out += "\nTOTAL-LAG: " + std::to_string(v.total_lag) + "\n";
  return out;
}

nlohmann::ordered_json DescribeJson(const backend::GroupView& v) {
  nlohmann::ordered_json j;
  j["group"] = v.name;
  j["state"] = v.state;
  j["generation"] = v.generation;
  j["live_members"] = v.live_members;
  j["total_lag"] = v.total_lag;
  j["partitions"] = nlohmann::ordered_json::array();
  for (const auto& p : v.partitions) {
    nlohmann::ordered_json pj = {{"topic", p.topic}, {"partition", p.partition}};
    pj["current_offset"] = util::IntOrNull<nlohmann::ordered_json>(p.committed);
    pj["log_start_offset"] = p.log_start;
    pj["log_end_offset"] = p.log_end;
    pj["lag"] = p.lag;
    pj["out_of_range"] = p.out_of_range;
    pj["member_id"] = p.owner.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(p.owner);
    j["partitions"].push_back(pj);
  }
  j["members"] = nlohmann::ordered_json::array();
  for (const auto& m : v.members) {
    nlohmann::ordered_json mj = {{"member_id", m.info.id},           {"host", m.info.host},
                                 {"pid", m.info.pid},                {"status", backend::LivenessName(m.liveness)},
                                 {"last_heartbeat_ms", m.last_heartbeat_ms}, {"topics", m.info.topics}};
    mj["partitions"] = nlohmann::ordered_json::array();
    for (const auto& [t, p] : m.partitions) mj["partitions"].push_back({{"topic", t}, {"partition", p}});
    j["members"].push_back(mj);
  }
  return j;
}

}  // namespace

void AddGroupCommands(CLI::App& app, Globals& g, Action& action) {
  CLI::App* grp = app.add_subcommand("group", "List, describe and delete consumer groups");
  grp->require_subcommand(1);
  {
    auto* sub = grp->add_subcommand("list", "List groups with state, members and lag\nExample: klog group list");
    auto json = std::make_shared<bool>(false);
    sub->add_flag("--json", *json, "One JSON document instead of a table");
    sub->callback([&, json] {
      action = [&, json] {
        auto store = OpenBackendFrom(g);
        auto names = store->ListGroups();
        if (!names.ok()) return Fail(names.status());
        std::vector<std::vector<std::string>> rows = {{"GROUP", "STATE", "MEMBERS", "LAG"}};
        auto arr = nlohmann::ordered_json::array();
        for (const auto& n : *names) {
          auto v = store->DescribeGroup(n);
          if (!v.ok()) return Fail(v.status());
          rows.push_back({n, v->state, std::to_string(v->live_members), std::to_string(v->total_lag)});
          arr.push_back({{"group", n}, {"state", v->state}, {"members", v->live_members}, {"total_lag", v->total_lag}});
        }
        if (*json) return PrintAndExit(arr.dump() + "\n");
        return PrintAndExit(names->empty() ? "" : FormatTable(rows));
      };
    });
  }
  {
    auto* sub = grp->add_subcommand(
        "describe", "Offsets, lag, owners and members of a group\nExample: klog group describe billing");
    auto name = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    auto format = std::make_shared<std::string>("table");
    sub->add_option("GROUP", *name, "Group name")->required();
    sub->add_flag("--json", *json, "One JSON document instead of a table");
    sub->add_option("--format", *format, "table (default), json or prometheus\n(node-exporter textfile metrics)")
        ->type_name("FORMAT")
        ->check(CLI::IsMember({"table", "json", "prometheus"}));
    sub->callback([&, name, json, format] {
      action = [&, name, json, format] {
        CheckGroupName(*name);
        auto v = OpenBackendFrom(g)->DescribeGroup(*name);
        if (!v.ok()) return Fail(v.status());
        if (*json || *format == "json") return PrintAndExit(DescribeJson(*v).dump() + "\n");
        if (*format == "prometheus") return PrintAndExit(format::GroupMetrics(*v));
        return PrintAndExit(DescribeTable(*v));
      };
    });
  }
  {
    auto* sub = grp->add_subcommand("delete", "Delete a group and its offsets (refused\nwhile it has live members)\nExample: klog group delete billing");
    auto name = std::make_shared<std::string>();
    sub->add_option("GROUP", *name, "Group name")->required();
    sub->callback([&, name] {
      action = [&, name] {
        CheckGroupName(*name);
        Status st = OpenBackendFrom(g)->DeleteGroup(*name);
        return st.ok() ? kExitOk : Fail(st);
      };
    });
  }
}

}  // namespace klog::cmd
