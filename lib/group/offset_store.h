// Committed offsets of a group, DIR/groups/GROUP/offsets.json:
//   {"version":1,"offsets":{"events":{"0":42,"1":17}}}
// An offset is the next record to deliver (Kafka's convention). Replaced
// atomically (temp file, fsync, rename, fsync dir) under group.lock, so a
// kill -9 leaves the old or the new file, never a torn one; a reset of many
// partitions lands all at once or not at all.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "group/assignor.h"
#include "group/group_paths.h"
#include "group/journal.h"
#include "util/status.h"

namespace klog::group {

using Offsets = std::map<TopicPartition, int64_t>;

// A missing file is an empty map. A damaged one (torn, garbled, too large,
// a name that is not valid) is kCorruption naming the fix, or, given
// `damaged`, an empty map with *damaged set: for `offset reset`, which
// replaces it. A file of a newer klog is an error either way.
Result<Offsets> LoadOffsets(const GroupPaths& paths, bool* damaged = nullptr);
// Caller holds group.lock.
Status StoreOffsets(const GroupPaths& paths, const Offsets& offsets);
// Every change of committed offsets (a commit, a reset, an undo): caller
// holds group.lock and read `current` under it. Journals `entry` first
// (journal.h), then replaces offsets.json with `next`; when that fails and
// offsets.json still holds `current`, takes the entry back, so history
// never shows a change that did not land.
Status StoreOffsetsJournaled(const GroupPaths& paths, const JournalEntry& entry, const Offsets& current,
                             const Offsets& next);

}  // namespace klog::group
