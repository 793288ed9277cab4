// Fixed-width little-endian integers for on-disk headers and indexes.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

namespace klog::util {

template <typename T>
inline void PutFixed(char* dst, T v) {
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "klog's formats are little-endian");
  std::memcpy(dst, &v, sizeof v);
}
template <typename T>
inline void AppendFixed(std::string& out, T v) {
  char b[sizeof v];
  PutFixed(b, v);
  out.append(b, sizeof v);
}
template <typename T>
inline T GetFixed(const char* src) {
  T v;
  std::memcpy(&v, src, sizeof v);
  return v;
}

}  // namespace klog::util
