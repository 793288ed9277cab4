#include "kafka/kafka_offsets.h"

#include <set>

#include "kafka/group_handles.h"
#include "kafka/kafka_groups.h"
#include "kafka/offset_history_topic.h"
#include "util/clock.h"

namespace klog::kafka {

Status AlterOffsetsStatus(const std::string& group, rd_kafka_resp_err_t err, const std::string& message,
                          const std::string& brokers) {
  if (!err) return Status::Ok();
  if (IsMembershipError(err))
    return Status::Busy("refused: group '" + group + "' has members (the cluster answered: " + rd_kafka_err2str(err) +
                        "); stop them, wait for their session to time out, and try again");
  return StatusFromError(err, "changing group '" + group + "' offsets" + (message.empty() ? "" : " (" + message + ")"),
                         brokers);
}

group::JournalEntry EntryForPlan(const std::vector<group::PlanRow>& plan, const std::string& kind,
                                 const std::string& actor, int64_t now_ms) {
  group::JournalEntry e;
  e.ts_ms = now_ms;
  e.kind = kind;
  e.actor = actor;
  for (const auto& row : plan) e.changes.push_back({row.topic, row.partition, row.old_offset, row.new_offset});
  return e;
}

Result<std::vector<group::PlanRow>> PlanReset(ClusterConnection& conn, const std::string& group,
                                              const std::vector<group::TopicSelection>& topics,
                                              const group::ResetSpec& spec, int64_t now_ms) {
  group::ResetFacts facts;
  facts.group = group;
  facts.offsets_path = std::string("the cluster's offsets of group '") + group + "'";
  facts.now_ms = now_ms;
  std::vector<std::string> names;
  for (const auto& sel : topics) names.push_back(sel.topic);
  bool undoing = spec.mode == group::ResetMode::kPrevious || spec.mode == group::ResetMode::kEntry;
  if (undoing) {
    auto history = ReadHistory(conn, group);
    if (!history.ok()) return history.status();
    auto undo = group::UndoTargetsFromHistory(group, *history, spec);
    if (!undo.ok()) return undo.status();
    facts.undo = std::move(undo).value();
    if (!names.empty())
      for (const auto& [tp, off] : facts.undo) names.push_back(tp.first);
  }
  std::set<std::string> unique(names.begin(), names.end());
  auto committed = GroupCommitted(conn, group, std::vector<std::string>(unique.begin(), unique.end()));
  if (!committed.ok()) return committed.status();
  for (const auto& [tp, off] : *committed)
    if (off) facts.committed[tp] = *off;
  facts.partitions = [&conn](const std::string& topic) { return conn.PartitionCount(topic); };
  facts.range = [&conn](const std::string& topic, int p) -> Result<topic::OffsetRange> {
    auto w = conn.QueryWatermarks(topic, p);
    if (!w.ok()) return w.status();
    return topic::OffsetRange{w->low, w->high};
  };
  facts.offset_for_time = [&conn](const std::string& topic, int p, int64_t ts) -> Result<int64_t> {
    auto rk = conn.handle();
    if (!rk.ok()) return rk.status();
    TopicPartitionListPtr list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset = ts;
    rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(*rk, list.get(), conn.timeout_ms());
    if (!err) err = list->elems[0].err;
    std::string what = "looking up time " + std::to_string(ts) + " in topic '" + topic + "' partition " +
                       std::to_string(p);
    if (err) return conn.Error(err, what);
    if (list->elems[0].offset >= 0) return list->elems[0].offset;
    auto w = conn.QueryWatermarks(topic, p);  // no record that new: the end
    if (!w.ok()) return w.status();
    return w->high;
  };
  return group::PlanFromFacts(facts, topics, spec);
}

Status ExecuteReset(ClusterConnection& conn, const std::string& group, const std::vector<group::PlanRow>& plan,
                    const std::string& kind) {
  for (const auto& row : plan)
    if (!row.new_offset)
      return Status::NotSupported("group '" + group + "' topic '" + row.topic + "' partition " +
                                  std::to_string(row.partition) +
                                  ": going back to no committed offset is not done on a cluster; reset it to a "
                                  "position instead (--to-earliest, --to-offset N)");
  auto line = LiveMembersLine(conn, group);
  if (!line.ok()) return line.status();
  if (!line->empty()) return Status::Busy("refused: group '" + group + "' has live members: " + *line);
  // The entry's "old" offsets are what is committed now (a plan made a
  // while ago, or a commit's plan, may not know them).
  std::vector<std::string> topics;
  for (const auto& row : plan) topics.push_back(row.topic);
  std::set<std::string> unique(topics.begin(), topics.end());
  auto now = GroupCommitted(conn, group, std::vector<std::string>(unique.begin(), unique.end()));
  if (!now.ok()) return now.status();
  std::vector<group::PlanRow> done = plan;
  std::map<TopicPartition, std::optional<int64_t>> offsets;
  for (auto& row : done) {
    auto c = now->find({row.topic, row.partition});
    row.old_offset = c != now->end() ? c->second : std::nullopt;
    offsets[{row.topic, row.partition}] = row.new_offset;
  }
  auto rk = conn.handle();
  if (!rk.ok()) return rk.status();
  AdminRequest req(*rk, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, conn.timeout_ms());
  TopicPartitionListPtr list = ToPartitionList(offsets);
  rd_kafka_AlterConsumerGroupOffsets_t* alter = rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), list.get());
  rd_kafka_AlterConsumerGroupOffsets(*rk, &alter, 1, req.options(), req.queue());
  rd_kafka_AlterConsumerGroupOffsets_destroy(alter);
  rd_kafka_resp_err_t err;
  std::string message;
  rd_kafka_event_t* ev = req.Wait(&err, &message);
  if (err || !ev) return AlterOffsetsStatus(group, err, message, conn.settings().brokers);
  size_t n = 0;
  const rd_kafka_group_result_t** r =
      rd_kafka_AlterConsumerGroupOffsets_result_groups(rd_kafka_event_AlterConsumerGroupOffsets_result(ev), &n);
  for (size_t i = 0; i < n; ++i) {
    if (const rd_kafka_error_t* e = rd_kafka_group_result_error(r[i]))
      return AlterOffsetsStatus(group, rd_kafka_error_code(e), rd_kafka_error_string(e), conn.settings().brokers);
    if (const rd_kafka_topic_partition_list_t* parts = rd_kafka_group_result_partitions(r[i]))
      for (int k = 0; k < parts->cnt; ++k)
        if (parts->elems[k].err)
          return AlterOffsetsStatus(group, parts->elems[k].err,
                                    "topic '" + std::string(parts->elems[k].topic) + "' partition " +
                                        std::to_string(parts->elems[k].partition),
                                    conn.settings().brokers);
  }
  Status st = AppendHistory(conn, group, EntryForPlan(done, kind, group::CurrentActor(), util::NowMs()));
  if (!st.ok())
    return Status(st.code(), "group '" + group + "' offsets were changed, but their history entry is missing: " +
                                 st.message());
  return Status::Ok();
}

