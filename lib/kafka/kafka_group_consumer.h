// `klog consume -g GROUP` on a Kafka cluster: Kafka's own group protocol
// (subscribe with group.id; the brokers assign partitions), with offsets
// committed by klog exactly as the local group consumer commits them
// (client/group_consumer.h):
//  - to stdout: after the sink took a run of records (Idle), at most every
//    commit_interval_ms, on every revoke (before the partitions go), on
//    exit and on SIGINT/SIGTERM; with -n N exactly N records are committed;
//  - with --exec: after each run of the command that exits 0, for exactly
//    the records it was given (at least once across kills).
// Without -f it stops at the end as of start: the high watermarks are read
// when the command starts, and it ends once every partition it was
// assigned has reached the mark it had then (records past it are left for
// the next run). Commits are bounded by --timeout; a cluster that stops
// answering ends the command (exit 1) instead of hanging.
#pragma once

#include <atomic>

#include "kafka/cluster_connection.h"
#include "record/consume.h"
#include "util/status.h"

namespace klog::kafka {

Status ConsumeGroup(ClusterConnection& conn, const record::GroupConsumeOptions& options, record::RecordSink& sink,
                    const std::atomic<bool>* stop);

}  // namespace klog::kafka
