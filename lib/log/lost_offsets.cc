#include "log/lost_offsets.h"

#include <algorithm>
#include <sstream>

#include "log/segment.h"
#include "log/segment_name.h"
#include "os/file.h"

namespace klog::log {

namespace {
constexpr size_t kMaxBytes = 1 << 20;  // far more gaps than a partition has segments
}

Result<std::vector<LostRange>> ReadLostOffsets(const std::string& dir) {
  std::string path = os::JoinPath(dir, kLostOffsetsFile);
  std::vector<LostRange> out;
  auto text = os::ReadFile(path);
  if (!text.ok()) {
    if (text.status().code() == Code::kNotFound) return out;
    return text.status();
  }
  if (text->size() > kMaxBytes) return Status::Corruption(path + ": too large to be a record of lost offsets");
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::istringstream l(line);
    LostRange r;
    std::string rest;
    if (!(l >> r.first >> r.last) || (l >> rest) || r.first < 0 || r.last < r.first)
      return Status::Corruption(path + ": bad line '" + line + "' (expected 'FIRST LAST')");
    out.push_back(r);
  }
  return out;
}

bool IsRecordedGap(const std::vector<LostRange>& lost, int64_t first, int64_t last) {
  return std::any_of(lost.begin(), lost.end(), [&](const LostRange& r) { return r.first == first && r.last == last; });
}

std::string DescribeGap(int64_t prev_base, int64_t first, int64_t next_base) {
  return (next_base - first == 1 ? "offset " + std::to_string(first) + " is"
                                 : "offsets " + std::to_string(first) + " to " + std::to_string(next_base - 1) + " are") +
         " missing: " + SegmentFileName(prev_base, kLogSuffix) + " ends before " + std::to_string(first) + ", " +
         SegmentFileName(next_base, kLogSuffix) + " starts at " + std::to_string(next_base);
}

Status CheckSegmentJoin(const std::string& dir, const std::string& label, int64_t prev, int64_t next) {
  auto end = ScanSegmentEnd(dir, prev);
  if (!end.ok()) return end.status().WithContext(label);
  int64_t first = end->next_offset;
  if (first == next) return Status::Ok();
  if (first > next)
    return Status::Corruption(label + ": " + SegmentFileName(next, kLogSuffix) + " starts at offset " +
                              std::to_string(next) + ", inside " + SegmentFileName(prev, kLogSuffix) +
                              " (which holds offsets up to " + std::to_string(first - 1) +
                              "); see 'klog verify' and restore the partition from a backup");
  auto lost = ReadLostOffsets(dir);
  if (!lost.ok()) return lost.status().WithContext(label);
  if (IsRecordedGap(*lost, first, next - 1)) return Status::Ok();
  return Status::Corruption(label + ": " + DescribeGap(prev, first, next) +
                            " (lost in a crash); run 'klog verify --repair' to record them as lost and go on past them");
}

Status RecordLostOffsets(const std::string& dir, int64_t first, int64_t last) {
  auto lost = ReadLostOffsets(dir);
  if (!lost.ok()) return lost.status();
  if (IsRecordedGap(*lost, first, last)) return Status::Ok();
  lost->push_back({first, last});
  std::sort(lost->begin(), lost->end(), [](const LostRange& a, const LostRange& b) { return a.first < b.first; });
  std::string text;
  for (const LostRange& r : *lost) text += std::to_string(r.first) + " " + std::to_string(r.last) + "\n";
  return os::WriteFileAtomic(os::JoinPath(dir, kLostOffsetsFile), text);
}

}  // namespace klog::log
