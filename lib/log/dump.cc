#include "log/dump.h"

#include <algorithm>
#include <climits>

#include "log/index.h"
#include "log/segment.h"
#include "log/segment_name.h"
#include "os/file.h"

namespace klog::log {

Status DumpPartition(const std::string& dir, const std::string& label, const DumpOptions& options,
                     const DumpCallback& on_batch) {
  auto bases = ListSegments(dir);
  if (!bases.ok()) return bases.status().WithContext(label);
  if (bases->empty()) return Status::Ok();
  size_t first = 0;
  if (options.from_offset > bases->front())
    first =
        static_cast<size_t>(std::upper_bound(bases->begin(), bases->end(), options.from_offset) - bases->begin() - 1);
  int64_t shown = 0;
  Batch batch;
  for (size_t i = first; i < bases->size(); ++i) {
    const int64_t base = (*bases)[i];
    const bool newest = i + 1 == bases->size();
    auto log = os::File::OpenRead(SegmentPath(dir, base, kLogSuffix));
    if (!log.ok()) {
      if (log.status().code() == Code::kNotFound) continue;  // deleted by retention meanwhile
      return log.status().WithContext(label);
    }
    auto size = log->Size();
    if (!size.ok()) return size.status().WithContext(label);
    // Plain variables, not a structured binding: clang 14 (the fuzz and TSan
    // builds) cannot capture those in the lambda below.
    std::pair<uint64_t, int64_t> start = i == first ? IndexedStart(dir, base, *log, *size, options.from_offset)
                                                    : std::pair<uint64_t, int64_t>{0, base};
    uint64_t pos = start.first;
    int64_t expected = start.second;
    while (pos < *size) {
      if (options.max_batches >= 0 && shown >= options.max_batches) return Status::Ok();
      auto where = [&] { return Where(label, expected, base, pos); };
      if (*size - pos < kBatchHeaderSize) {
        if (newest) return Status::Ok();
        return Status::Corruption(where() + ": the segment ends inside a batch header");
      }
      char hdr[kBatchHeaderSize];
      auto n = log->ReadAt(pos, hdr, sizeof hdr);
      if (!n.ok()) return n.status().WithContext(label);
      if (*n != sizeof hdr) return Status::Ok();  // shrank under us: a writer's recovery
      BatchSummary s;
      s.segment_base = base;
      s.position = pos;
      Status st = ParseBatchHeader(hdr, s.header);
      if (!st.ok()) return Status::Corruption(where() + ": bad batch header: " + st.message());
      if (s.header.total_size() > *size - pos) {
        if (newest) return Status::Ok();
        return Status::Corruption(where() + ": the segment ends inside a batch");
      }
      if (s.header.base_offset != expected)
        s.problem = "base offset " + std::to_string(s.header.base_offset) + " where " + std::to_string(expected) +
                    " was expected";
      std::string& raw = batch.mutable_raw();
      raw.resize(s.header.total_size());
      auto m = log->ReadAt(pos, raw.data(), raw.size());
      if (!m.ok()) return m.status().WithContext(label);
      if (*m != raw.size()) return Status::Ok();
      s.crc_ok = BatchCrcOk(s.header, raw.data());
      bool decoded = false;
      if (!s.crc_ok) {
        s.problem = "checksum mismatch";
      } else if (st = batch.Load(); !st.ok()) {
        s.problem = "records do not decode: " + st.message();
      } else {
        record::RecordView r;
        uint32_t count = 0;
        while (batch.Next(r)) ++count;
        if (!batch.status().ok())
          s.problem = "records do not decode: " + batch.status().message();
        else if (count != s.header.record_count)
          s.problem = "fewer records than the header says";
        else
          decoded = true;
        batch.Reset();
      }
      pos += s.header.total_size();
      expected = s.header.next_offset();
      if (s.header.next_offset() <= options.from_offset) continue;  // wholly before the start
      KLOG_RETURN_IF_ERROR(on_batch(s, decoded ? &batch : nullptr));
      ++shown;
    }
  }
  return Status::Ok();
}

}  // namespace klog::log
