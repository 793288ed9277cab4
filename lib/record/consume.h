// What a consumer hands its records to, and what it is asked to read: the
// same for the directory and a cluster (backend/backend.h).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "record/record.h"
#include "record/start_spec.h"
#include "util/status.h"

namespace klog::record {

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // Status kOutputClosed from Deliver or Idle means "stop quietly" (e.g. closed pipe).
  virtual Status Deliver(std::string_view topic, int partition, const RecordView& record) = 0;
  // Called before waiting for more input: flush what is buffered.
  virtual Status Idle() = 0;
  // A pipe the sink writes to, or -1: waiting for input also ends when its
  // reader goes away, so that Idle can say stop.
  virtual int output_pipe() const { return -1; }
};

// `klog consume` without a group. Without follow, the end of every
// partition is fixed when consuming starts (a cron job ends while
// producers keep writing).
struct ConsumeOptions {
  std::vector<std::string> topics;
  std::vector<int> partitions;  // empty: all
  StartSpec start;
  // Exact starts of some partitions (topic, partition) -> offset, instead
  // of `start`: klog mirror resumes each partition where its copy ends. An
  // offset outside the partition is kOutOfRange.
  std::map<std::pair<std::string, int>, int64_t> start_offsets;
  // Exclusive ends of some partitions, where reading them stops before the
  // end as of start: klog mirror reads one given record of each partition.
  std::map<std::pair<std::string, int>, int64_t> stop_offsets;
  bool follow = false;
  int64_t max_messages = -1;    // -1: no limit
};

// Where a member starts in a partition its group has no offset for.
enum class OffsetReset { kEarliest, kLatest };

// `klog consume -g`: offsets are committed after the records are delivered
// (or after --exec's command exited 0).
struct GroupConsumeOptions {
  std::string group;
  std::vector<std::string> topics;
  bool follow = false;
  int64_t max_messages = -1;
  OffsetReset reset = OffsetReset::kEarliest;
  int64_t session_timeout_ms = 10000;
  int64_t heartbeat_interval_ms = 0;  // 0: a tenth of the session timeout, at most 500 ms
  int64_t commit_interval_ms = 200;
  std::optional<std::string> exec;  // run through sh -c, records on stdin
  int64_t exec_batch = 1;
  // Formats a record for --exec's stdin.
  std::function<void(std::string&, std::string_view, int, const RecordView&)> format_for_exec;
  // Told, for stderr, when a committed offset is past the end of its
  // partition and --auto-offset-reset decides instead.
  std::function<void(const std::string&)> warn;
};

}  // namespace klog::record
