#include "client/producer.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <functional>
#include <random>
#include <string>

#include "util/clock.h"
#include "util/murmur2.h"

namespace klog::client {

namespace {

// Where keyless records start: random, not the clock, which marches in step
// with a shell loop of one-record runs (NowMs() % 4 gave 249/134/205/412
// over 1000 runs).
uint64_t StartSeed() {
  try {
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32) ^ rd();
  } catch (const std::exception&) {
    // No entropy source: the clock, stirred (murmur2) so that neighbouring
    // milliseconds land far apart.
    std::string now = std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
    return static_cast<uint32_t>(util::Murmur2(now));
  }
}

}  // namespace

Result<std::unique_ptr<Producer>> Producer::Open(const topic::TopicStore& store, const std::string& topic,
                                                 const ProducerOptions& options) {
  auto config = store.Load(topic);
  if (!config.ok()) return config.status();
  if (options.partition && (*options.partition < 0 || *options.partition >= config->partitions))
    return Status::InvalidArgument("topic '" + topic + "' has no partition " + std::to_string(*options.partition) +
                                   " (it has " + std::to_string(config->partitions) + ": 0-" +
                                   std::to_string(config->partitions - 1) + ")");
  if (options.zstd_level) KLOG_RETURN_IF_ERROR(log::ValidateZstdLevel(*options.zstd_level));
  std::unique_ptr<Producer> p(new Producer());
  p->store_ = &store;
  p->topic_ = topic;
  p->options_ = options;
  // A batch lands whole in one segment: one larger than --segment-bytes
  // would make every segment a batch's size, whatever the topic asked for.
  p->options_.batch_bytes = std::max<size_t>(1, std::min<uint64_t>(options.batch_bytes, config->ToLogConfig().segment_bytes));
  p->codec_ = options.codec.value_or(config->compression);
  p->zstd_level_ = options.zstd_level ? options.zstd_level : config->compression_level;
  p->log_config_ = config->ToLogConfig();
  p->log_config_.fsync = options.fsync;
  p->parts_.resize(config->partitions);
  for (Part& part : p->parts_) part.builder = log::BatchBuilder(p->options_.batch_bytes);
  p->max_pending_ = std::max(p->options_.batch_bytes, kMaxPendingBytes);
  p->partitions_checked_ms_ = util::NowMs();
  p->sticky_ = static_cast<int>(StartSeed() % static_cast<uint64_t>(config->partitions));
  return p;
}

Status Producer::Add(std::optional<int> partition, int64_t timestamp, std::optional<std::string_view> key,
                     std::string_view value, const std::vector<record::HeaderView>& headers) {
  if (value.size() + (key ? key->size() : 0) > options_.max_record_bytes)
    return Status::InvalidArgument("record of " + std::to_string(value.size() + (key ? key->size() : 0)) +
                                   " bytes exceeds --max-record-size " + std::to_string(options_.max_record_bytes));
  // The first record of a batch: nothing pending in parts_, which may grow.
  if (order_.empty()) NoticeNewPartitions();
  int p;
  if (options_.partition) p = *options_.partition;
  else if (partition) p = *partition;
  else if (key) p = util::KafkaPartitionForKey(*key, partitions());
  else p = sticky_;
  const bool keyless = !options_.partition && !partition && !key;
  if (p < 0 || p >= partitions())
    return Status::InvalidArgument("topic '" + topic_ + "' has no partition " + std::to_string(p) + " (it has " +
                                   std::to_string(partitions()) + ")");
  log::BatchBuilder& builder = parts_[p].builder;
  size_t added = builder.Add(timestamp, key, value, headers);
  pending_bytes_ += added;
  if (keyless && (sticky_bytes_ += added) >= kStickyBytes) {
    sticky_ = (sticky_ + 1) % partitions();
    sticky_bytes_ = 0;
  }
  if (!order_.empty() && order_.back().partition == p) ++order_.back().count;
  else order_.push_back({p, 1});
  if (options_.fsync == log::FsyncPolicy::kAlways) return Flush();
  if (builder.size_bytes() >= options_.batch_bytes || pending_bytes_ >= max_pending_)
    return in_background() ? FlushInBackground() : Flush();
  return Status::Ok();
}

