#include "mirror/mirror.h"

#include <map>
#include <memory>
#include <utility>

#include "util/clock.h"

namespace klog::mirror {
namespace {

using TopicPartition = std::pair<std::string, int>;

// The record at `offset` of one partition, or none when the backend does
// not have it.
struct OneRecord : backend::RecordSink {
  bool found = false;
  int64_t offset = -1, timestamp = 0;
  std::optional<std::string> key;
  std::string value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;

  Status Deliver(std::string_view, int, const backend::RecordView& r) override {
    found = true;
    offset = r.offset;
    timestamp = r.timestamp;
    if (r.key) key = std::string(*r.key);
    value = std::string(r.value);
    for (const auto& h : r.headers)
      headers.emplace_back(std::string(h.name), h.value ? std::optional<std::string>(std::string(*h.value))
                                                        : std::nullopt);
    return Status::OutputClosed("one record is enough");
  }
  Status Idle() override { return Status::Ok(); }
  bool operator==(const OneRecord& o) const {
    return found == o.found && offset == o.offset && timestamp == o.timestamp && key == o.key && value == o.value &&
           headers == o.headers;
  }
};

Result<OneRecord> ReadOne(backend::Backend& b, const std::string& topic, int partition, int64_t offset) {
  backend::ConsumeOptions o;
  o.topics = {topic};
  o.partitions = {partition};
  o.start_offsets[{topic, partition}] = offset;
  o.max_messages = 1;
  OneRecord r;
  Status st = b.Consume(o, r, nullptr);
  if (!st.ok() && st.code() != Code::kOutputClosed) return st;
  return r;
}

// Records go from the source's consumer to one target producer per topic.
// The offset of each record is checked against the one it must get, and
// what the target reports written against that too: offsets stay identical.
class CopySink : public backend::RecordSink {
 public:
  // `from`: where each partition's copy goes on; `done`: what was copied
  // before (batches copied as they are), for the progress figures.
  CopySink(backend::Backend& target, const std::map<TopicPartition, int64_t>& from, const MirrorProgress& done,
           const std::function<void(const MirrorProgress&)>& progress)
      : target_(target), progress_(progress), progress_state_(done) {
    for (const auto& [tp, offset] : from) topics_[tp.first].partitions[tp.second] = {offset, offset};
  }

  Status Open(const MirrorOptions& options) {
    backend::ProducerOptions o;
    o.fsync = options.fsync;
    if (options.warn)
      o.warn = [&options, warned = false](const std::string& message) mutable {
        if (!std::exchange(warned, true)) options.warn(message);
      };
    for (auto& [name, t] : topics_) {
      auto p = target_.OpenProducer(name, o);
      if (!p.ok()) return p.status();
      t.producer = std::move(p).value();
    }
    return Status::Ok();
  }

  Status Deliver(std::string_view topic, int partition, const backend::RecordView& r) override {
    // Records come in runs of one partition: look up only when that changes.
    if (!current_ || topic != current_->first || partition != current_partition_) {
      auto t = topics_.find(std::string(topic));
      Cursor* cursor = nullptr;
      if (t != topics_.end()) {
        auto p = t->second.partitions.find(partition);
        if (p != t->second.partitions.end()) cursor = &p->second;
      }
      if (!cursor)
        return Status::InvalidArgument("source topic '" + std::string(topic) + "' has a partition " +
                                       std::to_string(partition) +
                                       " it did not have when mirror started: give the target's topic as many "
                                       "partitions (klog topic alter), then rerun mirror");
      current_ = &*t;
      current_partition_ = partition;
      current_cursor_ = cursor;
    }
    int64_t& next = current_cursor_->next_read;
    if (r.offset != next)
      return Status::Corruption("source topic '" + current_->first + "' partition " + std::to_string(partition) +
                                " goes from offset " + std::to_string(next - 1) + " to " + std::to_string(r.offset) +
                                " (offsets missing in the source): the copy cannot keep its offsets there; "
                                "mirror stopped with everything before it copied");
    ++next;
    TopicCopy& t = current_->second;
    KLOG_RETURN_IF_ERROR(t.producer->Add(partition, r.timestamp, r.key, r.value, r.headers));
    int64_t bytes = static_cast<int64_t>(r.value.size() + (r.key ? r.key->size() : 0));
    for (const auto& h : r.headers) bytes += static_cast<int64_t>(h.name.size() + (h.value ? h.value->size() : 0));
    t.pending_bytes += bytes;
    return Taken(current_->first, t);
  }

  // Input paused: everything read is written now (a follower's latency).
  Status Idle() override { return FlushAll(); }

  Status FlushAll() {
    for (auto& [name, t] : topics_) {
      if (!t.producer) continue;
      KLOG_RETURN_IF_ERROR(t.producer->Flush());
      KLOG_RETURN_IF_ERROR(Taken(name, t));
    }
    Report(true);
    return Status::Ok();
  }

