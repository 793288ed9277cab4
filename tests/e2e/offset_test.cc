// `klog offset reset|show|history|commit` against real data directories
// (contract section 3 "offset", section 7): every reset mode, dry runs that
// touch nothing, clamping shown, refusal while a member lives, undo, bad
// input with one-line errors, and an --execute that is all-or-nothing under
// kill -9.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "e2e/cli_fixture.h"

namespace klog::testing {
namespace {

using nlohmann::json;

constexpr int64_t kT0 = 1767225600000;  // 2026-01-01T00:00:00Z

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string OffsetsFile(const CliFixture& k, const std::string& group) {
  return k.data() + "/groups/" + group + "/offsets.json";
}
std::string JournalFile(const CliFixture& k, const std::string& group) {
  return k.data() + "/groups/" + group + "/journal.jsonl";
}

ino_t Inode(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

// Committed offsets of `group` on `topic` per partition, from `offset show --json`.
std::map<int, int64_t> Committed(const CliFixture& k, const std::string& group, const std::string& topic = "t") {
  std::map<int, int64_t> out;
  for (const auto& row : json::parse(k.Ok({"offset", "show", "-g", group, "--json"})))
    if (row["topic"] == topic && !row["current_offset"].is_null())
      out[row["partition"].get<int>()] = row["current_offset"].get<int64_t>();
  return out;
}

// klog --dir DATA ARGS with extra environment.
RunResult RunEnv(const CliFixture& k, std::vector<std::string> args, const std::map<std::string, std::string>& env) {
  args.insert(args.begin(), {"--dir", k.data()});
  RunOptions o;
  o.env = env;
  return RunKlog(args, o);
}

// `offset reset ARGS --json`: the plan's rows by partition (one topic).
std::map<int, json> Plan(const CliFixture& k, std::vector<std::string> args,
                         const std::map<std::string, std::string>& env = {}) {
  args.insert(args.begin(), {"offset", "reset"});
  args.push_back("--json");
  RunResult r = RunEnv(k, args, env);
  INFO(Join(args));
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  json j = json::parse(r.out);
  std::map<int, json> out;
  for (const auto& row : j["partitions"]) out[row["partition"].get<int>()] = row;
  return out;
}

int64_t NewOffset(const std::map<int, json>& plan, int p) { return plan.at(p)["new_offset"].get<int64_t>(); }

// Topic t: 3 partitions with 10 records each; group G committed at 5, 5, 5.
void Setup(const CliFixture& k) {
  k.Ok({"topic", "create", "t", "--partitions", "3"});
  for (int p = 0; p < 3; ++p) {
    std::string in;
    for (int i = 0; i < 10; ++i) in += "p" + std::to_string(p) + "-" + std::to_string(i) + "\n";
    k.Ok({"produce", "t", "-p", std::to_string(p)}, in);
  }
  k.Ok({"offset", "commit", "-g", "G", "t:0=5", "t:1=5", "t:2=5"});
}

// JSON lines with timestamps first_ts + i*step_ms; the values are random
// hex so that even zstd batches fill several 4 KiB segments.
std::string TimedRecords(int n, int64_t first_ts, int64_t step_ms) {
  std::mt19937_64 rng(static_cast<uint64_t>(first_ts));
  std::string s;
  for (int i = 0; i < n; ++i) {
    char pad[81];
    for (int c = 0; c < 80; ++c) pad[c] = "0123456789abcdef"[rng() % 16];
    pad[80] = 0;
    s += "{\"value\":\"record " + std::to_string(i) + " " + pad +
         "\",\"timestamp\":" + std::to_string(first_ts + i * step_ms) + "}\n";
  }
  return s;
}

}  // namespace

TEST_CASE("offset reset: --to-earliest, --to-latest, --to-offset, --shift-by, with clamping shown") {
  CliFixture k;
  Setup(k);
  CHECK(Committed(k, "G") == std::map<int, int64_t>{{0, 5}, {1, 5}, {2, 5}});

  auto plan = Plan(k, {"-g", "G", "--topic", "t", "--to-earliest"});
  REQUIRE(plan.size() == 3);
  for (int p = 0; p < 3; ++p) {
    CHECK(NewOffset(plan, p) == 0);
    CHECK(plan[p]["old_offset"] == 5);
    CHECK(plan[p]["clamped"] == false);
    CHECK(plan[p]["delta"] == -5);
  }
  CHECK(NewOffset(Plan(k, {"-g", "G", "--topic", "t", "--to-latest"}), 1) == 10);
  CHECK(NewOffset(Plan(k, {"-g", "G", "--topic", "t", "--to-offset", "3"}), 2) == 3);
  CHECK(NewOffset(Plan(k, {"-g", "G", "--topic", "t", "--shift-by", "-2"}), 0) == 3);
  CHECK(NewOffset(Plan(k, {"-g", "G", "--topic", "t", "--shift-by=-2"}), 0) == 3);
  CHECK(NewOffset(Plan(k, {"-g", "G", "--topic", "t", "--shift-by", "+3"}), 0) == 8);
  CHECK(NewOffset(Plan(k, {"-g", "G", "--topic", "t", "--shift-by", "3"}), 0) == 8);

  // Clamped into [start, end], and said so.
  auto high = Plan(k, {"-g", "G", "--topic", "t", "--to-offset", "100"});
  CHECK(NewOffset(high, 0) == 10);
  CHECK(high[0]["requested_offset"] == 100);
  CHECK(high[0]["clamped"] == true);
  auto low = Plan(k, {"-g", "G", "--topic", "t", "--shift-by", "-100"});
  CHECK(NewOffset(low, 1) == 0);
  CHECK(low[1]["clamped"] == true);
  std::string table = k.Ok({"-q", "offset", "reset", "-g", "G", "--topic", "t:1", "--to-offset", "100"});
  CHECK(table.find("CLAMPED") != std::string::npos);
  CHECK(table.find("OLD-OFFSET") != std::string::npos);
  CHECK(table.find("NEW-OFFSET") != std::string::npos);
  CHECK(table.find("yes (asked 100)") != std::string::npos);
  CHECK(table.find("skip 5") != std::string::npos);
  CHECK(Lines(table).size() == 2);  // header and partition 1 only

  // Some partitions only.
  auto some = Plan(k, {"-g", "G", "--topic", "t:0,2", "--to-offset", "1"});
  CHECK(some.size() == 2);
  CHECK(some.count(1) == 0);

  // None of that changed anything.
  CHECK(Committed(k, "G") == std::map<int, int64_t>{{0, 5}, {1, 5}, {2, 5}});

  // --execute applies each mode.
  k.Ok({"offset", "reset", "-g", "G", "--topic", "t", "--to-earliest", "--execute"});
  CHECK(Committed(k, "G") == std::map<int, int64_t>{{0, 0}, {1, 0}, {2, 0}});
  k.Ok({"offset", "reset", "-g", "G", "--topic", "t", "--to-latest", "--execute"});
  CHECK(Committed(k, "G") == std::map<int, int64_t>{{0, 10}, {1, 10}, {2, 10}});
  k.Ok({"offset", "reset", "-g", "G", "--topic", "t:1", "--to-offset", "4", "--execute"});
  CHECK(Committed(k, "G") == std::map<int, int64_t>{{0, 10}, {1, 4}, {2, 10}});
  k.Ok({"offset", "reset", "-g", "G", "--all-topics", "--shift-by", "-3", "--execute"});
  CHECK(Committed(k, "G") == std::map<int, int64_t>{{0, 7}, {1, 1}, {2, 7}});
  k.Ok({"offset", "reset", "-g", "G", "--topic", "t", "--shift-by", "+50", "--execute"});
  CHECK(Committed(k, "G") == std::map<int, int64_t>{{0, 10}, {1, 10}, {2, 10}});
  json executed =
      json::parse(k.Ok({"offset", "reset", "-g", "G", "--topic", "t", "--to-offset", "6", "--execute", "--json"}));
  CHECK(executed["executed"] == true);
  CHECK(Committed(k, "G") == std::map<int, int64_t>{{0, 6}, {1, 6}, {2, 6}});

  // A consumer of the group starts where the reset put it.
  std::string rest = k.Ok({"consume", "t", "-g", "G", "--format", "%p %o\\n"});
  CHECK(Lines(rest).size() == 12);
  CHECK(rest.find("0 6\n") != std::string::npos);
  CHECK(rest.find("0 5\n") == std::string::npos);
}

TEST_CASE("offset reset: a dry run (the default) leaves offsets.json and the journal byte-identical") {
  CliFixture k;
  Setup(k);
  const std::string offsets = OffsetsFile(k, "G"), journal = JournalFile(k, "G");
  const std::string before = ReadAll(offsets), journal_before = ReadAll(journal);
  const ino_t inode = Inode(offsets);
  REQUIRE_FALSE(before.empty());
  const std::vector<std::vector<std::string>> modes = {{"--to-earliest"},
                                                       {"--to-latest"},
                                                       {"--to-offset", "2"},
                                                       {"--shift-by", "-1"},
                                                       {"--to-datetime", "2026-01-01T00:00:00Z"},
                                                       {"--by-duration", "1h"},
                                                       {"--to-entry", "1"}};
  for (const auto& mode : modes) {
    for (const char* how : {"", "--dry-run"}) {
      std::vector<std::string> args = {"offset", "reset", "-g", "G", "--topic", "t"};
      args.insert(args.end(), mode.begin(), mode.end());
      if (*how) args.push_back(how);
      RunResult r = k.Run(args);
      INFO(Join(args) << "\nstderr: " << r.err);
      CHECK(r.exit_code == 0);
      CHECK(r.out.find("TOPIC") != std::string::npos);
      CHECK(r.err == "");  // notes only on a terminal or with -v
      // Entry 1 is the first commit: nothing was committed before it.
      if (mode[0] == "--to-entry") CHECK(r.out.find("remove") != std::string::npos);
      CHECK(ReadAll(offsets) == before);
      CHECK(Inode(offsets) == inode);
      CHECK(ReadAll(journal) == journal_before);
    }
  }
  // -v says that it was a dry run; -q prints only the plan.
  RunResult verbose = k.Run({"-v", "offset", "reset", "-g", "G", "--topic", "t", "--to-earliest"});
  CHECK(verbose.exit_code == 0);
  CHECK(verbose.err.find("dry run") != std::string::npos);
  CHECK(verbose.out.find("TOPIC") != std::string::npos);
  RunResult quiet = k.Run({"-q", "offset", "reset", "-g", "G", "--topic", "t", "--to-earliest"});
  CHECK(quiet.exit_code == 0);
  CHECK(quiet.err == "");
  CHECK(quiet.out.find("TOPIC") != std::string::npos);
  CHECK(ReadAll(offsets) == before);
}

TEST_CASE("offset reset --to-datetime: Z, +05:30, local time, across segments, compressed batches") {
  CliFixture k;
  // Records 1 s apart from 2026-01-01T00:00:00Z; small batches roll many segments.
  for (const auto& [topic, extra] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"plain", {"--segment-bytes", "4096", "--retention", "-1"}},
           {"packed", {"--segment-bytes", "4096", "--retention", "-1", "--compression", "zstd"}}}) {
    CAPTURE(topic);
    std::vector<std::string> create = {"topic", "create", topic};
    create.insert(create.end(), extra.begin(), extra.end());
    k.Ok(create);
    k.Ok({"produce", topic, "--format", "json", "--batch-size", "1KiB"}, TimedRecords(200, kT0, 1000));
    json desc = json::parse(k.Ok({"topic", "describe", topic, "--json"}));
    INFO(desc.dump());
    CHECK(desc["partitions"][0]["segments"].get<int>() >= 2);  // the index lookups cross segments
    k.Ok({"offset", "commit", "-g", "D", topic + ":0=0"});

    auto at = [&](const std::string& when, const std::map<std::string, std::string>& env = {}) {
      return NewOffset(Plan(k, {"-g", "D", "--topic", topic, "--to-datetime", when}, env), 0);
    };
    CHECK(at("2026-01-01T00:01:40Z") == 100);
    CHECK(at("2026-01-01T00:01:40.000Z") == 100);
    CHECK(at("2026-01-01T00:01:40.001Z") == 101);
    CHECK(at("2026-01-01T00:01:39.999Z") == 100);
    CHECK(at("2026-01-01T05:31:40+05:30") == 100);
    CHECK(at("2026-01-01T05:31:40+0530") == 100);
    CHECK(at("2025-12-31T23:01:40-01:00") == 100);
    CHECK(at("2026-01-01T00:00:05Z") == 5);
    CHECK(at("2026-01-01T00:03:19Z") == 199);  // the last record
    // No zone: local time, from TZ.
    CHECK(at("2026-01-01T00:01:40", {{"TZ", "UTC"}}) == 100);
    CHECK(at("2026-01-01T05:31:40", {{"TZ", "IST-5:30"}}) == 100);
    CHECK(at("2025-12-31 19:01:40", {{"TZ", "EST5"}}) == 100);
    // Before everything: the start; after everything: the end.
    CHECK(at("2025-06-01T00:00:00Z") == 0);
    CHECK(at("2026-01-01", {{"TZ", "UTC"}}) == 0);
    CHECK(at("2026-01-01Z") == 0);
    auto late = Plan(k, {"-g", "D", "--topic", topic, "--to-datetime", "2027-01-01T00:00:00Z"});
    CHECK(NewOffset(late, 0) == 200);
    CHECK(late[0]["clamped"] == false);

    // Every record is at or after where its own timestamp leads.
    for (int i = 0; i < 200; i += 37) {
      int64_t ts = kT0 + i * 1000;
      std::string iso =
          json::parse(k.Ok({"consume", topic, "-o", std::to_string(i), "-n", "1", "--format", "json"}))["timestamp"]
              .dump();
      CHECK(iso == std::to_string(ts));
    }

    k.Ok({"offset", "reset", "-g", "D", "--topic", topic, "--to-datetime", "2026-01-01T05:31:40+05:30", "--execute"});
    CHECK(Committed(k, "D", topic) == std::map<int, int64_t>{{0, 100}});
    std::string first = k.Ok({"consume", topic, "-g", "D", "-n", "1", "--format", "%o %T\\n"});
    CHECK(first == "100 " + std::to_string(kT0 + 100000) + "\n");
  }
}

