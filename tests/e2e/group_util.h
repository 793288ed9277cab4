// Shared by the consumer-group end-to-end tests: `group describe --json`
// views, member processes, keyed input, and a slow reader for a member's
// stdout.
#pragma once

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "e2e/cli_fixture.h"

namespace klog::testing {

using Clock = std::chrono::steady_clock;
using PartOff = std::pair<int, int64_t>;

constexpr int kStartupMs = 15000;  // a member's first join, on a loaded machine
constexpr int kAboutASecondMs = 3000;

inline int64_t MsSince(Clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
}

// `group describe G --json`, or null when it fails (used inside WaitFor).
inline nlohmann::json Describe(const CliFixture& k, const std::string& group) {
  RunResult r = k.Run({"group", "describe", group, "--json"});
  if (r.exit_code != 0) return nullptr;
  try {
    return nlohmann::json::parse(r.out);
  } catch (const std::exception&) {
    return nullptr;
  }
}

// pid -> number of partitions, from a describe document.
inline std::map<int64_t, size_t> PartitionsPerPid(const nlohmann::json& d) {
  std::map<int64_t, size_t> out;
  if (d.is_null()) return out;
  for (const auto& m : d["members"]) out[m["pid"].get<int64_t>()] = m["partitions"].size();
  return out;
}

// Owner pid of each partition of topic `t` (-1: none).
inline std::map<int, int64_t> OwnerPids(const nlohmann::json& d) {
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
inline bool Settled(const nlohmann::json& d, const std::set<int64_t>& pids, std::vector<size_t> counts) {
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
inline std::vector<PartOff> ParsePartOffs(const std::string& text) {
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
inline std::set<PartOff> LogContents(const CliFixture& k, const std::string& topic) {
  auto v = ParsePartOffs(k.Ok({"consume", topic, "--format", "%p %o\\n"}));
  return {v.begin(), v.end()};
}

// N records with distinct keys, "key:value" for -K ':'.
inline std::string KeyedLines(int from, int n) {
  std::string s;
  for (int i = from; i < from + n; ++i) s += "k" + std::to_string(i) + ":v" + std::to_string(i) + "\n";
  return s;
}

struct Member {
  std::string out, err;
  std::unique_ptr<KlogProcess> proc;
};

inline std::unique_ptr<Member> StartMember(const CliFixture& k, const std::string& name, std::vector<std::string> args) {
  auto m = std::make_unique<Member>();
  m->out = k.tmp().Join(name + ".out");
  m->err = k.tmp().Join(name + ".err");
  m->proc = std::make_unique<KlogProcess>(args, k.Env(), m->out, m->err);
  return m;
}

inline int64_t TotalLag(const nlohmann::json& d) { return d.is_null() ? -1 : d["total_lag"].get<int64_t>(); }

// The group's files, for failure messages: state.json, member files and
// the owner named in each partition lock file.
inline std::string GroupFiles(const CliFixture& k, const std::string& group) {
  std::string root = k.data() + "/groups/" + group;
  std::string s = "state.json: " + ReadOrEmpty(root + "/state.json");
  for (const char* dir : {"/members", "/partitions"}) {
    RunResult ls = RunShell("cd '" + root + dir + "' && for f in *; do printf '%s: ' \"$f\"; cat \"$f\"; echo; done");
    s += std::string(dir) + ":\n" + ls.out;
  }
  return s;
}

// A FIFO that a process writes its stdout to, drained by a thread at about
// 800 KB/s: a slow reader downstream, so the writer blocks now and then.
class SlowPipe {
 public:
  explicit SlowPipe(std::string path) : path_(std::move(path)) {
    REQUIRE(::mkfifo(path_.c_str(), 0600) == 0);
    thread_ = std::thread([this] {
      int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);  // waits for the writer
      if (fd < 0) return;
      char buf[8192];
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

}  // namespace klog::testing
