// Exact starts (ConsumeOptions.start_offsets, where klog mirror resumes a
// partition) on a Kafka cluster, the mock: inside the log reading begins
// exactly there; below its start (the mock's own retention dropped the
// oldest records) or past its end, kOutOfRange naming topic, partition,
// offset and the range the partition holds — as on a directory
// (tests/unit/local_backend_test.cc); both check tests/support/exact_starts.h.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "e2e/cli_fixture.h"
#include "kafka/kafka_backend.h"
#include "support/exact_starts.h"
#include "support/mock_cluster.h"

namespace klog::testing {
namespace {

TEST_CASE("kafka Consume with exact starts: from exactly there inside the log; below its start or past its end OutOfRange naming topic, partition, offset and range") {
  MockCluster mock(1);
  REQUIRE_MESSAGE(mock.ok(), mock.error());
  REQUIRE(mock.Command("topic t 1") == "ok");
  // 70 records of 100 KB: the mock keeps about 5 MB of a partition and
  // drops its oldest message sets past that, so the log starts past 0.
  std::string lines;
  for (int i = 0; i < 70; ++i) lines += "v" + std::to_string(i) + std::string(100'000, 'x') + "\n";
  RunOptions ro;
  ro.stdin_data = lines;
  ro.timeout_ms = 60000;
  RunResult produced = RunKlog({"-b", mock.bootstrap(), "produce", "t", "-p", "0"}, ro);
  REQUIRE_MESSAGE(produced.exit_code == 0, produced.err);

  kafka::KafkaSettings settings;
  settings.brokers = mock.bootstrap();
  settings.timeout_ms = 10000;
  auto cluster = kafka::KafkaBackend::Open(settings);
  REQUIRE(cluster.ok());
  auto stats = (*cluster)->DescribeTopic("t");
  REQUIRE(stats.ok());
  const int64_t start = (*stats)[0].start_offset;
  REQUIRE((*stats)[0].end_offset == 70);
  REQUIRE(start > 0);
  REQUIRE(start < 60);

  CheckExactStarts(**cluster, start, 70);
}

}  // namespace
}  // namespace klog::testing
