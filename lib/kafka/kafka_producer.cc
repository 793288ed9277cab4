#include "kafka/kafka_producer.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>

#include "log/batch.h"

namespace klog::kafka {
namespace {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string Clamped(int64_t v, int64_t lo, int64_t hi) { return std::to_string(std::clamp(v, lo, hi)); }

// librdkafka's own message.max.bytes default: a record near --max-record-size
// (1MiB by default) plus its batch overhead must fit.
constexpr int64_t kLibrdkafkaMessageMaxBytes = 1'000'000;
constexpr int64_t kBatchOverheadBytes = 64 << 10;
constexpr int64_t kMinLingerMs = 5;

}  // namespace

ProducerProperties ProducerPropertiesFor(const client::ProducerOptions& options, int64_t timeout_ms) {
  constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
  ProducerProperties p;
  timeout_ms = std::clamp<int64_t>(timeout_ms, 1, kInt32Max);
  // Every record is acknowledged or failed within --timeout.
  p.defaults.emplace_back("message.timeout.ms", std::to_string(timeout_ms));
  // At least librdkafka's default: while input keeps coming, records wait
  // that long to share a request (with 0, nearly every record was a request
  // of its own: half kcat's speed). When input pauses, Flush sends at once
  // whatever linger.ms says. librdkafka refuses a linger.ms not below
  // message.timeout.ms.
  p.defaults.emplace_back("linger.ms", Clamped(std::max(options.linger_ms, kMinLingerMs), 0, timeout_ms - 1));
  p.defaults.emplace_back("batch.size", Clamped(static_cast<int64_t>(options.batch_bytes), 1, kInt32Max));
  int64_t record = static_cast<int64_t>(options.max_record_bytes) + kBatchOverheadBytes;
  if (record > kLibrdkafkaMessageMaxBytes) p.defaults.emplace_back("message.max.bytes", Clamped(record, 1000, 1'000'000'000));
  // A broker that went away is retried at most this far apart (default 10 s):
  // a record waiting for it then fails near --timeout, not seconds after.
  p.defaults.emplace_back("reconnect.backoff.max.ms", Clamped(timeout_ms / 4, 100, 10'000));
  if (options.zstd_level) p.defaults.emplace_back("compression.level", std::to_string(*options.zstd_level));
  // What "written" means, and where a key goes: not the user's to change.
  p.forced = {{"acks", "all"}, {"enable.idempotence", "true"}, {"partitioner", "murmur2_random"}};
  // Without --compression the batch goes as it is and the broker applies the
  // topic's compression.type.
  if (options.codec) p.forced.emplace_back("compression.codec", *options.codec == log::Codec::kZstd ? "zstd" : "none");
  return p;
}

Result<std::unique_ptr<KafkaProducer>> KafkaProducer::Open(ClusterConnection& conn, const std::string& topic,
                                                           const client::ProducerOptions& options) {
  auto count = conn.PartitionCount(topic);
  if (!count.ok()) {
    if (count.status().code() == Code::kNotFound)
      return Status::NotFound("unknown topic '" + topic + "' (create it with 'klog topic create " + topic + "')");
    return count.status();
  }
  if (options.partition && (*options.partition < 0 || *options.partition >= *count))
    return Status::InvalidArgument("topic '" + topic + "' has no partition " + std::to_string(*options.partition) +
                                   " (it has " + std::to_string(*count) + ": 0-" + std::to_string(*count - 1) + ")");
  if (options.zstd_level) KLOG_RETURN_IF_ERROR(log::ValidateZstdLevel(*options.zstd_level));

  std::unique_ptr<KafkaProducer> p(new KafkaProducer());
  p->topic_ = topic;
  p->brokers_ = conn.settings().brokers;
  p->options_ = options;
  p->timeout_ms_ = conn.settings().timeout_ms;
  p->partitions_ = *count;
  ProducerProperties props = ProducerPropertiesFor(options, p->timeout_ms_);
  auto conf = MakeConf(conn.settings(), props.defaults, props.forced);
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &KafkaProducer::OnDelivery);
  rd_kafka_conf_set_opaque(conf->get(), p.get());
  auto rk = NewHandle(RD_KAFKA_PRODUCER, std::move(conf).value());
  if (!rk.ok()) return rk.status();
  p->rk_ = std::move(rk).value();
  p->rkt_ = rd_kafka_topic_new(p->rk_.get(), topic.c_str(), nullptr);
  if (!p->rkt_) return StatusFromError(rd_kafka_last_error(), "producing to topic '" + topic + "'", p->brokers_);
  return p;
}

KafkaProducer::~KafkaProducer() {
  if (!rk_) return;
  // Whatever is still queued after an error is dropped, not waited for.
  if (outstanding_ > 0) rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  if (rkt_) rd_kafka_topic_destroy(rkt_);
  rk_.reset();  // before slots_ goes: no delivery report may outlive what it updates
}

void KafkaProducer::OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  static_cast<KafkaProducer*>(opaque)->Delivered(m);
}

void KafkaProducer::Delivered(const rd_kafka_message_t* m) {
  int64_t n = static_cast<int64_t>(reinterpret_cast<intptr_t>(m->_private));
  if (n < first_slot_ || n - first_slot_ >= static_cast<int64_t>(slots_.size())) return;  // not ours
  Slot& s = slots_[static_cast<size_t>(n - first_slot_)];
  if (s.fate != Fate::kInFlight) return;
  --outstanding_;
  if (m->err) {
    s.fate = Fate::kFailed;
    ++failed_;
    if (!first_failed_ || n < *first_failed_) {
      first_failed_ = n;
      first_error_ = m->err;
    }
    return;
  }
  s.fate = Fate::kAcked;
  s.partition = m->partition;
  s.offset = m->offset;
}

void KafkaProducer::Collect() {
  while (!slots_.empty() && slots_.front().fate != Fate::kInFlight) {
    const Slot& s = slots_.front();
    if (s.fate == Fate::kAcked) {
      record::WrittenRun* last = written_.empty() ? nullptr : &written_.back();
      if (last && last->partition == s.partition && last->offset + last->count == s.offset) ++last->count;
      else written_.push_back({s.partition, s.offset, 1});
    }
    slots_.pop_front();
    ++first_slot_;
  }
}

void KafkaProducer::WaitForAll() {
  // Each record ends within message.timeout.ms (--timeout) of being queued;
  // the second timeout is the margin for librdkafka's own timers.
  int64_t deadline = SteadyMs() + 2 * timeout_ms_ + 1000;
  while (outstanding_ > 0) {
    int64_t left = deadline - SteadyMs();
    if (left <= 0) break;
    rd_kafka_flush(rk_.get(), static_cast<int>(std::min<int64_t>(left, 1000)));
  }
  if (outstanding_ > 0) {
    // Not acknowledged in time: purged, their delivery reports say so.
    rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    for (int i = 0; i < 100 && outstanding_ > 0; ++i) rd_kafka_poll(rk_.get(), 10);
  }
  Collect();
}

Status KafkaProducer::Failures() const {
  if (failed_ == 0) return Status::Ok();
  return StatusFromError(first_error_,
                         "topic '" + topic_ + "': " + std::to_string(failed_) +
                             (failed_ == 1 ? " record was" : " records were") + " not acknowledged by the cluster",
                         brokers_);
}

Status KafkaProducer::Add(std::optional<int> partition, int64_t timestamp, std::optional<std::string_view> key,
                          std::string_view value, const std::vector<record::HeaderView>& headers) {
  size_t size = value.size() + (key ? key->size() : 0);
  if (size > options_.max_record_bytes)
    return Status::InvalidArgument("record of " + std::to_string(size) + " bytes exceeds --max-record-size " +
                                   std::to_string(options_.max_record_bytes));
  int32_t p = RD_KAFKA_PARTITION_UA;  // librdkafka's partitioner (murmur2_random) picks
  if (options_.partition) p = *options_.partition;
  else if (partition) p = *partition;
  if (p != RD_KAFKA_PARTITION_UA && (p < 0 || p >= partitions_))
    return Status::InvalidArgument("topic '" + topic_ + "' has no partition " + std::to_string(p) + " (it has " +
                                   std::to_string(partitions_) + ")");
  rd_kafka_headers_t* hdrs = nullptr;
  if (!headers.empty()) {
    hdrs = rd_kafka_headers_new(headers.size());
    for (const auto& h : headers) {
      // A null pointer is a null value; an empty value needs a non-null one.
      const char* v = h.value ? (h.value->data() ? h.value->data() : "") : nullptr;
      rd_kafka_header_add(hdrs, h.name.data(), static_cast<ssize_t>(h.name.size()), v,
                          h.value ? static_cast<ssize_t>(h.value->size()) : 0);
    }
  }
  // Likewise for the key: null key and empty key are different records.
  const char* k = key ? (key->data() ? key->data() : "") : nullptr;
  size_t key_size = key ? key->size() : 0;
  const char* v = value.data() ? value.data() : "";
  int64_t number = added_;
  rd_kafka_resp_err_t err;
  for (;;) {
    err = rd_kafka_producev(rk_.get(), RD_KAFKA_V_RKT(rkt_), RD_KAFKA_V_PARTITION(p),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE(const_cast<char*>(v), value.size()),
                            RD_KAFKA_V_KEY(k, key_size), RD_KAFKA_V_TIMESTAMP(timestamp),
                            RD_KAFKA_V_HEADERS(hdrs),
                            RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<intptr_t>(number))), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
    // librdkafka's queue is full: wait for deliveries (each ends within
    // message.timeout.ms), then queue again.
    rd_kafka_poll(rk_.get(), 10);
    Collect();
  }
  if (err) {
    if (hdrs) rd_kafka_headers_destroy(hdrs);  // owned by the message only once queued
    if (err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
      return Status::InvalidArgument("record of " + std::to_string(size) +
                                     " bytes is larger than the producer's message.max.bytes (-X message.max.bytes=N)");
    return StatusFromError(err, "producing to topic '" + topic_ + "'", brokers_);
  }
  slots_.emplace_back();
  ++added_;
  ++outstanding_;
  rd_kafka_poll(rk_.get(), 0);  // delivery reports so far
  Collect();
  if (failed_ > 0) {
    // Stop taking input: wait for what is in flight, so that every
    // acknowledged record is reported before the error.
    WaitForAll();
    return Failures();
  }
  return Status::Ok();
}

Status KafkaProducer::Flush() {
  WaitForAll();
  return Failures();
}

}  // namespace klog::kafka
