// group list|describe|delete and offset show|commit|reset|history on a
// Kafka cluster (librdkafka's mock, klog-mock-cluster) with real klog
// processes; kcat writes the records. The mock answers neither
// ListConsumerGroups nor, safely, DescribeConsumerGroups/DeleteGroups
// (they abort librdkafka 2.0.2), and takes AlterConsumerGroupOffsets only
// for a group that never had a member: what is checked here is that each
// command ends within --timeout with one clear line and never aborts, and
// every offset operation end to end on a never-joined group.
#include <doctest/doctest.h>

#include <signal.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "kafka/cluster_util.h"

namespace klog::testing {
namespace {

struct Timed {
  RunResult r;
  std::chrono::milliseconds took;
};

Timed RunTimed(const std::vector<std::string>& args) {
  RunOptions o;
  o.timeout_ms = 40000;
  auto t0 = std::chrono::steady_clock::now();
  RunResult r = RunKlog(args, o);
  return {r, std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)};
}

std::vector<std::string> On(const Cluster& c, std::vector<std::string> args) {
  args.insert(args.begin(), {"-b", c.bootstrap(), "--timeout", "3s"});
  return args;
}

void OneLine(const Timed& t, int exit_code, const std::string& has) {
  CAPTURE(t.r.err);
  CHECK(t.r.exit_code == exit_code);
  CHECK(Lines(t.r.err).size() == 1);
  CHECK(t.r.err.rfind("klog: error: ", 0) == 0);
  CHECK(t.r.err.find(has) != std::string::npos);
  CHECK(t.took < std::chrono::seconds(10));
}

TEST_CASE("group list/describe/delete on a cluster end within --timeout with one line, never an abort") {
  if (!KcatAvailable()) return;
  Cluster c;
  REQUIRE_MESSAGE(c.ok(), c.error());
  c.Topic("t", 4);
  KcatProduce(c.bootstrap(), "t", Numbered("a", 0, 20));
  RunResult consumed = RunKlog(GroupArgs(c.bootstrap(), "g", {"t", "-n", "5"}));
  REQUIRE_MESSAGE(consumed.exit_code == 0, consumed.err);

  OneLine(RunTimed(On(c, {"group", "list"})), 2, "ListConsumerGroups");
  OneLine(RunTimed(On(c, {"group", "delete", "g"})), 2, "ListConsumerGroups");
  Timed d = RunTimed(On(c, {"group", "describe", "g", "--json"}));
  CHECK_MESSAGE(d.r.exit_code == 0, d.r.err);
  CHECK(d.took < std::chrono::seconds(10));
  auto j = nlohmann::json::parse(d.r.out);
  CHECK(j["state"] == "Unknown");
  int64_t committed = 0, lag = 0;
  for (const auto& p : j["partitions"]) {
    committed += p["current_offset"].is_null() ? 0 : p["current_offset"].get<int64_t>();
    lag += p["lag"].get<int64_t>();
  }
  CHECK(committed == 5);  // -n 5 committed exactly 5
  CHECK(lag == 15);
  OneLine(RunTimed(On(c, {"group", "describe", "nobody"})), 1, "unknown group 'nobody'");
  // Nothing listening: one line naming the brokers, exit 1.
  Timed down = RunTimed({"-b", "127.0.0.1:1", "--timeout", "2s", "group", "describe", "g"});
  OneLine(down, 1, "127.0.0.1:1");
}

TEST_CASE("offset commit/show/reset/history/undo on a cluster, for a group that never had a member") {
  if (!KcatAvailable()) return;
  Cluster c;
  REQUIRE_MESSAGE(c.ok(), c.error());
  c.Topic("t", 4);
  KcatProduce(c.bootstrap(), "t", Numbered("a", 0, 40));
  RunResult r = RunKlog(On(c, {"offset", "commit", "-g", "ops", "t:0=2", "t:1=3"}));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  r = RunKlog(On(c, {"offset", "show", "-g", "ops", "--json"}));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("\"current_offset\":2") != std::string::npos);
  CHECK(r.out.find("\"current_offset\":3") != std::string::npos);

