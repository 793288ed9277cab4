// `klog group describe/list/delete` telling the truth while a member runs
// and after it, and describe's Prometheus exposition text.
#include <doctest/doctest.h>
#include <signal.h>

#include <regex>

#include "e2e/group_util.h"

namespace klog::testing {

using nlohmann::json;

TEST_CASE("group: describe, list and delete tell the truth while a member runs and after") {
  CliFixture k;
  k.Ok({"topic", "create", "t", "--partitions", "3"});
  for (int p = 0; p < 3; ++p) k.Ok({"produce", "t", "-p", std::to_string(p)}, KeyedLines(0, 10 + p));
  {
    RunResult r = k.Run({"group", "describe", "G"});
    CHECK_KLOG_ERROR(r, 1, "unknown group 'G'");
  }
  CHECK(k.Ok({"group", "list"}) == "");
  CHECK(k.Ok({"group", "list", "--json"}) == "[]\n");

  auto m = StartMember(k, "m", {"consume", "t", "-g", "G", "-f", "--format", "%p %o\\n"});
  const int64_t pid = m->proc->pid();
  json d;
  REQUIRE(WaitFor([&] { return Settled(d = Describe(k, "G"), {pid}, {3}) && TotalLag(d) == 0; }, kStartupMs));
  // Caught up: each partition's CURRENT-OFFSET is its LOG-END-OFFSET.
  for (const auto& p : d["partitions"]) {
    int part = p["partition"];
    CHECK(p["log_end_offset"] == 10 + part);
    CHECK(p["current_offset"] == 10 + part);
    CHECK(p["lag"] == 0);
  }
  CHECK(d["members"].size() == 1);
  CHECK(d["members"][0]["status"] == "alive");
  CHECK(d["members"][0]["last_heartbeat_ms"].get<int64_t>() > 0);

  // While records arrive, every sample is consistent: the log end is what was
  // produced, lag = end - committed, and nothing is committed that the
  // member has not written to its stdout yet.
  int produced0 = 10;
  for (int round = 0; round < 10; ++round) {
    k.Ok({"produce", "t", "-p", "0"}, KeyedLines(100 + round * 5, 5));
    produced0 += 5;
    json s = Describe(k, "G");
    REQUIRE_FALSE(s.is_null());
    auto delivered = ParsePartOffs(ReadOrEmpty(m->out));  // read after the describe
    std::map<int, int64_t> written;
    for (const auto& [p, o] : delivered) written[p] = std::max(written[p], o + 1);
    int64_t total = 0;
    for (const auto& p : s["partitions"]) {
      int part = p["partition"];
      int64_t end = p["log_end_offset"], cur = p["current_offset"], lag = p["lag"];
      CHECK(end == (part == 0 ? produced0 : 10 + part));
      CHECK(lag == end - cur);
      CHECK(cur <= written[part]);
      CHECK(OwnerPids(s)[part] == pid);
      total += lag;
    }
    CHECK(TotalLag(s) == total);
  }
  REQUIRE(WaitFor([&] { return TotalLag(d = Describe(k, "G")) == 0; }, 10000));
  CHECK(d["partitions"][0]["current_offset"] == produced0);

  // The table has Kafka's columns, the owner's pid and the total lag.
  std::string table = k.Ok({"group", "describe", "G"});
  for (const char* col : {"TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "MEMBER-ID", "HOST", "PID"})
    CHECK(table.find(col) != std::string::npos);
  CHECK(table.find(std::to_string(pid)) != std::string::npos);
  CHECK(table.find("State: Stable") != std::string::npos);
  CHECK(table.find("TOTAL-LAG: 0\n") != std::string::npos);

  // group list: state, members and lag.
  json list = json::parse(k.Ok({"group", "list", "--json"}));
  REQUIRE(list.size() == 1);
  CHECK(list[0]["group"] == "G");
  CHECK(list[0]["state"] == "Stable");
  CHECK(list[0]["members"] == 1);
  CHECK(list[0]["total_lag"] == 0);
  std::string list_table = k.Ok({"group", "list"});
  CHECK(list_table.find("LAG") != std::string::npos);
  CHECK(list_table.find("Stable") != std::string::npos);

  // Deleting a group with a live member is refused (exit 3), naming its pid.
  RunResult del = k.Run({"group", "delete", "G"});
  CHECK_KLOG_ERROR(del, 3, "pid " + std::to_string(pid));
  CHECK(Describe(k, "G")["state"] == "Stable");  // untouched

  // Lag shows up in list while nobody consumes.
  m->proc->Signal(SIGTERM);
  CHECK(m->proc->Wait(10000) == 0);
  CHECK(ReadOrEmpty(m->err) == "");
  d = Describe(k, "G");
  CHECK(d["state"] == "Empty");
  CHECK(d["members"].empty());
  CHECK(TotalLag(d) == 0);
  for (const auto& p : d["partitions"]) CHECK(p["member_id"].is_null());
  k.Ok({"produce", "t", "-p", "1"}, KeyedLines(0, 4));
  json list2 = json::parse(k.Ok({"group", "list", "--json"}));
  CHECK(list2[0]["state"] == "Empty");
  CHECK(list2[0]["members"] == 0);
  CHECK(list2[0]["total_lag"] == 4);
  CHECK(k.Ok({"group", "describe", "G"}).find("TOTAL-LAG: 4\n") != std::string::npos);

  k.Ok({"group", "delete", "G"});
  CHECK_KLOG_ERROR(k.Run({"group", "describe", "G"}), 1, "unknown group 'G'");
  CHECK_KLOG_ERROR(k.Run({"group", "delete", "G"}), 1, "unknown group 'G'");
  CHECK(k.Ok({"group", "list"}) == "");
}

TEST_CASE("group: describe --format prometheus is valid exposition text") {
  CliFixture k;
  k.Ok({"topic", "create", "t", "--partitions", "2"});
  k.Ok({"produce", "t", "-p", "0"}, "a\nb\nc\n");
  k.Ok({"consume", "t", "-g", "G", "-n", "1"});
  std::string text = k.Ok({"group", "describe", "G", "--format", "prometheus"});
  const std::regex sample(
      R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? -?[0-9.eE+-]+$)");
  const std::regex comment(R"(^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*$)");
  std::map<std::string, double> values;
  for (const auto& line : Lines(text)) {
    INFO(line);
    if (line.rfind("#", 0) == 0) {
      CHECK(std::regex_match(line, comment));
      continue;
    }
    CHECK(std::regex_match(line, sample));
    values[line.substr(0, line.rfind(' '))] = std::stod(line.substr(line.rfind(' ') + 1));
  }
  CHECK(values["klog_group_lag{group=\"G\",topic=\"t\",partition=\"0\"}"] == 2);
  CHECK(values["klog_group_committed_offset{group=\"G\",topic=\"t\",partition=\"0\"}"] == 1);
  CHECK(values["klog_group_total_lag{group=\"G\"}"] == 2);
  CHECK(values["klog_group_members{group=\"G\"}"] == 0);
}

// Issue 20 item 2: a committed offset past the end (the topic deleted and
// created again, or a hand commit) was clamped to the end: the next run
// printed nothing, committed the end, and describe showed LAG 0.
TEST_CASE("a committed offset past the end follows --auto-offset-reset, with a warning, and describe says so") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  std::string hundred;
  for (int i = 0; i < 100; ++i) hundred += "old" + std::to_string(i) + "\n";
  k.Ok({"produce", "t"}, hundred);
  CHECK(Lines(k.Ok({"consume", "-g", "cron", "t"})).size() == 100);
  k.Ok({"topic", "delete", "t"});
  k.Ok({"topic", "create", "t"});
  k.Ok({"produce", "t"}, "n0\nn1\nn2\n");

  json d = json::parse(k.Ok({"group", "describe", "cron", "--json"}));
  REQUIRE(d["partitions"].size() == 1);
  CHECK(d["partitions"][0]["current_offset"] == 100);
  CHECK(d["partitions"][0]["out_of_range"] == true);
  CHECK(d["partitions"][0]["lag"] == 3);  // what the default (earliest) will deliver
  CHECK(k.Ok({"group", "describe", "cron"}).find("3 (offset out of range)") != std::string::npos);
  CHECK(k.Ok({"offset", "show", "-g", "cron"}).find("3 (offset out of range)") != std::string::npos);

  RunResult r = k.Run({"consume", "-g", "cron", "t"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "n0\nn1\nn2\n");
  CHECK(r.err ==
        "klog: warning: topic 't' partition 0: committed offset 100 is past the end (3; was the topic deleted and "
        "created again?): starting at 0 (--auto-offset-reset earliest)\n");
  d = json::parse(k.Ok({"group", "describe", "cron", "--json"}));
  CHECK(d["partitions"][0]["current_offset"] == 3);
  CHECK(d["partitions"][0]["out_of_range"] == false);
  CHECK(d["partitions"][0]["lag"] == 0);

  // By hand, and with latest: starts at the end, says so; -q silences it.
  k.Ok({"offset", "commit", "-g", "late", "t:0=99999999999"});
  r = k.Run({"consume", "-g", "late", "t", "--auto-offset-reset", "latest"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "");
  CHECK(r.err.find("committed offset 99999999999 is past the end (3") != std::string::npos);
  CHECK(r.err.find("starting at 3 (--auto-offset-reset latest)") != std::string::npos);
  k.Ok({"offset", "commit", "-g", "quiet", "t:0=50"});
  RunResult q = k.Run({"-q", "consume", "-g", "quiet", "t"});
  CHECK(q.out == "n0\nn1\nn2\n");
  CHECK(q.err == "");
}

// Issue 20 item 11: a lone SIGSTOPped member past its timeout showed
// "State: Empty  Members: 1" while reset refused for live members; a member
// killed -9 stayed the owner of its partition; group list counted dead
// members and the Prometheus gauge only live ones. One definition now
// (liveness.h IsLive): a member whose process holds its lock.
TEST_CASE("group: one definition of a live member in list, describe, owners, the gauge and refusals") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  k.Ok({"produce", "t", "v"});
  auto m = StartMember(k, "m", {"consume", "-g", "G", "t", "-f", "--session-timeout", "300ms"});
  REQUIRE(WaitFor([&] { return Describe(k, "G")["state"] == "Stable"; }, kStartupMs));
  json d = Describe(k, "G");
  const std::string id = d["members"][0]["member_id"];
  auto members_everywhere = [&](int n) {
    json list = json::parse(k.Ok({"group", "list", "--json"}));
    CHECK(list[0]["members"] == n);
    CHECK(Describe(k, "G")["live_members"] == n);
    CHECK(k.Ok({"group", "describe", "G"}).find("Members: " + std::to_string(n) + "\n") != std::string::npos);
    CHECK(k.Ok({"group", "describe", "G", "--format", "prometheus"})
              .find("klog_group_members{group=\"G\"} " + std::to_string(n) + "\n") != std::string::npos);
  };

  // Stopped (once its commit of 'v' is done: not while it holds group.lock)
  // past its session timeout: still live (it may resume), and said so.
  REQUIRE(WaitFor([&] { return Describe(k, "G")["partitions"][0]["current_offset"] == 1; }, kStartupMs));
  m->proc->Signal(SIGSTOP);
  REQUIRE(WaitFor([&] { return Describe(k, "G")["members"][0]["status"] == "stale"; }, kStartupMs));
  d = Describe(k, "G");
  CHECK(d["state"] == "Rebalancing");  // not Empty: a member is there, to be expelled
  CHECK(d["partitions"][0]["member_id"] == id);
  members_everywhere(1);
  CHECK_KLOG_ERROR(k.Run({"offset", "reset", "-g", "G", "--topic", "t", "--to-earliest", "--execute"}), 3,
                   "kill -CONT");
  CHECK_KLOG_ERROR(k.Run({"group", "delete", "G"}), 3, "live members");

  // Killed: owns nothing, counts nowhere, refuses nothing.
  m->proc->Signal(SIGKILL);
  m->proc->Wait(10000);
  d = Describe(k, "G");
  CHECK(d["state"] == "Empty");
  CHECK(d["partitions"][0]["member_id"].is_null());
  CHECK(k.Ok({"group", "describe", "G"}).find(id + "  ") == k.Ok({"group", "describe", "G"}).rfind(id + "  "));
  members_everywhere(0);
  k.Ok({"offset", "reset", "-g", "G", "--topic", "t", "--to-earliest", "--execute"});
}

TEST_CASE("group: offset reset, commit and group delete refuse (exit 3) when group.lock stays held, never hang") {
  // As a member stopped (SIGSTOP) in the moment it changes the group would:
  // flock(1) holds group.lock for 60 s.
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  k.Ok({"produce", "t", "v"});
  k.Ok({"consume", "-g", "G", "t"});
  const std::string lock = k.data() + "/groups/G/group.lock";
  RunResult started = k.Shell("flock -o " + lock + " sleep 60 </dev/null >/dev/null 2>&1 & echo $!");
  REQUIRE(started.exit_code == 0);
  const pid_t holder = std::stoi(started.out);
  REQUIRE(WaitFor([&] { return k.Shell("flock -n " + lock + " true").exit_code != 0; }, 10000));
  for (std::vector<std::string> args : {std::vector<std::string>{"offset", "reset", "-g", "G", "--topic", "t",
                                                                 "--to-earliest", "--execute"},
                                        {"offset", "commit", "-g", "G", "t:0=0"},
                                        {"group", "delete", "G"}}) {
    CAPTURE(args[0] + " " + args[1]);
    CHECK_KLOG_ERROR(k.Run(args), 3, "is locked by another process for over 5 s");
  }
  // flock(1) holds the lock (-o: its sleep does not): both go.
  k.Shell("pkill -KILL -P " + std::to_string(holder));
  ::kill(holder, SIGKILL);
  k.Ok({"offset", "reset", "-g", "G", "--topic", "t", "--to-earliest", "--execute"});
  CHECK(Describe(k, "G")["partitions"][0]["current_offset"] == 0);
}

}  // namespace klog::testing