Status Commit(ClusterConnection& conn, const std::string& group, const std::vector<group::CommitSpec>& offsets) {
  auto plan = group::PlanCommit(offsets, [&conn](const std::string& topic) { return conn.PartitionCount(topic); });
  if (!plan.ok()) return plan.status();
  return ExecuteReset(conn, group, *plan, "commit");
}

Result<std::string> LiveMembersLine(ClusterConnection& conn, const std::string& group) {
  auto members = GroupMembers(conn, group);
  if (!members.ok()) return members.status();
  std::string line;
  if (!*members) return line;  // the cluster cannot say: the broker refuses a change itself
  for (const auto& m : **members) {
    if (!line.empty()) line += ", ";
    line += m.id + " (" + m.client_id + " on " + m.host + ")";
  }
  return line;
}

Result<std::vector<group::JournalEntry>> OffsetHistory(ClusterConnection& conn, const std::string& group) {
  auto history = ReadHistory(conn, group);
  if (!history.ok()) return history.status();
  if (!history->empty()) return history;
  auto committed = GroupCommitted(conn, group, {});
  if (!committed.ok()) return committed.status();
  if (committed->empty()) return Status::NotFound("unknown group '" + group + "' (no history and no committed offsets)");
  return history;
}

}  // namespace klog::kafka