  // Dry run by default: the plan, nothing changed.
  r = RunKlog(On(c, {"offset", "reset", "-g", "ops", "--topic", "t:0,1", "--to-latest"}));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("skip") != std::string::npos);
  r = RunKlog(On(c, {"offset", "show", "-g", "ops", "--json"}));
  CHECK(r.out.find("\"current_offset\":2") != std::string::npos);

  r = RunKlog(On(c, {"offset", "reset", "-g", "ops", "--topic", "t:0,1", "--to-latest", "--execute"}));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  r = RunKlog(On(c, {"offset", "reset", "-g", "ops", "--topic", "t:0", "--shift-by", "-1", "--execute"}));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  // --to-previous: back to before the newest reset (the shift).
  r = RunKlog(On(c, {"offset", "reset", "-g", "ops", "--to-previous", "--execute"}));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  r = RunKlog(On(c, {"offset", "reset", "-g", "ops", "--topic", "t:1", "--to-offset", "1", "--execute"}));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  // --to-entry 5: undo that --to-offset 1.
  r = RunKlog(On(c, {"offset", "reset", "-g", "ops", "--to-entry", "5", "--execute"}));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  // The history, kept in the cluster, shows every change, oldest first.
  r = RunKlog(On(c, {"offset", "history", "-g", "ops", "--json"}));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto h = nlohmann::json::parse(r.out);
  REQUIRE(h.size() == 6);
  std::vector<std::string> kinds;
  for (const auto& e : h) kinds.push_back(e["kind"]);
  CHECK(kinds == std::vector<std::string>{"commit", "reset", "reset", "undo", "reset", "undo"});
  CHECK(h[5]["entry"] == 6);
  r = RunKlog(On(c, {"offset", "show", "-g", "ops", "--json"}));
  auto show = nlohmann::json::parse(r.out);
  for (const auto& p : show)
    if (p["partition"] == 0 || p["partition"] == 1) CHECK(p["lag"] == 0);  // both at their end again
  // A group consumer goes on from there: nothing left of partitions 0 and 1.
  RunResult rest = RunKlog(GroupArgs(c.bootstrap(), "ops", {"t", "--format", "%p\\n"}));
  REQUIRE_MESSAGE(rest.exit_code == 0, rest.err);
  for (const auto& l : Lines(rest.out)) CHECK((l == "2" || l == "3"));
}

TEST_CASE("offset reset on a cluster: undoing back to no committed offset is refused in one line, nothing changed") {
  if (!KcatAvailable()) return;
  Cluster c;
  REQUIRE_MESSAGE(c.ok(), c.error());
  c.Topic("t", 2);
  KcatProduce(c.bootstrap(), "t", Numbered("a", 0, 10));
  RunResult r = RunKlog(On(c, {"offset", "reset", "-g", "u", "--topic", "t", "--to-latest", "--execute"}));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  Timed t = RunTimed(On(c, {"offset", "reset", "-g", "u", "--to-previous", "--execute"}));
  OneLine(t, 2, "going back to no committed offset is not done on a cluster");
  r = RunKlog(On(c, {"offset", "show", "-g", "u", "--json"}));
  for (const auto& p : nlohmann::json::parse(r.out)) CHECK(p["lag"] == 0);
}

TEST_CASE("offset reset/commit on a cluster are refused with exit 3 while the group has or had members") {
  if (!KcatAvailable()) return;
  Cluster c;
  REQUIRE_MESSAGE(c.ok(), c.error());
  c.Topic("t", 4);
  KcatProduce(c.bootstrap(), "t", Numbered("a", 0, 8));
  TempDir dir;
  std::vector<std::string> args = GroupArgs(c.bootstrap(), "busy", {"t", "-f"});
  KlogProcess member(args, {}, dir.path() + "/out", dir.path() + "/err");
  REQUIRE(WaitFor([&] { return Lines(ReadText(dir.path() + "/out")).size() >= 8; }, 30000));
  Timed t = RunTimed(On(c, {"offset", "reset", "-g", "busy", "--topic", "t", "--to-earliest", "--execute"}));
  OneLine(t, 3, "refused: group 'busy'");
  t = RunTimed(On(c, {"offset", "commit", "-g", "busy", "t:0=0"}));
  OneLine(t, 3, "refused: group 'busy'");
  // Refused means unchanged: the member is not sent back to the start.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(Lines(ReadText(dir.path() + "/out")).size() == 8);
  member.Signal(SIGTERM);
  CHECK(member.Wait(20000) == 0);
}

}  // namespace
}  // namespace klog::testing
