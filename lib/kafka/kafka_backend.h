// A Kafka cluster as a backend, through librdkafka: the same commands as on
// a directory (contract section 8). Written means acknowledged (acks=all,
// idempotence on); keys land on the partition Kafka's Java client picks
// (murmur2), as they do on a directory; offsets are committed after output.
//
// The operations live in one file per concern (kafka_topics.cc,
// kafka_producer.cc, kafka_consumer.cc, kafka_group_consumer.cc,
// kafka_groups.cc, kafka_offsets.cc); this class only routes to them.
// verify, dump and retention have no meaning on a cluster: kNotSupported.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "kafka/cluster_connection.h"
#include "kafka/kafka_settings.h"
#include "kafka/kafka_topics.h"

namespace klog::kafka {

class KafkaBackend final : public backend::Backend {
 public:
  // Contacts nothing yet: each operation reaches the cluster itself,
  // within settings.timeout_ms.
  static Result<std::unique_ptr<KafkaBackend>> Open(const KafkaSettings& settings);

  Kind kind() const override { return Kind::kCluster; }
  Status CreateTopic(const std::string& name, const backend::TopicConfig& config, bool if_not_exists,
                     bool* created) override;
  Result<std::vector<std::string>> ListTopics() override;
  Result<backend::TopicConfig> LoadTopic(const std::string& name) override;
  Result<std::vector<backend::PartitionStats>> DescribeTopic(const std::string& name) override;
  Status AlterTopic(const std::string& name, const backend::TopicConfig& updated) override;
  Status DeleteTopic(const std::string& name, bool if_exists, bool* deleted) override;
  Status StartEmptyPartitionAt(const std::string& topic, int partition, int64_t offset) override;

  Result<std::unique_ptr<backend::RecordProducer>> OpenProducer(const std::string& topic,
                                                                const backend::ProducerOptions& options) override;
  Status Consume(const backend::ConsumeOptions& options, backend::RecordSink& sink,
                 const std::atomic<bool>* stop) override;
  Status ConsumeGroup(const backend::GroupConsumeOptions& options, backend::RecordSink& sink,
                      const std::atomic<bool>* stop) override;

  Result<std::vector<std::string>> ListGroups() override;
  Result<backend::GroupView> DescribeGroup(const std::string& group) override;
  Status DeleteGroup(const std::string& group) override;

  Result<std::vector<backend::PlanRow>> PlanReset(const std::string& group,
                                                  const std::vector<backend::TopicSelection>& topics,
                                                  const backend::ResetSpec& spec, int64_t now_ms) override;
  Status ExecuteReset(const std::string& group, const std::vector<backend::PlanRow>& plan,
                      const std::string& kind) override;
  Status Commit(const std::string& group, const std::vector<backend::CommitSpec>& offsets) override;
  Result<std::string> LiveMembersLine(const std::string& group) override;
  Result<std::vector<backend::JournalEntry>> OffsetHistory(const std::string& group) override;

  Result<backend::Maintenance*> maintenance() override;

  const KafkaSettings& settings() const { return conn_.settings(); }

 private:
  explicit KafkaBackend(KafkaSettings settings) : conn_(std::move(settings)), topics_(conn_) {}
  ClusterConnection conn_;  // metadata, watermarks, Admin API
  ClusterTopics topics_;
};

}  // namespace klog::kafka
