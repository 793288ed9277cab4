// The data directory as a backend: topics, partitions and groups as files
// (topic/, log/, group/, client/), and the maintenance only files have.
#pragma once

#include "backend/backend.h"
#include "topic/data_dir.h"
#include "topic/topic_store.h"

namespace klog::backend {

class LocalBackend final : public Backend, public Maintenance {
 public:
  explicit LocalBackend(topic::DataDir dir) : store_(std::move(dir)) {}

  Kind kind() const override { return Kind::kDirectory; }
  Status CreateTopic(const std::string& name, const TopicConfig& config, bool if_not_exists, bool* created) override;
  Result<std::vector<std::string>> ListTopics() override;
  Result<TopicConfig> LoadTopic(const std::string& name) override;
  Result<std::vector<PartitionStats>> DescribeTopic(const std::string& name) override;
  Status AlterTopic(const std::string& name, const TopicConfig& updated) override;
  Status DeleteTopic(const std::string& name, bool if_exists, bool* deleted) override;
  Status StartEmptyPartitionAt(const std::string& topic, int partition, int64_t offset) override;

  Result<std::unique_ptr<RecordProducer>> OpenProducer(const std::string& topic,
                                                       const ProducerOptions& options) override;
  Status Consume(const ConsumeOptions& options, RecordSink& sink, const std::atomic<bool>* stop) override;
  Status ConsumeGroup(const GroupConsumeOptions& options, RecordSink& sink, const std::atomic<bool>* stop) override;

  Result<std::vector<std::string>> ListGroups() override;
  Result<GroupView> DescribeGroup(const std::string& group) override;
  Status DeleteGroup(const std::string& group) override;

  Result<std::vector<PlanRow>> PlanReset(const std::string& group, const std::vector<TopicSelection>& topics,
                                         const ResetSpec& spec, int64_t now_ms) override;
  Status ExecuteReset(const std::string& group, const std::vector<PlanRow>& plan, const std::string& kind) override;
  Status Commit(const std::string& group, const std::vector<CommitSpec>& offsets) override;
  Result<std::string> LiveMembersLine(const std::string& group) override;
  Result<std::vector<JournalEntry>> OffsetHistory(const std::string& group) override;

  Result<Maintenance*> maintenance() override { return static_cast<Maintenance*>(this); }
  Result<topic::VerifyRun> Verify(const std::vector<std::string>& topics, bool repair) override;
  Result<topic::RetentionRun> Retention(const std::vector<std::string>& topics, bool dry_run, int64_t now_ms) override;
  Status Dump(const std::string& topic, int partition, const log::DumpOptions& options,
              const log::DumpCallback& on_batch) override;
  Status ReadBatches(const std::string& topic, int partition, int64_t from,
                     const std::function<Status(std::string& raw, int64_t base, int64_t records)>& on_batch,
                     const std::atomic<bool>* stop) override;
  Result<std::vector<LostRange>> LostOffsets(const std::string& topic, int partition) override;
  Result<std::unique_ptr<BatchAppender>> OpenBatchAppender(const std::string& topic, int partition,
                                                           FsyncPolicy fsync) override;

 private:
  topic::TopicStore store_;
};

}  // namespace klog::backend
