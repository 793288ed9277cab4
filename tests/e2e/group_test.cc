// Consumer groups with real `klog consume -g` processes over one data
// directory (contract section 4): balance, join without restart, failover on
// kill -9, expulsion and fencing of a SIGSTOPped member (and handing on a
// partition taken over from it), cron-style runs, exact commits with -n,
// and `group describe/list/delete` telling the truth while members run. Every wait is bounded; "about a second" is asserted as
// at most 3 s so that a loaded 2-core machine does not make it flaky.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "e2e/cli_fixture.h"

namespace klog::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using PartOff = std::pair<int, int64_t>;

constexpr int kStartupMs = 15000;  // a member's first join, on a loaded machine
constexpr int kAboutASecondMs = 3000;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int64_t MsSince(Clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
}

// `group describe G --json`, or null when it fails (used inside WaitFor).
json Describe(const CliFixture& k, const std::string& group) {
  RunResult r = k.Run({"group", "describe", group, "--json"});
  if (r.exit_code != 0) return nullptr;
  try {
    return json::parse(r.out);
  } catch (const std::exception&) {
    return nullptr;
  }
}

// pid -> number of partitions, from a describe document.
std::map<int64_t, size_t> PartitionsPerPid(const json& d) {
  std::map<int64_t, size_t> out;
  if (d.is_null()) return out;
  for (const auto& m : d["members"]) out[m["pid"].get<int64_t>()] = m["partitions"].size();
  return out;
}

// Owner pid of each partition of topic `t` (-1: none).
std::map<int, int64_t> OwnerPids(const json& d) {
  std::map<int, int64_t> out;
  if (d.is_null()) return out;
  std::map<std::string, int64_t> pid_of;
  for (const auto& m : d["members"]) pid_of[m["member_id"].get<std::string>()] = m["pid"].get<int64_t>();
  for (const auto& p : d["partitions"])
    out[p["partition"].get<int>()] = p["member_id"].is_null() ? -1 : pid_of[p["member_id"].get<std::string>()];
  return out;
}

// Stable, with exactly these pids as members, each holding the given number
// of partitions (as a sorted multiset), and every partition owned.
bool Settled(const json& d, const std::set<int64_t>& pids, std::vector<size_t> counts) {
  if (d.is_null() || d["state"] != "Stable") return false;
  auto per = PartitionsPerPid(d);
  std::set<int64_t> got;
  std::vector<size_t> got_counts;
  for (const auto& [pid, n] : per) {
    got.insert(pid);
    got_counts.push_back(n);
  }
  std::sort(counts.begin(), counts.end());
  std::sort(got_counts.begin(), got_counts.end());
  if (got != pids || got_counts != counts) return false;
  for (const auto& [p, pid] : OwnerPids(d))
    if (!pids.count(pid)) return false;
  return true;
}

// Lines "P O ..." of a member's output or of --exec's file.
std::vector<PartOff> ParsePartOffs(const std::string& text) {
  std::vector<PartOff> out;
  for (const auto& line : Lines(text)) {
    std::istringstream in(line);
    int p;
    int64_t o;
    if (in >> p >> o) out.emplace_back(p, o);
  }
  return out;
}

// Every (partition, offset) in the topic, read without a group.
std::set<PartOff> LogContents(const CliFixture& k, const std::string& topic) {
  auto v = ParsePartOffs(k.Ok({"consume", topic, "--format", "%p %o\\n"}));
  return {v.begin(), v.end()};
}

// N records with distinct keys, "key:value" for -K ':'.
std::string KeyedLines(int from, int n) {
  std::string s;
  for (int i = from; i < from + n; ++i) s += "k" + std::to_string(i) + ":v" + std::to_string(i) + "\n";
  return s;
}

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

struct Member {
  std::string out, err;
  std::unique_ptr<KlogProcess> proc;
};

std::unique_ptr<Member> StartMember(const CliFixture& k, const std::string& name, std::vector<std::string> args) {
  auto m = std::make_unique<Member>();
  m->out = k.tmp().Join(name + ".out");
  m->err = k.tmp().Join(name + ".err");
  m->proc = std::make_unique<KlogProcess>(args, k.Env(), m->out, m->err);
  return m;
}

int64_t TotalLag(const json& d) { return d.is_null() ? -1 : d["total_lag"].get<int64_t>(); }

// The group's files, for failure messages: state.json, member files and
// the owner named in each partition lock file.
std::string GroupFiles(const CliFixture& k, const std::string& group) {
  std::string root = k.data() + "/groups/" + group;
  std::string s = "state.json: " + Slurp(root + "/state.json");
  for (const char* dir : {"/members", "/partitions"}) {
    RunResult ls = RunShell("cd '" + root + dir + "' && for f in *; do printf '%s: ' \"$f\"; cat \"$f\"; echo; done");
    s += std::string(dir) + ":\n" + ls.out;
  }
  return s;
}

