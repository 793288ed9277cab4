#include <doctest/doctest.h>

#include <climits>
#include <cstdint>
#include <string>
#include <vector>

#include "util/varint.h"

using klog::util::GetVarint;
using klog::util::PutVarint;
using klog::util::UnZigZag;
using klog::util::ZigZag;

namespace {

std::string Encode(int64_t v) {
  std::string s;
  PutVarint(s, v);
  return s;
}

std::vector<int64_t> Interesting() {
  std::vector<int64_t> v = {0, 1, -1, 2, -2, 63, -64, 64, -65, 127, 128, 300, -300, INT32_MAX, INT32_MIN,
                            INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1};
  for (int shift = 0; shift < 63; ++shift) {
    int64_t p = int64_t{1} << shift;
    for (int64_t x : {p - 1, p, p + 1, -p, -p - 1}) v.push_back(x);
  }
  return v;
}

}  // namespace

// Zig-zag values from the protobuf encoding guide ("Signed Integers" table).
TEST_CASE("zig-zag maps signed to unsigned as protobuf does") {
  CHECK(ZigZag(0) == 0u);
  CHECK(ZigZag(-1) == 1u);
  CHECK(ZigZag(1) == 2u);
  CHECK(ZigZag(-2) == 3u);
  CHECK(ZigZag(0x7fffffff) == 0xfffffffeu);
  CHECK(ZigZag(-0x80000000ll) == 0xffffffffu);
  CHECK(ZigZag(INT64_MAX) == UINT64_MAX - 1);
  CHECK(ZigZag(INT64_MIN) == UINT64_MAX);
  for (int64_t v : Interesting()) CHECK(UnZigZag(ZigZag(v)) == v);
}

// Protobuf encoding guide: 150 encodes as 96 01 (unsigned), so zig-zag 150 (= 75) does too.
TEST_CASE("varint bytes are base-128, little end first") {
  CHECK(Encode(0) == std::string("\x00", 1));
  CHECK(Encode(-1) == "\x01");
  CHECK(Encode(75) == "\x96\x01");
  CHECK(Encode(-64) == "\x7f");
  CHECK(Encode(64) == "\x80\x01");
  CHECK(Encode(INT64_MIN) == "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01");
  CHECK(Encode(INT64_MAX) == "\xfe\xff\xff\xff\xff\xff\xff\xff\xff\x01");
}

TEST_CASE("varints round trip, including INT64_MIN and INT64_MAX, followed by other bytes") {
  for (int64_t v : Interesting()) {
    CAPTURE(v);
    std::string buf = Encode(v) + "tail";
    std::string_view in = buf;
    int64_t out = 0;
    REQUIRE(GetVarint(in, out));
    CHECK(out == v);
    CHECK(in == "tail");
    CHECK(Encode(v).size() <= klog::util::kMaxVarintBytes);
  }
}

TEST_CASE("a sequence of varints decodes in order") {
  std::string buf;
  for (int64_t v : Interesting()) PutVarint(buf, v);
  std::string_view in = buf;
  for (int64_t v : Interesting()) {
    int64_t out;
    REQUIRE(GetVarint(in, out));
    CHECK(out == v);
  }
  CHECK(in.empty());
}

TEST_CASE("truncated varints fail and leave the input untouched") {
  for (int64_t v : Interesting()) {
    std::string enc = Encode(v);
    for (size_t n = 0; n < enc.size(); ++n) {
      CAPTURE(v);
      CAPTURE(n);
      std::string_view in(enc.data(), n);
      int64_t out = 12345;
      CHECK_FALSE(GetVarint(in, out));
      CHECK(in.size() == n);
      CHECK(out == 12345);
    }
  }
}

TEST_CASE("a varint longer than 10 bytes is refused") {
  std::string eleven(10, '\x80');
  eleven.push_back('\x01');
  std::string_view in = eleven;
  int64_t out;
  CHECK_FALSE(GetVarint(in, out));
  CHECK(in.size() == 11);
  std::string endless(64, '\xff');
  in = endless;
  CHECK_FALSE(GetVarint(in, out));
}
