#include "mirror/mirror.h"

#include <algorithm>
#include <map>
#include <memory>
#include <utility>

#include "util/clock.h"

namespace klog::mirror {
namespace {

using TopicPartition = std::pair<std::string, int>;

// After "offsets X to Y are missing" in the source.
constexpr const char* kCannotGoOn =
    ": the copy cannot keep its offsets past them; mirror stopped with everything before them copied";

// One record, kept to compare a target's last record with the source's.
struct StoredRecord {
  int64_t offset = -1, timestamp = 0;
  std::optional<std::string> key;
  std::string value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
  bool operator==(const StoredRecord&) const = default;
};

// The records of one topic at the given offsets (partition -> offset), in
// one read: on a cluster one consumer, not one per partition. A partition
// whose record the backend does not have is missing from the result.
class RecordsAt : public backend::RecordSink {
 public:
  static Result<std::map<int, StoredRecord>> Read(backend::Backend& b, const std::string& topic,
                                                   const std::map<int, int64_t>& offsets) {
    RecordsAt sink;
    if (offsets.empty()) return sink.found_;
    backend::ConsumeOptions o;
    o.topics = {topic};
    for (const auto& [partition, offset] : offsets) {
      o.partitions.push_back(partition);
      o.start_offsets[{topic, partition}] = offset;
      o.stop_offsets[{topic, partition}] = offset + 1;
    }
    KLOG_RETURN_IF_ERROR(b.Consume(o, sink, nullptr));
    return sink.found_;
  }

  Status Deliver(std::string_view, int partition, const backend::RecordView& r) override {
    StoredRecord& s = found_[partition];
    s.offset = r.offset;
    s.timestamp = r.timestamp;
    if (r.key) s.key = std::string(*r.key);
    s.value = std::string(r.value);
    for (const auto& h : r.headers)
      s.headers.emplace_back(std::string(h.name), h.value ? std::optional<std::string>(std::string(*h.value))
                                                          : std::nullopt);
    return Status::Ok();
  }
  Status Idle() override { return Status::Ok(); }

 private:
  std::map<int, StoredRecord> found_;
};

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
      o.expect_offsets.clear();
      for (const auto& [partition, cursor] : t.partitions) o.expect_offsets[partition] = cursor.next_written;
      auto p = target_.OpenProducer(name, o);
      if (!p.ok()) return p.status();
      t.producer = std::move(p).value();
    }
    return Status::Ok();
  }

  Status Deliver(std::string_view topic, int partition, const backend::RecordView& r) override {
    return Failed(Copy(topic, partition, r));
  }

  // Input paused: everything read is written now (a follower's latency).
  Status Idle() override { return Failed(FlushAll()); }

  Status FlushAll() {
    for (auto& [name, t] : topics_) {
      if (!t.producer) continue;
      KLOG_RETURN_IF_ERROR(t.producer->Flush().WithContext("target"));
      KLOG_RETURN_IF_ERROR(Taken(name, t));
    }
    Report(true);
    return Status::Ok();
  }

  // Whether reading stopped because of this sink; its errors name their side.
  bool failed() const { return failed_; }

 private:
  struct Cursor {
    int64_t next_read, next_written;
  };
  struct TopicCopy {
    std::unique_ptr<backend::RecordProducer> producer;
    std::map<int, Cursor> partitions;
    int64_t pending_bytes = 0;  // of records added, not yet reported written
  };

  Status Failed(Status st) {
    failed_ = failed_ || !st.ok();
    return st;
  }

  Status Copy(std::string_view topic, int partition, const backend::RecordView& r) {
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
      return Status::Corruption(
          "source: topic '" + current_->first + "' partition " + std::to_string(partition) + ": " +
          (r.offset > next ? "offsets " + std::to_string(next) + " to " + std::to_string(r.offset - 1) + " are missing"
                           : "offset " + std::to_string(r.offset) + " comes after " + std::to_string(next - 1)) +
          kCannotGoOn);
    ++next;
    TopicCopy& t = current_->second;
    KLOG_RETURN_IF_ERROR(t.producer->Add(partition, r.timestamp, r.key, r.value, r.headers).WithContext("target"));
    int64_t bytes = static_cast<int64_t>(r.value.size() + (r.key ? r.key->size() : 0));
    for (const auto& h : r.headers) bytes += static_cast<int64_t>(h.name.size() + (h.value ? h.value->size() : 0));
    t.pending_bytes += bytes;
    return Taken(current_->first, t);
  }

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
  bool failed_ = false;
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
  // A directory's files: the offsets it recorded as lost.
  auto source_files = source.maintenance(), target_files = target.maintenance();
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
    std::vector<PartitionFacts> facts;
    std::map<int, int64_t> last_copied;  // partition -> the target's last record, which the source still has
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
      if (f.target_end > f.target_start && last >= f.source_start && last < f.source_end)
        last_copied[sp.partition] = last;
      if (f.target_exists && f.target_end > f.target_start && target_files.ok()) {
        auto lost = (*target_files)->LostOffsets(name, sp.partition);
        if (!lost.ok()) return lost.status().WithContext("target");
        for (const auto& r : *lost) f.target_lost.emplace_back(r.first, r.last);
        if (!f.target_lost.empty() && source_files.ok()) {
          auto gone = (*source_files)->LostOffsets(name, sp.partition);
          if (!gone.ok()) return gone.status().WithContext("source");
          for (const auto& r : *gone) f.source_lost.emplace_back(r.first, r.last);
        }
      }
      facts.push_back(f);
    }
    auto in_source = RecordsAt::Read(source, name, last_copied);
    if (!in_source.ok()) return in_source.status().WithContext("source");
    auto in_target = RecordsAt::Read(target, name, last_copied);
    if (!in_target.ok()) return in_target.status().WithContext("target");
    for (auto& f : facts) {
      if (last_copied.count(f.partition)) {
        auto a = in_source->find(f.partition), b = in_target->find(f.partition);
        const bool in_a = a != in_source->end(), in_b = b != in_target->end();
        f.last_record_matches = in_a == in_b && (!in_a || a->second == b->second);
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
    Status target_failed;  // the target's errors come back through ReadBatches too
    Status st = (*src)->ReadBatches(
        tp.first, tp.second, next,
        [&](std::string& raw, int64_t base, int64_t records) -> Status {
          if (!appender) {
            auto a = (*dst)->OpenBatchAppender(tp.first, tp.second, fsync);
            if (!a.ok()) return target_failed = a.status().WithContext("target");
            appender = std::move(a).value();
          }
          auto appended = appender->AppendAt(raw, base);
          if (!appended.ok()) return target_failed = appended.status().WithContext("target");
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
    if (!target_failed.ok()) return target_failed;
    // Left to the record path, which goes on from `next`: a copy that does
    // not go on at a batch start (before any batch), and offsets missing or
    // damage in the source (after the batches before them), which it then
    // reports in the same words as for any other source.
    if (st.code() == Code::kInvalidArgument && !appender) continue;
    if (st.code() == Code::kCorruption) continue;
    KLOG_RETURN_IF_ERROR(st.WithContext("source"));
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
    if (!st.ok()) return sink.failed() ? st : st.WithContext("source");
    if (!flushed.ok()) return flushed;
  } else if (progress) {
    progress(done);
  }
  for (const auto& g : plan.groups)
    if (!g.offsets.empty()) KLOG_RETURN_IF_ERROR(target.Commit(g.group, g.offsets));
  return Status::Ok();
}

}  // namespace klog::mirror
