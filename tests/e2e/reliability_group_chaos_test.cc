// Group chaos: `klog consume -g chaos -f --exec 'sh work.sh' --session-timeout 1s`
// members process a topic that keeps growing, while the test SIGKILLs them,
// SIGSTOPs and SIGCONTs them, and starts new ones, at random. At the end every
// member is stopped and one cron-style run (`klog consume -g chaos --exec ...`
// without -f) finishes the work.
//
// work.sh logs, for each record it is given, "MEMBER START END P O V", where
// START and END are `date +%s%N` taken before and after the work: the record
// was processed by MEMBER during [START, END].
//
// Asserted (contract section 4):
//  - no loss: every record the producer reported is processed at least once,
//    and every processed record is the one at that offset (no wrong data);
//  - exclusive: for each partition, no two runs of work.sh by different
//    members overlap in time, except a run of a member that was no longer
//    live in the contract's sense:
//      (a) a run still going when its member was SIGKILLed (the orphaned sh
//          finishes on its own; klog is gone);
//      (b) a run already going when its member was SIGSTOPped (the sh child
//          is not stopped with it);
//      (c) the last run of a member that was then fenced (it exited on its
//          own, "expelled"): the one in-flight batch of a zombie, which
//          the contract allows; klog re-checks the generation before each
//          batch, so there is at most one such run per expulsion;
//  - readable state: `group describe --json` answers within its timeout at
//    any moment, also while a member is stopped;
//  - members die only of the signals the test sends: a member that exits on
//    its own has been fenced (exit 1, one "klog: error:" line) or exits 0;
//  - final lag zero: `group describe --json` says total_lag 0 after the
//    cron-style run.
#include <doctest/doctest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "e2e/cli_fixture.h"
#include "e2e/reliability_util.h"

