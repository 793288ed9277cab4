// Shared by the Kafka group and offset tests (beside kafka_cli.h): the mock
// cluster (tests/support/mock_cluster.h) with its fault commands as calls;
// kcat to write keyed records; `consume -g` arguments.
//
// Mock facts that shape these tests (librdkafka 2.0.2): a group's first
// join waits 3 s for more members, and a member with session.timeout.ms
// of 3 s or less never gets through it (so members here run with
// --session-timeout 4s); after a member leaves, the next is admitted only
// after session.timeout.ms - 1 s.
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "e2e/cli_fixture.h"
#include "kafka/kafka_cli.h"
#include "support/mock_cluster.h"
#include "support/run_klog.h"
#include "support/skip.h"
#include "support/temp_dir.h"

namespace klog::testing {

// The mock cluster of tests/support/mock_cluster.h with its commands as
// calls that must succeed.
class Cluster : public MockCluster {
 public:
  void Do(const std::string& command) { REQUIRE_MESSAGE(Command(command) == "ok", command); }
  void Topic(const std::string& name, int partitions) { Do("topic " + name + " " + std::to_string(partitions)); }
  void Down(int broker) { Do("down " + std::to_string(broker)); }
  void Up(int broker) { Do("up " + std::to_string(broker)); }
  void Coordinator(const std::string& group, int broker) {
    Do("coordinator group " + group + " " + std::to_string(broker));
  }
  void Leader(const std::string& topic, int partition, int broker) {
    Do("leader " + topic + " " + std::to_string(partition) + " " + std::to_string(broker));
  }
};

// Writes `lines` ("KEY:VALUE" each) to `topic` with kcat; keys spread them
// over the partitions.
inline void KcatProduce(const std::string& bootstrap, const std::string& topic, const std::vector<std::string>& lines) {
  std::string in;
  for (const auto& l : lines) in += l + "\n";
  RunOptions o;
  o.stdin_data = in;
  RunResult r = RunShell("kcat -b '" + bootstrap + "' -P -t " + topic + " -K: -X log_level=0", o);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
}

inline std::vector<std::string> Numbered(const std::string& prefix, int from, int to) {
  std::vector<std::string> v;
  for (int i = from; i < to; ++i) v.push_back(prefix + std::to_string(i) + ":" + prefix + std::to_string(i));
  return v;
}

inline std::string ReadText(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// `klog -b B consume -g G ...` args with the short session the mock needs.
inline std::vector<std::string> GroupArgs(const std::string& bootstrap, const std::string& group,
                                          const std::vector<std::string>& more) {
  std::vector<std::string> a = {"-b", bootstrap, "consume", "-g", group, "--session-timeout", "4s", "--timeout", "20s"};
  if (getenv("KLOG_TEST_KAFKA_DEBUG")) a.insert(a.end(), {"-X", std::string("debug=") + getenv("KLOG_TEST_KAFKA_DEBUG")});
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

// A `consume -g` member left running, stdout to `out`, stderr to out.err.
inline std::unique_ptr<KlogProcess> StartMember(const MockCluster& c, const std::string& group,
                                                const std::vector<std::string>& more, const std::string& out) {
  return std::make_unique<KlogProcess>(GroupArgs(c.bootstrap(), group, more), std::map<std::string, std::string>{},
                                       out, out + ".err");
}

// Writes one record with value `value` to partition `partition` with kcat.
inline void KcatProduceTo(const std::string& bootstrap, const std::string& topic, int partition,
                          const std::string& value) {
  RunOptions o;
  o.stdin_data = value + "\n";
  RunResult r = RunShell("kcat -b '" + bootstrap + "' -P -t " + topic + " -p " + std::to_string(partition) +
                             " -X log_level=0",
                         o);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
}

}  // namespace klog::testing
