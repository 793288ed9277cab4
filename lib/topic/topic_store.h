// Topic administration over the data directory: create, list, load, alter,
// delete and describe. Creation and deletion are atomic renames (a topic
// appears whole or not at all); alteration rewrites topic.json atomically
// under DIR/topics/TOPIC/topic.lock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "topic/data_dir.h"
#include "topic/topic_config.h"
#include "util/status.h"

namespace klog::topic {

struct PartitionStats {
  int partition = 0;
  int64_t start_offset = 0;
  int64_t end_offset = 0;
  // On disk: segments and their indexes. Empty where the backend cannot
  // know (a Kafka cluster keeps its logs on the brokers).
  std::optional<uint64_t> bytes = 0;
  std::optional<int> segments = 0;
  int64_t last_append_ms = 0;  // mtime of the active segment; 0 if none
};

// What a partition holds now: the first offset still kept and the offset
// the next record will get.
struct OffsetRange {
  int64_t start = 0;
  int64_t end = 0;
};

class TopicStore {
 public:
  explicit TopicStore(DataDir dir) : dir_(std::move(dir)) {}
  const DataDir& dir() const { return dir_; }

  // AlreadyExists unless if_not_exists (then *created says which).
  // A config.created_ms of 0 is stamped with the time of creation.
  Status Create(const std::string& name, const TopicConfig& config, bool if_not_exists, bool* created);
  // Names of all topics; an absent data directory has none.
  Result<std::vector<std::string>> List() const;
  // NotFound: "unknown topic 'x'".
  Result<TopicConfig> Load(const std::string& name) const;
  // Applies `updated`, keeping created_ms; partitions may only grow
  // (CheckPartitionsGrow's InvalidArgument otherwise).
  Status Alter(const std::string& name, const TopicConfig& updated);
  Status Delete(const std::string& name, bool if_exists, bool* deleted);
  Result<std::vector<PartitionStats>> Describe(const std::string& name) const;
  // Of one partition, which the caller knows exists.
  Result<OffsetRange> Offsets(const std::string& name, int partition) const;

 private:
  DataDir dir_;
};

}  // namespace klog::topic
