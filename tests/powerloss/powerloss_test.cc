// Power loss: real klog processes run a workload under fsrec.so, which logs
// every write, truncate, create, rename, unlink, mkdir and the START and END
// of every fsync (fsrec_format.h). For many cut points crash_model.cc builds
// the trees a power cut may leave (POSIX and ext4-like models), and each one
// is checked with real klog commands:
//   verify; verify --repair and verify pass;
//   every record a --fsync batch|always producer acknowledged (printed by
//   --print-offsets before the cut) reads back exactly once with its value;
//   a produce afterwards works and reads back, at an offset after every
//   acknowledged one;
//   a group's committed offset that a commit had made durable survives, and
//   `consume -g` reaches the end;
//   a topic whose `topic create` had returned exists;
//   mirror workloads (`klog mirror DATA COPY` steps): the copy verifies
//   after a repair; what a finished `mirror --fsync batch` copied is there;
//   a rerun of mirror goes on to a copy equal to the source record for
//   record, or refuses in one line, changing nothing, exactly where mirror's
//   rules say the copy holds records the source does not;
//   no command hangs (each runs with a timeout).
// KLOG_SOAK=1 samples thousands of states; KLOG_POWERLOSS_STATES=N sets the
// number per workload and model; KLOG_POWERLOSS_SEED=S changes the seed;
// KLOG_POWERLOSS_WORKLOAD=NAME runs one workload; KLOG_POWERLOSS_KEEP=DIR keeps
// each failing state (as built, before the checks) and the op log there. The
// log is recorded anew on each run, so event numbers refer to that run's log.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "powerloss/crash_model.h"
#include "support/run_klog.h"
#include "support/temp_dir.h"

