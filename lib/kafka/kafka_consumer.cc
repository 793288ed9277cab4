#include "kafka/kafka_consumer.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <memory>
#include <string>
#include <vector>

#include "kafka/rdkafka_handles.h"
#include "util/parse.h"

namespace klog::kafka {
namespace {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct Cursor {
  int topic;  // index into Reading::topics
  int partition;
  int64_t start;
  int64_t stop_at;  // exclusive; INT64_MAX when following
  bool done = false;
  bool started = false;
};

struct TopicHandle {
  std::string name;
  rd_kafka_topic_t* rkt = nullptr;
  std::vector<int> cursor_of;  // partition -> index into cursors, or -1
};

// The consumer's librdkafka objects, torn down in the order librdkafka wants.
struct Reading {
  HandlePtr rk;
  rd_kafka_queue_t* queue = nullptr;
  std::vector<TopicHandle> topics;
  std::vector<Cursor> cursors;

  ~Reading() {
    for (const Cursor& c : cursors)
      if (c.started) rd_kafka_consume_stop(topics[c.topic].rkt, c.partition);
    if (queue) rd_kafka_queue_destroy(queue);
    for (TopicHandle& t : topics)
      if (t.rkt) rd_kafka_topic_destroy(t.rkt);
  }
};

// Errors a consumer sees while brokers come and go: librdkafka retries,
// and the no-progress bound (--timeout) decides when to give up.
bool Transient(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:
      return true;
    default:
      return false;
  }
}

// Where each cursor starts and stops, from the watermarks (and, for
// -o @TIME, offsetsForTimes) read now.
Status PlanCursors(ClusterConnection& conn, const record::ConsumeOptions& options, Reading& r) {
  for (const auto& name : options.topics) {
    auto count = conn.PartitionCount(name);
    if (!count.ok()) {
      if (count.status().code() == Code::kNotFound)
        return Status::NotFound("unknown topic '" + name + "' (create it with 'klog topic create " + name + "')");
      return count.status();
    }
    TopicHandle t;
    t.name = name;
    t.cursor_of.assign(*count, -1);
    std::vector<int> parts = options.partitions;
    if (parts.empty())
      for (int p = 0; p < *count; ++p) parts.push_back(p);
    for (int p : parts) {
      if (p < 0 || p >= *count)
        return Status::InvalidArgument("topic '" + name + "' has no partition " + std::to_string(p) + " (it has " +
                                       std::to_string(*count) + ")");
      if (t.cursor_of[p] >= 0) continue;
      t.cursor_of[p] = static_cast<int>(r.cursors.size());
      r.cursors.push_back({static_cast<int>(r.topics.size()), p, 0, INT64_MAX});
    }
    r.topics.push_back(std::move(t));
  }
  std::vector<int64_t> for_time(r.cursors.size(), 0);
  if (options.start.kind == record::StartSpec::kTimestamp) {
    TopicPartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(r.cursors.size())));
    for (const Cursor& c : r.cursors)
      rd_kafka_topic_partition_list_add(list.get(), r.topics[c.topic].name.c_str(), c.partition)->offset =
          options.start.value;
    auto rk = conn.handle();
    if (!rk.ok()) return rk.status();
    rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(*rk, list.get(), conn.timeout_ms());
    if (err) return conn.Error(err, "looking up the offsets for time " + std::to_string(options.start.value));
    for (size_t i = 0; i < r.cursors.size(); ++i) {
      const rd_kafka_topic_partition_t& tp = list->elems[i];
      if (tp.err) return conn.Error(tp.err, "looking up an offset of topic '" + std::string(tp.topic) + "'");
      for_time[i] = tp.offset;  // -1: no record at or after the time (the end, below)
    }
  }
  for (size_t i = 0; i < r.cursors.size(); ++i) {
    Cursor& c = r.cursors[i];
    auto w = conn.QueryWatermarks(r.topics[c.topic].name, c.partition);
    if (!w.ok()) return w.status();
    int64_t t = for_time[i] < 0 ? w->high : for_time[i];
    c.start = record::ClampStart(options.start, w->low, w->high, t);
    auto exact = options.start_offsets.find({r.topics[c.topic].name, c.partition});
    if (exact != options.start_offsets.end()) {
      // klog mirror's resume point: exactly there, or an error.
      if (exact->second < w->low || exact->second > w->high)
        return Status::OutOfRange("topic '" + exact->first.first + "' partition " + std::to_string(c.partition) +
                                  ": offset " + std::to_string(exact->second) + " is not in the log (it holds " +
                                  std::to_string(w->low) + " to " + std::to_string(w->high) + ")");
      c.start = exact->second;
    }
    if (!options.follow) c.stop_at = w->high;
    auto stop = options.stop_offsets.find({r.topics[c.topic].name, c.partition});
    if (stop != options.stop_offsets.end()) c.stop_at = std::min(c.stop_at, stop->second);
    c.done = c.start >= c.stop_at;
  }
  return Status::Ok();
}

