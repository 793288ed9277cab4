// Batch decoder: Batch::Load (header, CRC, zstd) and record iteration.
// Input: one mode byte, then the raw batch. With mode bit 0 set, the length
// and CRC fields are fixed up first, so that the fuzzer gets past the
// checksum into the record and zstd decoders.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "log/batch.h"
#include "util/crc32c.h"
#include "util/endian.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  klog::log::Batch batch;
  std::string& raw = batch.mutable_raw();
  raw.assign(reinterpret_cast<const char*>(data + 1), size - 1);
  if ((mode & 1) && raw.size() >= klog::log::kBatchHeaderSize) {
    klog::util::PutFixed<uint32_t>(raw.data() + klog::log::kBatchLengthAt,
                                   static_cast<uint32_t>(raw.size() - klog::log::kBatchLengthPrefix));
    klog::util::PutFixed<uint32_t>(
        raw.data() + klog::log::kBatchCrcAt,
        klog::util::Crc32c(raw.data() + klog::log::kBatchCrcStart, raw.size() - klog::log::kBatchCrcStart));
  }
  klog::Status st = batch.Load();
  if (!st.ok()) return 0;
  const auto& h = batch.header();
  FUZZ_ASSERT(h.total_size() == raw.size() || h.total_size() <= raw.size());
  for (int pass = 0; pass < 2; ++pass) {  // Reset must allow a second identical pass
    batch.Reset();
    klog::record::RecordView r;
    uint32_t n = 0;
    size_t bytes = 0;
    while (batch.Next(r)) {
      ++n;
      bytes += r.value.size() + (r.key ? r.key->size() : 0);
      for (const auto& hv : r.headers) bytes += hv.name.size() + (hv.value ? hv.value->size() : 0);
    }
    if (batch.status().ok()) FUZZ_ASSERT(n == h.record_count);
    (void)bytes;
  }
  return 0;
}
