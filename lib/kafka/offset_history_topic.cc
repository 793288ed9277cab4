#include "kafka/offset_history_topic.h"

#include <chrono>
#include <map>

#include "kafka/group_handles.h"
#include "kafka/rdkafka_handles.h"

namespace klog::kafka {
namespace {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  *static_cast<rd_kafka_resp_err_t*>(opaque) = m->err;
}

}  // namespace

std::vector<group::JournalEntry> HistoryFromRecords(const std::string& group,
                                                    const std::vector<std::pair<std::string, std::string>>& records) {
  std::vector<group::JournalEntry> out;
  int64_t prev = 0;
  for (const auto& [key, value] : records) {
    if (key != group) continue;
    auto e = group::ParseJournalEntry(value, prev);
    if (!e.ok()) continue;
    prev = e->seq;
    out.push_back(std::move(e).value());
  }
  return out;
}

Result<std::vector<group::JournalEntry>> ReadHistory(ClusterConnection& conn, const std::string& group) {
  auto count = conn.PartitionCount(kHistoryTopic);
  if (!count.ok()) {
    if (count.status().code() == Code::kNotFound) return std::vector<group::JournalEntry>();
    return count.status();
  }
  std::map<int, Watermarks> marks;
  for (int p = 0; p < *count; ++p) {
    auto w = conn.QueryWatermarks(kHistoryTopic, p);
    if (!w.ok()) return w.status();
    if (w->high > w->low) marks[p] = *w;
  }
  std::vector<std::pair<std::string, std::string>> records;
  if (marks.empty()) return HistoryFromRecords(group, records);
  // librdkafka assigns only with a group.id; this one never joins or commits.
  auto conf = MakeConf(conn.settings(), {},
                       {{"group.id", "klog-offset-history-reader"},
                        {"enable.auto.commit", "false"},
                        {"enable.partition.eof", "true"}});
  if (!conf.ok()) return conf.status();
  auto h = NewHandle(RD_KAFKA_CONSUMER, std::move(conf).value());
  if (!h.ok()) return h.status();
  rd_kafka_t* rk = h->get();
  TopicPartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(marks.size())));
  for (const auto& [p, w] : marks) rd_kafka_topic_partition_list_add(list.get(), kHistoryTopic, p)->offset = w.low;
  if (rd_kafka_resp_err_t err = rd_kafka_assign(rk, list.get()))
    return conn.Error(err, "reading the offset history (topic " + std::string(kHistoryTopic) + ")");
  std::map<int, std::vector<std::pair<std::string, std::string>>> by_partition;
  int64_t deadline = SteadyMs() + conn.timeout_ms();
  while (!marks.empty()) {
    if (SteadyMs() > deadline)
      return Status::Unavailable("reading the offset history (topic " + std::string(kHistoryTopic) +
                                 "): no answer within --timeout (brokers " + conn.settings().brokers + ")");
    MessagePtr m(rd_kafka_consumer_poll(rk, 100));
    if (!m) continue;
    auto w = marks.find(m->partition);
    if (m->err) {
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF && w != marks.end() && m->offset >= w->second.high) marks.erase(w);
      continue;
    }
    if (w == marks.end()) continue;
    std::string key = m->key ? std::string(static_cast<const char*>(m->key), m->key_len) : "";
    std::string value = m->payload ? std::string(static_cast<const char*>(m->payload), m->len) : "";
    by_partition[m->partition].push_back({key, value});
    if (m->offset + 1 >= w->second.high) marks.erase(w);
  }
  rd_kafka_consumer_close(rk);
  for (auto& [p, recs] : by_partition) records.insert(records.end(), recs.begin(), recs.end());
  return HistoryFromRecords(group, records);
}

Status AppendHistory(ClusterConnection& conn, const std::string& group, group::JournalEntry entry) {
  auto history = ReadHistory(conn, group);
  if (!history.ok()) return history.status();
  entry.seq = history->empty() ? 1 : history->back().seq + 1;
  std::string value = group::JournalEntryToJson(entry);
  rd_kafka_resp_err_t delivered = RD_KAFKA_RESP_ERR__IN_PROGRESS;
  auto conf = MakeConf(conn.settings(), {},
                       {{"acks", "all"},
                        {"enable.idempotence", "true"},
                        {"message.timeout.ms", std::to_string(conn.timeout_ms())}});
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_dr_msg_cb(conf->get(), OnDelivery);
  rd_kafka_conf_set_opaque(conf->get(), &delivered);
  auto h = NewHandle(RD_KAFKA_PRODUCER, std::move(conf).value());
  if (!h.ok()) return h.status();
  std::string what = "writing group '" + group + "' offset history (topic " + kHistoryTopic + ")";
  rd_kafka_resp_err_t err =
      rd_kafka_producev(h->get(), RD_KAFKA_V_TOPIC(kHistoryTopic), RD_KAFKA_V_KEY(group.data(), group.size()),
                        RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                        RD_KAFKA_V_END);
  if (err) return conn.Error(err, what);
  rd_kafka_flush(h->get(), conn.timeout_ms() + 1000);
  if (delivered == RD_KAFKA_RESP_ERR__IN_PROGRESS) delivered = RD_KAFKA_RESP_ERR__MSG_TIMED_OUT;
  if (delivered) return conn.Error(delivered, what);
  return Status::Ok();
}

}  // namespace klog::kafka
