// `klog produce` to a Kafka cluster: a RecordProducer over a librdkafka
// producer (contract section 8, "written means acknowledged").
//
// Forced, whatever -X says: acks=all and enable.idempotence=true (a retry
// never duplicates a record), partitioner=murmur2_random (a keyed record
// lands on the partition Kafka's Java client picks, the one klog picks on a
// directory: util::KafkaPartitionForKey). Keyless records are spread by
// librdkafka (sticky partitioning). Each record carries its own timestamp,
// its key (null and empty kept apart) and its headers in order.
//
// Reporting: every record gets its number (0 for the first Add) as its
// librdkafka opaque; delivery reports mark it acknowledged or failed, and
// TakeWritten hands out the acknowledged ones in input order, as far as no
// record before them is still in flight. A failed record is never reported;
// Add and Flush then wait for the rest and return a Status naming how many
// were not delivered and why (first_unwritten() is the first of them).
//
// Bounds: message.timeout.ms is --timeout, so each record is acknowledged
// or failed within it; Flush waits at most twice that, then purges what is
// left and counts it as not delivered.
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/producer.h"
#include "kafka/cluster_connection.h"
#include "kafka/rdkafka_handles.h"
#include "record/record_producer.h"
#include "util/status.h"

namespace klog::kafka {

// The librdkafka properties of a producer for `options`: (defaults the user
// may override with -X, forced ones). Pure, for tests.
struct ProducerProperties {
  Properties defaults;
  Properties forced;
};
ProducerProperties ProducerPropertiesFor(const client::ProducerOptions& options, int64_t timeout_ms);

class KafkaProducer final : public record::RecordProducer {
 public:
  // Reads the topic's partition count (NotFound for an unknown topic;
  // InvalidArgument for a -p it does not have), then makes the producer.
  static Result<std::unique_ptr<KafkaProducer>> Open(ClusterConnection& conn, const std::string& topic,
                                                     const client::ProducerOptions& options);
  ~KafkaProducer() override;

  Status Add(std::optional<int> partition, int64_t timestamp, std::optional<std::string_view> key,
             std::string_view value, const std::vector<record::HeaderView>& headers) override;
  Status Flush() override;
  // Records handed to librdkafka and not yet acknowledged (or failed).
  bool has_pending() const override { return outstanding_ > 0; }
  bool writing() const override { return false; }
  bool has_written() const override { return !written_.empty(); }
  size_t max_record_bytes() const override { return options_.max_record_bytes; }
  std::vector<record::WrittenRun> TakeWritten() override { return std::move(written_); }
  std::optional<int64_t> first_unwritten() const override { return first_failed_; }

 private:
  KafkaProducer() = default;
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque);
  void Delivered(const rd_kafka_message_t* m);
  // Moves the records whose fate is known, from the oldest on, into
  // written_ (the acknowledged ones), up to the first still in flight.
  void Collect();
  // Waits for every record in flight (bounded), then Collect().
  void WaitForAll();
  // The Status of the failures so far (Ok when none).
  Status Failures() const;

  enum class Fate : uint8_t { kInFlight, kAcked, kFailed };
  struct Slot {
    Fate fate = Fate::kInFlight;
    int partition = -1;
    int64_t offset = -1;
  };

  std::string topic_;
  std::string brokers_;
  client::ProducerOptions options_;
  int64_t timeout_ms_ = 0;
  int partitions_ = 0;
  HandlePtr rk_;
  rd_kafka_topic_t* rkt_ = nullptr;
  std::deque<Slot> slots_;   // records first_slot_, first_slot_ + 1, ... whose fate is not collected yet
  int64_t first_slot_ = 0;
  int64_t added_ = 0;        // records handed to librdkafka so far
  int64_t outstanding_ = 0;  // of them, neither acknowledged nor failed yet
  int64_t failed_ = 0;
  std::optional<int64_t> first_failed_;
  rd_kafka_resp_err_t first_error_ = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::vector<record::WrittenRun> written_;
};

}  // namespace klog::kafka
