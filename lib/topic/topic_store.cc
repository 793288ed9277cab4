#include "topic/topic_store.h"

#include <atomic>
#include <chrono>

#include "log/partition_reader.h"
#include "log/segment_name.h"
#include "os/file.h"
#include "os/this_process.h"
#include "util/clock.h"
#include "util/name.h"

namespace klog::topic {

namespace {

// A unique name for a staging or trash folder of topic `name`. The topic name
// is cut short so that a 249-character name still fits NAME_MAX (255).
std::string UniqueName(const std::string& name) {
  static std::atomic<int> n{0};
  auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  return name.substr(0, 100) + "." + std::to_string(os::ProcessId()) + "." + std::to_string(now) + "." +
         std::to_string(n++);
}

Status UnknownTopic(const std::string& name) {
  return Status::NotFound("unknown topic '" + name + "' (create it with 'klog topic create " + name + "')");
}

}  // namespace

Status TopicStore::Create(const std::string& name, const TopicConfig& config, bool if_not_exists, bool* created) {
  if (created) *created = false;
  KLOG_RETURN_IF_ERROR(util::ValidateName(name, "topic"));
  KLOG_RETURN_IF_ERROR(ValidateTopicConfig(config));
  if (os::Exists(dir_.TopicConfigPath(name))) {
    if (if_not_exists) return Status::Ok();
    return Status::AlreadyExists("topic '" + name + "' already exists");
  }
  // MakeDirs syncs what it creates (the data directory, topics/, .staging/).
  KLOG_RETURN_IF_ERROR(os::MakeDirs(dir_.TopicsDir()));
  KLOG_RETURN_IF_ERROR(os::MakeDirs(dir_.StagingDir()));
  std::string tmp = dir_.StagingDir() + "/" + UniqueName(name);
  KLOG_RETURN_IF_ERROR(os::MakeDirs(tmp));
  auto cleanup = [&](Status st) {
    (void)os::RemoveTree(tmp);
    return st;
  };
  TopicConfig c = config;
  if (c.created_ms == 0) c.created_ms = util::NowMs();
  Status st = os::WriteFileAtomic(tmp + "/topic.json", TopicConfigToJson(c));
  for (int p = 0; st.ok() && p < c.partitions; ++p) st = os::MakeDir(tmp + "/" + std::to_string(p));
  if (st.ok()) st = os::SyncDir(tmp);  // the partition folders, created after topic.json's sync
  if (!st.ok()) return cleanup(st);
  Status moved = os::RenameNoReplace(tmp, dir_.TopicDir(name));
  if (moved.code() == Code::kAlreadyExists) {
    (void)cleanup(Status::Ok());
    if (if_not_exists) return Status::Ok();
    return Status::AlreadyExists("topic '" + name + "' already exists");
  }
  if (!moved.ok()) return cleanup(moved);
  if (created) *created = true;
  // Reported only once it survives a power loss.
  KLOG_RETURN_IF_ERROR(os::SyncDir(dir_.TopicsDir()));
  return os::SyncDir(dir_.StagingDir());
}

Result<std::vector<std::string>> TopicStore::List() const {
  if (!os::IsDir(dir_.TopicsDir())) return std::vector<std::string>{};
  auto names = os::ListDir(dir_.TopicsDir());
  if (!names.ok()) return names.status();
  std::vector<std::string> topics;
  for (auto& n : *names)
    if (util::ValidateName(n, "topic").ok() && os::Exists(dir_.TopicConfigPath(n))) topics.push_back(n);
  return topics;
}

Result<TopicConfig> TopicStore::Load(const std::string& name) const {
  KLOG_RETURN_IF_ERROR(util::ValidateName(name, "topic"));
  auto text = os::ReadFile(dir_.TopicConfigPath(name), kMaxTopicConfigBytes);
  if (!text.ok()) {
    if (text.status().code() == Code::kNotFound) return UnknownTopic(name);
    if (text.status().code() == Code::kCorruption)
      return Status::Corruption("topic '" + name + "' config " + text.status().message() +
                                " (fix the file by hand: klog-files(5) describes its fields)");
    return text.status();
  }
  return TopicConfigFromJson(*text, "topic '" + name + "' config " + dir_.TopicConfigPath(name));
}

Status TopicStore::Alter(const std::string& name, const TopicConfig& updated) {
  KLOG_RETURN_IF_ERROR(ValidateTopicConfig(updated));
  auto lock = os::FileLock::Acquire(dir_.TopicDir(name) + "/topic.lock");
  if (!lock.ok()) {
    if (lock.status().code() == Code::kNotFound) return UnknownTopic(name);
    return lock.status();
  }
  auto current = Load(name);
  if (!current.ok()) return current.status();
  KLOG_RETURN_IF_ERROR(CheckPartitionsGrow(name, current->partitions, updated.partitions));
  // New partition folders first, so no reader ever sees a count without its folder.
  for (int p = current->partitions; p < updated.partitions; ++p)
    KLOG_RETURN_IF_ERROR(os::MakeDir(dir_.PartitionDir(name, p)));
  if (updated.partitions > current->partitions) KLOG_RETURN_IF_ERROR(os::SyncDir(dir_.TopicDir(name)));
  TopicConfig c = updated;
  c.created_ms = current->created_ms;
  return os::WriteFileAtomic(dir_.TopicConfigPath(name), TopicConfigToJson(c));
}

Status TopicStore::Delete(const std::string& name, bool if_exists, bool* deleted) {
  if (deleted) *deleted = false;
  KLOG_RETURN_IF_ERROR(util::ValidateName(name, "topic"));
  if (!os::Exists(dir_.TopicConfigPath(name))) {
    if (if_exists) return Status::Ok();
    return UnknownTopic(name);
  }
  KLOG_RETURN_IF_ERROR(os::MakeDirs(dir_.TrashDir()));
  std::string trash = dir_.TrashDir() + "/" + UniqueName(name);
  Status st = os::Rename(dir_.TopicDir(name), trash);
  if (!st.ok()) {
    if (st.code() == Code::kNotFound && if_exists) return Status::Ok();
    if (st.code() == Code::kNotFound) return UnknownTopic(name);
    return st;
  }
  if (deleted) *deleted = true;
  // The delete is durable before it is reported, as the trash is emptied.
  Status synced = os::SyncDir(dir_.TopicsDir());
  Status removed = os::RemoveTree(trash);
  return synced.ok() ? removed : synced;
}

Result<OffsetRange> TopicStore::Offsets(const std::string& name, int partition) const {
  log::PartitionReader reader(dir_.PartitionDir(name, partition), PartitionLabel(name, partition));
  auto start = reader.StartOffset();
  if (!start.ok()) return start.status();
  auto end = reader.EndOffset();
  if (!end.ok()) return end.status();
  return OffsetRange{*start, *end};
}

Result<std::vector<PartitionStats>> TopicStore::Describe(const std::string& name) const {
  auto config = Load(name);
  if (!config.ok()) return config.status();
  std::vector<PartitionStats> out;
  for (int p = 0; p < config->partitions; ++p) {
    PartitionStats s;
    s.partition = p;
    std::string pdir = dir_.PartitionDir(name, p);
    auto range = Offsets(name, p);
    if (!range.ok()) return range.status();
    s.start_offset = range->start;
    s.end_offset = range->end;
    auto bases = log::ListSegments(pdir);
    if (!bases.ok()) return bases.status();
    s.segments = static_cast<int>(bases->size());
    for (int64_t b : *bases) {
      for (const char* suffix : {log::kLogSuffix, log::kOffsetIndexSuffix, log::kTimeIndexSuffix}) {
        if (auto st = os::StatPath(log::SegmentPath(pdir, b, suffix)); st.ok()) {
          *s.bytes += st->size;
          if (b == bases->back() && suffix == log::kLogSuffix && st->size > 0) s.last_append_ms = st->mtime_ms();
        }
      }
    }
    out.push_back(s);
  }
  return out;
}

}  // namespace klog::topic
