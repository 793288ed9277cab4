// `klog consume -g GROUP`: reads the partitions this member owns, delivers
// them to a sink (or to --exec), and commits.
//
// When offsets are committed:
//  - to stdout: after the records of a batch are written to stdout, at most
//    every commit_interval_ms, and always before a partition is handed over,
//    on exit, on SIGINT/SIGTERM; with -n N exactly N records are committed;
//  - with --exec: right after each run of the command that exits 0, for
//    exactly the records it was given (at-least-once across kills).
// Before each batch is delivered, the member re-checks its generation: a
// revoked partition is not delivered, an expelled member stops (kFenced).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "client/consumer.h"
#include "group/member.h"
#include "topic/topic_store.h"
#include "util/status.h"

namespace klog::client {

using record::GroupConsumeOptions;
using record::OffsetReset;

Status ConsumeGroup(const topic::TopicStore& store, const GroupConsumeOptions& options, RecordSink& sink,
                    const std::atomic<bool>* stop);

}  // namespace klog::client
