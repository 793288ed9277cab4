// Stop signals (SIGINT, SIGTERM, SIGHUP) and --exec commands, with real
// processes: what a producer fed by `tail -F` and a group member under
// systemd, docker or a terminal do when asked to stop or killed.
//
// Asserted:
//  - produce writes every record it has read, then exits 0, on each of
//    SIGTERM, SIGINT and SIGHUP (even with --linger far away); the part of
//    a record read last is not written, and a warning says so; input that
//    never pauses is cut after a bounded drain;
//  - an --exec member asked to stop finishes the running command, commits
//    it, and exits 0 without running the rest of its batch;
//  - Ctrl-C (SIGINT to the member, which passes it on to its command's
//    process group) exits 0 and leaves the interrupted record uncommitted;
//  - kill -9 of an --exec member kills its command and what the command's
//    sh forked (a handler script, a sleep): never two commands of one
//    partition at once, across the failover;
//  - a member whose stdout's reader takes nothing still stops on SIGTERM,
//    within the documented 5 s, leaving what was not taken uncommitted;
//  - a member does not enlarge its stdout pipe: what it commits and the
//    reader never saw is at most a default pipe (64 KiB);
//  - -g "" and --exec "" (unset variables) are usage errors.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "e2e/cli_fixture.h"
#include "e2e/group_util.h"

namespace klog::testing {
namespace {

// The committed offset of partition p of the group (-1: none committed).
int64_t Committed(const CliFixture& k, const std::string& group, int p = 0) {
  auto d = Describe(k, group);
  if (d.is_null()) return -2;
  for (const auto& row : d["partitions"])
    if (row["partition"].get<int>() == p) return row["current_offset"].is_null() ? -1 : row["current_offset"].get<int64_t>();
  return -1;
}

// Lines of `text` that start with `word`.
size_t CountWord(const std::string& text, const std::string& word) {
  size_t n = 0;
  for (const auto& l : Lines(text))
    if (l.rfind(word + " ", 0) == 0) ++n;
  return n;
}

void ProduceStopsCleanlyOn(int sig) {
  CAPTURE(sig);
  CliFixture k;
  k.Ok({"topic", "create", "logs"});
  // stdin is a FIFO that we keep open, as `tail -F` keeps its pipe.
  std::string fifo = k.tmp().Join("in.fifo");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  int w = ::open(fifo.c_str(), O_RDWR | O_CLOEXEC);
  REQUIRE(w >= 0);
  std::string err = k.tmp().Join("produce.err");
  KlogProcess p({"produce", "logs", "--linger", "1h"}, k.Env(), "/dev/null", err, fifo);
  REQUIRE(WaitFor([&] { return p.Catches(sig); }, 10000));
  std::string lines;
  for (int i = 0; i < 50; ++i) lines += "line-" + std::to_string(i) + "\n";
  lines += "unfinis";  // no newline yet: part of a record, not one
  REQUIRE(::write(w, lines.data(), lines.size()) == static_cast<ssize_t>(lines.size()));
  // Read by klog (the pipe is empty), lingering, not written.
  REQUIRE(WaitFor([&] {
    int queued = -1;
    return ::ioctl(w, FIONREAD, &queued) == 0 && queued == 0;
  }, 10000));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(k.Ok({"consume", "logs"}) == "");
  p.Signal(sig);
  int rc = p.Wait(10000);
  ::close(w);
  INFO("stderr: " << ReadOrEmpty(err));
  CHECK(rc == 0);
  CHECK(ReadOrEmpty(err) == "klog: stopped by a signal: the unfinished last record (7 bytes, no delimiter yet) was not written\n");
  std::string want;
  for (int i = 0; i < 50; ++i) want += "line-" + std::to_string(i) + "\n";
  CHECK(k.Ok({"consume", "logs"}) == want);
}

}  // namespace

TEST_CASE("produce from a pipe writes what it has read on SIGTERM, SIGINT or SIGHUP, then exits 0") {
  ProduceStopsCleanlyOn(SIGTERM);
  ProduceStopsCleanlyOn(SIGINT);
  ProduceStopsCleanlyOn(SIGHUP);
}

TEST_CASE("produce stopped while its input never pauses: cut after a bounded drain, exit 0, no part of a record written") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  std::string fifo = k.tmp().Join("in.fifo");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  int keep = ::open(fifo.c_str(), O_RDWR | O_CLOEXEC);  // neither open below blocks
  REQUIRE(keep >= 0);
  std::string err = k.tmp().Join("produce.err");
  KlogProcess p({"produce", "t"}, k.Env(), "/dev/null", err, fifo);
  REQUIRE(WaitFor([&] { return p.Catches(SIGTERM); }, 10000));
  // Lines written as fast as klog reads them, for as long as it reads, in
  // writes of 4096 bytes: most reads end inside a line.
  std::string lines;
  for (int i = 0; i < 4096; ++i) lines += "record-0123456789\n";  // 18 B each: 18 rounds of 4096
  pid_t writer = ::fork();
  if (writer == 0) {
    int fd = ::open(fifo.c_str(), O_WRONLY);
    if (fd < 0) ::_exit(127);
    for (size_t at = 0;; at = (at + 4096) % lines.size())
      if (::write(fd, lines.data() + at, 4096) < 0) ::_exit(0);
  }
  REQUIRE(writer > 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  p.Signal(SIGTERM);
  int rc = p.Wait(30000);
  ::close(keep);
  ::kill(writer, SIGKILL);
  ::waitpid(writer, nullptr, 0);
  INFO("stderr: " << ReadOrEmpty(err));
  CHECK(rc == 0);
  std::string e = ReadOrEmpty(err);  // unless the last read ended at a newline:
  CHECK((e == "" || e.find("klog: stopped by a signal: the unfinished last record (") == 0));
  RunResult bad = RunShell("'" + KlogBinary() + "' --dir '" + k.data() + "' consume t | grep -vc '^record-0123456789$'");
  CHECK(bad.out == "0\n");  // every record whole, none cut at the last read
  auto d = nlohmann::json::parse(k.Ok({"topic", "describe", "t", "--json"}));
  CHECK(d["partitions"][0]["records"].get<int64_t>() > 0);
}

TEST_CASE("-g '' and --exec '' (an unset variable) are usage errors, not 'not given'") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  k.Ok({"produce", "t", "a", "b"});
  RunResult g = k.Run({"consume", "t", "-g", ""});
  CHECK(g.exit_code == 2);
  CHECK(g.out == "");
  CHECK(Lines(g.err).size() == 1);
  CHECK(g.err.find("klog: error: -g: the group name is empty") == 0);
  RunResult e = k.Run({"consume", "t", "-g", "g", "--exec", ""});
  CHECK(e.exit_code == 2);
  CHECK(e.out == "");
  CHECK(Lines(e.err).size() == 1);
  CHECK(e.err.find("klog: error: --exec: the command is empty") == 0);
  CHECK(Describe(k, "g").is_null());  // no group was made
  RunResult both = k.Run({"consume", "t", "--exec", ""});
  CHECK(both.exit_code == 2);
  CHECK(both.out == "");
}

