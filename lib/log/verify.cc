#include "log/verify.h"

#include <algorithm>
#include <string>

#include "log/lost_offsets.h"
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
  auto lost = ReadLostOffsets(dir);
  if (!lost.ok()) return lost.status().WithContext(label);
  const SegmentCheck* prev = nullptr;
  for (const SegmentCheck& seg : segs) {
    // A closed segment whose last batch was never completely written (a
    // power loss before it was synced) ends where its whole batches end.
    Damage* cut = nullptr;
    if (prev && !prev->log_clean)
      for (Damage& d : report.damage)
        if (d.segment_base == prev->base && d.kind == DamageKind::kTruncated) cut = &d;
    if (prev && (prev->log_clean || cut) && prev->next_offset != seg.base) {
      bool overlap = seg.base < prev->next_offset;
      std::string p = SegmentFileName(prev->base, kLogSuffix);
      if (overlap) {
        report.damage.push_back(MakeDamage(
            DamageKind::kSegmentOverlap, seg.base, kLogSuffix, 0, seg.base,
            "segment overlaps " + p + ", which holds offsets up to " + std::to_string(prev->next_offset - 1)));
      } else if (!IsRecordedGap(*lost, prev->next_offset, seg.base - 1)) {
        // Repair records the gap as lost (the records are not on disk:
        // nothing can bring them back) and cuts the half-written batch.
        if (cut) cut->repairable = true;  // before the push_back moves it
        report.damage.push_back(MakeDamage(DamageKind::kSegmentGap, seg.base, kLogSuffix, 0, prev->next_offset,
                                           DescribeGap(prev->base, prev->next_offset, seg.base) +
                                               " (lost in a crash)"));
      } else if (cut) {
        cut->repairable = true;  // the gap is recorded; the half batch is lost with it
      }
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