 private:
  struct Cursor {
    int64_t next_read, next_written;
  };
  struct TopicCopy {
    std::unique_ptr<backend::RecordProducer> producer;
    std::map<int, Cursor> partitions;
    int64_t pending_bytes = 0;  // of records added, not yet reported written
  };

  // Checks and counts what the target reports written.
  Status Taken(const std::string& topic, TopicCopy& t) {
    if (!t.producer->has_written()) return Status::Ok();
    for (const auto& run : t.producer->TakeWritten()) {
      auto p = t.partitions.find(run.partition);
      if (p == t.partitions.end() || run.offset != p->second.next_written)
        return Status::Corruption("target topic '" + topic + "' partition " + std::to_string(run.partition) +
                                  " put the source's offset " +
                                  (p == t.partitions.end() ? std::string("?") : std::to_string(p->second.next_written)) +
                                  " at offset " + std::to_string(run.offset) +
                                  ": something else writes to the target; mirror stopped");
      p->second.next_written += run.count;
      progress_state_.records += run.count;
    }
    // Bytes are counted per topic when its producer reports, near enough.
    progress_state_.bytes += t.pending_bytes;
    t.pending_bytes = 0;
    Report(false);
    return Status::Ok();
  }

  void Report(bool now) {
    if (!progress_) return;
    int64_t t = util::NowMs();
    if (!now && t - reported_ms_ < 200) return;
    reported_ms_ = t;
    progress_(progress_state_);
  }