TEST_CASE("--exec member on SIGTERM: finishes the running command, commits it, exits 0 without the rest of the batch") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  std::string in;
  for (int i = 0; i < 20; ++i) in += "r" + std::to_string(i) + "\n";
  k.Ok({"produce", "t"}, in);  // one stored batch of 20
  std::string log = k.tmp().Join("handler.log");
  std::string handler = "read v; echo \"start $v\" >> " + log + "; sleep 0.5; echo \"end $v\" >> " + log;
  auto m = StartMember(k, "m", {"consume", "t", "-g", "g", "--exec", handler});
  REQUIRE(WaitFor([&] { return CountWord(ReadOrEmpty(log), "start") >= 2; }, kStartupMs));
  auto t0 = Clock::now();
  m->proc->Signal(SIGTERM);
  int rc = m->proc->Wait(10000);
  int64_t ms = MsSince(t0);
  std::string text = ReadOrEmpty(log);
  INFO("handler log:\n" << text << "member stderr: " << ReadOrEmpty(m->err));
  CHECK(rc == 0);
  CHECK(ms < 5000);  // one command's time, not the batch's 10 s
  size_t ends = CountWord(text, "end");
  CHECK(CountWord(text, "start") == ends);  // the running one was finished
  CHECK(ends < 20);
  CHECK(Committed(k, "g") == static_cast<int64_t>(ends));  // and committed, nothing more
  CHECK(ReadOrEmpty(m->err) == "");
}