// A FIFO that a process writes its stdout to, drained by a thread at about
// 400 KB/s: a slow reader downstream, so the writer blocks now and then.
class SlowPipe {
 public:
  explicit SlowPipe(std::string path) : path_(std::move(path)) {
    REQUIRE(::mkfifo(path_.c_str(), 0600) == 0);
    thread_ = std::thread([this] {
      int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);  // waits for the writer
      if (fd < 0) return;
      char buf[4096];
      for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        data_.append(buf, static_cast<size_t>(n));
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      ::close(fd);
    });
  }
  ~SlowPipe() {
    if (thread_.joinable()) {
      // Unblock an open() that never met a writer.
      int fd = ::open(path_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd >= 0) ::close(fd);
      thread_.join();
    }
  }
  const std::string& path() const { return path_; }
  // Everything read, once the writer has closed its end.
  std::string Finish() {
    if (thread_.joinable()) thread_.join();
    return data_;
  }

 private:
  std::string path_;
  std::string data_;
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
  CHECK(WaitFor([&] { return !ParsePartOffs(Slurp(members[3]->out)).empty(); }, kAboutASecondMs));

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
    CHECK(Slurp(m->err) == "");
    for (const auto& po : ParsePartOffs(Slurp(m->out))) ++seen[po];
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
  auto processed = [&](size_t i) { return ParsePartOffs(Slurp(k.tmp().Join("processed." + std::to_string(i)))); };
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
    CHECK(Slurp(members[i]->err) == "");
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
  REQUIRE(WaitFor([&] { return Slurp(out_a) == pa_s + " 0\n"; }, kStartupMs));  // A's command now waits

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
  CHECK(WaitFor([&] { return Slurp(out_b).find(pa_s + " 0\n") != std::string::npos; }, kAboutASecondMs));
  k.Ok({"produce", "t", "-p", pa_s, "second"});
  CHECK(WaitFor([&] { return Slurp(out_b).find(pa_s + " 1\n") != std::string::npos; }, kAboutASecondMs));
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
  std::string err = Slurp(a->err);
  INFO("stderr of A: " << err);
  CHECK(err.rfind("klog: error: ", 0) == 0);
  CHECK(Lines(err).size() == 1);
  CHECK(err.find("expelled") != std::string::npos);
  CHECK(Slurp(out_a) == pa_s + " 0\n");  // nothing delivered after it was expelled
  CHECK(committed_pa() == 2);            // B's progress stands
  CHECK(b->proc->running());

  b->proc->Signal(SIGTERM);
  CHECK(b->proc->Wait(10000) == 0);
  CHECK(Slurp(b->err) == "");
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
  REQUIRE(WaitFor([&] { return Slurp(out_b) == "1 0\n"; }, kStartupMs));  // B is busy with 1:0

  // C joins and is assigned partition 1, but B has not let go of it yet:
  // C must wait rather than read 1:0 too.
  auto c = member("c", "cat >> '" + out_c + "'");
  const int64_t pid_c = c->proc->pid();
  REQUIRE(WaitFor([&] { return OwnerPids(d = Describe(k, "G"))[1] == pid_c; }, kStartupMs));
  CHECK_FALSE(WaitFor([&] { return !Slurp(out_c).empty(); }, 1500));

  // B finishes 1:0, commits it and hands partition 1 over; C goes on from 1:1.
  REQUIRE(gate.Release());
  k.Ok({"produce", "t", "-p", "1", "r1"});
  CHECK(WaitFor([&] { return Slurp(out_c) == "1 1\n"; }, kAboutASecondMs));
  CHECK(Slurp(out_b) == "1 0\n");

  a->proc->Signal(SIGCONT);
  CHECK(a->proc->Wait(10000) > 0);  // fenced
  CHECK(Slurp(out_a) == "");
  for (auto* m : {b.get(), c.get()}) {
    m->proc->Signal(SIGTERM);
    CHECK(m->proc->Wait(10000) == 0);
    CHECK(Slurp(m->err) == "");
  }
  CHECK(Slurp(out_c) == "1 1\n");
}

