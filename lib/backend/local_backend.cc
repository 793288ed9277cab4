#include "backend/local_backend.h"

#include "client/consumer.h"
#include "client/group_consumer.h"
#include "group/group_paths.h"
#include "log/lost_offsets.h"
#include "log/partition_reader.h"
#include "log/partition_start.h"
#include "log/partition_writer.h"
#include "os/file.h"
#include "util/clock.h"

namespace klog::backend {

Status LocalBackend::CreateTopic(const std::string& name, const TopicConfig& config, bool if_not_exists,
                                 bool* created) {
  return store_.Create(name, config, if_not_exists, created);
}

Result<std::vector<std::string>> LocalBackend::ListTopics() { return store_.List(); }

Result<TopicConfig> LocalBackend::LoadTopic(const std::string& name) { return store_.Load(name); }

Result<std::vector<PartitionStats>> LocalBackend::DescribeTopic(const std::string& name) {
  return store_.Describe(name);
}

Status LocalBackend::AlterTopic(const std::string& name, const TopicConfig& updated) {
  return store_.Alter(name, updated);
}

Status LocalBackend::DeleteTopic(const std::string& name, bool if_exists, bool* deleted) {
  return store_.Delete(name, if_exists, deleted);
}

Status LocalBackend::StartEmptyPartitionAt(const std::string& topic, int partition, int64_t offset) {
  auto config = store_.Load(topic);
  if (!config.ok()) return config.status();
  if (partition < 0 || partition >= config->partitions)
    return Status::InvalidArgument("topic '" + topic + "' has no partition " + std::to_string(partition));
  return log::StartEmptyPartitionAt(store_.dir().PartitionDir(topic, partition), topic::PartitionLabel(topic, partition),
                                    offset);
}

Result<std::unique_ptr<RecordProducer>> LocalBackend::OpenProducer(const std::string& topic,
                                                                   const ProducerOptions& options) {
  auto p = client::Producer::Open(store_, topic, options);
  if (!p.ok()) return p.status();
  return std::unique_ptr<RecordProducer>(std::move(p).value());
}

Status LocalBackend::Consume(const ConsumeOptions& options, RecordSink& sink, const std::atomic<bool>* stop) {
  return client::Consume(store_, options, sink, stop);
}

Status LocalBackend::ConsumeGroup(const GroupConsumeOptions& options, RecordSink& sink,
                                  const std::atomic<bool>* stop) {
  return client::ConsumeGroup(store_, options, sink, stop);
}

Result<std::vector<std::string>> LocalBackend::ListGroups() { return group::ListGroups(store_.dir()); }

Result<GroupView> LocalBackend::DescribeGroup(const std::string& group) {
  return group::DescribeGroup(store_, group);
}

Status LocalBackend::DeleteGroup(const std::string& group) { return group::DeleteGroup(store_.dir(), group); }

Result<std::vector<PlanRow>> LocalBackend::PlanReset(const std::string& group,
                                                     const std::vector<TopicSelection>& topics,
                                                     const ResetSpec& spec, int64_t now_ms) {
  return group::PlanReset(store_, group, topics, spec, now_ms);
}

Status LocalBackend::ExecuteReset(const std::string& group, const std::vector<PlanRow>& plan,
                                  const std::string& kind) {
  return group::ExecuteReset(store_, group, plan, kind, group::CurrentActor());
}

Status LocalBackend::Commit(const std::string& group, const std::vector<CommitSpec>& offsets) {
  auto plan = group::PlanCommit(offsets, [this](const std::string& topic) -> Result<int> {
    auto config = store_.Load(topic);
    if (!config.ok()) return config.status();
    return config->partitions;
  });
  if (!plan.ok()) return plan.status();
  return ExecuteReset(group, *plan, "commit");
}

Result<std::string> LocalBackend::LiveMembersLine(const std::string& group) {
  auto live = group::LiveMembers(group::GroupPaths(store_.dir(), group));
  if (!live.ok()) return live.status();
  return live->empty() ? std::string() : group::DescribeLiveMembers(*live);
}

Result<std::vector<JournalEntry>> LocalBackend::OffsetHistory(const std::string& group) {
  group::GroupPaths paths(store_.dir(), group);
  if (!os::IsDir(paths.root())) return Status::NotFound("unknown group '" + group + "'");
  return group::ReadJournal(paths);
}

Result<topic::VerifyRun> LocalBackend::Verify(const std::vector<std::string>& topics, bool repair) {
  return topic::VerifyTopics(store_, topics, repair);
}

Result<topic::RetentionRun> LocalBackend::Retention(const std::vector<std::string>& topics, bool dry_run,
                                                    int64_t now_ms) {
  return topic::EnforceRetention(store_, topics, dry_run, now_ms);
}

Status LocalBackend::Dump(const std::string& topic, int partition, const log::DumpOptions& options,
                          const log::DumpCallback& on_batch) {
  return log::DumpPartition(store_.dir().PartitionDir(topic, partition), topic::PartitionLabel(topic, partition),
                            options, on_batch);
}

Status LocalBackend::ReadBatches(const std::string& topic, int partition, int64_t from,
                                 const std::function<Status(std::string& raw, int64_t base, int64_t records)>& on_batch,
                                 const std::atomic<bool>* stop) {
  const std::string label = topic::PartitionLabel(topic, partition);
  log::PartitionReader reader(store_.dir().PartitionDir(topic, partition), label);
  auto end = reader.EndOffset();
  if (!end.ok()) return end.status();
  KLOG_RETURN_IF_ERROR(reader.Seek(from));
  log::Batch batch;
  int64_t next = from;
  while (next < *end) {
    if (stop && stop->load()) return Status::Ok();
    int64_t skip_below = 0;
    auto more = reader.Next(batch, &skip_below);
    if (!more.ok()) return more.status();
    if (!*more) break;
    const log::BatchHeader& h = batch.header();
    if (h.base_offset != next)
      return next == from ? Status::InvalidArgument(label + ": no batch starts at offset " + std::to_string(from))
                          : Status::Corruption(label + ": offsets " + std::to_string(next) + " to " +
                                               std::to_string(h.base_offset - 1) + " are missing");
    next = h.next_offset();
    KLOG_RETURN_IF_ERROR(on_batch(batch.mutable_raw(), h.base_offset, h.record_count));
  }
  return Status::Ok();
}

Result<std::vector<LostRange>> LocalBackend::LostOffsets(const std::string& topic, int partition) {
  auto lost = log::ReadLostOffsets(store_.dir().PartitionDir(topic, partition));
  if (!lost.ok()) return lost.status().WithContext(topic::PartitionLabel(topic, partition));
  return lost;
}

namespace {

class LocalBatchAppender final : public BatchAppender {
 public:
  explicit LocalBatchAppender(std::unique_ptr<log::PartitionWriter> writer) : writer_(std::move(writer)) {}
  Result<int64_t> Append(std::string& raw) override { return writer_->Append(raw, util::NowMs()); }
  Result<int64_t> AppendAt(std::string& raw, int64_t base) override {
    return writer_->AppendAt(raw, base, util::NowMs());
  }

 private:
  std::unique_ptr<log::PartitionWriter> writer_;
};

}  // namespace

Result<std::unique_ptr<BatchAppender>> LocalBackend::OpenBatchAppender(const std::string& topic, int partition,
                                                                       FsyncPolicy fsync) {
  auto config = store_.Load(topic);
  if (!config.ok()) return config.status();
  log::LogConfig log_config = config->ToLogConfig();
  log_config.fsync = fsync;
  const topic::DataDir& d = store_.dir();
  auto w = log::PartitionWriter::Open(d.PartitionDir(topic, partition), topic::PartitionLabel(topic, partition),
                                      log_config, {d.TopicDir(topic), d.TopicsDir(), d.root()});
  if (!w.ok()) return w.status();
  return std::unique_ptr<BatchAppender>(new LocalBatchAppender(std::move(w).value()));
}

}  // namespace klog::backend
