// Shared by the Kafka group and offset tests: a mock cluster in this test
// process (librdkafka's rdkafka_mock, the real protocol on loopback) that
// real klog and kcat processes reach through bootstrap(); kcat to write
// records, as an independent client; member output parsed.
//
// Mock facts that shape these tests (librdkafka 2.0.2): a group's first
// join waits 3 s for more members, and a member with session.timeout.ms
// of 3 s or less never gets through it (so members here run with
// --session-timeout 4s); after a member leaves, the next is admitted only
// after session.timeout.ms - 1 s.
#pragma once

#include <doctest/doctest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/run_klog.h"
#include "support/skip.h"
#include "support/temp_dir.h"

namespace klog::testing {

class InProcessCluster {
 public:
  explicit InProcessCluster(int brokers = 3) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (rk_) mock_ = rd_kafka_mock_cluster_new(rk_, brokers);
    if (mock_) bootstrap_ = rd_kafka_mock_cluster_bootstraps(mock_);
  }
  // Not destroyed: rd_kafka_mock_cluster_destroy waits up to a second at
  // random in 2.0.2; the process ends soon anyway.
  ~InProcessCluster() {
    if (mock_)
      for (int b = 1; b <= 3; ++b) rd_kafka_mock_broker_set_down(mock_, b);
  }
  bool ok() const { return !bootstrap_.empty(); }
  const std::string& bootstrap() const { return bootstrap_; }
  rd_kafka_mock_cluster_t* mock() { return mock_; }
  void Topic(const std::string& name, int partitions) { rd_kafka_mock_topic_create(mock_, name.c_str(), partitions, 3); }
  void Down(int broker) { rd_kafka_mock_broker_set_down(mock_, broker); }
  void Up(int broker) { rd_kafka_mock_broker_set_up(mock_, broker); }
  void Coordinator(const std::string& group, int broker) {
    rd_kafka_mock_coordinator_set(mock_, "group", group.c_str(), broker);
  }
  void Leader(const std::string& topic, int partition, int broker) {
    rd_kafka_mock_partition_set_leader(mock_, topic.c_str(), partition, broker);
  }

 private:
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_mock_cluster_t* mock_ = nullptr;
  std::string bootstrap_;
};

// kcat, or Skip and false.
inline bool HaveKcat() {
  if (RunShell("command -v kcat >/dev/null").exit_code == 0) return true;
  Skip("kcat is not installed (Debian package 'kcat'): it writes the records these tests read");
  return false;
}

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

inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> v;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) v.push_back(l);
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

}  // namespace klog::testing
