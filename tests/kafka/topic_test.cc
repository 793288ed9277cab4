// klog topic on a Kafka cluster. The mock (librdkafka 2.0.2) answers
// metadata but not CreateTopics, DeleteTopics, CreatePartitions or
// DescribeConfigs (they time out): what is checked here is that each such
// command ends within --timeout with one line naming what it was doing and
// the brokers. The request building and result mapping are unit tests
// (tests/unit/kafka_topics_test.cc); describe's partition half (metadata and
// watermarks, which the mock answers) is checked through ClusterTopics.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "e2e/cli_fixture.h"
#include "kafka/cluster_connection.h"
#include "kafka/kafka_cli.h"
#include "kafka/kafka_topics.h"

using namespace klog::testing;

namespace {

void CheckEndsInTimeWithOneLine(const KafkaCli& k, const std::vector<std::string>& args, const std::string& what) {
  int64_t t0 = NowSteadyMs();
  RunResult r = k.Klog(args, "", "2s");
  int64_t took = NowSteadyMs() - t0;
  INFO(Join(args) << ": " << r.err);
  CHECK(r.exit_code == 1);
  CHECK(Lines(r.err).size() == 1);
  CHECK(r.err.find("klog: error: " + what + ": ") == 0);
  CHECK(r.err.find("(brokers " + k.brokers() + ")") != std::string::npos);
  CHECK(took < 4000);
}

}  // namespace

TEST_CASE("kafka topic: admin requests the mock cannot answer end within --timeout with one line") {
  KafkaCli k;
  CheckEndsInTimeWithOneLine(k, {"topic", "create", "new", "--partitions", "3", "--retention", "1d"},
                             "creating topic 'new'");
  k.Topic("t", 2);
  CheckEndsInTimeWithOneLine(k, {"topic", "describe", "t"}, "reading the config of topic 't'");
  CheckEndsInTimeWithOneLine(k, {"topic", "alter", "t", "--partitions", "4"}, "reading the config of topic 't'");
  CheckEndsInTimeWithOneLine(k, {"topic", "delete", "t"}, "deleting topic 't'");
  CheckEndsInTimeWithOneLine(k, {"topic", "delete", "gone", "--if-exists"}, "deleting topic 'gone'");
  // topic list reads the names from metadata, then every config in one request.
  CheckEndsInTimeWithOneLine(k, {"topic", "list"}, "reading the config of topic 't'");
}

TEST_CASE("kafka topic list: a cluster without topics lists none") {
  KafkaCli k;
  RunResult r = k.Klog({"topic", "list"}, "", "2s");
  CHECK(r.exit_code == 0);
  CHECK(r.out == "");
  CHECK(r.err == "");
}

TEST_CASE("kafka topic: an unreachable cluster is one line naming the brokers, exit 1, within --timeout") {
  for (std::vector<std::string> args : {std::vector<std::string>{"topic", "list"},
                                        std::vector<std::string>{"topic", "describe", "t"},
                                        std::vector<std::string>{"topic", "create", "t"}}) {
    std::vector<std::string> full = {"-b", "127.0.0.1:1", "--timeout", "2s"};
    full.insert(full.end(), args.begin(), args.end());
    int64_t t0 = NowSteadyMs();
    RunResult r = RunKlog(full);
    INFO(Join(args) << ": " << r.err);
    CHECK(NowSteadyMs() - t0 < 4000);
    CHECK(r.exit_code == 1);
    CHECK(Lines(r.err).size() == 1);
    CHECK(r.err.find("(brokers 127.0.0.1:1)") != std::string::npos);
  }
}

TEST_CASE("kafka topic describe's partitions: offsets from the cluster's watermarks, size and segments unknown") {
  KafkaCli k;
  k.Topic("d", 2);
  REQUIRE(k.Klog({"produce", "d", "-p", "1"}, "a\nb\nc\n").exit_code == 0);
  klog::kafka::KafkaSettings settings;
  settings.brokers = k.brokers();
  settings.timeout_ms = 5000;
  klog::kafka::ClusterConnection conn(settings);
  klog::kafka::ClusterTopics topics(conn);
  auto parts = topics.Describe("d");
  REQUIRE_MESSAGE(parts.ok(), parts.status().message());
  REQUIRE(parts->size() == 2);
  CHECK((*parts)[0].start_offset == 0);
  CHECK((*parts)[0].end_offset == 0);
  CHECK((*parts)[1].partition == 1);
  CHECK((*parts)[1].end_offset == 3);
  for (const auto& p : *parts) {
    CHECK(!p.bytes);  // the table shows '-', JSON null, prometheus leaves them out
    CHECK(!p.segments);
    CHECK(p.last_append_ms == 0);
  }
}