TEST_CASE("Ctrl-C on an --exec member (the command gets SIGINT too): exit 0, that record left uncommitted") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  k.Ok({"produce", "t", "first", "second"});
  std::string log = k.tmp().Join("handler.log"), pid_file = k.tmp().Join("handler.pid");
  std::string handler = "read v; echo \"start $v\" >> " + log + "; if [ \"$v\" = second ]; then echo $$ > " + pid_file +
                        ".tmp; mv " + pid_file + ".tmp " + pid_file + "; exec sleep 30; fi";
  auto m = StartMember(k, "m", {"consume", "t", "-g", "g", "--exec", handler});
  REQUIRE(WaitFor([&] { return CountWord(ReadOrEmpty(log), "start") == 2 && ReadOrEmpty(pid_file) != ""; }, kStartupMs));
  REQUIRE(WaitFor([&] { return Committed(k, "g") == 1; }, 5000));
  pid_t handler_pid = std::stoi(ReadOrEmpty(pid_file));
  // What a terminal does: the whole foreground process group gets SIGINT.
  // The command has a group of its own, out of that one: klog passes it on.
  REQUIRE(::getpgid(handler_pid) != ::getpgid(m->proc->pid()));
  m->proc->Signal(SIGINT);
  int rc = m->proc->Wait(10000);
  std::string err = ReadOrEmpty(m->err);
  INFO("member stderr: " << err);
  CHECK(rc == 0);
  CHECK(err == "");
  CHECK(Committed(k, "g") == 1);  // "second" is left for the next run
}

TEST_CASE("kill -9 of an --exec member kills its command: two commands of one partition never overlap") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  k.Ok({"produce", "t", "a", "b", "c"});
  std::string log = k.tmp().Join("handler.log"), slow = k.tmp().Join("slow");
  WriteAll(slow, "");
  // While `slow` exists a command ticks for 3 s; a command killed with its
  // member ticks no more. A program of its own, as handlers are: `sh -c`
  // forks it, so killing the sh alone would leave it ticking.
  std::string handler = k.tmp().Join("handler.sh");
  WriteAll(handler, "#!/bin/sh\nread v; echo \"start $$ $v $(date +%s%N)\" >> " + log + "; if [ -e " + slow +
                        " ]; then for i in $(seq 30); do sleep 0.1; echo \"tick $$ $v $(date +%s%N)\" >> " + log +
                        "; done; fi; echo \"end $$ $v $(date +%s%N)\" >> " + log + "\n");
  REQUIRE(::chmod(handler.c_str(), 0755) == 0);
  auto a = StartMember(k, "a", {"consume", "t", "-g", "g", "-f", "--exec", handler});
  REQUIRE(WaitFor([&] { return CountWord(ReadOrEmpty(log), "tick") >= 1; }, kStartupMs));
  auto b = StartMember(k, "b", {"consume", "t", "-g", "g", "-f", "--exec", handler});
  REQUIRE(WaitFor([&] {
    auto d = Describe(k, "g");
    return !d.is_null() && d["members"].size() == 2;
  }, kStartupMs));
  ::unlink(slow.c_str());
  a->proc->Signal(SIGKILL);
  a->proc->Wait(5000);
  REQUIRE(WaitFor([&] { return CountWord(ReadOrEmpty(log), "end") >= 3; }, 15000));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // a surviving command would tick on
  std::string text = ReadOrEmpty(log);
  INFO("handler log:\n" << text);
  // Each command's lines are contiguous (the log is appended in time
  // order): once another command has started, an earlier one writes
  // nothing more. By the clock too: each command's last line is older than
  // the next one's start.
  std::map<std::string, size_t> last_line;
  std::vector<std::string> order;
  std::vector<std::pair<int64_t, int64_t>> spans;  // first and last ns of each command, in order
  auto lines = Lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::istringstream in(lines[i]);
    std::string word, pid, value;
    int64_t ns = 0;
    in >> word >> pid >> value >> ns;
    if (order.empty() || order.back() != pid) {
      order.push_back(pid);
      spans.emplace_back(ns, ns);
    }
    spans.back().second = ns;
    last_line[pid] = i;
  }
  CHECK(order.size() == last_line.size());  // no command came back after another started
  for (size_t i = 1; i < spans.size(); ++i) CHECK(spans[i - 1].second <= spans[i].first);
  CHECK(CountWord(text, "start") == 4);     // a (killed), then a, b, c by the new owner
  CHECK(CountWord(text, "end") == 3);
  CHECK(Committed(k, "g") == 3);
  b->proc->Signal(SIGTERM);
  CHECK(b->proc->Wait(10000) == 0);
}

