// `offset history` on a Kafka cluster, kept in the cluster itself so that
// every machine sees one history: topic __klog_offset_history, one record
// per executed reset, commit or undo, keyed by the group's name, its value
// the entry as the JSON object of a local journal line (group/journal.h:
// seq, ts, kind, actor, changes with old and new offsets). A group's
// records share a key, so they share a partition and keep their order.
// The topic is made by the first entry (a cluster that does not create
// topics on use needs it created first, e.g. `klog topic create`).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "group/journal.h"
#include "kafka/cluster_connection.h"
#include "util/status.h"

namespace klog::kafka {

inline constexpr const char* kHistoryTopic = "__klog_offset_history";

// Pure: the group's entries among (key, value) records in topic order;
// other groups' and garbled records are skipped; entries without a seq
// are numbered one past the one before.
std::vector<group::JournalEntry> HistoryFromRecords(const std::string& group,
                                                    const std::vector<std::pair<std::string, std::string>>& records);

// The group's entries, oldest first (none when the topic does not exist).
Result<std::vector<group::JournalEntry>> ReadHistory(ClusterConnection& conn, const std::string& group);

// Appends `entry` numbered one past the group's newest, acknowledged by
// every in-sync replica (acks=all) within --timeout.
Status AppendHistory(ClusterConnection& conn, const std::string& group, group::JournalEntry entry);

}  // namespace klog::kafka