namespace klog::powerloss {
namespace {

using klog::testing::RunKlog;
using klog::testing::RunOptions;
using klog::testing::RunResult;
using klog::testing::TempDir;

constexpr int kCommandTimeoutMs = 15000;

struct Step {
  std::vector<std::string> args;  // after `klog --dir DATA`, or after `klog` when no_dir
  // A command that names its directories itself (mirror refuses --dir): an
  // argument "@/PATH" is PATH under the recorded root (or under a crash state).
  bool no_dir = false;
  std::string input;
  // produce steps: the values sent to each partition, in input order, and
  // whether their acknowledgements promise durability.
  std::string topic;
  std::map<int, std::vector<std::string>> values;
  bool durable = false;
};

struct Workload {
  std::string name;
  std::vector<Step> steps;
  std::vector<std::string> topics;
  // Mirror workloads: `klog mirror @/data @/<mirror_target>` steps copy the
  // data directory there; checked by CheckMirror. Empty: none.
  std::string mirror_target;
  bool retention = false;  // acked records below the log start may be gone (deleted by retention)
  // A model this workload does not run under yet, and why (a klog bug not
  // fixed yet). Printed on every run; KLOG_POWERLOSS_WORKLOAD=NAME runs it anyway.
  std::map<Model, std::string> disabled;
};

std::string Value(const std::string& wl, int step, int i) {
  // Varied bytes, so zstd leaves segments big enough to roll.
  std::mt19937 r(static_cast<unsigned>(step * 7919 + i));
  std::string pad;
  for (int k = 0; k < 24; ++k) pad += static_cast<char>('a' + r() % 26);
  return wl + "-s" + std::to_string(step) + "-r" + std::to_string(i) + "-" + pad;
}

// `timestamp` >= 0: the records carry timestamps of their own from there on
// (so that the same lines produced elsewhere make equal records).
Step Produce(const std::string& wl, int step_no, const std::string& topic, const std::string& fsync,
             const std::vector<int>& partitions, int count, const std::string& batch_size = "600",
             int64_t timestamp = -1) {
  Step s;
  s.topic = topic;
  s.durable = fsync != "never";
  s.args = {"produce", topic, "--fsync", fsync, "--print-offsets", "--batch-size", batch_size, "--format", "json"};
  for (int i = 0; i < count; ++i) {
    int p = partitions[static_cast<size_t>(i) % partitions.size()];
    std::string v = Value(wl, step_no, i);
    s.values[p].push_back(v);
    s.input += "{\"partition\":" + std::to_string(p) + ",\"value\":\"" + v + "\"" +
               (timestamp >= 0 ? ",\"timestamp\":" + std::to_string(timestamp + i) : "") + "}\n";
  }
  return s;
}

// The first `n` records that `produced` sent to `partition`, produced the
// same way into the data directory `dir` under the root: a copy of them that
// is not made of the source's batches.
Step ProduceCopyOf(const std::string& dir, const Step& produced, int partition, int n) {
  Step s;
  s.no_dir = true;
  s.args = {"--dir", "@/" + dir, "produce", produced.topic, "--fsync", "batch", "--format", "json"};
  std::istringstream in(produced.input);
  std::string line;
  const std::string mark = "{\"partition\":" + std::to_string(partition) + ",";
  while (n > 0 && std::getline(in, line))
    if (line.rfind(mark, 0) == 0) s.input += line + "\n", --n;
  return s;
}

Step Cmd(std::vector<std::string> args) {
  Step s;
  s.args = std::move(args);
  return s;
}

// `klog mirror DATA TARGET` from the workload's data directory to its mirror
// target, both under the recorded root. `fsync`: mirror's --fsync; with
// batch or always, its exit 0 promises that every record it copied is on
// the disk (CheckMirror looks for them).
Step Mirror(const std::string& target, const std::string& fsync) {
  Step s;
  s.no_dir = true;
  s.args = {"mirror", "@/data", "@/" + target, "--fsync", fsync};
  s.durable = fsync != "never";
  return s;
}

bool IsMirror(const Step& s) { return s.no_dir && !s.args.empty() && s.args[0] == "mirror"; }

Workload Make(const std::string& name, std::vector<std::string> topics) {
  Workload w;
  w.name = name;
  w.topics = std::move(topics);
  return w;
}

std::vector<Workload> Workloads() {
  std::vector<Workload> w;
  {
    Workload x = Make("segment-rolls", {"rolls"});
    x.steps.push_back(Cmd({"topic", "create", "rolls", "--segment-bytes", "4KiB"}));
    x.steps.push_back(Produce(x.name, 1, "rolls", "batch", {0}, 400));
    w.push_back(x);
  }
  {
    Workload x = Make("retention", {"ret"});
    x.retention = true;
    x.steps.push_back(Cmd({"topic", "create", "ret", "--segment-bytes", "4KiB", "--retention-bytes", "8KiB"}));
    x.steps.push_back(Produce(x.name, 1, "ret", "batch", {0}, 500));
    w.push_back(x);
  }
  {
    Workload x = Make("mixed-fsync", {"mixed"});
    x.steps.push_back(Cmd({"topic", "create", "mixed", "--segment-bytes", "4KiB"}));
    x.steps.push_back(Produce(x.name, 1, "mixed", "never", {0}, 150));
    x.steps.push_back(Produce(x.name, 2, "mixed", "batch", {0}, 120));
    x.steps.push_back(Produce(x.name, 3, "mixed", "always", {0}, 40, "200"));
    w.push_back(x);
  }
  {
    Workload x = Make("partitions", {"parts"});
    x.steps.push_back(Cmd({"topic", "create", "parts", "--partitions", "3", "--segment-bytes", "4KiB"}));
    x.steps.push_back(Produce(x.name, 1, "parts", "batch", {0, 1, 2}, 450));
    w.push_back(x);
  }
  {
    Workload x = Make("zstd", {"z"});
    x.steps.push_back(Cmd({"topic", "create", "z", "--compression", "zstd", "--segment-bytes", "4KiB"}));
    x.steps.push_back(Produce(x.name, 1, "z", "batch", {0}, 500, "1500"));
    w.push_back(x);
  }
  {
    Workload x = Make("groups", {"g"});
    x.steps.push_back(Cmd({"topic", "create", "g", "--partitions", "2"}));
    x.steps.push_back(Produce(x.name, 1, "g", "always", {0, 1}, 60, "300"));
    for (int i = 0; i < 3; ++i) x.steps.push_back(Cmd({"consume", "g", "-g", "billing", "-n", "10"}));
    x.steps.push_back(Produce(x.name, 5, "g", "batch", {0, 1}, 30, "300"));
    x.steps.push_back(Cmd({"consume", "g", "-g", "billing"}));
    w.push_back(x);
  }
  {
    // Maintenance from the command line: a commit, retention by cron after
    // a smaller limit, an offset reset back, a commit, more records.
    Workload x = Make("maintenance", {"m"});
    x.retention = true;
    x.steps.push_back(Cmd({"topic", "create", "m", "--segment-bytes", "4KiB"}));
    x.steps.push_back(Produce(x.name, 1, "m", "batch", {0}, 300));
    x.steps.push_back(Cmd({"consume", "m", "-g", "ops", "-n", "250"}));
    x.steps.push_back(Cmd({"topic", "alter", "m", "--retention-bytes", "8KiB"}));
    x.steps.push_back(Cmd({"retention"}));
    x.steps.push_back(Cmd({"offset", "reset", "-g", "ops", "--topic", "m", "--shift-by", "-10", "--execute"}));
    x.steps.push_back(Cmd({"consume", "m", "-g", "ops", "-n", "5"}));
    x.steps.push_back(Produce(x.name, 7, "m", "always", {0}, 20, "200"));
    w.push_back(x);
  }
  {
    Workload x = Make("topic-alter", {"alt"});
    x.steps.push_back(Cmd({"topic", "create", "alt", "--segment-bytes", "4KiB"}));
    x.steps.push_back(Produce(x.name, 1, "alt", "batch", {0}, 60));
    x.steps.push_back(Cmd({"topic", "alter", "alt", "--partitions", "3", "--retention", "1h"}));
    x.steps.push_back(Produce(x.name, 3, "alt", "batch", {1, 2}, 80));
    w.push_back(x);
  }
  {
    // klog mirror between two directories appends the source's stored
    // batches through a PartitionWriter; a rerun goes on where the target
    // ends. The last records of the source come from a producer that never
    // syncs: a power cut may take them from the source and leave them in
    // the target, which mirror must then refuse rather than diverge.
    // The target's partition 1 first gets the source's first 4 records of
    // it from a producer, ending inside the source's first batch there:
    // that partition is copied record by record, through a producer.
    Workload x = Make("mirror", {"mir"});
    x.mirror_target = "copy";
    // (Old timestamps of their own: --retention -1 keeps them.)
    x.steps.push_back(
        Cmd({"topic", "create", "mir", "--partitions", "3", "--segment-bytes", "4KiB", "--retention", "-1"}));
    x.steps.push_back(Produce(x.name, 1, "mir", "batch", {0, 1, 2}, 300, "600", 1700000000000));
    Step create = Cmd({"--dir", "@/copy", "topic", "create", "mir", "--partitions", "3", "--segment-bytes", "4KiB",
                       "--retention", "-1"});
    create.no_dir = true;
    x.steps.push_back(create);
    x.steps.push_back(ProduceCopyOf(x.mirror_target, x.steps[1], 1, 4));
    x.steps.push_back(Mirror(x.mirror_target, "batch"));
    x.steps.push_back(Produce(x.name, 5, "mir", "always", {0, 2}, 40, "200"));
    x.steps.push_back(Mirror(x.mirror_target, "batch"));
    x.steps.push_back(Produce(x.name, 7, "mir", "never", {0, 1}, 60, "4KiB"));
    x.steps.push_back(Mirror(x.mirror_target, "batch"));
    w.push_back(x);
  }
  {
    // The source's oldest records are gone (retention): mirror first starts
    // each empty target partition at the source's start offset
    // (log/partition_start.cc), then copies; a rerun after more records and
    // more retention goes on where the target ends.
    Workload x = Make("mirror-trimmed", {"trim"});
    x.retention = true;
    x.mirror_target = "copy";
    x.steps.push_back(
        Cmd({"topic", "create", "trim", "--partitions", "2", "--segment-bytes", "4KiB", "--retention-bytes", "8KiB"}));
    x.steps.push_back(Produce(x.name, 1, "trim", "batch", {0, 1}, 500));
    x.steps.push_back(Cmd({"retention"}));
    x.steps.push_back(Mirror(x.mirror_target, "batch"));
    x.steps.push_back(Produce(x.name, 4, "trim", "always", {0, 1}, 40, "200"));
    x.steps.push_back(Cmd({"retention"}));
    x.steps.push_back(Mirror(x.mirror_target, "batch"));
    w.push_back(x);
  }
  {
    // mirror as it runs by default (--fsync never): nothing is promised
    // durable, but a rerun must still leave the target equal to the source.
    Workload x = Make("mirror-nosync", {"nosync"});
    x.mirror_target = "copy";
    x.steps.push_back(Cmd({"topic", "create", "nosync", "--partitions", "2", "--segment-bytes", "4KiB"}));
    x.steps.push_back(Produce(x.name, 1, "nosync", "batch", {0, 1}, 300, "2KiB"));
    x.steps.push_back(Mirror(x.mirror_target, "never"));
    x.steps.push_back(Produce(x.name, 3, "nosync", "batch", {0, 1}, 100, "2KiB"));
    x.steps.push_back(Mirror(x.mirror_target, "never"));
    w.push_back(x);
  }
  return w;
}

// What a recorded run leaves for the checks.
struct Recording {
  std::string root;
  std::vector<Op> ops;
  std::vector<size_t> step_exec;  // index of each step's exec event
  // Mirror steps: step index -> the source's records as that mirror ended.
  std::map<size_t, std::map<std::tuple<std::string, int, int64_t>, std::string>> mirrored;
};

RunOptions Preloaded(const std::string& log, const std::string& root, const std::string& input) {
  RunOptions o;
  o.stdin_data = input;
  o.timeout_ms = 60000;
  o.env["LD_PRELOAD"] = KLOG_FSREC_LIB;
  o.env["KLOG_FSREC_LOG"] = log;
  o.env["KLOG_FSREC_ROOT"] = root;
  return o;
}

std::vector<std::string> WithDir(const std::string& data, const std::vector<std::string>& args) {
  std::vector<std::string> a = {"--dir", data};
  a.insert(a.end(), args.begin(), args.end());
  return a;
}

// The command line of a step, its paths under `root` (the recorded root, or
// a crash state's directory).
std::vector<std::string> Argv(const Step& s, const std::string& root) {
  if (!s.no_dir) return WithDir(root + "/data", s.args);
  std::vector<std::string> a;
  for (const auto& x : s.args) a.push_back(x.rfind("@/", 0) == 0 ? root + x.substr(1) : x);
  return a;
}

struct Failure {
  std::string what;
};

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  if (s.size() > 300) s = s.substr(0, 300) + "...";
  return s;
}

std::string Show(const std::vector<std::string>& args, const RunResult& r) {
  std::string cmd = "klog";
  size_t first = !args.empty() && args[0] == "--dir" ? 2 : 0;
  for (size_t i = first; i < args.size(); ++i) cmd += " " + args[i];
  std::string out = "`" + cmd + "` ";
  if (r.exit_code == 137)
    out += "HUNG (killed after " + std::to_string(kCommandTimeoutMs / 1000) + " s)";
  else
    out += "exited " + std::to_string(r.exit_code);
  if (!r.err.empty()) out += ", stderr: " + Trim(r.err);
  if (r.exit_code != 0 && !r.out.empty() && args.size() > first && args[first] == "verify") out += ", stdout: " + Trim(r.out);
  return out;
}

// Records by (topic, partition, offset): the line `consume --format json`
// printed for each (key, value, headers and timestamp included).
using Records = std::map<std::tuple<std::string, int, int64_t>, std::string>;

// Every record of `topics` in data directory `dir`; false (and *error) when
// a consume fails or prints something else than records.
bool ReadRecords(const std::string& dir, const std::vector<std::string>& topics, Records* out, std::string* error) {
  RunOptions opt;
  opt.timeout_ms = kCommandTimeoutMs;
  for (const auto& t : topics) {
    auto a = WithDir(dir, {"consume", t, "--format", "json"});
    RunResult r = RunKlog(a, opt);
    if (r.exit_code != 0) {
      *error = Show(a, r);
      return false;
    }
    std::istringstream in(r.out);
    std::string line;
    while (std::getline(in, line)) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.contains("partition") || !j.contains("offset")) {
        *error = Show(a, r) + ": not a record: " + Trim(line);
        return false;
      }
      (*out)[{t, j["partition"].get<int>(), j["offset"].get<int64_t>()}] = line;
    }
  }
  return true;
}