TEST_CASE("offset reset --by-duration: the first record of the last DURATION") {
  CliFixture k;
  k.Ok({"topic", "create", "recent", "--segment-bytes", "4096"});
  // 100 records a minute apart, the last 30 s ago: record i is (99.5 - i) minutes old.
  const int64_t now = NowMs();
  k.Ok({"produce", "recent", "--format", "json", "--batch-size", "1KiB"},
       TimedRecords(100, now - 100 * 60000 + 30000, 60000));
  k.Ok({"offset", "commit", "-g", "D", "recent:0=0"});
  auto by = [&](const std::string& d) {
    return NewOffset(Plan(k, {"-g", "D", "--topic", "recent", "--by-duration", d}), 0);
  };
  CHECK(by("30m") == 70);
  CHECK(by("1h") == 40);
  CHECK(by("5400s") == 10);
  CHECK(by("2d") == 0);
  CHECK(by("10s") == 100);  // nothing that recent: the end
  k.Ok({"offset", "reset", "-g", "D", "--topic", "recent", "--by-duration", "30m", "--execute"});
  CHECK(Committed(k, "D", "recent") == std::map<int, int64_t>{{0, 70}});
}

TEST_CASE("offset reset --execute is refused (exit 3) while a member lives, naming its pid") {
  CliFixture k;
  Setup(k);
  KlogProcess member({"consume", "t", "-g", "G", "-f"}, k.Env(), k.tmp().Join("m.out"), k.tmp().Join("m.err"));
  const std::string pid = std::to_string(member.pid());
  // Wait until it has joined and caught up (committed 10, 10, 10).
  REQUIRE(WaitFor([&] { return Committed(k, "G") == std::map<int, int64_t>{{0, 10}, {1, 10}, {2, 10}}; }, 15000));
  const std::string before = ReadAll(OffsetsFile(k, "G"));

  RunResult r = k.Run({"offset", "reset", "-g", "G", "--topic", "t", "--to-earliest", "--execute"});
  CHECK_KLOG_ERROR(r, 3, "pid " + pid);
  CHECK(r.err.find("live member") != std::string::npos);
  RunResult c = k.Run({"offset", "commit", "-g", "G", "t:0=1"});
  CHECK_KLOG_ERROR(c, 3, "pid " + pid);
  RunResult undo = k.Run({"offset", "reset", "-g", "G", "--to-entry", "1", "--execute"});
  CHECK(undo.exit_code != 0);
  CHECK(ReadAll(OffsetsFile(k, "G")) == before);

  // A dry run still shows the plan, with a warning.
  RunResult dry = k.Run({"offset", "reset", "-g", "G", "--topic", "t", "--to-earliest"});
  CHECK(dry.exit_code == 0);
  CHECK(dry.out.find("TOPIC") != std::string::npos);
  CHECK(dry.err.find("pid " + pid) != std::string::npos);

  // A stopped member is still a live one: it may resume.
  member.Signal(SIGSTOP);
  CHECK_KLOG_ERROR(k.Run({"offset", "reset", "-g", "G", "--topic", "t", "--to-earliest", "--execute"}), 3,
                   "pid " + pid);
  member.Signal(SIGCONT);

  member.Signal(SIGTERM);
  CHECK(member.Wait(10000) == 0);
  k.Ok({"offset", "reset", "-g", "G", "--topic", "t", "--to-earliest", "--execute"});
  CHECK(Committed(k, "G") == std::map<int, int64_t>{{0, 0}, {1, 0}, {2, 0}});
}

