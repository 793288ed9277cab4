// Index reader: IndexFile over a file made of the input (offset index or time
// index), every entry read and lookups by offset and time.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <unistd.h>

#include "fuzz_util.h"
#include "log/index.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 9) return 0;
  const bool time_index = data[0] & 1;
  uint64_t key;  // lookup key from the input
  std::memcpy(&key, data + 1, sizeof key);
  std::string_view content(reinterpret_cast<const char*>(data + 9), size - 9);
  int fd = klog::fuzz::MemFile(content);
  if (fd < 0) return 0;
  klog::log::IndexFile index(klog::fuzz::FdPath(fd),
                             time_index ? klog::log::kTimeEntrySize : klog::log::kOffsetEntrySize);
  klog::Status st = index.Open();
  if (st.ok()) {
    FUZZ_ASSERT(index.count() <= content.size());
    for (uint64_t i = 0; i < index.count() + 2; ++i) (void)index.At(i);
    for (uint32_t k : {0u, 1u, static_cast<uint32_t>(key), 0xffffffffu}) {
      auto e = index.FloorByOffset(k);
      if (e.ok() && e->has_value() && !time_index) FUZZ_ASSERT((*e)->rel_offset <= k);
    }
    for (int64_t t : {INT64_MIN, int64_t{0}, static_cast<int64_t>(key), INT64_MAX}) {
      auto n = index.CountBeforeTime(t);
      if (!n.ok()) continue;
      FUZZ_ASSERT(*n <= index.count());
      auto e = *n > 0 ? index.At(*n - 1) : klog::Result<klog::log::IndexEntry>(klog::Status::NotFound(""));
      if (e.ok() && time_index) FUZZ_ASSERT(e->max_ts_before < t);
    }
  }
  ::close(fd);
  return 0;
}