namespace klog::testing {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr int kFinalMember = 1000;
constexpr int64_t kSessionTimeoutMs = 1000;
// Stops shorter than this cannot get a member expelled; longer ones do.
constexpr int kShortStopMaxMs = 500;
constexpr int kLongStopMinMs = 1500;

struct Member {
  int idx = 0;
  std::unique_ptr<KlogProcess> proc;
  std::string err_path;
  bool stopped = false;
  Clock::time_point cont_at;
  std::vector<std::pair<int64_t, int64_t>> stops;  // realtime ns around SIGSTOP: (before, after)
  std::optional<int64_t> killed_ns;                 // realtime ns just before SIGKILL
  bool done = false;
  bool fenced = false;                              // exited on its own after being expelled
  int exit_code = -1;
};

struct Run {  // one run of work.sh
  int member;
  int64_t start, end;
};

TEST_CASE("group chaos: members killed, stopped and started at random; nothing lost, never two owners at once") {
  CliFixture k;
  const std::string topic = "chaos", group = "workers";
  const int kPartitions = 6;
  const int duration_ms = rel::Scaled(8000, 14000, 180000);
  k.Ok({"topic", "create", topic, "--partitions", std::to_string(kPartitions)});

  const std::string log_path = k.tmp().Join("processed.log");
  const std::string script = k.tmp().Join("work.sh");
  WriteAll(log_path, "");
  WriteAll(script,
           "s=$(date +%s%N)\n"
           "in=$(cat; echo .)\n"  // keeps a final newline, or the lack of one
           "sleep 0.005\n"
           "e=$(date +%s%N)\n"
           // A member killed while writing to our stdin leaves its last record
           // cut short: `read` skips a final line without its newline.
           "printf '%s' \"${in%.}\" | while read -r p o v; do echo \"$CHAOS_MEMBER $s $e $p $o $v\"; done >> " +
               log_path + "\n");
  auto member_args = [&](bool follow) {
    std::vector<std::string> a = {"--dir", k.data(), "consume", topic, "-g", group, "--exec", "sh " + script,
                                  "--exec-batch", "2", "--format", "%p %o %v\\n", "--session-timeout", "1s"};
    if (follow) a.push_back("-f");
    return a;
  };

  std::mt19937 rng(424242);
  std::vector<Member> members;
  std::map<std::pair<int, int64_t>, std::string> produced;  // (partition, offset) -> value
  int64_t next_value = 0;
  int kills = 0, short_stops = 0, long_stops = 0, starts = 0, describes = 0;
  int64_t slowest_describe_ms = 0;

  auto start_member = [&] {
    Member m;
    m.idx = static_cast<int>(members.size());
    m.err_path = k.tmp().Join("member" + std::to_string(m.idx) + ".err");
    m.proc = std::make_unique<KlogProcess>(member_args(true),
                                           std::map<std::string, std::string>{{"CHAOS_MEMBER", std::to_string(m.idx)}},
                                           "/dev/null", m.err_path);
    members.push_back(std::move(m));
    ++starts;
  };
  auto produce = [&](int n) {
    std::string input;
    std::vector<std::string> values;
    for (int i = 0; i < n; ++i) {
      std::string v = "r" + std::to_string(next_value++);
      values.push_back(v);
      input += "k" + v + ":" + v + "\n";  // keyed: spread over the partitions
    }
    RunResult r = k.Run({"produce", topic, "-K", ":", "--print-offsets"}, input);
    INFO("produce: " << r.err);
    REQUIRE(r.exit_code == 0);
    auto lines = Lines(r.out);
    REQUIRE(lines.size() == values.size());
    for (size_t i = 0; i < lines.size(); ++i) {
      auto w = rel::Words(lines[i]);
      REQUIRE(w.size() == 2);
      produced[{std::stoi(w[0]), std::stoll(w[1])}] = values[i];
    }
  };
  // Notices members that exited on their own.
  auto reap = [&](Member& m) {
    if (m.done || m.proc->running()) return;
    m.done = true;
    m.exit_code = m.proc->Wait(0);
    std::string err = ReadAll(m.err_path);
    INFO("member " << m.idx << " exit " << m.exit_code << " stderr: " << err);
    CHECK_FALSE(rel::SanitizerReport(err));
    // A SIGKILL that found the member already exited on its own (e.g. it
    // learned after SIGCONT that it was expelled) kills nothing: then its
    // own exit is judged like any other.
    if (m.killed_ns && m.exit_code == 128 + SIGKILL) return;
    CHECK(m.exit_code < 128);
    if (m.exit_code != 0) {
      CHECK(m.exit_code == 1);
      CHECK(Lines(err).size() == 1);
      CHECK(err.find("expelled") != std::string::npos);
      m.fenced = true;
    }
  };
  auto running = [&](bool include_stopped) {
    std::vector<Member*> out;
    for (auto& m : members)
      if (!m.done && !m.killed_ns && (include_stopped || !m.stopped)) out.push_back(&m);
    return out;
  };

  produce(50);
  for (int i = 0; i < 3; ++i) start_member();
  // The group exists once a first member has joined; on a busy machine that
  // can take a while, and "unknown group" before then is right.
  REQUIRE(WaitFor([&] { return RunKlog({"--dir", k.data(), "group", "describe", group}).exit_code == 0; }, 20000));
  auto t0 = Clock::now();
  auto next_action = t0 + std::chrono::milliseconds(1500);  // let the first members settle
  auto next_produce = t0;
  auto next_describe = t0;
  while (Clock::now() - t0 < std::chrono::milliseconds(duration_ms)) {
    auto now = Clock::now();
    for (auto& m : members) {
      if (m.stopped && now >= m.cont_at) {
        m.proc->Signal(SIGCONT);
        m.stopped = false;
      }
      if (!m.stopped) reap(m);
    }
    if (now >= next_produce) {
      produce(1 + static_cast<int>(rng() % 12));
      next_produce = now + std::chrono::milliseconds(50 + rng() % 100);
    }
    if (now >= next_describe) {
      // Readable state at any moment: never blocked by a stopped member.
      auto d0 = Clock::now();
      RunOptions o;
      o.timeout_ms = 10000;
      RunResult d = RunKlog({"--dir", k.data(), "group", "describe", group, "--json"}, o);
      int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - d0).count();
      slowest_describe_ms = std::max(slowest_describe_ms, ms);
      INFO("group describe: " << d.err);
      CHECK(d.exit_code == 0);
      json parsed;
      CHECK_NOTHROW(parsed = json::parse(d.out));
      ++describes;
      next_describe = Clock::now() + std::chrono::milliseconds(700);
    }
    if (now >= next_action) {
      auto live = running(false);
      auto all = running(true);
      int dice = static_cast<int>(rng() % 10);
      if (all.size() < 2 || (dice < 3 && all.size() < 5)) {
        start_member();
      } else if (dice < 6 && !all.empty()) {
        Member* m = all[rng() % all.size()];  // stopped ones too: SIGKILL ends them as well
        m->killed_ns = rel::RealtimeNs();
        m->proc->Signal(SIGKILL);
        m->proc->Wait(10000);
        m->stopped = false;
        ++kills;
        reap(*m);
      } else if (live.size() >= 2) {
        Member* m = live[rng() % live.size()];
        bool is_long = rng() % 2 == 0;
        int ms = is_long ? kLongStopMinMs + static_cast<int>(rng() % 1000) : 100 + static_cast<int>(rng() % (kShortStopMaxMs - 100));
        int64_t before = rel::RealtimeNs();
        m->proc->Signal(SIGSTOP);
        m->stops.push_back({before, rel::RealtimeNs()});
        m->stopped = true;
        m->cont_at = Clock::now() + std::chrono::milliseconds(ms);
        ++(is_long ? long_stops : short_stops);
      }
      next_action = Clock::now() + std::chrono::milliseconds(200 + rng() % 400);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }

  // Everyone stops: SIGCONT the stopped, SIGTERM the rest (they commit and leave).
  for (auto& m : members)
    if (m.stopped) {
      m.proc->Signal(SIGCONT);
      m.stopped = false;
    }
  for (auto* m : running(true)) {
    reap(*m);
    if (m->done) continue;
    // A member started moments ago may not have its SIGTERM handler yet: the
    // default action would kill it during start-up, which is not "leaving".
    CHECK(WaitFor([&] { return m->proc->Catches(SIGTERM) || !m->proc->running(); }, 20000));
    m->proc->Signal(SIGTERM);
  }
  for (auto* m : running(true)) {
    if (m->proc->Wait(20000) == -1) {
      m->killed_ns = rel::RealtimeNs();
      m->proc->Signal(SIGKILL);
      m->proc->Wait(10000);
      ++kills;
      FAIL_CHECK("member " << m->idx << " did not stop on SIGTERM within 20 s");
    }
    reap(*m);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // orphaned work.sh runs of killed members finish

  // The cron-style run processes whatever is left and exits.
  RunOptions fo;
  fo.env = {{"CHAOS_MEMBER", std::to_string(kFinalMember)}};
  fo.timeout_ms = 120000;
  std::vector<std::string> final_args = member_args(false);
  RunResult fin = RunKlog(final_args, fo);
  INFO("final run: " << fin.err);
  REQUIRE(fin.exit_code == 0);
  CHECK(fin.err == "");

  RunResult d = k.Run({"group", "describe", group, "--json"});
  REQUIRE(d.exit_code == 0);
  json doc = json::parse(d.out);
  CHECK(doc["total_lag"].get<int64_t>() == 0);
  for (const auto& p : doc["partitions"]) CHECK(p["lag"].get<int64_t>() == 0);

  // What work.sh saw.
  std::map<std::pair<int, int64_t>, int> times_processed;
  std::map<int, std::vector<Run>> runs;  // partition -> runs
  std::set<std::tuple<int, int, int64_t, int64_t>> seen_runs;  // (partition, member, start, end)
  int64_t lines = 0;
  for (const auto& line : Lines(ReadAll(log_path))) {
    auto w = rel::Words(line);
    if (w.size() != 6) FAIL("bad line in the processing log: '" << line << "'");
    int member = std::stoi(w[0]);
    int64_t s = std::stoll(w[1]), e = std::stoll(w[2]);
    int p = std::stoi(w[3]);
    int64_t o = std::stoll(w[4]);
    auto it = produced.find({p, o});
    if (it == produced.end() || it->second != w[5])
      FAIL("member " << member << " processed '" << w[5] << "' as partition " << p << " offset " << o
                     << ", which holds '" << (it == produced.end() ? "(nothing)" : it->second) << "'");
    ++times_processed[{p, o}];
    if (seen_runs.insert({p, member, s, e}).second) runs[p].push_back({member, s, e});
    ++lines;
  }
  int64_t missing = 0, twice = 0;
  for (const auto& [po, v] : produced) {
    int n = times_processed.count(po) ? times_processed[po] : 0;
    if (n == 0) {
      ++missing;
      if (missing <= 5) FAIL_CHECK("partition " << po.first << " offset " << po.second << " ('" << v << "') never processed");
    }
    if (n > 1) ++twice;
  }
  CHECK(missing == 0);

  // Exclusivity, with the exemptions of the header comment.
  std::map<int, int64_t> last_start;  // member -> start of its last run
  for (const auto& [p, rs] : runs)
    for (const auto& r : rs) last_start[r.member] = std::max(last_start[r.member], r.start);
  auto exempt = [&](const Run& r, std::string* why) {
    if (r.member == kFinalMember) return false;
    const Member& m = members.at(static_cast<size_t>(r.member));
    if (m.killed_ns && r.end > *m.killed_ns) {
      *why = "running when its member was SIGKILLed";
      return true;
    }
    for (const auto& [before, after] : m.stops)
      if (r.start <= after && r.end > before) {
        *why = "running when its member was SIGSTOPped";
        return true;
      }
    if (m.fenced && r.start == last_start[r.member]) {
      *why = "the in-flight batch of a member that was then fenced";
      return true;
    }
    return false;
  };
  int64_t overlaps_exempt = 0, violations = 0;
  int64_t handovers = 0;
  for (auto& [p, rs] : runs) {
    std::sort(rs.begin(), rs.end(), [](const Run& a, const Run& b) { return a.start < b.start; });
    for (size_t i = 0; i < rs.size(); ++i) {
      if (i > 0 && rs[i].member != rs[i - 1].member) ++handovers;
      for (size_t j = i + 1; j < rs.size() && rs[j].start < rs[i].end; ++j) {
        if (rs[j].member == rs[i].member) continue;
        std::string why_i, why_j;
        if (exempt(rs[i], &why_i) || exempt(rs[j], &why_j)) {
          ++overlaps_exempt;
          continue;
        }
        ++violations;
        if (violations <= 5)
          FAIL_CHECK("partition " << p << ": member " << rs[i].member << " [" << rs[i].start << ", " << rs[i].end
                                  << "] and member " << rs[j].member << " [" << rs[j].start << ", " << rs[j].end
                                  << "] processed it at the same time");
      }
    }
  }
  CHECK(violations == 0);
  int fenced = 0;
  for (const auto& m : members) fenced += m.fenced;

  rel::Figure("group chaos: " + std::to_string(duration_ms / 1000) + " s, " + std::to_string(starts) +
              " members started, " + std::to_string(kills) + " SIGKILLed, " + std::to_string(long_stops) +
              " SIGSTOPped past the session timeout and " + std::to_string(short_stops) + " briefly, " +
              std::to_string(fenced) + " fenced; " + std::to_string(produced.size()) +
              " records all processed (" + std::to_string(twice) + " more than once, " + std::to_string(lines) +
              " records processed in all), " + std::to_string(handovers) +
              " partition hand-overs, " + std::to_string(overlaps_exempt) + " overlaps of zombie runs, " +
              std::to_string(violations) + " of live members; " + std::to_string(describes) +
              " describes, slowest " + std::to_string(slowest_describe_ms) + " ms; final lag 0");
}

}  // namespace
}  // namespace klog::testing
