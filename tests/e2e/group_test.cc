// Consumer groups with real `klog consume -g` processes over one data
// directory (contract section 4): balance, join without restart, failover on
// kill -9, expulsion and fencing of a SIGSTOPped member, and handing on a
// partition taken over from it. Every wait is bounded; "about a second" is
// asserted as at most 3 s so that a loaded 2-core machine does not make it
// flaky.
#include <doctest/doctest.h>
#include <signal.h>

#include <atomic>
#include <thread>

#include "e2e/group_util.h"

namespace klog::testing {
namespace {

using nlohmann::json;

// Produces keyed records from a background thread through real `klog
// produce` processes, until stopped.
class LoadGenerator {
 public:
  LoadGenerator(const CliFixture& k, std::string topic, int per_run, int interval_ms)
      : dir_(k.data()), topic_(std::move(topic)) {
    thread_ = std::thread([this, per_run, interval_ms] {
      int next = 1000000;
      while (!stop_) {
        RunOptions o;
        o.stdin_data = KeyedLines(next, per_run);
        RunResult r = RunKlog({"--dir", dir_, "produce", topic_, "-K", ":"}, o);
        if (r.exit_code != 0) ++failures_;
        next += per_run;
        ++runs_;
        std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
      }
    });
  }
  ~LoadGenerator() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int failures() const { return failures_; }
  int runs() const { return runs_; }