TEST_CASE("group: cron-style runs pick up exactly what is new; overlapping runs read everything once") {
  CliFixture k;
  k.Ok({"topic", "create", "t", "--partitions", "3"});
  k.Ok({"produce", "t", "-K", ":"}, KeyedLines(0, 30));
  const std::vector<std::string> run = {"consume", "t", "-g", "cron", "--format", "%p %o %v\\n"};
  std::string first = k.Ok(run);
  CHECK(Lines(first).size() == 30);
  k.Ok({"produce", "t", "-K", ":"}, KeyedLines(30, 20));
  std::string second = k.Ok(run);
  auto l2 = Lines(second);
  CHECK(l2.size() == 20);
  for (const auto& line : l2) {
    int v = std::stoi(line.substr(line.rfind(' ') + 2));
    CHECK(v >= 30);
  }
  CHECK(k.Ok(run) == "");  // nothing new: exits at once with nothing

  // Two runs started together on a big topic split it and read it once.
  // Their stdout is a pipe read slowly (as by a slow consumer downstream),
  // so each run takes long enough for the other to join meanwhile.
  k.Ok({"topic", "create", "big", "--partitions", "4"});
  k.Ok({"produce", "big", "-K", ":", "--batch-size", "8KiB"}, KeyedLines(0, 60000));
  std::set<PartOff> truth = LogContents(k, "big");
  REQUIRE(truth.size() == 60000);
  const std::vector<std::string> args = {"consume", "big", "-g", "cron2", "--format", "%p %o\\n"};
  SlowPipe out1(k.tmp().Join("r1.fifo")), out2(k.tmp().Join("r2.fifo"));
  KlogProcess r1(args, k.Env(), out1.path(), k.tmp().Join("r1.err"));
  KlogProcess r2(args, k.Env(), out2.path(), k.tmp().Join("r2.err"));
  CHECK(r1.Wait(60000) == 0);
  CHECK(r2.Wait(60000) == 0);
  CHECK(Slurp(k.tmp().Join("r1.err")) == "");
  CHECK(Slurp(k.tmp().Join("r2.err")) == "");
  auto v1 = ParsePartOffs(out1.Finish()), v2 = ParsePartOffs(out2.Finish());
  std::map<PartOff, int> count;
  for (const auto& po : v1) ++count[po];
  for (const auto& po : v2) ++count[po];
  int dups = 0;
  for (const auto& [po, n] : count) dups += n > 1;
  CHECK(dups == 0);
  CHECK(count.size() == truth.size());
  MESSAGE("overlapping runs read " << v1.size() << " and " << v2.size() << " records");
  CHECK(v1.size() > 0);  // they split the work
  CHECK(v2.size() > 0);
  json d = Describe(k, "cron2");
  CHECK(TotalLag(d) == 0);
  CHECK(d["state"] == "Empty");
}

TEST_CASE("group: -n N commits exactly N; the next run goes on from there") {
  CliFixture k;
  k.Ok({"topic", "create", "t", "--partitions", "3"});
  k.Ok({"produce", "t", "-K", ":"}, KeyedLines(0, 30));
  std::string part = k.Ok({"consume", "t", "-g", "G", "-n", "7", "--format", "%p %o\\n"});
  auto got = ParsePartOffs(part);
  CHECK(got.size() == 7);
  json show = json::parse(k.Ok({"offset", "show", "-g", "G", "--json"}));
  int64_t committed = 0;
  std::map<int, int64_t> per;
  for (const auto& row : show)
    if (!row["current_offset"].is_null()) {
      per[row["partition"].get<int>()] = row["current_offset"].get<int64_t>();
      committed += row["current_offset"].get<int64_t>();
    }
  CHECK(committed == 7);
  // The committed offsets are exactly one past what was printed, per partition.
  std::map<int, int64_t> next;
  for (const auto& [p, o] : got) next[p] = std::max(next[p], o + 1);
  for (const auto& [p, o] : per)
    if (o > 0) CHECK(next[p] == o);

  auto rest = ParsePartOffs(k.Ok({"consume", "t", "-g", "G", "--format", "%p %o\\n"}));
  CHECK(rest.size() == 23);
  std::set<PartOff> all(got.begin(), got.end());
  all.insert(rest.begin(), rest.end());
  CHECK(all == LogContents(k, "t"));

  // -n with --exec commits exactly N too.
  std::string processed = k.tmp().Join("processed");
  k.Ok({"consume", "t", "-g", "H", "-n", "5", "--format", "%p %o\\n", "--exec", "cat >> '" + processed + "'"});
  CHECK(ParsePartOffs(Slurp(processed)).size() == 5);
  json show_h = json::parse(k.Ok({"offset", "show", "-g", "H", "--json"}));
  int64_t committed_h = 0;
  for (const auto& row : show_h)
    if (!row["current_offset"].is_null()) committed_h += row["current_offset"].get<int64_t>();
  CHECK(committed_h == 5);
}

TEST_CASE("group: consume -g | head -3 exits 0 quietly") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  // Far more than a pipe holds (1 MiB), so that klog is still writing when
  // head goes: else it may rightly deliver and commit everything first.
  std::string input;
  for (int i = 0; i < 400000; ++i) input += "record-" + std::to_string(i) + "\n";
  k.Ok({"produce", "t"}, input);
  RunResult r = k.Shell("exec bash -c 'timeout 20 klog consume t -g G | head -3; echo \"status=${PIPESTATUS[0]}\"'");
  CHECK(r.out == "record-0\nrecord-1\nrecord-2\nstatus=0\n");
  CHECK(r.err == "");
  // It left the group cleanly, and committed no more than it wrote.
  json d = Describe(k, "G");
  REQUIRE_FALSE(d.is_null());
  CHECK(d["state"] == "Empty");
  CHECK(d["members"].empty());
  // Not past the end, and the records it never wrote are still there to read.
  CHECK(TotalLag(d) > 0);
}

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
    auto delivered = ParsePartOffs(Slurp(m->out));  // read after the describe
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
  CHECK(Slurp(m->err) == "");
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

}  // namespace klog::testing