TEST_CASE("offset reset --to-previous and --to-entry undo exactly; history lists commits and resets") {
  CliFixture k;
  Setup(k);
  k.Ok({"offset", "commit", "-g", "G", "t:0=3", "t:1=7", "t:2=9"});
  const std::string at_379 = ReadAll(OffsetsFile(k, "G"));
  {
    RunResult none = k.Run({"offset", "reset", "-g", "G", "--to-previous"});
    CHECK_KLOG_ERROR(none, 1, "no reset in its history to go back from (to undo a commit, use --to-entry N");
  }

  k.Ok({"offset", "reset", "-g", "G", "--all-topics", "--to-earliest", "--execute"});
  CHECK(Committed(k, "G") == std::map<int, int64_t>{{0, 0}, {1, 0}, {2, 0}});
  // The undo plan shows where it goes back to; only --execute applies it.
  auto plan = Plan(k, {"-g", "G", "--to-previous"});
  CHECK(NewOffset(plan, 0) == 3);
  CHECK(NewOffset(plan, 1) == 7);
  CHECK(NewOffset(plan, 2) == 9);
  CHECK(Committed(k, "G") == std::map<int, int64_t>{{0, 0}, {1, 0}, {2, 0}});
  k.Ok({"offset", "reset", "-g", "G", "--to-previous", "--execute"});
  CHECK(Committed(k, "G") == std::map<int, int64_t>{{0, 3}, {1, 7}, {2, 9}});
  CHECK(ReadAll(OffsetsFile(k, "G")) == at_379);  // exactly as before, byte for byte

  // Undo of a reset of one partition moves only that one back.
  k.Ok({"offset", "reset", "-g", "G", "--topic", "t:1", "--to-offset", "2", "--execute"});
  k.Ok({"offset", "commit", "-g", "G", "t:0=4"});  // a later commit elsewhere
  auto partial = Plan(k, {"-g", "G", "--to-previous"});
  CHECK(partial.size() == 1);
  k.Ok({"offset", "reset", "-g", "G", "--to-previous", "--execute"});
  CHECK(Committed(k, "G") == std::map<int, int64_t>{{0, 4}, {1, 7}, {2, 9}});

  // History: every commit and reset, oldest first, with who did it.
  json h = json::parse(k.Ok({"offset", "history", "-g", "G", "--json"}));
  std::vector<std::string> kinds;
  for (const auto& e : h) kinds.push_back(e["kind"]);
  CHECK(kinds == std::vector<std::string>{"commit", "commit", "reset", "undo", "reset", "commit", "undo"});
  for (size_t i = 0; i < h.size(); ++i) {
    CHECK(h[i]["entry"] == i + 1);
    CHECK(h[i]["actor"].get<std::string>().find('@') != std::string::npos);
    CHECK(h[i]["ts"].get<int64_t>() > kT0 - 86400000LL * 365);
  }
  CHECK(h[2]["changes"].size() == 3);
  CHECK(h[2]["changes"][1]["old"] == 7);
  CHECK(h[2]["changes"][1]["new"] == 0);
  CHECK(h[0]["changes"][0]["old"].is_null());
  std::string table = k.Ok({"offset", "history", "-g", "G"});
  for (const char* col : {"ENTRY", "TIME", "KIND", "ACTOR", "TOPIC", "PARTITION", "OLD", "NEW"})
    CHECK(table.find(col) != std::string::npos);
  CHECK(table.find("reset") != std::string::npos);
  CHECK(table.find("undo") != std::string::npos);
  json last2 = json::parse(k.Ok({"offset", "history", "-g", "G", "--json", "-n", "2"}));
  CHECK(last2.size() == 2);
  CHECK(last2[1]["entry"] == 7);

  // --to-entry N: back to the offsets before entry N (the to-earliest reset).
  k.Ok({"offset", "reset", "-g", "G", "--to-entry", "3", "--execute"});
  CHECK(Committed(k, "G") == std::map<int, int64_t>{{0, 3}, {1, 7}, {2, 9}});
  CHECK_KLOG_ERROR(k.Run({"offset", "reset", "-g", "G", "--to-entry", "99"}), 1, "no history entry 99");
  CHECK(k.Run({"offset", "reset", "-g", "G", "--to-entry", "0"}).exit_code == 2);

  // A group member's commits are journaled too, with its member id.
  k.Ok({"consume", "t", "-g", "G"});
  json h2 = json::parse(k.Ok({"offset", "history", "-g", "G", "--json", "-n", "1"}));
  CHECK(h2[0]["kind"] == "commit");
  CHECK(h2[0]["actor"].get<std::string>().rfind("m-", 0) == 0);
  CHECK(Committed(k, "G") == std::map<int, int64_t>{{0, 10}, {1, 10}, {2, 10}});
}

