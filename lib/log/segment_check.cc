#include "log/segment_check.h"

#include <algorithm>
#include <climits>
#include <cstdio>

#include "log/batch.h"
#include "log/index.h"
#include "log/segment.h"
#include "log/segment_name.h"
#include "os/file.h"
#include "util/crc32c.h"

namespace klog::log {

Damage MakeDamage(DamageKind kind, int64_t base, const char* suffix, uint64_t pos, int64_t offset, std::string msg) {
  Damage d;
  d.kind = kind;
  d.segment_base = base;
  d.file = SegmentFileName(base, suffix);
  d.position = pos;
  d.offset = offset;
  d.message = std::move(msg);
  d.repairable = kind == DamageKind::kTornTail || kind == DamageKind::kIndex || kind == DamageKind::kMissingIndex ||
                 kind == DamageKind::kSegmentGap;
  return d;
}

namespace {

struct IndexRead {
  bool exists = false;
  std::vector<IndexEntry> entries;  // the whole entries, as stored
  bool bad = false;                 // damage reported for this file
};

// Checks one index file against seg.starts; appends at most one damage.
IndexRead CheckIndex(const std::string& dir, SegmentCheck& seg, const char* suffix) {
  const bool time = std::string(suffix) == kTimeIndexSuffix;
  const size_t esize = time ? kTimeEntrySize : kOffsetEntrySize;
  const int64_t base = seg.base;
  IndexRead out;
  auto report = [&](DamageKind kind, uint64_t pos, int64_t offset, std::string msg) {
    seg.damage.push_back(MakeDamage(kind, base, suffix, pos, offset, std::move(msg)));
    out.bad = true;
    return out;
  };
  auto text = os::ReadFile(SegmentPath(dir, base, suffix));
  if (!text.ok()) {
    if (text.status().code() != Code::kNotFound) return report(DamageKind::kIOError, 0, -1, text.status().message());
    if (!os::Exists(SegmentPath(dir, base, kLogSuffix))) {
      seg.present = false;  // the whole segment went meanwhile
      return out;
    }
    bool needed = std::any_of(seg.starts.begin(), seg.starts.end(),
                              [](const BatchStart& b) { return b.position >= kIndexIntervalBytes; });
    if (needed)
      return report(DamageKind::kMissingIndex, 0, -1,
                    std::string(time ? "time" : "offset") + " index is missing (the segment has " +
                        std::to_string(seg.size) + " bytes, so lookups need it)");
    return out;
  }
  out.exists = true;
  const std::string& data = *text;
  uint64_t n = data.size() / esize;
  for (uint64_t i = 0; i < n; ++i) {
    const char* p = data.data() + i * esize;
    IndexEntry e = DecodeIndexEntry(p, esize);
    const uint64_t at = i * esize;
    const int64_t claimed = base + e.rel_offset;
    std::string entry = "index entry " + std::to_string(i) + " (offset " + std::to_string(claimed) + " at byte " +
                        std::to_string(e.position) + ")";
    if (!out.entries.empty() &&
        (e.rel_offset <= out.entries.back().rel_offset || e.position <= out.entries.back().position))
      return report(DamageKind::kIndex, at, claimed,
                    entry + " does not come after the one before it (offset " +
                        std::to_string(base + out.entries.back().rel_offset) + " at byte " +
                        std::to_string(out.entries.back().position) + ")");
    if (e.position >= seg.size)
      return report(DamageKind::kIndex, at, claimed,
                    entry + " points past the end of the " + std::to_string(seg.size) + "-byte log");
    if (e.position < seg.good_end) {
      auto it = std::lower_bound(seg.starts.begin(), seg.starts.end(), uint64_t{e.position},
                                 [](const BatchStart& b, uint64_t pos) { return b.position < pos; });
      if (it == seg.starts.end() || it->position != e.position)
        return report(DamageKind::kIndex, at, claimed, entry + " does not point at the start of a batch");
      if (it->base_offset != claimed)
        return report(DamageKind::kIndex, at, claimed,
                      entry + " is wrong: the batch there starts at offset " + std::to_string(it->base_offset));
      if (time && it->max_ts_before != e.max_ts_before)
        return report(DamageKind::kIndex, at, claimed,
                      entry + " says the newest timestamp before it is " + std::to_string(e.max_ts_before) +
                          ", the log says " + std::to_string(it->max_ts_before));
    }
    out.entries.push_back(e);
  }
  if (data.size() % esize != 0)
    return report(DamageKind::kIndex, n * esize, -1,
                  "partial index entry at the end (" + std::to_string(data.size() % esize) + " of " +
                      std::to_string(esize) + " bytes)");
  return out;
}

}  // namespace

// A power loss during an unsynced append keeps some 512-byte sectors of it
// and not others (or a prefix of it); what was never written back reads as
// zeros. So a bad last batch of the active segment (at `pos`, base offset
// `expected`) is taken for a torn write only when nothing valid follows it
// (else it is damage, issue 19 item 3) and [pos, size) holds zeros where a
// batch written whole would not: a run of 16 or more (a header has at most
// 8 in a row), its first byte (the base offset's low byte is not 0), or its
// last 4 bytes or more.
bool TornWrite(const os::File& log, uint64_t pos, uint64_t size, int64_t expected) {
  constexpr uint64_t kMinHole = 16, kMinEndHole = 4;
  if (FindValidBatchAfter(log, size, pos)) return false;
  char buf[65536];
  uint64_t run = 0;  // zeros in a row so far
  for (uint64_t at = pos; at < size;) {
    auto n = log.ReadAt(at, buf, static_cast<size_t>(std::min<uint64_t>(sizeof buf, size - at)));
    if (!n.ok() || *n == 0) return false;
    for (size_t i = 0; i < *n; ++i) {
      if (buf[i] != 0) {
        run = 0;
        continue;
      }
      if (at + i == pos && (expected & 0xff) != 0) return true;
      if (++run >= kMinHole) return true;
    }
    at += *n;
  }
  return run >= kMinEndHole;
}

void CheckLog(const std::string& dir, bool active, SegmentCheck& seg) {
  const int64_t base = seg.base;
  auto log = os::File::OpenRead(SegmentPath(dir, base, kLogSuffix));
  if (!log.ok()) {
    if (log.status().code() == Code::kNotFound)
      seg.present = false;
    else
      seg.damage.push_back(MakeDamage(DamageKind::kIOError, base, kLogSuffix, 0, base, log.status().message()));
    return;
  }
  auto size = log->Size();
  if (!size.ok()) {
    seg.damage.push_back(MakeDamage(DamageKind::kIOError, base, kLogSuffix, 0, base, size.status().message()));
    return;
  }
  seg.size = *size;
  uint64_t pos = 0;
  int64_t expected = base;
  int64_t max_ts = INT64_MIN;
  Batch batch;
  auto stop = [&](DamageKind kind, std::string msg) {
    seg.damage.push_back(MakeDamage(kind, base, kLogSuffix, pos, expected, std::move(msg)));
  };
  // Damage that may be a torn write at the end of the active segment.
  auto damaged = [&](DamageKind kind, std::string msg) {
    if (active && TornWrite(*log, pos, seg.size, expected)) {
      seg.torn_tail = pos;
      stop(DamageKind::kTornTail, msg + ", in the last " + std::to_string(seg.size - pos) +
                                      " bytes, with a hole of zeros and no valid batch after it (torn tail of an "
                                      "append a power loss cut)");
    } else {
      stop(kind, std::move(msg));
    }
  };
  // What the user can do about a damaged batch whose length the next one
  // proves (readers step over it): read on after it.
  auto ReadOn = [&](const BatchHeader& h) -> std::string {
    Batch next;
    if (ReadBatchAt(*log, seg.size, pos + h.total_size(), h.next_offset(), &next).kind != ReadKind::kBatch) return "";
    return "; the records after it can be read: klog consume -o " + std::to_string(h.next_offset());
  };
  auto cut_short = [&](uint64_t need) {
    std::string msg = "the segment ends inside a batch: " + std::to_string(seg.size - pos) + " of its " +
                      std::to_string(need) + " bytes are there";
    if (active)
      stop(DamageKind::kTornTail, msg + " (torn tail of an interrupted append)");
    else
      stop(DamageKind::kTruncated, msg + " (a closed segment was cut short; its last records are lost)");
  };
  for (;;) {
    if (pos == seg.size) {
      seg.log_clean = true;
      break;
    }
    if (!active && AllZeros(*log, pos, seg.size)) {
      stop(DamageKind::kTruncated, std::to_string(seg.size - pos) +
                                       " zero bytes after the last batch (a closed segment's end was lost)");
      break;
    }
    if (seg.size - pos < kBatchHeaderSize) {
      if (active && AllZeros(*log, pos, seg.size)) {
        seg.zero_tail = pos;
        stop(DamageKind::kTornTail, std::to_string(seg.size - pos) + " zero bytes after the last batch (torn tail)");
      } else {
        cut_short(kBatchHeaderSize);
      }
      break;
    }
    char hdr[kBatchHeaderSize];
    auto n = log->ReadAt(pos, hdr, sizeof hdr);
    if (!n.ok() || *n != sizeof hdr) {
      stop(DamageKind::kIOError, n.ok() ? "the file shrank while being read" : n.status().message());
      break;
    }
    BatchHeader h;
    Status st = ParseBatchHeader(hdr, h);
    if (!st.ok()) {
      if (active && AllZeros(*log, pos, seg.size)) {
        seg.zero_tail = pos;
        stop(DamageKind::kTornTail, std::to_string(seg.size - pos) + " zero bytes after the last batch (torn tail)");
      } else {
        damaged(DamageKind::kBadHeader, "bad batch header: " + st.message());
      }
      break;
    }
    if (h.base_offset != expected) {
      damaged(DamageKind::kOffsetSequence, "batch with base offset " + std::to_string(h.base_offset) + " where " +
                                            std::to_string(expected) + " was expected");
      break;
    }
    if (h.total_size() > seg.size - pos) {
      // A damaged length field also runs past the end: not a torn tail.
      BatchRead r = ReadBatchAt(*log, seg.size, pos, expected, nullptr);
      if (r.kind == ReadKind::kCorrupt) stop(DamageKind::kBadHeader, r.error.message());
      else cut_short(h.total_size());
      break;
    }
    std::string& raw = batch.mutable_raw();
    raw.resize(h.total_size());
    auto m = log->ReadAt(pos, raw.data(), raw.size());
    if (!m.ok() || *m != raw.size()) {
      stop(DamageKind::kIOError, m.ok() ? "the file shrank while being read" : m.status().message());
      break;
    }
    if (!BatchCrcOk(h, raw.data())) {
      char computed[16];
      snprintf(computed, sizeof computed, "%08x",
               util::Crc32c(raw.data() + kBatchCrcStart, raw.size() - kBatchCrcStart));
      char stored[16];
      snprintf(stored, sizeof stored, "%08x", h.crc);
      damaged(DamageKind::kChecksum,
              std::string("checksum mismatch (stored ") + stored + ", computed " + computed + ")" + ReadOn(h));
      break;
    }
    st = batch.Load();
    if (!st.ok()) {
      damaged(DamageKind::kBadRecords, "records do not decode: " + st.message() + ReadOn(h));
      break;
    }
    record::RecordView r;
    uint32_t count = 0;
    while (batch.Next(r)) ++count;
    if (!batch.status().ok() || count != h.record_count) {
      stop(DamageKind::kBadRecords,
           "records do not decode: " +
               (batch.status().ok() ? std::string("fewer records than the header says") : batch.status().message()));
      break;
    }
    seg.starts.push_back({pos, h.base_offset, max_ts});
    max_ts = std::max(max_ts, h.max_timestamp);
    ++seg.batches;
    seg.records += h.record_count;
    pos += h.total_size();
    expected = h.next_offset();
  }
  seg.good_end = pos;
  seg.next_offset = expected;
}

void CheckSegment(const std::string& dir, bool active, SegmentCheck& seg) {
  CheckLog(dir, active, seg);
  if (!seg.present || (!seg.damage.empty() && seg.damage.back().kind == DamageKind::kIOError)) return;
  IndexRead offsets = CheckIndex(dir, seg, kOffsetIndexSuffix);
  if (!seg.present) return;
  IndexRead times = CheckIndex(dir, seg, kTimeIndexSuffix);
  if (!seg.present || offsets.bad || times.bad || !offsets.exists || !times.exists) return;
  size_t common = std::min(offsets.entries.size(), times.entries.size());
  for (size_t i = 0; i <= common; ++i) {
    if (i == common) {
      if (offsets.entries.size() != times.entries.size())
        seg.damage.push_back(MakeDamage(DamageKind::kIndex, seg.base, kTimeIndexSuffix, common * kTimeEntrySize, -1,
                                        "the offset index has " + std::to_string(offsets.entries.size()) +
                                            " entries, the time index " + std::to_string(times.entries.size())));
      break;
    }
    const IndexEntry& o = offsets.entries[i];
    const IndexEntry& t = times.entries[i];
    if (o.rel_offset != t.rel_offset || o.position != t.position) {
      seg.damage.push_back(
          MakeDamage(DamageKind::kIndex, seg.base, kTimeIndexSuffix, i * kTimeEntrySize, seg.base + t.rel_offset,
                     "time index entry " + std::to_string(i) + " (offset " + std::to_string(seg.base + t.rel_offset) +
                         " at byte " + std::to_string(t.position) + ") differs from the offset index's (offset " +
                         std::to_string(seg.base + o.rel_offset) + " at byte " + std::to_string(o.position) + ")"));
      break;
    }
  }
}

}  // namespace klog::log
