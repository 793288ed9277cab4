// Followers and group members of a topic with many partitions (issue 20
// item 17): idle, they must not read every partition over and over. At
// 10,000 partitions an idle member used half a core and a follower a
// twentieth, re-reading each partition ten times (member) or once (follower)
// a second. Counted in read system calls (/proc/PID/io), not in CPU time, so
// that a loaded machine or the sanitizers change nothing.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>

#include "e2e/cli_fixture.h"
#include "e2e/group_util.h"
#include "support/skip.h"

namespace klog::testing {
namespace {

constexpr int kPartitions = 300;

// Read system calls made so far by `pid` (all its threads), or -1.
long ReadCalls(pid_t pid) {
  std::string io = ReadOrEmpty("/proc/" + std::to_string(pid) + "/io");
  size_t at = io.find("syscr: ");
  return at == std::string::npos ? -1 : std::stol(io.substr(at + 7));
}

// Read calls `proc` makes over `ms` while nothing is written.
long ReadCallsOver(KlogProcess& proc, int ms) {
  long before = ReadCalls(proc.pid());
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return ReadCalls(proc.pid()) - before;
}

}  // namespace

TEST_CASE("idle consume -f and consume -g -f over 300 partitions read none of them; a new record still arrives") {
  CliFixture k;
  k.Ok({"topic", "create", "t", "--partitions", std::to_string(kPartitions)});
  std::string input;  // a record in every partition: reading one is a pread
  for (int p = 0; p < kPartitions; ++p)
    input += "{\"value\":\"v\",\"partition\":" + std::to_string(p) + "}\n";
  k.Ok({"produce", "t", "--format", "json"}, input);

  std::string fout = k.tmp().Join("f.out");
  KlogProcess follower({"consume", "t", "-f"}, k.Env(), fout, k.tmp().Join("f.err"));
  auto member = StartMember(k, "m", {"consume", "t", "-g", "G", "-f"});
  REQUIRE(WaitFor([&] { return Lines(ReadOrEmpty(fout)).size() == kPartitions; }, kStartupMs));
  REQUIRE(WaitFor([&] { return Lines(ReadOrEmpty(member->out)).size() == kPartitions; }, kStartupMs));
  // Its commit of what it delivered, then quiet.
  REQUIRE(WaitFor([&] { return TotalLag(Describe(k, "G")) == 0; }, kStartupMs));
  if (ReadCalls(follower.pid()) < 0) {
    Skip("/proc/PID/io is not available here");
    return;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  // Re-reading every partition would be at least 2 x 300 calls for the
  // follower and 20 x 300 for the member. What is left: topic.json, looked
  // at twice a second for partitions added by topic alter (issue 20.10).
  long f = ReadCallsOver(follower, 2000);
  long m = ReadCallsOver(*member->proc, 2000);
  INFO("read calls in 2 s: follower " << f << ", member " << m);
  CHECK(f < kPartitions / 5);
  CHECK(m < kPartitions / 5);

  // Woken by the append, each reads that partition.
  k.Ok({"produce", "t", "-p", "123"}, "late\n");
  CHECK(WaitFor([&] { return Lines(ReadOrEmpty(fout)).back() == "late"; }, kAboutASecondMs));
  CHECK(WaitFor([&] { return Lines(ReadOrEmpty(member->out)).back() == "late"; }, kAboutASecondMs));
}

}  // namespace klog::testing
