#include <doctest/doctest.h>

#include <string>

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
