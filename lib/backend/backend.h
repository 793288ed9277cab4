// The seam between klog's commands and where records live. cmd/ talks to a
// Backend only; OpenBackend (backend/open_backend.h) picks the one the global
// flags name: a data directory (LocalBackend) or a Kafka cluster.
//
// A backend implements every command's operation; one that cannot do
// something says Status kNotSupported (exit 2), e.g. verify on a cluster.
// An unreachable cluster is kUnavailable. See docs/architecture.md.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/producer.h"
#include "group/group_admin.h"
#include "group/journal.h"
#include "group/offset_commit.h"
#include "group/offset_reset.h"
#include "log/dump.h"
#include "log/lost_offsets.h"
#include "record/consume.h"
#include "record/record_producer.h"
#include "topic/maintenance.h"
#include "topic/topic_config.h"
#include "topic/topic_store.h"
#include "util/status.h"

namespace klog::backend {

// The vocabulary every backend speaks. These types were first written for
// the directory and carry nothing of its files; a backend fills them.
using topic::PartitionStats;
using topic::TopicConfig;
using log::Batch;
using log::BatchSummary;
using log::Codec;
using log::DumpCallback;
using log::DumpOptions;
using log::FsyncPolicy;
using log::LostRange;
using record::ConsumeOptions;
using record::GroupConsumeOptions;
using record::HeaderView;
using record::OffsetReset;
using record::RecordProducer;
using record::RecordSink;
using record::RecordView;
using record::StartSpec;
using record::WrittenRun;
using client::ProducerOptions;
using group::CommitSpec;
using group::GroupView;
using group::JournalEntry;
using group::MemberView;
using group::PartitionView;
using group::PlanRow;
using group::ResetMode;
using group::ResetSpec;
using group::TopicSelection;
// ... and the rules that come with them.
using client::kMaxBatchBytes;
using group::LivenessName;
using group::ParseCommitSpecs;
using group::ParseTopicSelection;
using log::CodecName;
using log::kMaxZstdLevel;
using log::kMinZstdLevel;
using log::ParseCodec;
using log::ParseFsyncPolicy;
using record::ParseStartSpec;
using topic::CheckPartitionsGrow;
using topic::kMaxPartitions;
using topic::TopicConfigToJson;
using topic::ValidateTopicConfig;

// Appends batches as a directory stores them (see Maintenance::ReadBatches).
class BatchAppender {
 public:
  virtual ~BatchAppender() = default;
  // Appends one stored batch (header included) as it is; returns the
  // offset it got.
  virtual Result<int64_t> Append(std::string& raw) = 0;
  // Appends it only if it gets offset `base`, checked under the partition's
  // lock: kCorruption, nothing written, when another writer appended meanwhile
  // (a copy keeping its source's offsets refuses rather than misplaces).
  virtual Result<int64_t> AppendAt(std::string& raw, int64_t base) = 0;
};

// verify, dump and retention: what only a directory of segment files has;
// and its batches as stored, which klog mirror copies between directories
// as they are (offsets are identical, so nothing needs re-encoding).
class Maintenance {
 public:
  virtual ~Maintenance() = default;
  // Every partition of `topics` (all topics when empty), checked or repaired.
  virtual Result<topic::VerifyRun> Verify(const std::vector<std::string>& topics, bool repair) = 0;
  // Retention enforced now (or only planned, with dry_run).
  virtual Result<topic::RetentionRun> Retention(const std::vector<std::string>& topics, bool dry_run,
                                                int64_t now_ms) = 0;
  // One partition batch by batch.
  virtual Status Dump(const std::string& topic, int partition, const DumpOptions& options,
                      const DumpCallback& on_batch) = 0;
  // The partition's stored batches from the one that starts at `from` to
  // its end as of the call: on_batch(raw bytes, base offset, records).
  // kInvalidArgument, before any batch is handed over, when no batch starts
  // at `from`; kCorruption when the offsets do not follow on (a gap).
  virtual Status ReadBatches(const std::string& topic, int partition, int64_t from,
                             const std::function<Status(std::string& raw, int64_t base, int64_t records)>& on_batch,
                             const std::atomic<bool>* stop) = 0;
  // Offsets the partition lost in a crash and `verify --repair` recorded
  // (log/lost_offsets.h): readers and writers go past them.
  virtual Result<std::vector<LostRange>> LostOffsets(const std::string& topic, int partition) = 0;
  // With fsync batch or always, each appended batch is durable (and so is
  // everything before it in the partition) before Append returns.
  virtual Result<std::unique_ptr<BatchAppender>> OpenBatchAppender(const std::string& topic, int partition,
                                                                   FsyncPolicy fsync) = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;

