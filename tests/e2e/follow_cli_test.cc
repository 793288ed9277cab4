// Processes that keep running: `klog consume -f` followers, `klog produce
// --linger` fed by a slow writer, and consume's exit-at-end while a producer
// keeps writing (contract sections 3 and 7).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "e2e/cli_fixture.h"
#include "e2e/group_util.h"
#include "util/murmur2.h"

namespace klog::testing {
namespace {

// A FIFO that a klog process reads as stdin; the test writes into it.
class Fifo {
 public:
  explicit Fifo(const std::string& path) : path_(path) {
    ::signal(SIGPIPE, SIG_IGN);  // a reader that died is a failed check, not a dead test binary
    REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
  }
  ~Fifo() { Close(); }
  // Blocks until the reader has opened its end.
  void OpenForWriting() {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
    REQUIRE(fd_ >= 0);
  }
  void Write(const std::string& s) { REQUIRE(TryWrite(s)); }
  // For other threads, where doctest assertions may not be used.
  bool TryWrite(const std::string& s) { return ::write(fd_, s.data(), s.size()) == static_cast<ssize_t>(s.size()); }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace

TEST_CASE("consume -f delivers a record appended by another process within a second") {
  CliFixture k;
  k.Ok({"topic", "create", "t", "--partitions", "2"});
  k.Ok({"produce", "t", "-p", "0", "old"});
  std::string out = k.tmp().Join("follow.out"), err = k.tmp().Join("follow.err");
  KlogProcess follower({"consume", "t", "-f", "--format", "%p:%v\\n"}, k.Env(), out, err);
  REQUIRE(WaitFor([&] { return ReadOrEmpty(out) == "0:old\n"; }, 5000));
  CHECK(follower.running());  // it did not exit at the end

  auto t0 = std::chrono::steady_clock::now();
  k.Ok({"produce", "t", "-p", "1", "new"});
  CHECK(WaitFor([&] { return ReadOrEmpty(out) == "0:old\n1:new\n"; }, 1000));
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  MESSAGE("follower saw the record after " << ms << " ms (including the producer's run)");

  // Idle, it waits on inotify rather than spinning: well under 5% of a CPU.
  long before = CpuTicks(follower.pid());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  long used = CpuTicks(follower.pid()) - before;
  CHECK(used <= 2);  // ticks are 10 ms: at most 20 ms in 500 ms

  follower.Signal(SIGTERM);
  CHECK(follower.Wait(2000) == 0);  // it stops promptly and cleanly when told to
  CHECK(ReadOrEmpty(err) == "");
}

TEST_CASE("consume -f -o end sees only new records; -f -n N stops after N") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  k.Ok({"produce", "t", "old"});
  std::string out = k.tmp().Join("out"), err = k.tmp().Join("err");
  KlogProcess follower({"consume", "t", "-f", "-o", "end", "-n", "2"}, k.Env(), out, err);
  // Give it time to open the partition at the end before appending.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(follower.running());
  k.Ok({"produce", "t", "n1"});
  k.Ok({"produce", "t", "n2"});
  CHECK(follower.Wait(2000) == 0);
  CHECK(ReadOrEmpty(out) == "n1\nn2\n");
  CHECK(ReadOrEmpty(err) == "");
}

TEST_CASE("consume -f | head -3 ends when head does") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  std::string input;
  for (int i = 0; i < 100000; ++i) input += "r" + std::to_string(i) + "\n";
  k.Ok({"produce", "t"}, input);
  RunResult r = k.Shell("exec bash -c 'timeout 10 klog consume t -f | head -3; echo \"status=${PIPESTATUS[0]}\"'");
  CHECK(r.out == "r0\nr1\nr2\nstatus=0\n");
  CHECK(r.err == "");
}

TEST_CASE("consume -f ends when its reader goes away although nothing new arrives") {
  // All of it fits in the pipe, so klog is waiting for new records, not
  // writing, when head exits: only watching the pipe tells it to stop.
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  k.Ok({"produce", "t", "a", "b", "c"});
  for (const char* group : {"", " -g g"}) {
    CAPTURE(group);
    RunResult r = k.Shell(std::string("exec bash -c 'timeout 10 klog consume t -f") + group +
                          " | head -1; echo \"status=${PIPESTATUS[0]}\"'");
    CHECK(r.out == "a\nstatus=0\n");
    CHECK(r.err == "");
  }
}

TEST_CASE("produce --linger: a slow writer's record is visible while the producer still runs") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  Fifo in(k.tmp().Join("stdin.fifo"));
  std::string out = k.tmp().Join("p.out"), err = k.tmp().Join("p.err");
  KlogProcess producer({"produce", "t", "--linger", "50ms", "--print-offsets"}, k.Env(), out, err, in.path());
  in.OpenForWriting();
  in.Write("first\n");
  CHECK(WaitFor([&] { return k.Ok({"consume", "t"}) == "first\n"; }, 1000));
  CHECK(producer.running());                                    // stdin is still open
  CHECK(WaitFor([&] { return ReadOrEmpty(out) == "0 0\n"; }, 1000));  // reported once written
  in.Write("second\n");
  CHECK(WaitFor([&] { return k.Ok({"consume", "t"}) == "first\nsecond\n"; }, 1000));
  in.Close();
  CHECK(producer.Wait(2000) == 0);
  CHECK(ReadOrEmpty(out) == "0 0\n0 1\n");
  CHECK(ReadOrEmpty(err) == "");
}

TEST_CASE("produce --linger holds records for up to the linger time; end of input writes them") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  Fifo in(k.tmp().Join("stdin.fifo"));
  KlogProcess producer({"produce", "t", "--linger", "1h"}, k.Env(), k.tmp().Join("out"), k.tmp().Join("err"),
                       in.path());
  in.OpenForWriting();
  in.Write("held\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(k.Ok({"consume", "t"}) == "");  // still lingering
  in.Close();
  CHECK(producer.Wait(2000) == 0);
  CHECK(k.Ok({"consume", "t"}) == "held\n");
}

