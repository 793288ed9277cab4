#include "client/consumer.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>

#include "os/inotify.h"
#include "util/parse.h"

namespace klog::client {

Result<int64_t> ResolveStart(const log::PartitionReader& reader, const StartSpec& spec) {
  auto start = reader.StartOffset();
  if (!start.ok()) return start.status();
  auto end = reader.EndOffset();
  if (!end.ok()) return end.status();
  int64_t for_time = 0;
  if (spec.kind == StartSpec::kTimestamp) {
    auto off = reader.OffsetForTimestamp(spec.value);
    if (!off.ok()) return off.status();
    for_time = *off;
  }
  return record::ClampStart(spec, *start, *end, for_time);
}

namespace {

// An exact start must lie in [start, end] of the partition.
Result<int64_t> ExactStart(const log::PartitionReader& reader, int64_t offset) {
  auto start = reader.StartOffset();
  if (!start.ok()) return start.status();
  auto end = reader.EndOffset();
  if (!end.ok()) return end.status();
  if (offset < *start || offset > *end)
    return Status::OutOfRange(reader.label() + ": offset " + std::to_string(offset) + " is not in the log (it holds " +
                              std::to_string(*start) + " to " + std::to_string(*end) + ")");
  return offset;
}

struct Cursor {
  std::string topic;
  int partition;
  std::unique_ptr<log::PartitionReader> reader;
  int64_t stop_at;  // exclusive; INT64_MAX when following
  bool done = false;
  // Following: read only when inotify says its directory changed, until it
  // has nothing more (with 10,000 idle partitions, reading each on every
  // wake-up cost a twentieth of a core).
  bool active = true;
};

}  // namespace

namespace {

// How often a follower looks for partitions added by topic alter.
constexpr int64_t kPartitionCheckMs = 500;
// Watch tag of a topic directory (topic.json); partitions' tags are their
// index in `cursors`.
constexpr uint64_t kTopicDirTag = UINT64_MAX;

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Status ConsumeUntilDone(const topic::TopicStore& store, const ConsumeOptions& options, RecordSink& sink,
                        const std::atomic<bool>* stop) {
  std::vector<Cursor> cursors;
  os::DirWatcher watcher;
  std::map<std::string, int> known;  // partitions read per topic, when all are
  for (const auto& topic : options.topics) {
    auto config = store.Load(topic);
    if (!config.ok()) return config.status();
    std::vector<int> parts = options.partitions;
    if (parts.empty()) {
      for (int p = 0; p < config->partitions; ++p) parts.push_back(p);
      known[topic] = config->partitions;
      // topic alter replaces topic.json here: wakes a follower to look.
      if (options.follow) (void)watcher.Watch(store.dir().TopicDir(topic), kTopicDirTag);
    }
    for (int p : parts) {
      if (p < 0 || p >= config->partitions)
        return Status::InvalidArgument("topic '" + topic + "' has no partition " + std::to_string(p) + " (it has " +
                                       std::to_string(config->partitions) + ")");
      std::string dir = store.dir().PartitionDir(topic, p);
      // Watch before the first read, so no append between read and wait is missed.
      if (options.follow) KLOG_RETURN_IF_ERROR(watcher.Watch(dir, cursors.size()));
      Cursor c{topic, p, std::make_unique<log::PartitionReader>(dir, topic::PartitionLabel(topic, p)), INT64_MAX};
      auto exact = options.start_offsets.find({topic, p});
      auto from = exact == options.start_offsets.end() ? ResolveStart(*c.reader, options.start)
                                                        : ExactStart(*c.reader, exact->second);
      if (!from.ok()) return from.status();
      if (!options.follow) {
        auto end = c.reader->EndOffset();
        if (!end.ok()) return end.status();
        c.stop_at = *end;
      }
      auto stop = options.stop_offsets.find({topic, p});
      if (stop != options.stop_offsets.end()) c.stop_at = std::min(c.stop_at, stop->second);
      KLOG_RETURN_IF_ERROR(c.reader->Seek(*from));
      c.done = *from >= c.stop_at;
      cursors.push_back(std::move(c));
    }
  }

  int64_t delivered = 0;
  int64_t checked_ms = SteadyMs();
  log::Batch batch;
  record::RecordView rec;
  os::DirWatcher::Changes changes;
  for (;;) {
    // Partitions added by topic alter while following (without -p): read
    // from their beginning, so nothing written to them is missed.
    if (options.follow && !known.empty() && SteadyMs() - checked_ms >= kPartitionCheckMs) {
      checked_ms = SteadyMs();
      for (auto& [topic, count] : known) {
        auto config = store.Load(topic);
        if (!config.ok()) continue;  // deleted: its readers say so
        for (int p = count; p < config->partitions; ++p) {
          std::string dir = store.dir().PartitionDir(topic, p);
          KLOG_RETURN_IF_ERROR(watcher.Watch(dir, cursors.size()));
          Cursor c{topic, p, std::make_unique<log::PartitionReader>(dir, topic::PartitionLabel(topic, p)), INT64_MAX};
          auto from = c.reader->StartOffset();
          if (!from.ok()) return from.status();
          KLOG_RETURN_IF_ERROR(c.reader->Seek(*from));
          cursors.push_back(std::move(c));
        }
        count = std::max(count, config->partitions);
      }
    }
    bool progress = false, all_done = true;
    for (Cursor& c : cursors) {
      if (c.done) continue;
      all_done = false;
      if (!c.active) continue;
      if (stop && stop->load()) return sink.Idle();
      int64_t skip_below;
      auto more = c.reader->Next(batch, &skip_below);
      if (!more.ok()) return more.status();
      if (!*more) {
        c.active = !options.follow;  // until its directory changes again
        // Stepping over offsets recorded as lost can reach the end with no
        // batch to show for it (an empty last segment after the gap).
        if (c.reader->position() >= c.stop_at) c.done = progress = true;
        continue;
      }
      progress = true;
      while (batch.Next(rec)) {
        if (rec.offset < skip_below) continue;
        if (rec.offset >= c.stop_at) {
          c.done = true;
          break;
        }
        Status st = sink.Deliver(c.topic, c.partition, rec);
        if (st.code() == Code::kOutputClosed) return Status::Ok();
        KLOG_RETURN_IF_ERROR(st);
        if (options.max_messages >= 0 && ++delivered >= options.max_messages) return sink.Idle();
      }
      if (!batch.status().ok())
        return Status::Corruption(c.reader->label() + " offset " + std::to_string(batch.header().base_offset) + ": " +
                                  batch.status().message());
      if (c.reader->position() >= c.stop_at) c.done = true;
    }
    if (all_done || (options.max_messages >= 0 && delivered >= options.max_messages)) return sink.Idle();
    if (!progress) {
      if (!options.follow) {
        // The end was fixed at start, so the data is there: a torn or corrupt
        // tail stops us. Report the first such partition.
        for (Cursor& c : cursors)
          if (!c.done)
            return Status::Corruption(c.reader->label() + ": log ends at offset " + std::to_string(c.reader->position()) +
                                      " before its recorded end " + std::to_string(c.stop_at));
      }
      KLOG_RETURN_IF_ERROR(sink.Idle());
      if (stop && stop->load()) return Status::Ok();
      changes.tags.clear();
      changes.overflow = false;
      watcher.Wait(1000, sink.output_pipe(), &changes);
      for (uint64_t tag : changes.tags)
        if (tag < cursors.size()) cursors[tag].active = true;
      if (changes.overflow)
        for (Cursor& c : cursors) c.active = true;
    }
  }
}

}  // namespace

Status Consume(const topic::TopicStore& store, const ConsumeOptions& options, RecordSink& sink,
               const std::atomic<bool>* stop) {
  if (options.max_messages == 0) return Status::Ok();
  Status st = ConsumeUntilDone(store, options, sink, stop);
  // Whatever was delivered before an error still reaches stdout.
  Status flushed = sink.Idle();
  if (!st.ok()) return st;
  return flushed.code() == Code::kOutputClosed ? Status::Ok() : flushed;
}

}  // namespace klog::client
