// Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), so that keys
// land in the partition Kafka's default partitioner would pick.
#pragma once

#include <cstdint>
#include <string_view>

namespace klog::util {

int32_t Murmur2(std::string_view data);

// (murmur2(key) & 0x7fffffff) % partitions — Kafka's toPositive, then modulo.
int32_t KafkaPartitionForKey(std::string_view key, int32_t partitions);

}  // namespace klog::util