// klog bugs the harness found that are not fixed yet. A failing state they
// explain is reported apart, by name, and does not fail the test (until
// KLOG_POWERLOSS_STRICT=1): remove an entry when its fix lands.
struct KnownBug {
  const char* name;
  bool (*explains)(const CrashState& state, const std::vector<std::string>& problems);
};

// None left: the torn batch at the end of the active segment (verify
// --repair cuts it) and the recorded gap before an empty last segment
// (consume reads to the end) are fixed. Add one here, with what explains it,
// only while a fix is under way.
// (The last: `klog mirror --fsync never` and a power cut that took a
// middle segment of the target; a rerun went on past the hole. Now mirror
// refuses a target that lacks offsets the source has.)
const std::vector<KnownBug> kKnownBugs = {};

// Runs every check on one state; returns the problems found.
// What the checks covered, summed over the states of a run.
struct Coverage {
  long acked = 0;    // acknowledged records looked for
  long commits = 0;  // durable group commits looked for
  long mirrored = 0;  // records a finished `mirror --fsync batch` had copied, looked for in the target
  long reruns = 0;    // mirror reruns that went on and left the target equal to the source
  long refusals = 0;  // ... that refused, rightly (the target had records the source lost)
};

// Per topic: partition -> (start offset, end offset), from `topic describe
// --json`. Absent topic: an empty map and true; false (and *error) on failure.
bool ReadRanges(const std::string& dir, const std::vector<std::string>& topics,
                std::map<std::string, std::map<int, std::pair<int64_t, int64_t>>>* out, std::string* error) {
  RunOptions opt;
  opt.timeout_ms = kCommandTimeoutMs;
  for (const auto& t : topics) {
    auto a = WithDir(dir, {"topic", "describe", t, "--json"});
    RunResult r = RunKlog(a, opt);
    if (r.exit_code != 0 && r.err.find("unknown topic") != std::string::npos) continue;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    if (r.exit_code != 0 || j.is_discarded() || !j.contains("partitions")) {
      *error = Show(a, r);
      return false;
    }
    for (auto& p : j["partitions"])
      (*out)[t][p["partition"].get<int>()] = {p["start_offset"].get<int64_t>(), p["end_offset"].get<int64_t>()};
  }
  return true;
}