 private:
  std::string dir_, topic_;
  std::atomic<bool> stop_{false};
  std::atomic<int> failures_{0}, runs_{0};
  std::thread thread_;
};

// A FIFO that an --exec command waits on (`read x < FIFO`): the test
// decides when the command finishes. Released on destruction too, so no
// blocked shell outlives a failed test.
class Gate {
 public:
  explicit Gate(std::string path) : path_(std::move(path)) { REQUIRE(::mkfifo(path_.c_str(), 0600) == 0); }
  ~Gate() {
    for (int i = 0; i < 20 && Release(); ++i) {
    }
  }
  const std::string& path() const { return path_; }
  // Lets one waiting command go; false if none is waiting.
  bool Release() {
    int fd = ::open(path_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = ::write(fd, "\n", 1) == 1;
    ::close(fd);
    return ok;
  }

 private:
  std::string path_;
};

}  // namespace

TEST_CASE("group: 3 members on 6 partitions get 2 each; a 4th joins without restarting them; exactly once") {
  CliFixture k;
  k.Ok({"topic", "create", "t", "--partitions", "6"});
  k.Ok({"produce", "t", "-K", ":"}, KeyedLines(0, 120));
  REQUIRE(LogContents(k, "t").size() == 120);
  const std::vector<std::string> args = {"consume", "t", "-g", "G", "-f", "--format", "%p %o %v\\n"};

  LoadGenerator load(k, "t", 12, 100);
  std::vector<std::unique_ptr<Member>> members;
  for (int i = 0; i < 3; ++i) members.push_back(StartMember(k, "m" + std::to_string(i), args));
  std::set<int64_t> pids;
  for (auto& m : members) pids.insert(m->proc->pid());
  json d;
  REQUIRE(WaitFor([&] { return Settled(d = Describe(k, "G"), pids, {2, 2, 2}); }, kStartupMs));

  // A fourth member: balanced again within about a second, the others untouched.
  members.push_back(StartMember(k, "m3", args));
  const int64_t fourth = members.back()->proc->pid();
  pids.insert(fourth);
  auto t0 = Clock::now();
  bool balanced = WaitFor([&] { return Settled(d = Describe(k, "G"), pids, {1, 1, 2, 2}); }, kStartupMs);
  int64_t took = MsSince(t0);
  REQUIRE_MESSAGE(balanced, "describe: " << d.dump());
  MESSAGE("4th member balanced in after " << took << " ms");
  CHECK(took <= kAboutASecondMs);
  for (int i = 0; i < 3; ++i) CHECK(members[static_cast<size_t>(i)]->proc->running());
  // The newcomer really reads its share (the load keeps every partition busy).
  CHECK(WaitFor([&] { return !ParsePartOffs(ReadOrEmpty(members[3]->out)).empty(); }, kAboutASecondMs));

  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // more load across the new assignment
  load.Stop();
  CHECK(load.failures() == 0);
  CHECK_MESSAGE(WaitFor([&] { return TotalLag(d = Describe(k, "G")) == 0; }, 20000),
                "describe: " << d.dump() << "\n"
                             << GroupFiles(k, "G"));
  CHECK(Settled(Describe(k, "G"), pids, {1, 1, 2, 2}));  // nobody left or restarted meanwhile

  for (auto& m : members) m->proc->Signal(SIGTERM);
  std::map<PartOff, int> seen;
  for (auto& m : members) {
    CHECK(m->proc->Wait(10000) == 0);
    CHECK(ReadOrEmpty(m->err) == "");
    for (const auto& po : ParsePartOffs(ReadOrEmpty(m->out))) ++seen[po];
  }
  std::set<PartOff> truth = LogContents(k, "t");
  CHECK(truth.size() > 120);
  std::set<int> partitions_used;
  for (const auto& [p, o] : truth) partitions_used.insert(p);
  CHECK(partitions_used.size() == 6);
  int dups = 0, missing = 0;
  for (const auto& [po, n] : seen) dups += n > 1;
  for (const auto& po : truth) missing += !seen.count(po);
  CHECK(dups == 0);
  CHECK(missing == 0);
  CHECK(seen.size() == truth.size());
  json after = Describe(k, "G");
  CHECK(after["state"] == "Empty");
  CHECK(TotalLag(after) == 0);
}

TEST_CASE("group: kill -9 of a member under load; the others take over at once; --exec loses nothing") {
  CliFixture k;
  k.Ok({"topic", "create", "t", "--partitions", "6"});
  k.Ok({"produce", "t", "-K", ":"}, KeyedLines(0, 60));
  std::vector<std::unique_ptr<Member>> members;
  for (int i = 0; i < 3; ++i) {
    std::string processed = k.tmp().Join("processed." + std::to_string(i));
    members.push_back(
        StartMember(k, "m" + std::to_string(i),
                    {"consume", "t", "-g", "G", "-f", "--format", "%p %o\\n", "--exec", "cat >> '" + processed + "'"}));
  }
  auto processed = [&](size_t i) { return ParsePartOffs(ReadOrEmpty(k.tmp().Join("processed." + std::to_string(i)))); };
  std::set<int64_t> pids;
  for (auto& m : members) pids.insert(m->proc->pid());
  json d;
  REQUIRE(WaitFor([&] { return Settled(d = Describe(k, "G"), pids, {2, 2, 2}); }, kStartupMs));

  LoadGenerator load(k, "t", 6, 50);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  d = Describe(k, "G");
  const size_t victim = 1;
  const int64_t victim_pid = members[victim]->proc->pid();
  std::set<int> victim_parts;
  for (const auto& [p, pid] : OwnerPids(d))
    if (pid == victim_pid) victim_parts.insert(p);
  REQUIRE(victim_parts.size() == 2);
  std::vector<size_t> seen_before = {processed(0).size(), processed(2).size()};

  members[victim]->proc->Signal(SIGKILL);
  auto t0 = Clock::now();
  REQUIRE(members[victim]->proc->Wait(5000) == 128 + SIGKILL);
  pids.erase(victim_pid);
  bool taken = WaitFor([&] { return Settled(d = Describe(k, "G"), pids, {3, 3}); }, kStartupMs);
  int64_t took = MsSince(t0);
  REQUIRE_MESSAGE(taken, "describe: " << d.dump());
  MESSAGE("partitions of the killed member reassigned after " << took << " ms");
  CHECK(took <= kAboutASecondMs);
  // ... and really consumed by the survivors: records of both of its
  // partitions show up in their --exec output.
  bool consumed = WaitFor(
      [&] {
        std::set<int> got;
        for (size_t s : {size_t{0}, size_t{2}}) {
          auto v = processed(s);
          for (size_t i = seen_before[s == 0 ? 0 : 1]; i < v.size(); ++i)
            if (victim_parts.count(v[i].first)) got.insert(v[i].first);
        }
        return got == victim_parts;
      },
      kStartupMs);
  took = MsSince(t0);
  REQUIRE(consumed);
  MESSAGE("killed member's partitions consumed by the others after " << took << " ms");
  CHECK(took <= kAboutASecondMs);

  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  load.Stop();
  CHECK(load.failures() == 0);
  CHECK_MESSAGE(WaitFor([&] { return TotalLag(d = Describe(k, "G")) == 0; }, 30000),
                "describe: " << d.dump() << "\n"
                             << GroupFiles(k, "G"));
  for (size_t i : {size_t{0}, size_t{2}}) {
    members[i]->proc->Signal(SIGTERM);
    CHECK(members[i]->proc->Wait(10000) == 0);
    CHECK(ReadOrEmpty(members[i]->err) == "");
  }

  // At least once: every record was processed by someone. Only a record the
  // victim was processing when it died may have been processed twice.
  std::map<PartOff, int> count;
  for (size_t i = 0; i < 3; ++i)
    for (const auto& po : processed(i)) ++count[po];
  std::set<PartOff> truth = LogContents(k, "t");
  int missing = 0;
  for (const auto& po : truth) missing += !count.count(po);
  CHECK(missing == 0);
  int dups = 0;
  for (const auto& [po, n] : count)
    if (n > 1) {
      ++dups;
      CHECK(victim_parts.count(po.first) == 1);
    }
  CHECK(dups <= 1);
}

TEST_CASE("group: a SIGSTOPped member is expelled after --session-timeout; after SIGCONT its commit is refused") {
  CliFixture k;
  k.Ok({"topic", "create", "t", "--partitions", "2"});
  Gate gate(k.tmp().Join("gate.fifo"));
  const std::string fifo = gate.path();
  std::string out_a = k.tmp().Join("processed.a"), out_b = k.tmp().Join("processed.b");
  // A's command blocks on the FIFO after taking its record: A is stopped
  // while it holds a record it has not committed.
  auto a = StartMember(k, "a",
                       {"consume", "t", "-g", "G", "-f", "--session-timeout", "1s", "--format", "%p %o\\n", "--exec",
                        "cat >> '" + out_a + "'; read x < '" + fifo + "'"});
  const int64_t pid_a = a->proc->pid();
  json d;
  REQUIRE(WaitFor([&] { return Settled(d = Describe(k, "G"), {pid_a}, {2}); }, kStartupMs));
  auto b = StartMember(k, "b",
                       {"consume", "t", "-g", "G", "-f", "--session-timeout", "1s", "--format", "%p %o\\n", "--exec",
                        "cat >> '" + out_b + "'"});
  const int64_t pid_b = b->proc->pid();
  REQUIRE(WaitFor([&] { return Settled(d = Describe(k, "G"), {pid_a, pid_b}, {1, 1}); }, kStartupMs));
  int pa = -1;
  for (const auto& [p, pid] : OwnerPids(d))
    if (pid == pid_a) pa = p;
  REQUIRE(pa >= 0);
  const std::string pa_s = std::to_string(pa);

  k.Ok({"produce", "t", "-p", pa_s, "first"});
  REQUIRE(WaitFor([&] { return ReadOrEmpty(out_a) == pa_s + " 0\n"; }, kStartupMs));  // A's command now waits

  a->proc->Signal(SIGSTOP);
  auto t0 = Clock::now();
  bool stale_seen = false;
  bool expelled = WaitFor(
      [&] {
        d = Describe(k, "G");
        if (d.is_null()) return false;
        for (const auto& m : d["members"])
          if (m["pid"] == pid_a && m["status"] == "stale") stale_seen = true;
        return Settled(d, {pid_b}, {2});
      },
      kStartupMs);
  int64_t took = MsSince(t0);
  REQUIRE_MESSAGE(expelled, "describe: " << d.dump());
  MESSAGE("stopped member expelled after " << took << " ms (session timeout 1s)");
  CHECK(took >= 700);  // not before its session timeout (less one heartbeat interval and slack)
  CHECK(took <= 1000 + kAboutASecondMs);
  MESSAGE("describe showed it 'stale' before expelling it: " << stale_seen);

  // B takes over A's partition from the last commit: it processes the record
  // A was stuck on (at least once), and what comes next.
  CHECK(WaitFor([&] { return ReadOrEmpty(out_b).find(pa_s + " 0\n") != std::string::npos; }, kAboutASecondMs));
  k.Ok({"produce", "t", "-p", pa_s, "second"});
  CHECK(WaitFor([&] { return ReadOrEmpty(out_b).find(pa_s + " 1\n") != std::string::npos; }, kAboutASecondMs));
  auto committed_pa = [&] {
    json x = Describe(k, "G");
    if (x.is_null()) return int64_t{-1};
    for (const auto& p : x["partitions"])
      if (p["partition"] == pa && !p["current_offset"].is_null()) return p["current_offset"].get<int64_t>();
    return int64_t{-1};
  };
  CHECK(WaitFor([&] { return committed_pa() == 2; }, kAboutASecondMs));

  // Let A's command finish, then wake A: it tries to commit offset 1 and is fenced.
  REQUIRE(gate.Release());
  a->proc->Signal(SIGCONT);
  int rc = a->proc->Wait(10000);
  CHECK(rc != 0);
  CHECK(rc != -1);
  std::string err = ReadOrEmpty(a->err);
  INFO("stderr of A: " << err);
  CHECK(err.rfind("klog: error: ", 0) == 0);
  CHECK(Lines(err).size() == 1);
  CHECK(err.find("expelled") != std::string::npos);
  CHECK(ReadOrEmpty(out_a) == pa_s + " 0\n");  // nothing delivered after it was expelled
  CHECK(committed_pa() == 2);            // B's progress stands
  CHECK(b->proc->running());

  b->proc->Signal(SIGTERM);
  CHECK(b->proc->Wait(10000) == 0);
  CHECK(ReadOrEmpty(b->err) == "");
  json after = Describe(k, "G");
  CHECK(after["state"] == "Empty");
  CHECK(after["members"].empty());
}

TEST_CASE("group: a partition taken over from a stopped member changes hands again only when its new owner lets go") {
  CliFixture k;
  k.Ok({"topic", "create", "t", "--partitions", "2"});
  Gate gate(k.tmp().Join("gate.fifo"));
  std::string out_a = k.tmp().Join("processed.a"), out_b = k.tmp().Join("processed.b"),
              out_c = k.tmp().Join("processed.c");
  auto member = [&](const std::string& name, const std::string& exec) {
    return StartMember(
        k, name, {"consume", "t", "-g", "G", "-f", "--session-timeout", "1s", "--format", "%p %o\\n", "--exec", exec});
  };
  // B first (it keeps partition 0 in every rebalance), then A (gets 1).
  // B's command waits on the gate for every record.
  auto b = member("b", "cat >> '" + out_b + "'; read x < '" + gate.path() + "'");
  const int64_t pid_b = b->proc->pid();
  json d;
  REQUIRE(WaitFor([&] { return Settled(d = Describe(k, "G"), {pid_b}, {2}); }, kStartupMs));
  auto a = member("a", "cat >> '" + out_a + "'");
  const int64_t pid_a = a->proc->pid();
  REQUIRE(WaitFor([&] { return Settled(d = Describe(k, "G"), {pid_a, pid_b}, {1, 1}); }, kStartupMs));
  REQUIRE(OwnerPids(d)[1] == pid_a);

  // A hangs; B takes partition 1 although A still holds its lock.
  a->proc->Signal(SIGSTOP);
  REQUIRE_MESSAGE(WaitFor([&] { return Settled(d = Describe(k, "G"), {pid_b}, {2}); }, kStartupMs),
                  "describe: " << d.dump());
  k.Ok({"produce", "t", "-p", "1", "r0"});
  REQUIRE(WaitFor([&] { return ReadOrEmpty(out_b) == "1 0\n"; }, kStartupMs));  // B is busy with 1:0

  // C joins and is assigned partition 1, but B has not let go of it yet:
  // C must wait rather than read 1:0 too.
  auto c = member("c", "cat >> '" + out_c + "'");
  const int64_t pid_c = c->proc->pid();
  REQUIRE(WaitFor([&] { return OwnerPids(d = Describe(k, "G"))[1] == pid_c; }, kStartupMs));
  CHECK_FALSE(WaitFor([&] { return !ReadOrEmpty(out_c).empty(); }, 1500));

  // B finishes 1:0, commits it and hands partition 1 over; C goes on from 1:1.
  REQUIRE(gate.Release());
  k.Ok({"produce", "t", "-p", "1", "r1"});
  CHECK(WaitFor([&] { return ReadOrEmpty(out_c) == "1 1\n"; }, kAboutASecondMs));
  CHECK(ReadOrEmpty(out_b) == "1 0\n");

  a->proc->Signal(SIGCONT);
  CHECK(a->proc->Wait(10000) > 0);  // fenced
  CHECK(ReadOrEmpty(out_a) == "");
  for (auto* m : {b.get(), c.get()}) {
    m->proc->Signal(SIGTERM);
    CHECK(m->proc->Wait(10000) == 0);
    CHECK(ReadOrEmpty(m->err) == "");
  }
  CHECK(ReadOrEmpty(out_c) == "1 1\n");
}

}  // namespace klog::testing
