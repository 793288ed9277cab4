#include "util/murmur2.h"

namespace klog::util {

int32_t Murmur2(std::string_view data) {
  const uint32_t seed = 0x9747b28cu;
  const uint32_t m = 0x5bd1e995u;
  const int r = 24;
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  size_t length = data.size();
  uint32_t h = seed ^ static_cast<uint32_t>(length);
  size_t length4 = length / 4;
  for (size_t i = 0; i < length4; ++i) {
    size_t i4 = i * 4;
    uint32_t k = (p[i4 + 0] & 0xffu) + ((p[i4 + 1] & 0xffu) << 8) + ((p[i4 + 2] & 0xffu) << 16) +
                 ((p[i4 + 3] & 0xffu) << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  size_t tail = length & ~size_t{3};
  switch (length % 4) {
    case 3:
      h ^= static_cast<uint32_t>(p[tail + 2] & 0xff) << 16;
      [[fallthrough]];
    case 2:
      h ^= static_cast<uint32_t>(p[tail + 1] & 0xff) << 8;
      [[fallthrough]];
    case 1:
      h ^= static_cast<uint32_t>(p[tail] & 0xff);
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<int32_t>(h);
}

int32_t KafkaPartitionForKey(std::string_view key, int32_t partitions) {
  return static_cast<int32_t>((static_cast<uint32_t>(Murmur2(key)) & 0x7fffffffu) %
                              static_cast<uint32_t>(partitions));
}

}  // namespace klog::util