void Producer::TakePending(Job& job) {
  // The job's builders from its last write keep their buffers: they become
  // the partitions' next builders, so a batch does not grow a fresh
  // megabyte (reallocating and faulting in pages) each time.
  for (auto& [p, builder] : job.batches) {
    builder.Clear();  // already, unless that write failed or was dropped
    spare_.push_back(std::move(builder));
  }
  job.batches.clear();
  job.order.swap(order_);
  order_.clear();
  job.first = taken_;
  for (const Run& run : job.order) taken_ += run.count;
  for (int p = 0; p < partitions(); ++p) {
    if (parts_[p].builder.empty()) continue;
    job.batches.emplace_back(p, std::move(parts_[p].builder));
    if (spare_.empty()) {
      parts_[p].builder = log::BatchBuilder(options_.batch_bytes);
    } else {
      parts_[p].builder = std::move(spare_.back());
      spare_.pop_back();
    }
  }
  pending_bytes_ = 0;
  sticky_ = (sticky_ + 1) % partitions();
  sticky_bytes_ = 0;
}

void Producer::NoticeNewPartitions() {
  int64_t now = util::NowMs();
  if (now - partitions_checked_ms_ < kPartitionCheckMs) return;
  partitions_checked_ms_ = now;
  auto config = store_->Load(topic_);
  if (!config.ok() || config->partitions <= partitions()) return;  // a deleted topic: the writers say so
  size_t old = parts_.size();
  parts_.resize(config->partitions);
  for (size_t p = old; p < parts_.size(); ++p) parts_[p].builder = log::BatchBuilder(options_.batch_bytes);
}

Status Producer::Compress(Job& job) const {
  job.framed.resize(job.batches.size());
  for (size_t i = 0; i < job.batches.size(); ++i)
    KLOG_RETURN_IF_ERROR(job.batches[i].second.Finish(codec_, job.framed[i], zstd_level_));
  return Status::Ok();
}

bool Producer::in_background() const {
  return (codec_ == log::Codec::kZstd || options_.fsync == log::FsyncPolicy::kBatch) &&
         options_.fsync != log::FsyncPolicy::kAlways;
}

bool Producer::sync_in_background() const {
  return codec_ != log::Codec::kZstd && options_.fsync == log::FsyncPolicy::kBatch;
}

Status Producer::Append(Job& job, std::vector<WrittenRun>* written, std::vector<log::PendingSync>* sync_later) {
  Status failed;
  int64_t now = util::NowMs();
  std::vector<int64_t> next(partitions(), -1);  // offset of each partition's next written record
  for (size_t i = 0; i < job.batches.size(); ++i) {
    int p = job.batches[i].first;
    Part& part = parts_[p];
    if (!part.writer) {
      const topic::DataDir& d = store_->dir();
      auto w = log::PartitionWriter::Open(d.PartitionDir(topic_, p), topic::PartitionLabel(topic_, p), log_config_,
                                          {d.TopicDir(topic_), d.TopicsDir(), d.root()});
      if (!w.ok()) {
        failed = w.status();
        break;
      }
      part.writer = std::move(w).value();
    }
    auto expect = options_.expect_offsets.find(p);
    auto base = expect == options_.expect_offsets.end()
                    ? part.writer->Append(job.framed[i], now, sync_later)
                    : part.writer->AppendAt(job.framed[i], expect->second, now, sync_later);
    if (!base.ok()) {
      failed = base.status();  // the batches after it are dropped: reported as not written
      break;
    }
    next[p] = *base;
    if (expect != options_.expect_offsets.end()) expect->second = part.writer->next_offset();
  }
  int64_t record = job.first;
  for (const Run& run : job.order) {
    int p = run.partition;
    record += run.count;
    if (next[p] < 0) {
      Unwritten(record - run.count);
      continue;
    }
    written->push_back({p, next[p], run.count});
    next[p] += run.count;
  }
  return failed;
}