TEST_CASE("offset reset --to-previous removes again an offset that the reset created") {
  CliFixture k;
  Setup(k);
  // Group H has an offset for partition 0 only; a reset gives it all three.
  k.Ok({"offset", "commit", "-g", "H", "t:0=3"});
  const std::string before = ReadAll(OffsetsFile(k, "H"));
  k.Ok({"offset", "reset", "-g", "H", "--topic", "t", "--to-latest", "--execute"});
  CHECK(Committed(k, "H") == std::map<int, int64_t>{{0, 10}, {1, 10}, {2, 10}});

  // The undo plan: partition 0 back to 3, partitions 1 and 2 back to nothing.
  auto plan = Plan(k, {"-g", "H", "--to-previous"});
  REQUIRE(plan.size() == 3);
  CHECK(NewOffset(plan, 0) == 3);
  for (int p : {1, 2}) {
    CHECK(plan[p]["old_offset"] == 10);
    CHECK(plan[p]["new_offset"].is_null());
    CHECK(plan[p]["requested_offset"].is_null());
    CHECK(plan[p]["clamped"] == false);
    CHECK(plan[p]["delta"] == 0);
  }
  std::string table = k.Ok({"offset", "reset", "-g", "H", "--to-previous"});
  CHECK(table.find("remove") != std::string::npos);

  k.Ok({"offset", "reset", "-g", "H", "--to-previous", "--execute"});
  CHECK(Committed(k, "H") == std::map<int, int64_t>{{0, 3}});
  CHECK(ReadAll(OffsetsFile(k, "H")) == before);  // exactly as before, byte for byte
  json h = json::parse(k.Ok({"offset", "history", "-g", "H", "--json", "-n", "1"}));
  REQUIRE(h.size() == 1);
  CHECK(h[0]["kind"] == "undo");
  REQUIRE(h[0]["changes"].size() == 3);
  CHECK(h[0]["changes"][0]["new"] == 3);
  CHECK(h[0]["changes"][1]["old"] == 10);
  CHECK(h[0]["changes"][1]["new"].is_null());
  std::vector<std::string> rows = Lines(k.Ok({"offset", "history", "-g", "H"}));
  REQUIRE(rows.size() == 8);  // header; the commit; the reset and the undo, 3 partitions each
  CHECK(rows.back().substr(rows.back().find_last_not_of(' ')) == "-");  // NEW of partition 2

  // With no offset, partitions 1 and 2 start where --auto-offset-reset says
  // (earliest): 7 records of partition 0 and all 10 of each other one.
  CHECK(Lines(k.Ok({"consume", "t", "-g", "H"})).size() == 7 + 10 + 10);
}