// Mirror workloads, after the checks of the data directory (the source):
// the target is repaired as the source is and must verify; every record a
// `mirror --fsync batch` that had exited 0 copied is in the target; and a
// rerun of mirror either goes on where the target ends, leaving it equal to
// the source record for record, or, exactly when the target holds records
// the source no longer has (a power cut took unsynced source records that
// mirror had copied; or the source got other records at those offsets
// since), refuses in one line and changes nothing (contract section 9:
// a target holding records mirror did not put there is refused).
void CheckMirror(const Workload& wl, const Recording& rec, size_t cut, size_t events, bool relaxed,
                 const std::string& dir, std::vector<std::string>& bad, Coverage& cov) {
  size_t last_mirror = wl.steps.size();
  for (size_t i = 0; i < wl.steps.size(); ++i)
    if (IsMirror(wl.steps[i])) last_mirror = i;
  if (last_mirror == wl.steps.size()) return;
  size_t first_mirror = rec.mirrored.begin()->first;
  if (rec.step_exec[first_mirror] >= cut) return;  // no mirror had started: nothing to check
  const std::string src = dir + "/data", dst = dir + "/" + wl.mirror_target;
  RunOptions opt;
  opt.timeout_ms = kCommandTimeoutMs;
  auto run = [&](const std::vector<std::string>& a) {
    RunResult r = RunKlog(a, opt);
    if (r.exit_code == 137) bad.push_back(Show(a, r));
    return r;
  };
  struct stat st;
  bool dst_exists = ::stat(dst.c_str(), &st) == 0;
  if (dst_exists) {
    auto ra = WithDir(dst, {"verify", "--repair"});
    RunResult rr = run(ra);
    if (rr.exit_code != 0 && rr.exit_code != 137 && !relaxed) bad.push_back(Show(ra, rr));
    auto va = WithDir(dst, {"verify"});
    RunResult v = run(va);
    if (v.exit_code != 0 && v.exit_code != 137 && !relaxed) bad.push_back(Show(va, v) + " (after a successful repair)");
  }
  auto rerun = Argv(wl.steps[last_mirror], dir);
  if (relaxed) {  // a hole in unsynced data may rightly stop a reader: only hangs count
    run(rerun);
    return;
  }
  std::string err;
  Records source, target;
  std::map<std::string, std::map<int, std::pair<int64_t, int64_t>>> sr, tr;
  if (!ReadRecords(src, wl.topics, &source, &err) || !ReadRanges(src, wl.topics, &sr, &err)) {
    bad.push_back("mirror source: " + err);
    return;
  }
  if (dst_exists && !ReadRanges(dst, wl.topics, &tr, &err)) {
    bad.push_back("mirror target: " + err);
    return;
  }
  std::vector<std::string> present;
  for (const auto& [t, parts] : tr) present.push_back(t);
  if (!ReadRecords(dst, present, &target, &err)) {
    bad.push_back("mirror target: " + err);
    return;
  }
  auto start_of = [](const std::map<std::string, std::map<int, std::pair<int64_t, int64_t>>>& r,
                     const std::string& t, int p) -> int64_t {
    auto it = r.find(t);
    if (it == r.end() || !it->second.count(p)) return 0;
    return it->second.at(p).first;
  };

  // What a mirror that exited 0 with --fsync batch had copied is there
  // (below the target's start only if the target's own retention took it).
  for (const auto& [step, records] : rec.mirrored) {
    bool exited = step + 1 < rec.step_exec.size() ? rec.step_exec[step + 1] < cut : cut >= events;
    if (!wl.steps[step].durable || !exited) continue;
    int lost = 0;
    for (const auto& [k, line] : records) {
      const auto& [t, p, o] = k;
      ++cov.mirrored;
      auto it = target.find(k);
      if (it != target.end() && it->second == line) continue;
      if (it == target.end() && o < start_of(tr, t, p)) continue;
      if (lost++ < 3)
        bad.push_back("record mirrored by step " + std::to_string(step + 1) + " (exited 0, --fsync batch) " +
                      (it == target.end() ? "lost" : "changed") + " in the target: topic " + t + " partition " +
                      std::to_string(p) + " offset " + std::to_string(o) + ": " + Trim(line));
    }
    if (lost > 3) bad.push_back("... " + std::to_string(lost) + " mirrored records lost in all");
  }

  // Must the rerun refuse? Exactly where mirror's rules say (mirror_plan.h):
  // the target has a different partition count, ends after the source,
  // ends before the source's oldest record (a gap), or its last record is
  // not the source's at that offset (the power cut took unsynced source
  // records that mirror had copied, and the source got others since). And
  // it must stop where the records it is to copy have offsets missing in
  // the source (a repaired crash of the source): offsets stay identical.
  std::string refuse_because, stop_because;
  for (const auto& [t, sparts] : sr) {
    auto tit = tr.find(t);
    if (tit != tr.end() && tit->second.size() != sparts.size()) {
      refuse_because = "target topic " + t + " has " + std::to_string(tit->second.size()) + " partitions, the source " +
                       std::to_string(sparts.size());
      break;
    }
    for (const auto& [p, srange] : sparts) {
      auto [s_start, s_end] = srange;
      int64_t t_start = 0, t_end = 0;
      if (tit != tr.end()) std::tie(t_start, t_end) = tit->second.at(p);
      std::string where = "topic " + t + " partition " + std::to_string(p);
      if (t_end > s_end) {
        refuse_because = where + ": the target ends at " + std::to_string(t_end) + ", the source at " +
                         std::to_string(s_end);
      } else if (t_end > t_start && t_end < s_start) {
        refuse_because = where + ": the target ends at " + std::to_string(t_end) + ", before the source's start " +
                         std::to_string(s_start);
      } else if (t_end > t_start && t_end - 1 >= s_start) {
        auto a = source.find({t, p, t_end - 1});
        auto b = target.find({t, p, t_end - 1});
        if (a == source.end() || b == target.end() || a->second != b->second)
          refuse_because = where + ": at offset " + std::to_string(t_end - 1) + " the target holds " +
                           (b == target.end() ? "nothing" : Trim(b->second)) + ", the source " +
                           (a == source.end() ? "nothing" : Trim(a->second));
      }
      // A hole in the target (it lost records it had copied, --fsync never)
      // where the source has them: a rerun, which only appends, cannot fill it.
      for (int64_t o = std::max(t_start, s_start); refuse_because.empty() && o < std::min(t_end, s_end); ++o)
        if (source.count({t, p, o}) && !target.count({t, p, o}))
          refuse_because = where + ": the target lacks offset " + std::to_string(o) + ", which the source has";
      if (!refuse_because.empty()) break;
      int64_t from = std::max(t_end, s_start), present = 0;
      for (auto it = source.lower_bound({t, p, from});
           it != source.end() && std::get<0>(it->first) == t && std::get<1>(it->first) == p; ++it)
        ++present;
      if (stop_because.empty() && present != s_end - from)
        stop_because = where + ": " + std::to_string(s_end - from - present) + " of the offsets " +
                       std::to_string(from) + " to " + std::to_string(s_end - 1) + " are missing in the source";
    }
    if (!refuse_because.empty()) break;
  }

  RunResult r = run(rerun);
  if (r.exit_code == 137) return;
  Records after;
  std::map<std::string, std::map<int, std::pair<int64_t, int64_t>>> ar;
  bool readable = ReadRanges(dst, wl.topics, &ar, &err) && ReadRecords(dst, wl.topics, &after, &err);
  if (!readable) bad.push_back("mirror target after `klog mirror`: " + err);
  if (!refuse_because.empty()) {
    // One line, the documented refusal, and the target as it was.
    bool one_line = r.err.find('\n') == r.err.size() - 1;
    if (r.exit_code != 1 || !one_line || r.err.rfind("klog: error: target topic '", 0) != 0)
      bad.push_back(Show(rerun, r) + ", though it must refuse (" + refuse_because + ")");
    else if (readable && dst_exists && after != target)
      bad.push_back(Show(rerun, r) + " and refused, but changed the target");
    else
      ++cov.refusals;
    return;
  }
  if (r.exit_code != 0) {
    if (stop_because.empty())
      bad.push_back(Show(rerun, r) + ", though the target holds only records the source has");
    else if (r.err.find("missing") == std::string::npos || r.err.find('\n') != r.err.size() - 1)
      bad.push_back(Show(rerun, r) + ", though it must stop in one line naming the missing offsets (" +
                    stop_because + ")");
    else
      ++cov.refusals;
    return;
  }
  if (!stop_because.empty()) {
    bad.push_back(Show(rerun, r) + ", though it cannot keep offsets across the source's missing ones (" +
                  stop_because + ")");
    return;
  }
  if (!readable) return;
  // The target equals the source from its start on: no record twice, none skipped.
  int diffs = 0;
  auto diff = [&](const std::string& what) {
    if (diffs++ < 3) bad.push_back("after a rerun of mirror: " + what);
  };
  for (const auto& [t, parts] : sr)
    for (const auto& [p, range] : parts) {
      std::string where = "topic " + t + " partition " + std::to_string(p);
      if (!ar.count(t) || !ar[t].count(p)) {
        diff(where + " is missing in the target");
        continue;
      }
      auto [a_start, a_end] = ar[t][p];
      if (a_end != range.second)
        diff(where + " ends at " + std::to_string(a_end) + " in the target, at " + std::to_string(range.second) +
             " in the source");
      for (auto it = source.lower_bound({t, p, a_start});
           it != source.end() && std::get<0>(it->first) == t && std::get<1>(it->first) == p; ++it) {
        auto ait = after.find(it->first);
        if (ait == after.end())
          diff(where + " offset " + std::to_string(std::get<2>(it->first)) + " skipped: " + Trim(it->second));
        else if (ait->second != it->second)
          diff(where + " offset " + std::to_string(std::get<2>(it->first)) + " differs: the target holds " +
               Trim(ait->second) + ", the source " + Trim(it->second));
      }
      // A record the source lost (unsynced) may stay in the target; the
      // rerun adds none the source lacks.
      for (auto it = after.lower_bound({t, p, range.first});
           it != after.end() && std::get<0>(it->first) == t && std::get<1>(it->first) == p; ++it)
        if (!source.count(it->first) && !target.count(it->first))
          diff(where + " offset " + std::to_string(std::get<2>(it->first)) + " is in the target only: " +
               Trim(it->second));
    }
  if (diffs > 3) bad.push_back("... " + std::to_string(diffs) + " differences in all");
  if (diffs == 0) ++cov.reruns;
}

