// Appends records to a topic: picks each record's partition, groups records
// into one batch per partition and writes them with PartitionWriter.
//
// Partitioning: an explicit partition wins; else a keyed record goes to
// (murmur2(key) & 0x7fffffff) % partitions, as Kafka's default partitioner;
// else keyless records stick to one partition per flush and move round-robin
// to the next one after each flush (Kafka's sticky partitioner).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "log/batch.h"
#include "log/log_config.h"
#include "log/partition_writer.h"
#include "topic/topic_store.h"
#include "util/status.h"

namespace klog::client {

struct ProducerOptions {
  std::optional<int> partition;
  log::FsyncPolicy fsync = log::FsyncPolicy::kNever;
  std::optional<log::Codec> codec;  // else the topic's compression
  size_t batch_bytes = 1 << 20;     // flush when this much is pending
  size_t max_record_bytes = 1 << 20;
};

struct WrittenRecord {
  int partition;
  int64_t offset;
};

class Producer {
 public:
  static Result<std::unique_ptr<Producer>> Open(const topic::TopicStore& store, const std::string& topic,
                                                const ProducerOptions& options);

  // Queues a record; InvalidArgument for a bad partition or oversize record.
  // Flushes by itself when batch_bytes are pending or fsync is "always".
  Status Add(std::optional<int> partition, int64_t timestamp, std::optional<std::string_view> key,
             std::string_view value, const std::vector<log::HeaderView>& headers);

  // Writes every pending batch. Records written are appended to the list
  // that written() returns, in the order they were added.
  Status Flush();

  bool has_pending() const { return !order_.empty(); }
  int partitions() const { return static_cast<int>(parts_.size()); }
  size_t max_record_bytes() const { return options_.max_record_bytes; }
  // Records written since the last TakeWritten(), in input order.
  std::vector<WrittenRecord> TakeWritten() { return std::move(written_); }

 private:
  struct Part {
    log::BatchBuilder builder;
    std::unique_ptr<log::PartitionWriter> writer;
    int64_t flushed_base = -1;
  };
  Producer() = default;

  const topic::TopicStore* store_ = nullptr;
  std::string topic_;
  ProducerOptions options_;
  log::Codec codec_ = log::Codec::kNone;
  log::LogConfig log_config_;
  std::vector<Part> parts_;
  std::vector<int> order_;  // partition of each pending record, in input order
  size_t pending_bytes_ = 0;
  int sticky_ = 0;
  std::string scratch_;
  std::vector<WrittenRecord> written_;
};

int64_t NowMs();

}  // namespace klog::client