TEST_CASE("offset history numbers stay when the journal drops its oldest entries; --to-entry follows them") {
  CliFixture k;
  // A topic with a 240-character name and 400 partitions: each reset
  // journals ~115 KB, so 26 of them pass the 1 MiB rotation twice and the
  // oldest entries are dropped.
  const std::string wide(240, 'w');
  k.Ok({"topic", "create", wide, "--partitions", "400"});
  k.Ok({"produce", wide, "-p", "0"}, "a\nb\nc\nd\ne\n");
  // Entry N leaves partition 0 at N % 5: a commit creates the group, resets follow.
  const int kResets = 26;
  k.Ok({"offset", "commit", "-g", "W", wide + ":0=1"});
  for (int i = 2; i <= kResets; ++i)
    k.Ok({"offset", "reset", "-g", "W", "--topic", wide, "--to-offset", std::to_string(i % 5), "--execute"});
  json h = json::parse(k.Ok({"offset", "history", "-g", "W", "--json"}));
  REQUIRE(h.size() >= 3);
  const int64_t oldest = h.front()["entry"].get<int64_t>();
  CHECK(oldest > 1);                    // dropped ...
  CHECK(h.back()["entry"] == kResets);  // ... but entry N is still the Nth change
  for (size_t i = 0; i < h.size(); ++i) {
    CHECK(h[i]["entry"] == oldest + static_cast<int64_t>(i));
    CHECK(h[i]["changes"][0]["new"] == h[i]["entry"].get<int64_t>() % 5);
  }

  // Undo entry 24: partition 0 goes back to 23 % 5 = 3 (where entry 23 left it).
  k.Ok({"offset", "reset", "-g", "W", "--to-entry", "24", "--execute"});
  CHECK(Committed(k, "W", wide).at(0) == 3);
  CHECK_KLOG_ERROR(k.Run({"offset", "reset", "-g", "W", "--to-entry", "1"}), 1,
                   "no history entry 1 (it has " + std::to_string(oldest) + " to " + std::to_string(kResets + 1));

  // A history with no readable entry left (garbled by hand) says so.
  WriteAll(JournalFile(k, "W"), "garbage\n");
  REQUIRE(std::remove((k.data() + "/groups/W/journal.1.jsonl").c_str()) == 0);
  CHECK_KLOG_ERROR(k.Run({"offset", "reset", "-g", "W", "--to-entry", "1"}), 1,
                   "no history entry 1 (its history is empty: there is nothing to undo)");
  CHECK(Committed(k, "W", wide).at(0) == 3);  // nothing changed
}

