// CRC-32C (Castagnoli), as Kafka's record batches use. Hardware (SSE4.2
// crc32 instruction) when the CPU has it, otherwise a slicing-by-8 table.
#pragma once

#include <cstddef>
#include <cstdint>

namespace klog::util {

// Extends a running CRC (start with 0) by n bytes.
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n);
inline uint32_t Crc32c(const void* data, size_t n) { return Crc32cExtend(0, data, n); }

// The portable implementation, exposed so tests can compare both paths.
uint32_t Crc32cPortable(uint32_t crc, const void* data, size_t n);
bool Crc32cHardwareAvailable();

}  // namespace klog::util