namespace {
Status RunSyncs(std::vector<log::PendingSync>& syncs) {
  for (auto& s : syncs) KLOG_RETURN_IF_ERROR(s.Run());
  return Status::Ok();
}
}  // namespace

Status Producer::Report(Job& job, Status synced) {
  job.syncs.clear();
  if (synced.ok()) written_.insert(written_.end(), job.written.begin(), job.written.end());
  else Unwritten(job.first);
  job.written.clear();  // else not known to be synced: never reported
  return synced;
}

Status Producer::FinishOldest() {
  int w = in_flight_.front();
  in_flight_.pop_front();
  Job& job = jobs_[w];
  if (sync_in_background()) return Report(job, syncer_.WaitFor(job.ticket));
  Status st = workers_.Wait(job.ticket);
  if (!st.ok()) Unwritten(job.first);
  return st.ok() ? Append(job, &written_) : st;
}

Status Producer::FinishBackground() {
  Status failed;
  while (!in_flight_.empty()) {
    if (failed.ok()) {
      failed = FinishOldest();
    } else {
      int w = in_flight_.front();
      in_flight_.pop_front();
      if (sync_in_background()) (void)syncer_.WaitFor(jobs_[w].ticket);
      else (void)workers_.Wait(jobs_[w].ticket);
      (void)Report(jobs_[w], failed);  // after the failure: never reported
    }
  }
  return failed;
}

Status Producer::FlushInBackground() {
  if (static_cast<int>(in_flight_.size()) == max_in_flight()) {
    Status st = FinishOldest();
    if (!st.ok()) {
      (void)FinishBackground();
      TakePending(job_);  // dropped: reported as not written
      Unwritten(job_.first);
      return st;
    }
  }
  int w = next_job_;
  next_job_ = (next_job_ + 1) % max_in_flight();
  Job& job = jobs_[w];
  if (sync_in_background()) {
    // Written here, in input order, from job_, whose buffers are free again
    // for the next write (a job in flight would hold on to a megabyte or
    // two): only the syncs and the records they report wait, in `job`.
    TakePending(job_);
    Status st = Compress(job_);
    if (st.ok()) st = Append(job_, &job.written, &job.syncs);
    Result<uint64_t> ticket = st.ok() ? syncer_.Add(&job.syncs) : Result<uint64_t>(st);
    if (!ticket.ok()) {
      // After a failed write, or with no thread to be had: what this job
      // wrote is synced here and counts, after the jobs before it.
      Status before = FinishBackground();
      Status synced = Report(job, before.ok() ? RunSyncs(job.syncs) : before);
      return st.ok() ? synced : (before.ok() ? st : before);
    }
    job.ticket = *ticket;
    in_flight_.push_back(w);
    return Status::Ok();
  }
  TakePending(job);
  Result<uint64_t> ticket = workers_.Submit([this, &job] { return Compress(job); });
  if (!ticket.ok()) {
    // No thread to be had: this one job is done here, after those before it.
    Status st = FinishBackground();
    if (st.ok()) st = Compress(job);
    if (!st.ok()) Unwritten(job.first);
    return st.ok() ? Append(job, &written_) : st;
  }
  job.ticket = *ticket;
  in_flight_.push_back(w);
  return Status::Ok();
}

Status Producer::Flush() {
  // The rest goes the way of full batches, alongside the jobs before it
  // (at the end of input, that saves compressing it on one core alone).
  if (!order_.empty() && in_background()) KLOG_RETURN_IF_ERROR(FlushInBackground());
  Status st = FinishBackground();
  if (order_.empty()) return st;
  TakePending(job_);
  if (st.ok()) st = Compress(job_);
  if (!st.ok()) {
    Unwritten(job_.first);
    return st;
  }
  return Append(job_, &written_);
}

}  // namespace klog::client