TEST_CASE("offset commit: explicit commits for scripts, and their bad input") {
  CliFixture k;
  Setup(k);
  k.Ok({"offset", "commit", "-g", "S", "t:0=4", "t:2=10"});
  CHECK(Committed(k, "S") == std::map<int, int64_t>{{0, 4}, {2, 10}});
  CHECK(k.Ok({"offset", "show", "-g", "S"}).find("CURRENT-OFFSET") != std::string::npos);
  k.Ok({"offset", "commit", "-g", "S", "t:0=6"});
  CHECK(Committed(k, "S") == std::map<int, int64_t>{{0, 6}, {2, 10}});
  CHECK_KLOG_ERROR(k.Run({"offset", "commit", "-g", "S", "t:0"}), 2, "TOPIC:PARTITION=OFFSET");
  CHECK_KLOG_ERROR(k.Run({"offset", "commit", "-g", "S", "t=5"}), 2, "TOPIC:PARTITION=OFFSET");
  CHECK_KLOG_ERROR(k.Run({"offset", "commit", "-g", "S", "t:0=-1"}), 2, "-1");
  CHECK_KLOG_ERROR(k.Run({"offset", "commit", "-g", "S", "t:0=x"}), 2, "'x'");
  CHECK_KLOG_ERROR(k.Run({"offset", "commit", "-g", "S", "t:9=1"}), 1, "no partition 9");
  CHECK_KLOG_ERROR(k.Run({"offset", "commit", "-g", "S", "nope:0=1"}), 1, "unknown topic 'nope'");
  CHECK_KLOG_ERROR(k.Run({"offset", "commit", "-g", "../x", "t:0=1"}), 2, "group");
  CHECK(Committed(k, "S") == std::map<int, int64_t>{{0, 6}, {2, 10}});
}

