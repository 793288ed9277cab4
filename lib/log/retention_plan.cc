#include "log/retention_plan.h"

#include "log/partition_writer.h"
#include "log/segment.h"
#include "log/segment_name.h"
#include "os/file.h"

namespace klog::log {

namespace {

bool ByTime(const SegmentInfo& s, const LogConfig& config, int64_t now_ms) {
  return config.retention_ms >= 0 && s.max_timestamp < now_ms - config.retention_ms;
}

}  // namespace

Result<std::vector<SegmentInfo>> ReadSegmentInfos(const std::string& dir) {
  auto bases = ListSegments(dir);
  if (!bases.ok()) return bases.status();
  std::vector<SegmentInfo> out;
  for (int64_t b : *bases) {
    auto f = os::File::OpenRead(SegmentPath(dir, b, kLogSuffix));
    if (!f.ok()) {
      if (f.status().code() == Code::kNotFound) continue;  // deleted meanwhile
      return f.status();
    }
    auto size = f->Size();
    if (!size.ok()) return size.status();
    auto ts = SegmentMaxTimestamp(dir, b);
    if (!ts.ok()) {
      if (ts.status().code() == Code::kNotFound) continue;
      return ts.status();
    }
    out.push_back({b, *size, *ts});
  }
  return out;
}

Result<std::vector<ExpiredSegment>> PlanRetention(const std::string& dir, const LogConfig& config, int64_t now_ms) {
  auto segs = ReadSegmentInfos(dir);
  if (!segs.ok()) return segs.status();
  size_t n = SegmentsToDelete(*segs, config.retention_ms, config.retention_bytes, now_ms);
  std::vector<ExpiredSegment> out;
  for (size_t i = 0; i < n; ++i)
    out.push_back({(*segs)[i], (*segs)[i + 1].base_offset, ByTime((*segs)[i], config, now_ms)});
  return out;
}

Result<std::vector<ExpiredSegment>> EnforceRetentionNow(const std::string& dir, const std::string& label,
                                                        const LogConfig& config, int64_t now_ms) {
  auto writer = PartitionWriter::Open(dir, label, config);
  if (!writer.ok()) return writer.status();
  auto deleted = (*writer)->EnforceRetention(now_ms);
  if (!deleted.ok()) return deleted.status();
  std::vector<ExpiredSegment> out;
  if (deleted->empty()) return out;
  auto rest = ListSegments(dir);
  if (!rest.ok()) return rest.status();
  // The active segment is never deleted, so one remains and follows the last deleted.
  int64_t after = rest->empty() ? deleted->back().base_offset : rest->front();
  for (size_t i = 0; i < deleted->size(); ++i) {
    int64_t end = i + 1 < deleted->size() ? (*deleted)[i + 1].base_offset : after;
    out.push_back({(*deleted)[i], end, ByTime((*deleted)[i], config, now_ms)});
  }
  return out;
}

}  // namespace klog::log
