#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "util/murmur2.h"

using klog::util::KafkaPartitionForKey;
using klog::util::Murmur2;

// apache/kafka clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java,
// testMurmur2 (the values are Java ints).
TEST_CASE("murmur2 matches Kafka's UtilsTest.testMurmur2 vectors") {
  CHECK(Murmur2("21") == -973932308);
  CHECK(Murmur2("foobar") == -790332482);
  CHECK(Murmur2("a-little-bit-long-string") == -985981536);
  CHECK(Murmur2("a-little-bit-longer-string") == -1486304829);
  CHECK(Murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8") == -58897971);
  CHECK(Murmur2("abc") == 479470107);
}

// confluentinc/librdkafka src/rdmurmur2.c, unittest_murmur2 ("java_murmur2_results"):
// every tail length (0-3) and unaligned starts into a buffer.
TEST_CASE("murmur2 matches librdkafka's Java-compatibility vectors, aligned or not") {
  const std::string unaligned = "PreAmbleWillBeRemoved,ThePrePartThatIs";
  const std::string short_unaligned = "1234";
  auto h = [](std::string_view s) { return static_cast<uint32_t>(Murmur2(s)); };
  CHECK(h("kafka") == 0xd067cf64u);
  CHECK(h("giberish123456789") == 0x8f552b0cu);
  CHECK(h(std::string_view(short_unaligned)) == 0x9fc97b14u);
  CHECK(h(std::string_view(short_unaligned).substr(1)) == 0xe7c009cau);
  CHECK(h(std::string_view(short_unaligned).substr(2)) == 0x873930dau);
  CHECK(h(std::string_view(short_unaligned).substr(3)) == 0x5a4b5ca1u);
  CHECK(h(std::string_view(unaligned)) == 0x78424f1cu);
  CHECK(h(std::string_view(unaligned).substr(1)) == 0x4a62b377u);
  CHECK(h(std::string_view(unaligned).substr(2)) == 0xe0e4e09eu);
  CHECK(h(std::string_view(unaligned).substr(3)) == 0x62b8b43fu);
  CHECK(h("") == 0x106e08d9u);
}

// dpkp/kafka-python test/test_partitioner.py, test_murmur2_java_compatibility:
// "compare with output from Kafka's org.apache.kafka.clients.producer.Partitioner",
// 1000 partitions. b'\x00 ' checks that a NUL byte is hashed, not a terminator.
TEST_CASE("partition choices match Kafka's partitioner for 1000 partitions") {
  CHECK(KafkaPartitionForKey("", 1000) == 681);
  CHECK(KafkaPartitionForKey("a", 1000) == 524);
  CHECK(KafkaPartitionForKey("ab", 1000) == 434);
  CHECK(KafkaPartitionForKey("abc", 1000) == 107);
  CHECK(KafkaPartitionForKey("123456789", 1000) == 566);
  CHECK(KafkaPartitionForKey(std::string("\0 ", 2), 1000) == 742);
}

// confluentinc/librdkafka tests/0048-partitioner.c, do_test_partitioners: the
// "murmur2" partitioner's expected partitions for 17 (and, quick mode, 7)
// partitions, hashes obtained there from Kafka's Java client.
TEST_CASE("partition choices match librdkafka's murmur2 partitioner test") {
  for (int32_t n : {7, 17}) {
    CAPTURE(n);
    CHECK(KafkaPartitionForKey("", n) == static_cast<int32_t>(0x106e08d9u % n));
    CHECK(KafkaPartitionForKey("23456", n) == static_cast<int32_t>(0x058d780fu % n));
    CHECK(KafkaPartitionForKey("this is another string with more length to it perhaps", n) ==
          static_cast<int32_t>(0x4f7703dau % n));
    CHECK(KafkaPartitionForKey("hejsan", n) == static_cast<int32_t>(0x5ec19395u % n));
  }
}

// Kafka's BuiltInPartitioner.partitionForKey is toPositive(murmur2(key)) % n,
// toPositive being `& 0x7fffffff` (not abs): checked on UtilsTest's negative
// hashes, where the two differ.
TEST_CASE("negative hashes are made positive by masking, as Kafka's toPositive") {
  for (const char* key : {"21", "foobar", "a-little-bit-long-string", "a-little-bit-longer-string"}) {
    uint32_t masked = static_cast<uint32_t>(Murmur2(key)) & 0x7fffffffu;
    for (int32_t n : {1, 2, 3, 7, 12, 100, 1000}) {
      CAPTURE(key);
      CAPTURE(n);
      int32_t p = KafkaPartitionForKey(key, n);
      CHECK(p == static_cast<int32_t>(masked % static_cast<uint32_t>(n)));
      CHECK(p >= 0);
      CHECK(p < n);
    }
  }
  CHECK(KafkaPartitionForKey("anything", 1) == 0);
}
