#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "util/crc32c.h"

using klog::util::Crc32c;

// Test vectors from RFC 3720 (iSCSI) appendix B.4 and the "123456789" check value.
TEST_CASE("crc32c matches the standard test vectors") {
  CHECK(Crc32c("123456789", 9) == 0xE3069283u);
  std::string zeros(32, '\0');
  CHECK(Crc32c(zeros.data(), zeros.size()) == 0x8A9136AAu);
  std::string ones(32, '\xff');
  CHECK(Crc32c(ones.data(), ones.size()) == 0x62A8AB43u);
  std::string inc(32, 0);
  for (int i = 0; i < 32; ++i) inc[i] = static_cast<char>(i);
  CHECK(Crc32c(inc.data(), inc.size()) == 0x46DD794Eu);
  std::string dec(32, 0);
  for (int i = 0; i < 32; ++i) dec[i] = static_cast<char>(31 - i);
  CHECK(Crc32c(dec.data(), dec.size()) == 0x113FDB5Cu);
}

TEST_CASE("hardware and portable crc32c agree, also when extended piecewise") {
  std::string data;
  for (int i = 0; i < 10000; ++i) data.push_back(static_cast<char>((i * 7919) & 0xff));
  uint32_t whole = klog::util::Crc32cPortable(0, data.data(), data.size());
  CHECK(Crc32c(data.data(), data.size()) == whole);
  for (size_t split : {0ul, 1ul, 7ul, 8ul, 9ul, 4095ul, 9999ul}) {
    uint32_t c = klog::util::Crc32cExtend(0, data.data(), split);
    c = klog::util::Crc32cExtend(c, data.data() + split, data.size() - split);
    CHECK(c == whole);
  }
}

// The hardware path joins three streams over 8 KiB and 256 B blocks: every
// length around those block boundaries, at unaligned starts, must give what
// the byte-at-a-time definition gives.
TEST_CASE("hardware crc32c agrees with the portable one at every block boundary") {
  std::string data(3 * 8192 * 2 + 1000, '\0');
  uint32_t x = 2463534242u;
  for (char& c : data) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    c = static_cast<char>(x);
  }
  std::vector<size_t> lengths;
  for (size_t block : {256ul, 8192ul})
    for (size_t k : {1ul, 2ul, 3ul, 4ul, 6ul})
      for (long d = -9; d <= 9; ++d) lengths.push_back(static_cast<size_t>(static_cast<long>(k * block) + d));
  lengths.push_back(data.size() - 7);
  for (size_t start : {0ul, 1ul, 3ul, 7ul})
    for (size_t len : lengths) {
      CAPTURE(start);
      CAPTURE(len);
      CHECK(Crc32c(data.data() + start, len) == klog::util::Crc32cPortable(0, data.data() + start, len));
    }
}
