// Sparse indexes beside each segment (Kafka's design): an entry for the batch
// that starts at least kIndexIntervalBytes after the previous entry, so a
// lookup reads O(log n) entries and then at most ~4 KiB of log.
//
//   .index      8-byte entries:  u32 relative offset, u32 byte position
//   .timeindex 16-byte entries:  i64 max timestamp of all records before
//                                this batch in the segment, u32 relative
//                                offset, u32 byte position
//
// Both are appended under the partition lock, after the batch they point to
// is in the log, at the same batches, so they have the same number of entries.
// A partial trailing entry (a writer killed mid-append) is ignored by readers
// and cut off by the next writer. Readers check every entry they use against
// the log and fall back to scanning from the segment start when it is wrong.
#pragma once

#include <cstdint>
#include <string>
#include <optional>

#include "os/file.h"
#include "util/status.h"

namespace klog::log {

constexpr uint64_t kIndexIntervalBytes = 4096;
constexpr size_t kOffsetEntrySize = 8;
constexpr size_t kTimeEntrySize = 16;

struct IndexEntry {
  uint32_t rel_offset = 0;
  uint32_t position = 0;
  int64_t max_ts_before = 0;  // time index only
};

// Read-only view of an index file; missing files read as empty.
class IndexFile {
 public:
  IndexFile(std::string path, size_t entry_size) : path_(std::move(path)), entry_size_(entry_size) {}
  Status Open();
  uint64_t count() const { return count_; }
  Result<IndexEntry> At(uint64_t i) const;
  // Last entry whose rel_offset is <= rel_offset; nullopt when none.
  Result<std::optional<IndexEntry>> FloorByOffset(uint32_t rel_offset) const;
  // Time index: how many entries, from the first, have max_ts_before < ts
  // (ascending in it, so At(n - 1) is the last one a scan for `ts` may
  // start at; n == 0: none).
  Result<uint64_t> CountBeforeTime(int64_t ts) const;

 private:
  // Entries [0, n) fail `past` and the rest satisfy it (a binary search:
  // entries are sorted by what `past` looks at); returns n.
  template <typename Past>
  Result<uint64_t> PartitionPoint(Past past) const;

  std::string path_;
  size_t entry_size_;
  os::File file_;
  uint64_t count_ = 0;
};

// The entry of `entry_size` (kOffsetEntrySize or kTimeEntrySize) bytes at p.
IndexEntry DecodeIndexEntry(const char* p, size_t entry_size);
std::string EncodeOffsetEntry(const IndexEntry& e);
std::string EncodeTimeEntry(const IndexEntry& e);

}  // namespace klog::log