Status OpenReading(ClusterConnection& conn, Reading& r) {
  // No group.id: partitions are read directly, nothing is committed.
  auto conf = MakeConf(conn.settings(), {{"auto.offset.reset", "earliest"}},
                       {{"enable.auto.commit", "false"}, {"enable.auto.offset.store", "false"},
                        {"enable.partition.eof", "true"}});
  if (!conf.ok()) return conf.status();
  auto rk = NewHandle(RD_KAFKA_CONSUMER, std::move(conf).value());
  if (!rk.ok()) return rk.status();
  r.rk = std::move(rk).value();
  r.queue = rd_kafka_queue_new(r.rk.get());
  for (TopicHandle& t : r.topics) {
    t.rkt = rd_kafka_topic_new(r.rk.get(), t.name.c_str(), nullptr);
    if (!t.rkt) return conn.Error(rd_kafka_last_error(), "reading topic '" + t.name + "'");
  }
  for (Cursor& c : r.cursors) {
    if (c.done) continue;
    if (rd_kafka_consume_start_queue(r.topics[c.topic].rkt, c.partition, c.start, r.queue) == -1)
      return conn.Error(rd_kafka_last_error(), "reading topic '" + r.topics[c.topic].name + "' partition " +
                                                   std::to_string(c.partition));
    c.started = true;
  }
  return Status::Ok();
}

void FillView(const rd_kafka_message_t* m, record::RecordView& v) {
  v.offset = m->offset;
  v.timestamp = std::max<int64_t>(0, rd_kafka_message_timestamp(m, nullptr));
  // A null key has no pointer; an empty one has one and length 0.
  if (m->key) v.key = std::string_view(static_cast<const char*>(m->key), m->key_len);
  else v.key.reset();
  v.value = m->payload ? std::string_view(static_cast<const char*>(m->payload), m->len) : std::string_view();
  v.headers.clear();
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
  const char* name;
  const void* value;
  size_t size;
  for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
    record::HeaderView h{name, std::nullopt};
    if (value) h.value = std::string_view(static_cast<const char*>(value), size);
    v.headers.push_back(h);
  }
}

struct MessageBatch {
  std::vector<rd_kafka_message_t*> m;
  ssize_t n = 0;
  explicit MessageBatch(size_t size) : m(size) {}
  ~MessageBatch() { Release(); }
  void Release() {
    for (ssize_t i = 0; i < n; ++i) rd_kafka_message_destroy(m[i]);
    n = 0;
  }
};

}  // namespace

Status ConsumeFromCluster(ClusterConnection& conn, const record::ConsumeOptions& options, record::RecordSink& sink,
                          const std::atomic<bool>* stop) {
  if (options.max_messages == 0) return Status::Ok();
  Reading r;
  KLOG_RETURN_IF_ERROR(PlanCursors(conn, options, r));
  size_t left = 0;
  for (const Cursor& c : r.cursors) left += !c.done;
  if (left == 0) return sink.Idle();
  KLOG_RETURN_IF_ERROR(OpenReading(conn, r));

  int64_t delivered = 0;
  int64_t progress_ms = SteadyMs();
  record::RecordView view;
  MessageBatch batch(1024);
  auto finish = [&](Cursor& c) {
    if (!c.done) --left;
    c.done = true;
  };
  for (;;) {
    if (stop && stop->load()) return sink.Idle();
    batch.n = rd_kafka_consume_batch_queue(r.queue, 0, batch.m.data(), batch.m.size());
    if (batch.n <= 0) {
      // Nothing waiting: what is buffered goes out before we block.
      Status st = sink.Idle();
      if (st.code() == Code::kOutputClosed) return Status::Ok();
      KLOG_RETURN_IF_ERROR(st);
      if (!options.follow && SteadyMs() - progress_ms > conn.timeout_ms())
        return Status::Unavailable("nothing read from the cluster for " + util::FormatDurationMs(conn.timeout_ms()) +
                                   " (--timeout) while " + std::to_string(left) +
                                   (left == 1 ? " partition" : " partitions") + " still had records (brokers " +
                                   conn.settings().brokers + ")");
      // One message, as soon as there is one (a batch call would wait for a
      // full batch or the whole timeout).
      batch.m[0] = rd_kafka_consume_queue(r.queue, 200);
      batch.n = batch.m[0] ? 1 : 0;
    }
    for (ssize_t i = 0; i < batch.n; ++i) {
      const rd_kafka_message_t* m = batch.m[i];
      TopicHandle* t = nullptr;
      for (TopicHandle& th : r.topics)
        if (th.rkt == m->rkt) t = &th;
      if (m->err && !t) {
        if (Transient(m->err)) continue;
        return conn.Error(m->err, "reading from the cluster");
      }
      if (!t || m->partition < 0 || m->partition >= static_cast<int>(t->cursor_of.size()) ||
          t->cursor_of[m->partition] < 0)
        continue;
      Cursor& c = r.cursors[t->cursor_of[m->partition]];
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        progress_ms = SteadyMs();
        if (m->offset >= c.stop_at) finish(c);
        continue;
      }
      if (m->err) {
        if (Transient(m->err)) continue;
        return conn.Error(m->err, "reading topic '" + t->name + "' partition " + std::to_string(c.partition));
      }
      progress_ms = SteadyMs();
      if (c.done) continue;
      if (m->offset >= c.stop_at) {
        finish(c);
        continue;
      }
      FillView(m, view);
      Status st = sink.Deliver(t->name, c.partition, view);
      if (st.code() == Code::kOutputClosed) return Status::Ok();
      KLOG_RETURN_IF_ERROR(st);
      if (m->offset + 1 >= c.stop_at) finish(c);
      if (options.max_messages >= 0 && ++delivered >= options.max_messages) return sink.Idle();
    }
    batch.Release();
    if (left == 0 && !options.follow) return sink.Idle();
  }
}

}  // namespace klog::kafka