// Pids of the processes whose command line is exactly `argv`.
std::vector<pid_t> ProcessesRunning(const std::vector<std::string>& argv) {
  std::string want;
  for (const auto& a : argv) want += a + std::string(1, '\0');
  std::vector<pid_t> found;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (ReadOrEmpty(entry.path().string() + "/cmdline") == want) found.push_back(std::stoi(name));
  }
  return found;
}

TEST_CASE("kill -9 of an --exec member: its command (`sleep`, forked by sh) is gone within a second") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  k.Ok({"produce", "t", "a"});
  // A duration no other process here sleeps, to find this one in /proc.
  std::string secs = "30." + std::to_string(::getpid());
  auto m = StartMember(k, "m", {"consume", "t", "-g", "g", "--exec", "sleep " + secs + "; true"});
  REQUIRE(WaitFor([&] { return !ProcessesRunning({"sleep", secs}).empty(); }, kStartupMs));
  auto t0 = Clock::now();
  m->proc->Signal(SIGKILL);
  m->proc->Wait(5000);
  bool gone = WaitFor([&] { return ProcessesRunning({"sleep", secs}).empty(); }, 3000);
  int64_t ms = MsSince(t0);
  for (pid_t p : ProcessesRunning({"sleep", secs})) ::kill(p, SIGKILL);  // not left behind by a failure
  CHECK(gone);
  CHECK(ms < 1000);
  CHECK(Committed(k, "g") == -1);
}

TEST_CASE("a group member whose stdout's reader takes nothing stops on SIGTERM within 5 s, the rest uncommitted") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  std::string in;
  for (int i = 0; i < 150000; ++i) in += "record-" + std::to_string(100000 + i) + "\n";  // 2.1 MB: more than any pipe holds
  k.Ok({"produce", "t", "--batch-size", "16KiB"}, in);
  std::string fifo = k.tmp().Join("out.fifo");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  int r = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);  // a reader that never reads
  REQUIRE(r >= 0);
  std::string err = k.tmp().Join("m.err");
  KlogProcess m({"consume", "t", "-g", "g"}, k.Env(), fifo, err);
  REQUIRE(WaitFor([&] {
    int queued = 0;
    return ::ioctl(r, FIONREAD, &queued) == 0 && queued >= 40000;  // 64 KiB less the pages' slack
  }, kStartupMs));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // blocked in write(2) by now
  REQUIRE(m.running());
  auto t0 = Clock::now();
  m.Signal(SIGTERM);
  int rc = m.Wait(15000);
  int64_t ms = MsSince(t0);
  int queued = 0;
  REQUIRE(::ioctl(r, FIONREAD, &queued) == 0);
  ::close(r);
  std::string e = ReadOrEmpty(err);
  INFO("stderr: " << e);
  CHECK(rc == 0);
  CHECK(ms >= 4000);
  CHECK(ms < 10000);
  CHECK(e.find("klog: stdout's reader did not take the rest") == 0);
  // What reached the pipe may be committed; what did not, is not.
  int64_t committed = Committed(k, "g");
  CHECK(committed >= 0);
  CHECK(committed * 14 <= queued);
}

TEST_CASE("a group member keeps its stdout pipe at the default size: it commits at most 64 KiB the reader did not see") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  std::string in;
  for (int i = 0; i < 150000; ++i) in += "record-" + std::to_string(100000 + i) + "\n";  // 14 B each, 2.1 MB
  k.Ok({"produce", "t", "--batch-size", "16KiB"}, in);
  RunResult r = RunShell("'" + KlogBinary() + "' --dir '" + k.data() + "' consume -g g t | (read l; echo \"$l\"; sleep 1)");
  CHECK(r.out == "record-100000\n");
  int64_t committed = Committed(k, "g");
  INFO("committed " << committed << " records, " << committed * 14 << " bytes");
  CHECK(committed >= 0);
  CHECK(committed * 14 <= 64 * 1024 + 16 * 1024);  // a default pipe, and a batch of slack
}

}  // namespace klog::testing
