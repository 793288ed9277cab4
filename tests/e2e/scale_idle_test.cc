// Followers and group members of a topic with many partitions (issue 20
// item 17): idle, they must not look at every partition over and over. At
// 10,000 partitions an idle member used half a core and a follower a
// twentieth: each listed or stat'ed every partition ten times (member) or
// once (follower) a second. Here 2,000 partitions: the member used 9% of a
// core, now none.
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <sstream>
#include <string>
#include <thread>

#include "e2e/cli_fixture.h"
#include "e2e/group_util.h"

namespace klog::testing {
namespace {

constexpr int kPartitions = 2000;

bool AllOwned(const nlohmann::json& d) {
  if (d.is_null() || d["state"] != "Stable" || d["partitions"].size() != kPartitions) return false;
  for (const auto& p : d["partitions"])
    if (p["member_id"].is_null()) return false;
  return true;
}

}  // namespace

TEST_CASE("idle consume -g -f and consume -f over 2,000 partitions use no CPU; a new record still arrives") {
  CliFixture k;
  k.Ok({"topic", "create", "t", "--partitions", std::to_string(kPartitions)});
  std::string fout = k.tmp().Join("f.out");
  KlogProcess follower({"consume", "t", "-f"}, k.Env(), fout, k.tmp().Join("f.err"));
  auto member = StartMember(k, "m", {"consume", "t", "-g", "G", "-f"});
  // Taking 2,000 partitions takes seconds under the sanitizers on a loaded machine.
  REQUIRE(WaitFor([&] { return AllOwned(Describe(k, "G")); }, 3 * kStartupMs));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));

  // CPU time, not wall time: a loaded machine does not change it much. Up
  // to five windows of 3 s, so that the end of the start-up (the first
  // commits, a slow sanitizer build) is not taken for idle cost; a process
  // that spins when idle (as before issue 20.17: ~30%) fails every window.
  long ticks = ::sysconf(_SC_CLK_TCK);
  const long limit = 3 * ticks * 3 / 100;  // 3% of a core
  long f = 0, m = 0;
  for (int window = 0; window < 5; ++window) {
    long f0 = CpuTicks(follower.pid()), m0 = CpuTicks(member->proc->pid());
    std::this_thread::sleep_for(std::chrono::seconds(3));
    f = CpuTicks(follower.pid()) - f0;
    m = CpuTicks(member->proc->pid()) - m0;
    MESSAGE("CPU ticks in 3 s (" << ticks << " a second): follower " << f << ", member " << m);
    if (f <= limit && m <= limit) break;
  }
  CHECK(f <= limit);
  CHECK(m <= limit);

  // Woken by the append, each reads that partition.
  k.Ok({"produce", "t", "-p", "1234"}, "late\n");
  CHECK(WaitFor([&] { return ReadOrEmpty(fout) == "late\n"; }, kAboutASecondMs));
  CHECK(WaitFor([&] { return ReadOrEmpty(member->out) == "late\n"; }, kAboutASecondMs));
}

}  // namespace klog::testing