TEST_CASE("consume exits at the end fixed when it started, while a producer keeps writing") {
  CliFixture k;
  k.Ok({"topic", "create", "t", "--partitions", "2"});
  k.Ok({"produce", "t", "-p", "0", "before"});
  Fifo in(k.tmp().Join("stdin.fifo"));
  KlogProcess producer({"produce", "t", "--linger", "5ms"}, k.Env(), k.tmp().Join("out"), k.tmp().Join("err"),
                       in.path());
  in.OpenForWriting();
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    while (!stop && in.TryWrite("more\n")) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  WaitFor([&] { return Lines(k.Ok({"consume", "t", "-n", "5"})).size() == 5; }, 2000);
  RunOptions o;
  o.timeout_ms = 10000;
  RunResult r = RunKlog({"--dir", k.data(), "consume", "t"}, o);
  stop = true;
  writer.join();
  in.Close();
  CHECK(producer.Wait(2000) == 0);
  CHECK(r.exit_code == 0);  // not 137: it was not killed by the timeout
  CHECK(r.err == "");
  CHECK(r.out.find("before\n") != std::string::npos);
  CHECK(Lines(r.out).size() > 1);
  for (const auto& line : Lines(r.out)) CHECK((line == "before" || line == "more"));
}

// Issue 20 item 10: partitions added by topic alter were never used by
// running processes: consume -f, group members and produce kept the count
// they started with. They notice within about a second now.
TEST_CASE("topic alter --partitions: a running consume -f reads the new partitions from their start") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  k.Ok({"produce", "t"}, "old\n");
  std::string out = k.tmp().Join("f.out");
  KlogProcess f({"consume", "t", "-f", "--format", "%p %v\\n"}, k.Env(), out, k.tmp().Join("f.err"));
  REQUIRE(WaitFor([&] { return ReadOrEmpty(out) == "0 old\n"; }, kStartupMs));
  k.Ok({"topic", "alter", "t", "--partitions", "3"});
  k.Ok({"produce", "t", "-p", "2"}, "new\n");  // perhaps before the follower looked: still read
  CHECK(WaitFor([&] { return ReadOrEmpty(out) == "0 old\n2 new\n"; }, kAboutASecondMs));
  // With -p the follower reads what it was told, nothing more.
  std::string only = k.tmp().Join("p.out");
  KlogProcess p({"consume", "t", "-f", "-p", "0"}, k.Env(), only, k.tmp().Join("p.err"));
  REQUIRE(WaitFor([&] { return ReadOrEmpty(only) == "old\n"; }, kStartupMs));
  k.Ok({"topic", "alter", "t", "--partitions", "4"});
  k.Ok({"produce", "t", "-p", "3"}, "more\n");
  CHECK(WaitFor([&] { return ReadOrEmpty(out) == "0 old\n2 new\n3 more\n"; }, kAboutASecondMs));
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  CHECK(ReadOrEmpty(only) == "old\n");
}

TEST_CASE("topic alter --partitions: running group members take the new partitions") {
  CliFixture k;
  k.Ok({"topic", "create", "t", "--partitions", "2"});
  auto a = StartMember(k, "a", {"consume", "-g", "G", "t", "-f", "--format", "%p %v\\n"});
  auto b = StartMember(k, "b", {"consume", "-g", "G", "t", "-f", "--format", "%p %v\\n"});
  REQUIRE(WaitFor([&] { return Settled(Describe(k, "G"), {a->proc->pid(), b->proc->pid()}, {1, 1}); }, kStartupMs));
  k.Ok({"topic", "alter", "t", "--partitions", "4"});
  CHECK(WaitFor([&] { return Settled(Describe(k, "G"), {a->proc->pid(), b->proc->pid()}, {2, 2}); },
                kAboutASecondMs));
  for (int p = 0; p < 4; ++p) k.Ok({"produce", "t", "-p", std::to_string(p)}, "v" + std::to_string(p) + "\n");
  CHECK(WaitFor([&] { return Lines(ReadOrEmpty(a->out)).size() + Lines(ReadOrEmpty(b->out)).size() == 4; },
                kAboutASecondMs));
  std::string both = ReadOrEmpty(a->out) + ReadOrEmpty(b->out);
  for (int p = 0; p < 4; ++p) CHECK(both.find(std::to_string(p) + " v" + std::to_string(p) + "\n") != std::string::npos);
}

TEST_CASE("topic alter --partitions: a running produce maps keys to the new count") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  std::string later;
  for (int i = 0; i < 30; ++i) later += "key" + std::to_string(i) + ":v\\n";
  // Input that pauses: one record, the alter, then more records.
  RunResult r = k.Shell("(echo first:v; sleep 0.5; klog topic alter t --partitions 3; sleep 0.8; printf '" + later +
                        "') | klog produce t -K :");
  REQUIRE(r.exit_code == 0);
  std::map<std::string, int> where;
  for (const auto& line : Lines(k.Ok({"consume", "t", "--format", "%k %p\\n"})))
    where[line.substr(0, line.find(' '))] = std::stoi(line.substr(line.find(' ') + 1));
  REQUIRE(where.size() == 31);
  CHECK(where["first"] == 0);
  std::set<int> used;
  for (int i = 0; i < 30; ++i) {
    std::string key = "key" + std::to_string(i);
    CAPTURE(key);
    CHECK(where[key] == util::KafkaPartitionForKey(key, 3));
    used.insert(where[key]);
  }
  CHECK(used.size() == 3);
}

}  // namespace klog::testing
