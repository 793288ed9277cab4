#include "kafka/kafka_backend.h"

#include "kafka/kafka_consumer.h"
#include "kafka/kafka_group_consumer.h"
#include "kafka/kafka_groups.h"
#include "kafka/kafka_offsets.h"
#include "kafka/kafka_producer.h"
#include "kafka/kafka_topics.h"

namespace klog::kafka {

Result<std::unique_ptr<KafkaBackend>> KafkaBackend::Open(const KafkaSettings& settings) {
  return std::unique_ptr<KafkaBackend>(new KafkaBackend(settings));
}

Status KafkaBackend::CreateTopic(const std::string& name, const backend::TopicConfig& config, bool if_not_exists,
                                 bool* created) {
  return topics_.Create(name, config, if_not_exists, created);
}
Result<std::vector<std::string>> KafkaBackend::ListTopics() { return topics_.List(); }
Result<backend::TopicConfig> KafkaBackend::LoadTopic(const std::string& name) { return topics_.Load(name); }
Result<std::vector<backend::PartitionStats>> KafkaBackend::DescribeTopic(const std::string& name) {
  return topics_.Describe(name);
}
Status KafkaBackend::AlterTopic(const std::string& name, const backend::TopicConfig& updated) {
  return topics_.Alter(name, updated);
}
Status KafkaBackend::DeleteTopic(const std::string& name, bool if_exists, bool* deleted) {
  return topics_.Delete(name, if_exists, deleted);
}

Status KafkaBackend::StartEmptyPartitionAt(const std::string& topic, int partition, int64_t) {
  return Status::NotSupported("topic '" + topic + "' partition " + std::to_string(partition) +
                              ": a Kafka partition's offsets start where the cluster says; they cannot be set");
}

Result<std::unique_ptr<backend::RecordProducer>> KafkaBackend::OpenProducer(const std::string& topic,
                                                                            const backend::ProducerOptions& options) {
  if (options.fsync != backend::FsyncPolicy::kNever && options.warn)
    options.warn("warning: --fsync has no meaning on a Kafka cluster: a record is written once the cluster "
                 "acknowledged it (acks=all); ignored");
  auto p = KafkaProducer::Open(conn_, topic, options);
  if (!p.ok()) return p.status();
  return std::unique_ptr<backend::RecordProducer>(std::move(p).value());
}
Status KafkaBackend::Consume(const backend::ConsumeOptions& options, backend::RecordSink& sink,
                             const std::atomic<bool>* stop) {
  return ConsumeFromCluster(conn_, options, sink, stop);
}
Status KafkaBackend::ConsumeGroup(const backend::GroupConsumeOptions& options, backend::RecordSink& sink,
                                  const std::atomic<bool>* stop) {
  return kafka::ConsumeGroup(conn_, options, sink, stop);
}

Result<std::vector<std::string>> KafkaBackend::ListGroups() { return kafka::ListGroups(conn_); }
Result<backend::GroupView> KafkaBackend::DescribeGroup(const std::string& group) {
  return kafka::DescribeGroup(conn_, group);
}
Status KafkaBackend::DeleteGroup(const std::string& group) { return kafka::DeleteGroup(conn_, group); }

Result<std::vector<backend::PlanRow>> KafkaBackend::PlanReset(const std::string& group,
                                                              const std::vector<backend::TopicSelection>& topics,
                                                              const backend::ResetSpec& spec, int64_t now_ms) {
  return kafka::PlanReset(conn_, group, topics, spec, now_ms);
}
Status KafkaBackend::ExecuteReset(const std::string& group, const std::vector<backend::PlanRow>& plan,
                                  const std::string& kind) {
  return kafka::ExecuteReset(conn_, group, plan, kind);
}
Status KafkaBackend::Commit(const std::string& group, const std::vector<backend::CommitSpec>& offsets) {
  return kafka::Commit(conn_, group, offsets);
}
Result<std::string> KafkaBackend::LiveMembersLine(const std::string& group) {
  return kafka::LiveMembersLine(conn_, group);
}
Result<std::vector<backend::JournalEntry>> KafkaBackend::OffsetHistory(const std::string& group) {
  return kafka::OffsetHistory(conn_, group);
}

Result<backend::Maintenance*> KafkaBackend::maintenance() {
  return Status::NotSupported(
      "this command works on a data directory's segment files, and records live in a Kafka cluster here "
      "(--brokers or $KLOG_BROKERS); the cluster keeps its own logs");
}

}  // namespace klog::kafka
