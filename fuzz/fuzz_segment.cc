// Segment scanning: ScanSegment and ReadBatchAt over a file made of the input
// (the same code paths as recovery, verify and readers). Input: one byte
// that picks the expected base offset and CRC checking, then the file.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_util.h"
#include "log/batch.h"
#include "log/segment.h"
#include "os/file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  std::string_view content(reinterpret_cast<const char*>(data + 1), size - 1);
  int fd = klog::fuzz::MemFile(content);
  if (fd < 0) return 0;
  klog::os::File file(fd, "fuzz.log");
  const int64_t base = (mode & 2) ? 0 : static_cast<int64_t>(mode >> 2) * 1000;
  const bool verify_crc = mode & 1;
  uint64_t last_end = 0;
  klog::log::ScanResult s =
      klog::log::ScanSegment(file, content.size(), 0, base, verify_crc, [&](const klog::log::BatchHeader& h, uint64_t pos) {
        FUZZ_ASSERT(pos == last_end);
        last_end = pos + h.total_size();
        FUZZ_ASSERT(last_end <= content.size());
      });
  FUZZ_ASSERT(s.end_pos == last_end);
  FUZZ_ASSERT(s.end_pos <= content.size());
  FUZZ_ASSERT(s.next_offset >= base);
  // Reading batch by batch with decoding gives the same answer as the scan.
  klog::log::Batch batch;
  uint64_t pos = 0;
  int64_t expected = base;
  for (;;) {
    klog::log::BatchRead r = klog::log::ReadBatchAt(file, content.size(), pos, expected, &batch);
    if (r.kind != klog::log::ReadKind::kBatch) break;
    batch.Reset();
    klog::record::RecordView rec;
    while (batch.Next(rec)) {
    }
    pos += r.header.total_size();
    expected = r.header.next_offset();
  }
  if (verify_crc) FUZZ_ASSERT(pos == s.end_pos);
  return 0;
}
