// `klog consume` without a group on a Kafka cluster: every partition of the
// topics (or -p's), each from where -o says, through librdkafka's
// per-partition consumer (no group.id, nothing committed, no group state
// left on the cluster).
//
// Exit-at-end, as on a directory: without -f, each partition's end is its
// high watermark read when the command starts; a partition is done once a
// record at or past it, or the end of the partition at or past it, is seen
// (a transaction marker at the end is never delivered as a record). Records
// of one partition arrive in order; partitions interleave as the brokers
// answer. Without -f, no progress at all for --timeout while records
// remain is kUnavailable naming the brokers (no hang); with -f it waits.
// -o @TIME looks the offset up with ListOffsets (offsetsForTimes); no
// record at or after TIME starts at the end.
#pragma once

#include <atomic>

#include "kafka/cluster_connection.h"
#include "record/consume.h"
#include "util/status.h"

namespace klog::kafka {

// Returns Ok at the end, once *stop is true, or when the sink says
// kOutputClosed. NotFound for an unknown topic; InvalidArgument for a -p
// partition the topic does not have.
Status ConsumeFromCluster(ClusterConnection& conn, const record::ConsumeOptions& options, record::RecordSink& sink,
                          const std::atomic<bool>* stop);

}  // namespace klog::kafka