TEST_CASE("a partition named twice: merged when it says the same, refused when it does not") {
  CliFixture k;
  Setup(k);
  // One plan row per partition however often --topic names it.
  json plan = json::parse(k.Ok({"offset", "reset", "-g", "G", "--topic", "t:0,0", "--topic", "t", "--topic", "t:1",
                                "--to-earliest", "--json"}));
  CHECK(plan["partitions"].size() == 3);
  plan = json::parse(k.Ok({"offset", "reset", "-g", "G", "--topic", "t:2,2", "--to-earliest", "--json"}));
  CHECK(plan["partitions"].size() == 1);
  // The same commit twice is one commit (one history entry row)...
  k.Ok({"offset", "commit", "-g", "S", "t:0=4", "t:0=4"});
  CHECK(Committed(k, "S") == std::map<int, int64_t>{{0, 4}});
  CHECK(json::parse(k.Ok({"offset", "history", "-g", "S", "--json"}))[0]["changes"].size() == 1);
  // ...two different offsets for one partition is a usage error; nothing changes.
  CHECK_KLOG_ERROR(k.Run({"offset", "commit", "-g", "S", "t:0=1", "t:1=3", "t:0=2"}), 2,
                   "'t:0=1' and 't:0=2' commit different offsets for t:0; give one");
  CHECK(Committed(k, "S") == std::map<int, int64_t>{{0, 4}});
}

TEST_CASE("offset reset: bad input gets one 'klog: error:' line and the right exit code") {
  CliFixture k;
  Setup(k);
  const std::string before = ReadAll(OffsetsFile(k, "G"));
  auto reset = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"offset", "reset"});
    return k.Run(args);
  };
  CHECK_KLOG_ERROR(reset({"-g", "nope", "--topic", "t", "--to-earliest"}), 1, "unknown group 'nope'");
  CHECK_KLOG_ERROR(reset({"-g", "G", "--topic", "nope", "--to-earliest"}), 1, "unknown topic 'nope'");
  CHECK_KLOG_ERROR(reset({"-g", "G", "--topic", "t:7", "--to-earliest"}), 1, "no partition 7");
  CHECK_KLOG_ERROR(reset({"-g", "G", "--topic", "t:0,3", "--to-earliest", "--execute"}), 1, "no partition 3");
  CHECK_KLOG_ERROR(reset({"-g", "G", "--topic", "t:x", "--to-earliest"}), 2, "'x'");
  CHECK_KLOG_ERROR(reset({"-g", "../x", "--topic", "t", "--to-earliest"}), 2, "group");
  CHECK_KLOG_ERROR(reset({"-g", "G", "--topic", "../t", "--to-earliest"}), 2, "topic");
  for (const char* date : {"2026-13-01", "garbage", "2026-02-30T00:00Z", "2026-01-01T25:00Z", "2026-01-01T10:00+5",
                           "2026-01-01T10:00:00Zjunk", "26-01-01", "2026-01-01T10"}) {
    CAPTURE(date);
    CHECK_KLOG_ERROR(reset({"-g", "G", "--topic", "t", "--to-datetime", date, "--execute"}), 2, date);
  }
  for (const char* d : {"5 parsecs", "abc", "-1h", "1x", "h"}) {
    CAPTURE(d);
    CHECK_KLOG_ERROR(reset({"-g", "G", "--topic", "t", "--by-duration", d, "--execute"}), 2, "--by-duration");
  }
  CHECK_KLOG_ERROR(reset({"-g", "G", "--topic", "t", "--to-offset", "-1"}), 2, "--to-offset");
  CHECK_KLOG_ERROR(reset({"-g", "G", "--topic", "t", "--to-offset", "ten"}), 2, "--to-offset");
  CHECK_KLOG_ERROR(reset({"-g", "G", "--topic", "t", "--shift-by", "1.5"}), 2, "--shift-by");
  CHECK_KLOG_ERROR(reset({"-g", "G", "--topic", "t", "--to-earliest", "--to-latest", "--execute"}), 2,
                   "more than one reset mode");
  CHECK_KLOG_ERROR(reset({"-g", "G", "--topic", "t", "--to-offset", "1", "--shift-by", "1"}), 2,
                   "more than one reset mode");
  CHECK_KLOG_ERROR(reset({"-g", "G", "--topic", "t", "--execute"}), 2, "no reset mode");
  CHECK_KLOG_ERROR(reset({"-g", "G", "--topic", "t", "--to-earliest", "--dry-run", "--execute"}), 2, "--dry-run");
  CHECK_KLOG_ERROR(reset({"-g", "G", "--topic", "t", "--all-topics", "--to-earliest"}), 2, "--all-topics");
  CHECK_KLOG_ERROR(reset({"-g", "G", "--to-earliest", "--execute"}), 2, "--topic");
  CHECK_KLOG_ERROR(k.Run({"offset", "show", "-g", "nope"}), 1, "unknown group 'nope'");
  CHECK_KLOG_ERROR(k.Run({"offset", "history", "-g", "nope"}), 1, "unknown group 'nope'");
  CHECK(ReadAll(OffsetsFile(k, "G")) == before);
}

