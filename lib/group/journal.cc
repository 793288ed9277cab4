#include "group/journal.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "os/file.h"
#include "util/name.h"
#include "util/state_json.h"

namespace klog::group {

using nlohmann::json;

namespace {

// A member appends on every commit: the newest entry's number comes from
// the file's last kTailBytes, not from reading the whole journal.
constexpr uint64_t kTailBytes = 4096;

Result<std::string> ReadTail(const os::File& f, uint64_t size) {
  uint64_t from = size > kTailBytes ? size - kTailBytes : 0;
  std::string tail(size - from, '\0');
  auto got = f.ReadAt(from, tail.data(), tail.size());
  if (!got.ok()) return got.status();
  tail.resize(*got);
  return tail;
}

// The "seq" of the last complete line of `tail`; none when that line does
// not carry one or does not fit in the tail (`whole`: the tail is the file).
std::optional<int64_t> SeqOfLastLine(const std::string& tail, bool whole) {
  size_t end = tail.rfind('\n');  // what follows is a torn line
  if (end == std::string::npos || end == 0) return std::nullopt;
  size_t start = tail.rfind('\n', end - 1);
  if (start == std::string::npos && !whole) return std::nullopt;
  start = start == std::string::npos ? 0 : start + 1;
  try {
    json j = util::ParseStateJson(tail.substr(start, end - start));
    if (j.contains("seq")) return j["seq"].get<int64_t>();
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

json EntryJson(const JournalEntry& e) {
  json j;
  j["ts"] = e.ts_ms;
  j["kind"] = e.kind;
  j["actor"] = e.actor;
  j["changes"] = json::array();
  for (const auto& c : e.changes)
    j["changes"].push_back(
        {{"topic", c.topic},
         {"partition", c.partition},
         {"old", util::IntOrNull(c.old_offset)},
         {"new", util::IntOrNull(c.new_offset)}});
  return j;
}

}  // namespace

std::string JournalEntryToJson(const JournalEntry& entry) {
  json j = EntryJson(entry);
  j["seq"] = entry.seq;
  return j.dump();
}

Result<JournalEntry> ParseJournalEntry(const std::string& line, int64_t prev_seq) {
  try {
    json j = util::ParseStateJson(line);
    JournalEntry e;
    e.seq = j.contains("seq") ? j["seq"].get<int64_t>() : prev_seq + 1;
    e.ts_ms = j.at("ts").get<int64_t>();
    e.kind = j.at("kind").get<std::string>();
    e.actor = j.value("actor", std::string());
    for (const auto& c : j.at("changes")) {
      OffsetChange oc;
      oc.topic = c.at("topic").get<std::string>();
      oc.partition = c.at("partition").get<int>();
      // An entry naming what cannot exist is damage, like a garbled line.
      if (!util::ValidateName(oc.topic, "topic").ok() || oc.partition < 0)
        return Status::Corruption("history entry names no valid partition");
      if (!c.at("new").is_null()) oc.new_offset = c["new"].get<int64_t>();
      if (c.contains("old") && !c["old"].is_null()) oc.old_offset = c["old"].get<int64_t>();
      e.changes.push_back(oc);
    }
    return e;
  } catch (const std::exception& ex) {
    return Status::Corruption(std::string("garbled history entry: ") + ex.what());
  }
}

Status AppendJournal(const GroupPaths& paths, const JournalEntry& e, uint64_t* at) {
  json j = EntryJson(e);
  bool created = !os::Exists(paths.Journal());
  auto f = os::File::OpenAppend(paths.Journal(), true);
  if (!f.ok()) return f.status();
  auto size = f->Size();
  if (!size.ok()) return size.status();
  auto tail = ReadTail(*f, *size);
  if (!tail.ok()) return tail.status();
  std::optional<int64_t> last = SeqOfLastLine(*tail, *size <= kTailBytes);
  if (!last) {
    // Empty (just rotated), garbled at the end, or written before entries
    // carried numbers: read it all.
    auto all = ReadJournal(paths);
    if (!all.ok()) return all.status();
    last = all->empty() ? 0 : all->back().seq;
  }
  j["seq"] = *last + 1;
  // A writer killed mid-append left a line without its newline: end it,
  // or this entry would be glued to it and skipped with it.
  bool torn = !tail->empty() && tail->back() != '\n';
  uint64_t start = *size;
  if (*size > kMaxJournalBytes) {
    start = 0;
    KLOG_RETURN_IF_ERROR(os::Rename(paths.Journal(), paths.OldJournal()));
    f = os::File::OpenAppend(paths.Journal(), true);
    if (!f.ok()) return f.status();
    torn = false;  // that line stays behind, at the end of the old file
    created = true;
  }
  std::string line = torn ? "\n" : "";
  line += j.dump();
  line += '\n';
  if (at) *at = start;
  // Durable before offsets.json is replaced, so that after a power loss
  // the history is never behind the offsets (see journal.h); a new or
  // rotated file needs its directory entries synced too.
  Status st = f->Append(line);
  if (st.ok()) st = f->DataSync();
  if (!st.ok()) {
    (void)f->Truncate(start);  // no half entry (a full disk), none that did not land
    return st;
  }
  return created ? os::SyncDir(paths.root()) : Status::Ok();
}

Status RetractJournal(const GroupPaths& paths, uint64_t at) {
  auto f = os::File::OpenReadWrite(paths.Journal(), false);
  if (!f.ok()) return f.status();
  return f->Truncate(at);
}

Result<std::vector<JournalEntry>> ReadJournal(const GroupPaths& paths) {
  std::vector<JournalEntry> out;
  int64_t prev_seq = 0;
  for (const auto& path : {paths.OldJournal(), paths.Journal()}) {
    auto text = os::ReadFile(path, kMaxJournalReadBytes);
    if (!text.ok()) {
      if (text.status().code() == Code::kNotFound) continue;
      return text.status();
    }
    size_t start = 0;
    while (start < text->size()) {
      size_t nl = text->find('\n', start);
      if (nl == std::string::npos) break;  // torn last line of a killed writer
      std::string line = text->substr(start, nl - start);
      start = nl + 1;
      auto e = ParseJournalEntry(line, prev_seq);
      if (!e.ok()) continue;  // torn or garbled: skipped
      prev_seq = e->seq;
      out.push_back(std::move(e).value());
    }
  }
  return out;
}

}  // namespace klog::group