  backend::Backend& target_;
  const std::function<void(const MirrorProgress&)>& progress_;
  std::map<std::string, TopicCopy> topics_;
  std::pair<const std::string, TopicCopy>* current_ = nullptr;
  int current_partition_ = -1;
  Cursor* current_cursor_ = nullptr;
  MirrorProgress progress_state_;
  int64_t reported_ms_ = 0;
};

}  // namespace

int64_t MirrorPlan::records() const {
  int64_t n = 0;
  for (const auto& t : topics)
    for (const auto& p : t.partitions) n += p.records();
  return n;
}

Result<MirrorPlan> PlanMirror(backend::Backend& source, backend::Backend& target, const MirrorOptions& options) {
  MirrorPlan plan;
  std::vector<std::string> topics = options.topics;
  if (topics.empty()) {
    auto all = source.ListTopics();
    if (!all.ok()) return all.status();
    topics = *all;
  }
  const bool can_start = target.kind() == backend::Backend::Kind::kDirectory;
  for (const auto& name : topics) {
    // Partition counts and ranges come from DescribeTopic (offsets only: on
    // a cluster, metadata and watermarks); the source's settings are read
    // only for a topic the target lacks.
    auto source_parts = source.DescribeTopic(name);
    if (!source_parts.ok()) return source_parts.status().WithContext("source");
    const int partitions = static_cast<int>(source_parts->size());
    TopicPlan tp{name, {}, false, {}};
    tp.config.partitions = partitions;
    auto target_parts = target.DescribeTopic(name);
    if (target_parts.ok()) {
      if (static_cast<int>(target_parts->size()) != partitions)
        return Status::InvalidArgument("target topic '" + name + "' has " + std::to_string(target_parts->size()) +
                                       " partitions and the source's " + std::to_string(partitions) +
                                       ": records could not keep their partitions");
    } else if (target_parts.status().code() == Code::kNotFound) {
      tp.create = true;
      target_parts = std::vector<backend::PartitionStats>{};
      auto config = source.LoadTopic(name);
      if (config.ok()) {
        tp.config = *config;
      } else if (config.status().code() == Code::kNotFound) {
        return config.status().WithContext("source");
      } else {
        // The offsets are what must be kept; settings a cluster would not
        // tell are klog's defaults then, and the user hears so.
        plan.warnings.push_back("the settings of source topic '" + name + "' could not be read (" +
                                config.status().message() + "): the target topic gets klog's defaults");
      }
    } else {
      return target_parts.status().WithContext("target");
    }
    for (const auto& sp : *source_parts) {
      PartitionFacts f;
      f.topic = name;
      f.partition = sp.partition;
      f.source_start = sp.start_offset;
      f.source_end = sp.end_offset;
      f.target_exists = !tp.create;
      for (const auto& t : *target_parts)
        if (t.partition == sp.partition) f.target_start = t.start_offset, f.target_end = t.end_offset;
      int64_t last = f.target_end - 1;
      if (f.target_end > f.target_start && last >= f.source_start && last < f.source_end) {
        auto a = ReadOne(source, name, sp.partition, last);
        if (!a.ok()) return a.status().WithContext("source");
        auto b = ReadOne(target, name, sp.partition, last);
        if (!b.ok()) return b.status().WithContext("target");
        f.last_record_matches = *a == *b;
      }
      auto p = PlanPartition(f, can_start);
      if (!p.ok()) return p.status();
      tp.partitions.push_back(*p);
    }
    plan.topics.push_back(std::move(tp));
  }
  for (const auto& g : options.groups) {
    auto view = source.DescribeGroup(g);
    if (!view.ok()) return view.status().WithContext("source");
    auto live = target.LiveMembersLine(g);
    if (live.ok() && !live->empty())
      return Status::Busy("group '" + g + "' has live members on the target: " + *live +
                          "; stop them, then mirror its offsets");
    GroupOffsets go{g, {}};
    for (const auto& p : view->partitions) {
      bool mirrored = false;
      for (const auto& t : plan.topics) mirrored |= t.topic == p.topic;
      if (mirrored && p.committed) go.offsets.push_back({p.topic, p.partition, *p.committed});
    }
    plan.groups.push_back(std::move(go));
  }
  return plan;
}

namespace {

// Between two directories, each partition's stored batches are appended to
// the target as they are: the offsets are identical, so nothing needs
// decoding and re-encoding. A partition whose copy does not go on at a
// batch boundary of the source (a target a record-by-record copy left
// mid-batch) is left to the record-by-record path. Moves *from on.
Status CopyStoredBatches(backend::Backend& source, backend::Backend& target, backend::FsyncPolicy fsync,
                         std::map<TopicPartition, int64_t>* from, MirrorProgress* done, const std::atomic<bool>* stop,
                         const std::function<void(const MirrorProgress&)>& progress) {
  auto src = source.maintenance();
  auto dst = target.maintenance();
  if (!src.ok() || !dst.ok()) return Status::Ok();
  int64_t reported_ms = 0;
  for (auto& entry : *from) {
    // Not a structured binding: clang 14 cannot capture one in a lambda.
    const TopicPartition& tp = entry.first;
    int64_t& next = entry.second;
    std::unique_ptr<backend::BatchAppender> appender;
    Status st = (*src)->ReadBatches(
        tp.first, tp.second, next,
        [&](std::string& raw, int64_t base, int64_t records) -> Status {
          if (!appender) {
            auto a = (*dst)->OpenBatchAppender(tp.first, tp.second, fsync);
            if (!a.ok()) return a.status();
            appender = std::move(a).value();
          }
          auto at = appender->Append(raw);
          if (!at.ok()) return at.status();
          if (*at != base)
            return Status::Corruption("target topic '" + tp.first + "' partition " + std::to_string(tp.second) +
                                      " put the source's offset " + std::to_string(base) + " at offset " +
                                      std::to_string(*at) + ": something else writes to the target; mirror stopped");
          next = base + records;
          done->records += records;
          done->bytes += static_cast<int64_t>(raw.size());
          if (progress && util::NowMs() - reported_ms >= 200) {
            reported_ms = util::NowMs();
            progress(*done);
          }
          return Status::Ok();
        },
        stop);
    if (st.code() == Code::kInvalidArgument && !appender) continue;  // mid-batch: record by record
    KLOG_RETURN_IF_ERROR(st);
    if (stop && stop->load()) break;
  }
  return Status::Ok();
}

}  // namespace

Status RunMirror(backend::Backend& source, backend::Backend& target, const MirrorPlan& plan,
                 const MirrorOptions& options, const std::atomic<bool>* stop,
                 const std::function<void(const MirrorProgress&)>& progress) {
  backend::ConsumeOptions read;
  std::map<TopicPartition, int64_t> from;
  for (const auto& t : plan.topics) {
    if (t.create) {
      bool created = false;
      Status st = target.CreateTopic(t.topic, t.config, true, &created);
      if (!st.ok()) return st.WithContext("target");
    }
    for (const auto& p : t.partitions) {
      if (p.start_target_at) KLOG_RETURN_IF_ERROR(target.StartEmptyPartitionAt(t.topic, p.partition, *p.start_target_at));
      from[{t.topic, p.partition}] = p.copy_from;
    }
    read.topics.push_back(t.topic);
  }
  MirrorProgress done;
  done.planned = plan.records();
  if (source.kind() == backend::Backend::Kind::kDirectory && target.kind() == backend::Backend::Kind::kDirectory)
    KLOG_RETURN_IF_ERROR(CopyStoredBatches(source, target, options.fsync, &from, &done, stop, progress));
  if (!read.topics.empty() && !(stop && stop->load())) {
    read.start_offsets = from;
    read.follow = options.follow;
    CopySink sink(target, from, done, progress);
    KLOG_RETURN_IF_ERROR(sink.Open(options));
    Status st = source.Consume(read, sink, stop);
    // What was read is written even when reading failed or was stopped.
    Status flushed = sink.FlushAll();
    if (!st.ok()) return st.WithContext("source");
    if (!flushed.ok()) return flushed;
  } else if (progress) {
    progress(done);
  }
  for (const auto& g : plan.groups)
    if (!g.offsets.empty()) KLOG_RETURN_IF_ERROR(target.Commit(g.group, g.offsets));
  return Status::Ok();
}

}  // namespace klog::mirror
