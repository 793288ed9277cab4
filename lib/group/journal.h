// Every commit and reset of a group, one JSON object per line in
// journal.jsonl, appended under group.lock:
//   {"seq":7,"ts":1764000000000,"kind":"commit","actor":"m-1234-9f3a@box",
//    "changes":[{"topic":"t","partition":0,"old":40,"new":42}]}
// ("old" or "new" null: no offset committed before or after).
// Bounded: past kMaxJournalBytes the file becomes journal.1.jsonl (the one
// before is dropped), so at most twice that is kept. "seq" numbers entries
// from 1 and is never reused, so a number a user read in `offset history`
// still names the same entry after the oldest are dropped.
//
// An entry is appended before offsets.json is replaced: a process killed in
// between leaves an entry whose change never landed (its "old" offsets are
// still the current ones, so undoing it is harmless), never a change that
// history does not show and --to-previous could not undo.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "group/group_paths.h"
#include "util/status.h"

namespace klog::group {

constexpr uint64_t kMaxJournalBytes = 1 << 20;
// What is read of either file: past this it is damaged (an entry is at most
// a reset of every partition, a few megabytes).
constexpr uint64_t kMaxJournalReadBytes = 64 << 20;

struct OffsetChange {
  std::string topic;
  int partition = 0;
  std::optional<int64_t> old_offset;  // none: nothing was committed before
  std::optional<int64_t> new_offset;  // none: removed (an undo back to nothing committed)
};

struct JournalEntry {
  int64_t seq = 0;  // set by AppendJournal; for entries written without one, one more than the entry before
  int64_t ts_ms = 0;
  std::string kind;   // "commit", "reset", "undo"
  std::string actor;  // member id@host, or user@host for resets
  std::vector<OffsetChange> changes;
};

// One entry as the JSON object of a journal line (no newline), "seq"
// included; the same text is a history record's value on a Kafka cluster.
std::string JournalEntryToJson(const JournalEntry& entry);
// Corruption for a torn or garbled line, or one naming an invalid
// partition. Without "seq" the entry is numbered prev_seq + 1.
Result<JournalEntry> ParseJournalEntry(const std::string& line, int64_t prev_seq);

// Caller holds group.lock. Numbers the entry one past the newest one. The
// entry is synced (and a new or rotated file's directory entry) before it
// returns. *at, when given, is where the entry starts in journal.jsonl.
Status AppendJournal(const GroupPaths& paths, const JournalEntry& entry, uint64_t* at = nullptr);
// Caller holds group.lock: takes back the entry that AppendJournal just
// wrote at `at`, when the change it records has not landed (a failed
// offsets.json replace), so history never shows what did not happen.
Status RetractJournal(const GroupPaths& paths, uint64_t at);
// Oldest first, both files; a torn or garbled line is skipped.
Result<std::vector<JournalEntry>> ReadJournal(const GroupPaths& paths);

}  // namespace klog::group
