#include "log/index.h"

#include "util/endian.h"

namespace klog::log {

Status IndexFile::Open() {
  auto f = os::File::OpenRead(path_);
  if (!f.ok()) {
    if (f.status().code() == Code::kNotFound) {
      count_ = 0;
      return Status::Ok();
    }
    return f.status();
  }
  file_ = std::move(f).value();
  auto size = file_.Size();
  if (!size.ok()) return size.status();
  count_ = *size / entry_size_;
  return Status::Ok();
}

Result<IndexEntry> IndexFile::At(uint64_t i) const {
  char buf[kTimeEntrySize];
  auto n = file_.ReadAt(i * entry_size_, buf, entry_size_);
  if (!n.ok()) return n.status();
  if (*n != entry_size_) return Status::Corruption("index " + path_ + " shrank while reading");
  return DecodeIndexEntry(buf, entry_size_);
}

template <typename Past>
Result<uint64_t> IndexFile::PartitionPoint(Past past) const {
  uint64_t lo = 0, hi = count_;
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2;
    auto e = At(mid);
    if (!e.ok()) return e.status();
    if (past(*e)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

Result<std::optional<IndexEntry>> IndexFile::FloorByOffset(uint32_t rel_offset) const {
  auto n = PartitionPoint([&](const IndexEntry& e) { return e.rel_offset > rel_offset; });
  if (!n.ok()) return n.status();
  if (*n == 0) return std::optional<IndexEntry>();
  auto e = At(*n - 1);
  if (!e.ok()) return e.status();
  return std::optional<IndexEntry>(*e);
}

Result<uint64_t> IndexFile::CountBeforeTime(int64_t ts) const {
  return PartitionPoint([&](const IndexEntry& e) { return e.max_ts_before >= ts; });
}

IndexEntry DecodeIndexEntry(const char* p, size_t entry_size) {
  IndexEntry e;
  if (entry_size == kOffsetEntrySize) {
    e.rel_offset = util::GetFixed<uint32_t>(p);
    e.position = util::GetFixed<uint32_t>(p + 4);
  } else {
    e.max_ts_before = util::GetFixed<int64_t>(p);
    e.rel_offset = util::GetFixed<uint32_t>(p + 8);
    e.position = util::GetFixed<uint32_t>(p + 12);
  }
  return e;
}

std::string EncodeOffsetEntry(const IndexEntry& e) {
  std::string s;
  util::AppendFixed<uint32_t>(s, e.rel_offset);
  util::AppendFixed<uint32_t>(s, e.position);
  return s;
}

std::string EncodeTimeEntry(const IndexEntry& e) {
  std::string s;
  util::AppendFixed<int64_t>(s, e.max_ts_before);
  util::AppendFixed<uint32_t>(s, e.rel_offset);
  util::AppendFixed<uint32_t>(s, e.position);
  return s;
}

}  // namespace klog::log