  enum class Kind { kDirectory, kCluster };
  virtual Kind kind() const = 0;

  // ---- topics ----
  // AlreadyExists unless if_not_exists (then *created says which).
  virtual Status CreateTopic(const std::string& name, const TopicConfig& config, bool if_not_exists,
                             bool* created) = 0;
  virtual Result<std::vector<std::string>> ListTopics() = 0;
  // NotFound: "unknown topic 'x'".
  virtual Result<TopicConfig> LoadTopic(const std::string& name) = 0;
  virtual Result<std::vector<PartitionStats>> DescribeTopic(const std::string& name) = 0;
  // Partitions only grow (InvalidArgument).
  virtual Status AlterTopic(const std::string& name, const TopicConfig& updated) = 0;
  virtual Status DeleteTopic(const std::string& name, bool if_exists, bool* deleted) = 0;
  // Makes an empty partition's next offset `offset` (klog mirror keeps the
  // source's offsets when its oldest records are gone). NotSupported where
  // offsets always start at 0 (Kafka); InvalidArgument for a partition
  // holding records.
  virtual Status StartEmptyPartitionAt(const std::string& topic, int partition, int64_t offset) = 0;

  // ---- records ----
  virtual Result<std::unique_ptr<RecordProducer>> OpenProducer(const std::string& topic,
                                                               const ProducerOptions& options) = 0;
  // Returns Ok at the end (or once *stop is true, or the sink says stop).
  virtual Status Consume(const ConsumeOptions& options, RecordSink& sink, const std::atomic<bool>* stop) = 0;
  virtual Status ConsumeGroup(const GroupConsumeOptions& options, RecordSink& sink,
                              const std::atomic<bool>* stop) = 0;

  // ---- groups ----
  virtual Result<std::vector<std::string>> ListGroups() = 0;
  // NotFound: "unknown group 'g'".
  virtual Result<GroupView> DescribeGroup(const std::string& group) = 0;
  // Busy while it has live members.
  virtual Status DeleteGroup(const std::string& group) = 0;

  // ---- offsets ----
  virtual Result<std::vector<PlanRow>> PlanReset(const std::string& group, const std::vector<TopicSelection>& topics,
                                                 const ResetSpec& spec, int64_t now_ms) = 0;
  // All partitions or none; Busy while the group has live members. `kind`
  // ("reset", "undo", "commit") goes into the offset history.
  virtual Status ExecuteReset(const std::string& group, const std::vector<PlanRow>& plan,
                              const std::string& kind) = 0;
  // `offset commit`: checks that each partition exists, then executes.
  virtual Status Commit(const std::string& group, const std::vector<CommitSpec>& offsets) = 0;
  // The group's live members in one line ("" when none): a dry run warns
  // that --execute would be refused.
  virtual Result<std::string> LiveMembersLine(const std::string& group) = 0;
  // Who moved which offset when, oldest first. NotFound for an unknown group.
  virtual Result<std::vector<JournalEntry>> OffsetHistory(const std::string& group) = 0;

  // ---- maintenance ----
  // NotSupported on a backend without segment files.
  virtual Result<Maintenance*> maintenance() = 0;
};

}  // namespace klog::backend