TEST_CASE("offset reset --execute is all-or-nothing under kill -9 at random moments") {
  CliFixture k;
  const int kParts = 8;
  k.Ok({"topic", "create", "t", "--partitions", std::to_string(kParts)});
  std::vector<std::string> commit = {"offset", "commit", "-g", "A"};
  for (int p = 0; p < kParts; ++p) {
    k.Ok({"produce", "t", "-p", std::to_string(p)}, "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n");
    commit.push_back("t:" + std::to_string(p) + "=0");
  }
  k.Ok(commit);
  const std::string path = OffsetsFile(k, "A");

  // All partitions at 0 or all at 10; anything else is a torn reset.
  auto state = [&]() -> int64_t {
    std::string text = ReadAll(path);
    json j;
    try {
      j = json::parse(text);
    } catch (const std::exception& e) {
      FAIL("offsets.json does not parse: " << e.what() << "\n" << text);
    }
    std::set<int64_t> values;
    REQUIRE(j["offsets"]["t"].size() == kParts);
    for (const auto& [p, v] : j["offsets"]["t"].items()) values.insert(v.get<int64_t>());
    INFO(text);
    REQUIRE(values.size() == 1);
    return *values.begin();
  };

  // The last journal entry: it must record any change that landed.
  auto last_entry_new = [&]() -> std::set<int64_t> {
    json h = json::parse(k.Ok({"offset", "history", "-g", "A", "--json", "-n", "1"}));
    std::set<int64_t> values;
    if (h.size() == 1)
      for (const auto& c : h[0]["changes"]) values.insert(c["new"].get<int64_t>());
    return values;
  };

  // How long one reset takes here, so that kills land before, during and
  // after its replace even on a slow or loaded machine.
  auto t0 = std::chrono::steady_clock::now();
  k.Ok({"offset", "reset", "-g", "A", "--all-topics", "--to-latest", "--execute"});
  const auto full_us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
  const uint64_t max_delay_us = static_cast<uint64_t>(std::max<int64_t>(2000, full_us * 3 / 2));
  REQUIRE(state() == 10);

  std::mt19937 rng(20261124);
  int flipped = 0, kept = 0, finished = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (int i = 0; i < 80 && std::chrono::steady_clock::now() < deadline; ++i) {
    int64_t before = state();
    REQUIRE((before == 0 || before == 10));
    std::string mode = before == 0 ? "--to-latest" : "--to-earliest";
    KlogProcess p({"offset", "reset", "-g", "A", "--all-topics", mode, "--execute", "-q"}, k.Env(),
                  k.tmp().Join("reset.out"), k.tmp().Join("reset.err"));
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % max_delay_us));
    p.Signal(SIGKILL);
    int rc = p.Wait(5000);
    REQUIRE(rc != -1);
    finished += rc == 0;
    int64_t after = state();
    if (after == before) {
      ++kept;
    } else {
      ++flipped;
      // The change is in the history, so --to-previous can undo it.
      CHECK(last_entry_new() == std::set<int64_t>{after});
    }
  }
  MESSAGE("kills that left the old plan: " << kept << ", the new plan: " << flipped << " (" << finished
                                           << " ran to completion first)");
  CHECK(kept > 0);     // some kills landed before the replace...
  CHECK(flipped > 0);  // ... and some after it
  // Nothing is left locked or unreadable: the tools still work.
  k.Ok({"offset", "reset", "-g", "A", "--all-topics", "--to-offset", "3", "--execute"});
  CHECK(state() == 3);
  CHECK(k.Run({"offset", "history", "-g", "A", "--json"}).exit_code == 0);
  CHECK(k.Run({"group", "describe", "A"}).exit_code == 0);
}

}  // namespace klog::testing
