// Zig-zag varints, as Kafka's record format (protobuf-style base-128).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace klog::util {

constexpr size_t kMaxVarintBytes = 10;

inline uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
inline int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

inline void PutVarint(std::string& out, int64_t value) {
  uint64_t v = ZigZag(value);
  char buf[kMaxVarintBytes];
  size_t n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out.append(buf, n);
}

// Reads a varint from the front of `in` and advances it; false when the
// input ends early or the varint is longer than 10 bytes.
inline bool GetVarint(std::string_view& in, int64_t& value) {
  uint64_t result = 0;
  for (size_t i = 0; i < in.size() && i < kMaxVarintBytes; ++i) {
    uint64_t byte = static_cast<uint8_t>(in[i]);
    result |= (byte & 0x7f) << (7 * i);
    if (!(byte & 0x80)) {
      in.remove_prefix(i + 1);
      value = UnZigZag(result);
      return true;
    }
  }
  return false;
}

}  // namespace klog::util