std::vector<std::string> CheckState(const Workload& wl, const Recording& rec, const OpHistory& hist, size_t cut,
                                    Model model, const CrashState& state, const std::string& dir, Coverage& cov) {
  std::vector<std::string> bad;
  std::string data = dir + "/data";
  bool relaxed = !state.holes.empty();
  RunOptions opt;
  opt.timeout_ms = kCommandTimeoutMs;
  auto run = [&](std::vector<std::string> args) {
    auto a = WithDir(data, args);
    RunResult r = RunKlog(a, opt);
    if (r.exit_code == 137) bad.push_back(Show(a, r));
    return std::make_pair(a, r);
  };

  // Acknowledged records: (topic, partition, offset) -> value.
  std::map<std::tuple<std::string, int, int64_t>, std::string> acked;
  std::map<int, const Step*> pid_step;
  size_t step_i = 0;
  for (size_t i = 0; i < hist.size() && i < cut; ++i) {
    const Op& op = hist.ops()[i];
    if (op.type == OpType::kExec && step_i < rec.step_exec.size() && rec.step_exec[step_i] == i) {
      pid_step[op.pid] = &wl.steps[step_i];
      ++step_i;
    }
  }
  std::map<int, std::string> out_of;
  for (size_t i = 0; i < cut && i < hist.size(); ++i) {
    const Op& op = hist.ops()[i];
    if (op.type == OpType::kStdout && pid_step.count(op.pid)) out_of[op.pid] += op.s1;
  }
  for (const auto& [pid, text] : out_of) {
    const Step* s = pid_step[pid];
    if (!s->durable) continue;
    std::map<int, size_t> seen;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      if (in.eof()) break;  // a line without its newline was not fully printed
      int p;
      long long o;
      if (std::sscanf(line.c_str(), "%d %lld", &p, &o) != 2) continue;
      size_t j = seen[p]++;
      if (!s->values.count(p) || j >= s->values.at(p).size()) continue;
      acked[{s->topic, p, o}] = s->values.at(p)[j];
    }
  }

  // Topics that a finished `topic create` made must exist.
  bool later_step_started = false;
  for (size_t s = 1; s < rec.step_exec.size(); ++s)
    if (rec.step_exec[s] < cut) later_step_started = true;
  struct stat dst;
  if (::stat(data.c_str(), &dst) != 0) {
    // Before the first command finished, no data directory is a possible state.
    if (later_step_started || !acked.empty())
      bad.push_back("the data directory is gone, though `klog " + wl.steps[0].args[0] + " " + wl.steps[0].args[1] +
                    "` had finished");
    return bad;
  }

  // 1. verify, verify --repair, verify.
  run({"verify"});  // may find damage; only a hang fails here
  auto [ra, rr] = run({"verify", "--repair"});
  if (rr.exit_code != 0 && rr.exit_code != 137 && !relaxed) bad.push_back(Show(ra, rr));
  auto [v2a, v2] = run({"verify"});
  if (v2.exit_code != 0 && v2.exit_code != 137 && !relaxed)
    bad.push_back(Show(v2a, v2) + " (after a successful repair)");

  // 2. acknowledged records read back exactly once.
  for (const auto& topic : wl.topics) {
    auto [ca, cr] = run({"consume", topic, "--format", "%p %o %v\\n"});
    bool must_exist = later_step_started;
    for (const auto& [k, v] : acked)
      if (std::get<0>(k) == topic) must_exist = true;
    if (!must_exist && cr.exit_code != 0) continue;
    if (cr.exit_code != 0 && cr.exit_code != 137 && !relaxed) bad.push_back(Show(ca, cr));
    std::map<std::pair<int, int64_t>, std::vector<std::string>> got;
    std::map<std::string, int> value_count;
    std::istringstream in(cr.out);
    std::string line;
    while (std::getline(in, line)) {
      int p;
      long long o;
      char v[512];
      if (std::sscanf(line.c_str(), "%d %lld %511s", &p, &o, v) != 3) continue;
      got[{p, o}].push_back(v);
      value_count[v]++;
    }
    // Unsynced data with a hole in it may rightly stop a reader (see
    // CrashState::holes); only a hang is a failure then.
    if (relaxed && cr.exit_code != 0) continue;
    // Retention may have deleted acknowledged records below the log start.
    std::map<int, int64_t> log_start;
    if (wl.retention) {
      auto [da, dr] = run({"topic", "describe", topic, "--json"});
      auto j = nlohmann::json::parse(dr.out, nullptr, false);
      if (dr.exit_code != 0 || j.is_discarded() || !j.contains("partitions")) {
        if (dr.exit_code != 137) bad.push_back(Show(da, dr));
        continue;
      }
      for (auto& p : j["partitions"]) log_start[p["partition"].get<int>()] = p["start_offset"].get<int64_t>();
    }
    int missing = 0;
    for (const auto& [k, v] : acked) {
      auto [t, p, o] = k;
      if (t != topic) continue;
      ++cov.acked;
      auto it = got.find({p, o});
      if (wl.retention && it == got.end() && log_start.count(p) && o < log_start[p]) continue;
      std::string where = "topic " + t + " partition " + std::to_string(p) + " offset " + std::to_string(o);
      if (it == got.end()) {
        if (missing++ < 3) bad.push_back("acknowledged record lost: " + where + " (value " + v + ")");
      } else if (it->second.size() != 1 || it->second[0] != v) {
        bad.push_back("acknowledged record changed: " + where + " reads '" + it->second[0] + "', expected '" + v + "'");
      } else if (value_count[v] != 1) {
        bad.push_back("acknowledged record duplicated: value " + v + " appears " + std::to_string(value_count[v]) +
                      " times");
      }
    }
    if (missing > 3) bad.push_back("... " + std::to_string(missing) + " acknowledged records lost in all");

    // 3. a produce afterwards works, after every acknowledged offset, and reads back.
    if (relaxed || cr.exit_code != 0) continue;
    int64_t max_acked = -1;
    for (const auto& [k, v] : acked)
      if (std::get<0>(k) == topic && std::get<1>(k) == 0) max_acked = std::max(max_acked, std::get<2>(k));
    auto [pa, pr] = run({"produce", topic, "-p", "0", "--fsync", "always", "--print-offsets", "after-the-crash"});
    if (pr.exit_code != 0) {
      if (pr.exit_code != 137) bad.push_back(Show(pa, pr));
      continue;
    }
    long long off = -1;
    std::sscanf(pr.out.c_str(), "0 %lld", &off);
    if (off <= max_acked)
      bad.push_back("produce after the crash got offset " + std::to_string(off) + ", not after acknowledged offset " +
                    std::to_string(max_acked));
    auto [ba, br] = run({"consume", topic, "-p", "0", "-o", std::to_string(off), "-n", "1", "--format", "%v"});
    if (br.exit_code != 0 && br.exit_code != 137)
      bad.push_back(Show(ba, br));
    else if (br.exit_code == 0 && br.out != "after-the-crash")
      bad.push_back("record produced after the crash at offset " + std::to_string(off) + " reads back as '" +
                    Trim(br.out) + "'");
  }

  // 4. a `topic alter --partitions N` that had finished holds.
  for (size_t i = 0; i + 1 < rec.step_exec.size(); ++i) {
    const auto& a = wl.steps[i].args;
    if (a.size() < 5 || a[0] != "topic" || a[1] != "alter" || rec.step_exec[i + 1] >= cut) continue;
    auto at = std::find(a.begin(), a.end(), "--partitions");
    if (at == a.end() || at + 1 == a.end()) continue;
    auto [da, dr] = run({"topic", "describe", a[2], "--json"});
    auto j = nlohmann::json::parse(dr.out, nullptr, false);
    if (dr.exit_code != 0 || j.is_discarded() || !j.contains("partitions")) {
      if (dr.exit_code != 137 && !relaxed) bad.push_back(Show(da, dr));
    } else if (j["partitions"].size() != std::stoul(*(at + 1))) {
      bad.push_back("topic " + a[2] + " has " + std::to_string(j["partitions"].size()) +
                    " partitions, though `klog topic alter --partitions " + *(at + 1) + "` had finished");
    }
  }

  // 5. group offsets that a commit made durable survive: the group's offsets
  // are those of its last durable commit, or of a later one (which may
  // have reached the disk too); commits are journaled renames of offsets.json.
  using Offsets = std::map<std::pair<std::string, int>, int64_t>;
  std::map<std::string, std::vector<std::pair<bool, Offsets>>> group_commits;
  for (size_t i = 0; i < cut && i < hist.size(); ++i) {
    const Op& op = hist.ops()[i];
    if (op.type != OpType::kRename) continue;
    const std::string suffix = "/offsets.json";
    auto g = op.s2.rfind("/groups/");
    if (g == std::string::npos || op.s2.size() < suffix.size() ||
        op.s2.compare(op.s2.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    bool durable =
        model == Model::kPosix ? hist.DirSyncedBetween(hist.TargetDir(i), i, cut) : hist.AnySyncBetween(i, cut);
    std::string group = op.s2.substr(g + 8, op.s2.size() - suffix.size() - g - 8);
    auto j = nlohmann::json::parse(hist.ContentAfter(i, hist.RenamedInode(i)), nullptr, false);
    if (j.is_discarded() || !j.contains("offsets")) continue;
    Offsets offsets;
    for (auto& [t, parts] : j["offsets"].items())
      for (auto& [p, o] : parts.items())
        if (o.is_number()) offsets[{t, std::stoi(p)}] = o.get<int64_t>();
    group_commits[group].push_back({durable, offsets});
  }
  std::map<std::string, Offsets> durable_commits;  // group -> its last durable commit
  std::map<std::string, std::map<std::pair<std::string, int>, std::set<int64_t>>> allowed;  // ... or a later one
  for (const auto& [group, commits] : group_commits) {
    size_t last = commits.size();
    for (size_t c = 0; c < commits.size(); ++c)
      if (commits[c].first) last = c;
    if (last == commits.size()) continue;
    durable_commits[group] = commits[last].second;
    for (size_t c = last; c < commits.size(); ++c)
      for (const auto& [tp, o] : commits[c].second) allowed[group][tp].insert(o);
  }
  for (const auto& [group, commits] : durable_commits) {
    cov.commits += static_cast<long>(commits.size());
    auto [da, dr] = run({"group", "describe", group, "--json"});
    if (dr.exit_code != 0) {
      if (dr.exit_code != 137 && !relaxed) bad.push_back(Show(da, dr));
      continue;
    }
    auto j = nlohmann::json::parse(dr.out, nullptr, false);
    std::map<std::pair<std::string, int>, int64_t> now;
    if (!j.is_discarded() && j.contains("partitions"))
      for (auto& p : j["partitions"])
        if (p["current_offset"].is_number())
          now[{p["topic"].get<std::string>(), p["partition"].get<int>()}] = p["current_offset"].get<int64_t>();
    for (const auto& [tp, o] : commits)
      if (!now.count(tp) || !allowed[group][tp].count(now[tp]))
        bad.push_back("group " + group + " topic " + tp.first + " partition " + std::to_string(tp.second) +
                      ": durably committed offset " + std::to_string(o) + " is now " +
                      (now.count(tp) ? std::to_string(now[tp]) : "gone"));
    for (const auto& topic : wl.topics) {
      auto [ga, gr] = run({"consume", topic, "-g", group, "--format", "%v\\n"});
      if (gr.exit_code != 0 && gr.exit_code != 137 && !relaxed) bad.push_back(Show(ga, gr));
    }
  }

  // 6. mirror: the target, what a finished mirror promised, a rerun.
  if (!wl.mirror_target.empty()) CheckMirror(wl, rec, cut, hist.size(), relaxed, dir, bad, cov);
  return bad;
}

Recording Record(const Workload& wl, const TempDir& tmp) {
  Recording rec;
  rec.root = tmp.Join("root");
  ::mkdir(rec.root.c_str(), 0755);
  std::string log = tmp.Join("ops.log");
  for (size_t i = 0; i < wl.steps.size(); ++i) {
    const Step& s = wl.steps[i];
    RunResult r = RunKlog(Argv(s, rec.root), Preloaded(log, rec.root, s.input));
    REQUIRE_MESSAGE(r.exit_code == 0,
                    std::string(wl.name + ": workload step failed: " + Show(Argv(s, rec.root), r)));
    if (IsMirror(s)) {
      // What this mirror was to copy: the source as it ended (consume only
      // reads, so the op log misses nothing by not recording it).
      std::string err;
      REQUIRE_MESSAGE(ReadRecords(rec.root + "/data", wl.topics, &rec.mirrored[i], &err), err);
    }
  }
  rec.ops = ReadOpLog(log);
  size_t s = 0;
  for (size_t i = 0; i < rec.ops.size(); ++i) {
    const Op& op = rec.ops[i];
    // argv: klog ARGS...: the workload's own steps, in order.
    if (op.type == OpType::kExec && s < wl.steps.size()) {
      std::string args;
      for (const auto& a : Argv(wl.steps[s], rec.root)) args += '\0' + a;
      if (op.s1.find(args) != std::string::npos) rec.step_exec.push_back(i), ++s;
    }
  }
  REQUIRE(rec.step_exec.size() == wl.steps.size());
  return rec;
}

// "`klog verify --repair` exited 1, stdout: t/0: DAMAGED: 000...216.log byte
// 3380 ..." -> the same text with numbers and temp paths masked, cut short.
std::string Kind(std::string problem) {
  for (size_t at; (at = problem.find("/tmp/klog-test-")) != std::string::npos;) {
    size_t end = problem.find('/', at + 15);
    problem.replace(at, end == std::string::npos ? std::string::npos : end - at, "STATE");
  }
  std::string k;
  for (size_t i = 0; i < problem.size() && k.size() < 160; ++i) {
    char c = problem[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      while (i + 1 < problem.size() && std::isdigit(static_cast<unsigned char>(problem[i + 1]))) ++i;
      k += 'N';
    } else {
      k += c;
    }
  }
  return k;
}

std::string Describe(const Workload& wl, Model model, uint64_t seed, size_t cut, const OpHistory& hist,
                     const CrashState& state, const std::vector<std::string>& bad) {
  std::string r = "workload " + wl.name + ", model " + ModelName(model) + ", seed " + std::to_string(seed) +
                  ", cut at event " + std::to_string(cut) + " of " + std::to_string(hist.size()) +
                  "\n    last event that happened: " + (cut ? hist.Describe(cut - 1) : "none") +
                  "\n    first event lost:         " + hist.Describe(cut) + "\n    choices:";
  if (state.choices.empty()) r += " none (everything up to the cut reached the disk)";
  for (size_t c = 0; c < state.choices.size() && c < 12; ++c) r += "\n      " + state.choices[c];
  if (state.choices.size() > 12) r += "\n      ... " + std::to_string(state.choices.size() - 12) + " more";
  r += "\n    what went wrong:";
  for (const auto& b : bad) r += "\n      " + b;
  return r;
}

long EnvLong(const char* name, long def) {
  const char* v = std::getenv(name);
  return v && *v ? std::atol(v) : def;
}

TEST_CASE("power loss: every crash state keeps what klog acknowledged, under POSIX and ext4-like rules") {
  bool soak = EnvLong("KLOG_SOAK", 0) != 0;
  long per = EnvLong("KLOG_POWERLOSS_STATES", soak ? 250 : 20);
  uint64_t seed = static_cast<uint64_t>(EnvLong("KLOG_POWERLOSS_SEED", 1));
  const char* only = std::getenv("KLOG_POWERLOSS_WORKLOAD");
  const char* keep = std::getenv("KLOG_POWERLOSS_KEEP");
  bool strict = EnvLong("KLOG_POWERLOSS_STRICT", 0) != 0;
  std::map<std::string, std::pair<long, std::string>> known_states;  // known bug -> (states, first one)
  std::map<Model, long> checked, failing, known_count, with_holes;
  std::vector<std::string> reports;
  std::vector<std::string> disabled;
  // How the failing states failed: their first problem, numbers masked.
  std::map<std::string, long> kinds;
  auto workloads = Workloads();
  for (size_t wi = 0; wi < workloads.size(); ++wi) {
    const Workload& wl = workloads[wi];
    if (only && *only && wl.name != only) continue;
    bool named = only && *only;
    TempDir tmp;
    Recording rec = Record(wl, tmp);
    struct stat rs;
    REQUIRE(::stat(rec.root.c_str(), &rs) == 0);
    OpHistory hist(rec.ops, rec.root, rs.st_dev, rs.st_ino);
    for (const auto& w : hist.warnings()) MESSAGE(wl.name << ": op log: " << w);
    // Cut points: half anywhere, half right after an acknowledgement, an
    // fsync's END or a name change (where windows open and close).
    std::vector<size_t> marks;
    for (size_t i = 0; i < hist.size(); ++i) {
      auto t = hist.ops()[i].type;
      if (t == OpType::kStdout || t == OpType::kFsyncEnd || t == OpType::kRename || t == OpType::kUnlink ||
          t == OpType::kOpen)
        marks.push_back(i + 1);
    }
    long wl_fail[2] = {0, 0};
    Coverage cov;
    for (Model model : {Model::kPosix, Model::kExt4}) {
      if (wl.disabled.count(model)) {
        disabled.push_back(wl.name + " under the " + ModelName(model) + " model: " + wl.disabled.at(model) +
                           (named ? " (run anyway: KLOG_POWERLOSS_WORKLOAD names it)" : ""));
        if (!named) continue;
      }
      for (long n = 0; n < per; ++n) {
        uint64_t s = seed * 1000003u + wi * 10007u + (model == Model::kExt4 ? 5003u : 0u) + static_cast<uint64_t>(n);
        std::mt19937_64 rng(s);
        size_t cut = (n % 2 == 0 || marks.empty())
                         ? std::uniform_int_distribution<size_t>(0, hist.size())(rng)
                         : marks[std::uniform_int_distribution<size_t>(0, marks.size() - 1)(rng)];
        CrashState state = hist.Sample(cut, model, rng);
        TempDir sdir;
        std::string err;
        REQUIRE_MESSAGE(state.WriteTo(sdir.path(), &err), err);
        auto bad = CheckState(wl, rec, hist, cut, model, state, sdir.path(), cov);
        ++checked[model];
        if (!state.holes.empty()) ++with_holes[model];
        if (bad.empty()) continue;
        const KnownBug* known = nullptr;
        for (const auto& k : kKnownBugs)
          if (k.explains(state, bad)) known = &k;
        if (known && !strict) {
          ++known_count[model];
          auto& [n, example] = known_states[known->name];
          if (n++ == 0) example = Describe(wl, model, s, cut, hist, state, bad);
          continue;
        }
        ++failing[model];
        ++wl_fail[model == Model::kExt4];
        if (keep && *keep) {
          // The state as it was before the checks ran, and the op log it came from.
          std::string where = std::string(keep) + "/" + wl.name + "-" + ModelName(model) + "-" + std::to_string(s);
          ::mkdir(keep, 0755);
          ::mkdir(where.c_str(), 0755);
          (void)state.WriteTo(where, &err);
          std::string cp = "cp '" + tmp.Join("ops.log") + "' '" + std::string(keep) + "/" + wl.name + ".ops.log'";
          (void)std::system(cp.c_str());
        }
        // The first state of each kind of failure, then the first others.
        bool new_kind = kinds[std::string(ModelName(model)) + ": " + Kind(bad[0])]++ == 0;
        size_t limit = static_cast<size_t>(EnvLong("KLOG_POWERLOSS_REPORTS", 5));
        if (reports.size() >= (new_kind ? 2 * limit : limit)) continue;
        reports.push_back(Describe(wl, model, s, cut, hist, state, bad));
      }
    }
    std::printf(
        "powerloss: workload %-14s %5zu events, POSIX %ld/%ld failing, ext4 %ld/%ld failing; looked for %ld "
        "acknowledged records and %ld durable group commits\n",
        wl.name.c_str(), hist.size(), wl_fail[0], per, wl_fail[1], per, cov.acked, cov.commits);
    if (!wl.mirror_target.empty())
      std::printf(
          "powerloss: workload %-14s looked for %ld records a finished `mirror --fsync batch` had copied; mirror "
          "reruns: %ld went on to a target equal to the source, %ld refused or stopped rightly\n",
          wl.name.c_str(), cov.mirrored, cov.reruns, cov.refusals);
  }
  for (Model m : {Model::kPosix, Model::kExt4})
    std::printf("powerloss: %s model: %ld states checked, %ld failing, %ld explained by a known klog bug below\n",
                ModelName(m), checked[m], failing[m], known_count[m]);
  std::printf(
      "powerloss: %ld POSIX states had a hole in unsynced segment data (a lost write before a kept one): "
      "there klog may refuse to repair or read past it, so only hangs were checked, and acknowledged records "
      "where consume could read\n",
      with_holes[Model::kPosix]);
  for (const auto& [k, n] : kinds) std::printf("powerloss: %5ld failing states: %s\n", n, k.c_str());
  for (const auto& [name, v] : known_states)
    std::printf(
        "powerloss: KNOWN KLOG BUG, not counted as failing until fixed (KLOG_POWERLOSS_STRICT=1 counts it): "
        "%s: %ld states; the first:\n  %s\n",
        name.c_str(), v.first, v.second.c_str());
  for (const auto& d : disabled) std::printf("powerloss: DISABLED workload %s\n", d.c_str());
  for (const auto& r : reports) std::printf("powerloss: FAILING STATE: %s\n", r.c_str());
  std::fflush(stdout);
  CHECK(failing[Model::kPosix] == 0);
  CHECK(failing[Model::kExt4] == 0);
}

TEST_CASE("power loss: the checks catch a producer taken at its word that never synced") {
  // --fsync never acknowledges records that a power cut may take: counted as
  // durable here, some crash state must lose one, or the harness sees nothing.
  Workload wl = Make("no-sync-taken-as-durable", {"t"});
  wl.steps.push_back(Cmd({"topic", "create", "t", "--segment-bytes", "4KiB"}));
  Step p = Produce(wl.name, 1, "t", "never", {0}, 300);
  p.durable = true;
  wl.steps.push_back(p);
  TempDir tmp;
  Recording rec = Record(wl, tmp);
  struct stat rs;
  REQUIRE(::stat(rec.root.c_str(), &rs) == 0);
  OpHistory hist(rec.ops, rec.root, rs.st_dev, rs.st_ino);
  int lost = 0;
  Coverage cov;
  for (uint64_t s = 0; s < 40 && lost == 0; ++s) {
    std::mt19937_64 rng(s);
    CrashState state = hist.Sample(hist.size(), Model::kPosix, rng);
    TempDir sdir;
    std::string err;
    REQUIRE(state.WriteTo(sdir.path(), &err));
    for (const auto& b : CheckState(wl, rec, hist, hist.size(), Model::kPosix, state, sdir.path(), cov))
      if (b.find("acknowledged record lost") != std::string::npos) ++lost;
  }
  CHECK(lost > 0);
}

// A small mirror workload: synced records, then unsynced ones, then a mirror
// with `fsync`, taken as promising durability; states sampled at the end of
// the log under the POSIX model until `done` says enough.
void SampleMirrorStates(const std::string& fsync,
                        const std::function<bool(const std::vector<std::string>&, const Coverage&)>& done) {
  Workload wl = Make("mirror-checks", {"t"});
  wl.mirror_target = "copy";
  wl.steps.push_back(Cmd({"topic", "create", "t", "--segment-bytes", "4KiB"}));
  wl.steps.push_back(Produce(wl.name, 1, "t", "batch", {0}, 100));
  wl.steps.push_back(Produce(wl.name, 2, "t", "never", {0}, 30, "4KiB"));
  Step m = Mirror(wl.mirror_target, fsync);
  m.durable = true;
  wl.steps.push_back(m);
  TempDir tmp;
  Recording rec = Record(wl, tmp);
  struct stat rs;
  REQUIRE(::stat(rec.root.c_str(), &rs) == 0);
  OpHistory hist(rec.ops, rec.root, rs.st_dev, rs.st_ino);
  Coverage cov;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    std::mt19937_64 rng(seed);
    CrashState state = hist.Sample(hist.size(), Model::kPosix, rng);
    TempDir sdir;
    std::string err;
    REQUIRE(state.WriteTo(sdir.path(), &err));
    if (done(CheckState(wl, rec, hist, hist.size(), Model::kPosix, state, sdir.path(), cov), cov)) return;
  }
  FAIL("40 states sampled, none showed what the test looks for");
}

TEST_CASE("power loss: the mirror checks catch a mirror taken at its word that never synced") {
  // `mirror --fsync never` promises nothing: counted as durable here, some
  // crash state must lose a record it copied, or the check sees nothing.
  SampleMirrorStates("never", [](const std::vector<std::string>& bad, const Coverage&) {
    for (const auto& b : bad)
      if (b.find("record mirrored by step 4 (exited 0, --fsync batch) lost in the target") != std::string::npos)
        return true;
    return false;
  });
}

TEST_CASE("power loss: a mirror target holding records the power cut took from the source is refused") {
  // The target synced the copies of unsynced source records; states where
  // the source lost them must make a rerun refuse in one line (the checks'
  // own assertion), and every state must pass.
  SampleMirrorStates("batch", [](const std::vector<std::string>& bad, const Coverage& cov) {
    for (const auto& b : bad) FAIL_CHECK(b);
    return cov.refusals > 0;
  });
}

}  // namespace
}  // namespace klog::powerloss
