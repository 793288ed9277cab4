#include "log/verify.h"

#include <algorithm>
#include <string>

#include "log/segment_check.h"
#include "log/segment_name.h"
#include "os/file.h"

namespace klog::log {

const char* DamageKindName(DamageKind kind) {
  switch (kind) {
    case DamageKind::kBadHeader:
      return "bad-header";
    case DamageKind::kChecksum:
      return "checksum";
    case DamageKind::kBadRecords:
      return "bad-records";
    case DamageKind::kOffsetSequence:
      return "offset-sequence";
    case DamageKind::kSegmentOverlap:
      return "segment-overlap";
    case DamageKind::kSegmentGap:
      return "segment-gap";
    case DamageKind::kTornTail:
      return "torn-tail";
    case DamageKind::kTruncated:
      return "truncated";
    case DamageKind::kIndex:
      return "index";
    case DamageKind::kMissingIndex:
      return "missing-index";
    case DamageKind::kIOError:
      return "io-error";
  }
  return "unknown";
}

bool VerifyReport::repairable() const {
  if (damage.empty()) return false;
  return std::all_of(damage.begin(), damage.end(), [](const Damage& d) { return d.repairable; });
}

std::string VerifyReport::Describe(const Damage& d) const {
  std::string s = label;
  if (d.offset >= 0) s += " offset " + std::to_string(d.offset);
  return s + " (" + d.file + " byte " + std::to_string(d.position) + "): " + d.message;
}

namespace {

Result<VerifyReport> VerifyScan(const std::string& dir, const std::string& label) {
  VerifyReport report;
  report.label = label;
  auto bases = ListSegments(dir);
  if (!bases.ok()) return bases.status().WithContext(label);
  std::vector<SegmentCheck> segs;
  for (size_t i = 0; i < bases->size(); ++i) {
    SegmentCheck seg;
    seg.base = (*bases)[i];
    bool active = i + 1 == bases->size();
    CheckSegment(dir, active, seg);
    if (seg.present) segs.push_back(std::move(seg));
  }
  const SegmentCheck* prev = nullptr;
  for (const SegmentCheck& seg : segs) {
    if (prev && prev->log_clean && prev->next_offset != seg.base) {
      bool overlap = seg.base < prev->next_offset;
      std::string p = SegmentFileName(prev->base, kLogSuffix);
      report.damage.push_back(MakeDamage(
          overlap ? DamageKind::kSegmentOverlap : DamageKind::kSegmentGap, seg.base, kLogSuffix, 0, seg.base,
          overlap ? "segment overlaps " + p + ", which holds offsets up to " + std::to_string(prev->next_offset - 1)
                  : "offsets " + std::to_string(prev->next_offset) + " to " + std::to_string(seg.base - 1) +
                        " are missing: " + p + " ends at " + std::to_string(prev->next_offset - 1)));
    }
    report.damage.insert(report.damage.end(), seg.damage.begin(), seg.damage.end());
    ++report.segments;
    report.batches += seg.batches;
    report.records += seg.records;
    report.log_bytes += seg.size;
    prev = &seg;
  }
  if (!segs.empty()) {
    report.start_offset = segs.front().base;
    report.end_offset = segs.back().next_offset;
  }
  return report;
}

}  // namespace

Result<VerifyReport> VerifyPartition(const std::string& dir, const std::string& label) {
  auto first = VerifyScan(dir, label);
  if (!first.ok() || first->damage.empty()) return first;
  // What looks like damage may be an append or a roll in progress: look
  // again with appends held off. A directory without writer.lock has never
  // had a writer to wait for.
  auto lock = os::FileLock::AcquireShared(os::JoinPath(dir, kWriterLockFile));
  if (!lock.ok()) return first;
  return VerifyScan(dir, label);
}

}  // namespace klog::log
