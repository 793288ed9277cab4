#include "client/producer.h"

#include <chrono>

#include "util/murmur2.h"

namespace klog::client {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<std::unique_ptr<Producer>> Producer::Open(const topic::TopicStore& store, const std::string& topic,
                                                 const ProducerOptions& options) {
  auto config = store.Load(topic);
  if (!config.ok()) return config.status();
  if (options.partition && (*options.partition < 0 || *options.partition >= config->partitions))
    return Status::InvalidArgument("topic '" + topic + "' has no partition " + std::to_string(*options.partition) +
                                   " (it has " + std::to_string(config->partitions) + ": 0-" +
                                   std::to_string(config->partitions - 1) + ")");
  std::unique_ptr<Producer> p(new Producer());
  p->store_ = &store;
  p->topic_ = topic;
  p->options_ = options;
  p->codec_ = options.codec.value_or(config->compression);
  p->log_config_ = config->ToLogConfig();
  p->log_config_.fsync = options.fsync;
  p->parts_.resize(config->partitions);
  p->sticky_ = static_cast<int>(NowMs() % config->partitions);
  return p;
}

Status Producer::Add(std::optional<int> partition, int64_t timestamp, std::optional<std::string_view> key,
                     std::string_view value, const std::vector<log::HeaderView>& headers) {
  size_t size = log::BatchBuilder::EncodedRecordSize(key, value, headers);
  if (value.size() + (key ? key->size() : 0) > options_.max_record_bytes)
    return Status::InvalidArgument("record of " + std::to_string(value.size() + (key ? key->size() : 0)) +
                                   " bytes exceeds --max-record-size " + std::to_string(options_.max_record_bytes));
  int p;
  if (options_.partition) p = *options_.partition;
  else if (partition) p = *partition;
  else if (key) p = util::KafkaPartitionForKey(*key, partitions());
  else p = sticky_;
  if (p < 0 || p >= partitions())
    return Status::InvalidArgument("topic '" + topic_ + "' has no partition " + std::to_string(p) + " (it has " +
                                   std::to_string(partitions()) + ")");
  parts_[p].builder.Add(timestamp, key, value, headers);
  order_.push_back(p);
  pending_bytes_ += size;
  if (pending_bytes_ >= options_.batch_bytes || options_.fsync == log::FsyncPolicy::kAlways) return Flush();
  return Status::Ok();
}

Status Producer::Flush() {
  if (order_.empty()) return Status::Ok();
  Status failed;
  int64_t now = NowMs();
  for (int p = 0; p < partitions(); ++p) {
    Part& part = parts_[p];
    part.flushed_base = -1;
    if (part.builder.empty()) continue;
    if (!failed.ok()) {
      part.builder = log::BatchBuilder();  // dropped: reported as not written
      continue;
    }
    Status st = part.builder.Finish(codec_, scratch_);
    if (st.ok() && !part.writer) {
      auto w = log::PartitionWriter::Open(store_->dir().PartitionDir(topic_, p), topic::PartitionLabel(topic_, p),
                                          log_config_);
      if (w.ok()) part.writer = std::move(w).value();
      else st = w.status();
    }
    if (st.ok()) {
      auto base = part.writer->Append(scratch_, now);
      if (base.ok()) part.flushed_base = *base;
      else st = base.status();
    }
    if (!st.ok()) {
      failed = st;
      part.builder = log::BatchBuilder();
    }
  }
  std::vector<int64_t> next(partitions());
  for (int p = 0; p < partitions(); ++p) next[p] = parts_[p].flushed_base;
  written_.reserve(written_.size() + order_.size());  // TakeWritten() left it without capacity
  for (int p : order_)
    if (next[p] >= 0) written_.push_back({p, next[p]++});
  order_.clear();
  pending_bytes_ = 0;
  sticky_ = (sticky_ + 1) % partitions();
  return failed;
}

}  // namespace klog::client
