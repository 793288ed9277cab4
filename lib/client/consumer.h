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

#include "log/partition_reader.h"
#include "record/consume.h"
#include "topic/topic_store.h"
#include "util/status.h"

namespace klog::client {

using record::ConsumeOptions;
using record::RecordSink;
using record::StartSpec;

// Where a reader of [start, end) begins for `spec`: clamped into the range.
Result<int64_t> ResolveStart(const log::PartitionReader& reader, const StartSpec& spec);

// Returns Ok at the end (or when *stop becomes true, or the sink says stop).
Status Consume(const topic::TopicStore& store, const ConsumeOptions& options, RecordSink& sink,
               const std::atomic<bool>* stop);

}  // namespace klog::client
