// Reads records from some partitions of some topics and hands them to a
// RecordSink, as `klog consume` does without a group.
//
// Exit-at-end: without follow, the end offset of every partition is fixed
// when consuming starts, so a cron job ends even while producers keep
// writing. With follow, it waits on inotify for new batches.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "log/batch.h"
#include "log/partition_reader.h"
#include "topic/topic_store.h"
#include "util/status.h"

namespace klog::client {

// -o/--offset: beginning | end | N | -N | @MS | @ISO-8601
struct StartSpec {
  enum Kind { kBeginning, kEnd, kOffset, kFromEnd, kTimestamp } kind = kBeginning;
  int64_t value = 0;
};
Result<StartSpec> ParseStartSpec(std::string_view text);

// Where a reader of [start, end) begins for `spec`: clamped into the range.
Result<int64_t> ResolveStart(const log::PartitionReader& reader, const StartSpec& spec);

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // Status kOutputClosed from Deliver or Idle means "stop quietly" (e.g. closed pipe).
  virtual Status Deliver(std::string_view topic, int partition, const log::RecordView& record) = 0;
  // Called before waiting for more input: flush what is buffered.
  virtual Status Idle() = 0;
  // A pipe the sink writes to, or -1: waiting for input also ends when its
  // reader goes away, so that Idle can say stop.
  virtual int output_pipe() const { return -1; }
};

struct ConsumeOptions {
  std::vector<std::string> topics;
  std::vector<int> partitions;  // empty: all
  StartSpec start;
  bool follow = false;
  int64_t max_messages = -1;    // -1: no limit
};

// Returns Ok at the end (or when *stop becomes true, or the sink says stop).
Status Consume(const topic::TopicStore& store, const ConsumeOptions& options, RecordSink& sink,
               const std::atomic<bool>* stop);

}  // namespace klog::client
