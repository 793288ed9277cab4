#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "util/name.h"
#include "util/parse.h"

using namespace klog::util;
using klog::Code;
using klog::Status;

namespace {

// Sets TZ for one test and restores it (and tzset) afterwards.
class ScopedTz {
 public:
  explicit ScopedTz(const char* tz) {
    if (const char* old = std::getenv("TZ")) old_ = old;
    ::setenv("TZ", tz, 1);
    ::tzset();
  }
  ~ScopedTz() {
    if (old_) ::setenv("TZ", old_->c_str(), 1);
    else ::unsetenv("TZ");
    ::tzset();
  }

 private:
  std::optional<std::string> old_;
};

template <typename T>
bool IsInvalid(const klog::Result<T>& r) {
  return !r.ok() && r.status().code() == Code::kInvalidArgument;
}

}  // namespace

TEST_CASE("ParseSize: binary and decimal units, case-insensitive") {
  CHECK(*ParseSize("4096") == 4096u);
  CHECK(*ParseSize("0") == 0u);
  CHECK(*ParseSize("12b") == 12u);
  CHECK(*ParseSize("64k") == 65536u);
  CHECK(*ParseSize("64KiB") == 65536u);
  CHECK(*ParseSize("10MiB") == 10485760u);
  CHECK(*ParseSize("10mib") == 10485760u);
  CHECK(*ParseSize("10M") == 10485760u);
  CHECK(*ParseSize("2GiB") == 2147483648u);
  CHECK(*ParseSize("1TiB") == 1099511627776u);
  CHECK(*ParseSize("1KB") == 1000u);
  CHECK(*ParseSize("1MB") == 1000000u);
  CHECK(*ParseSize("1GB") == 1000000000u);
  CHECK(*ParseSize("1tb") == 1000000000000u);
  CHECK(*ParseSize("9223372036854775807") == 9223372036854775807u);
}

TEST_CASE("ParseSize refuses garbage, negatives, fractions and overflow, quoting the input") {
  for (std::string bad : {"", "-1", "1.5MiB", "10XB", "MiB", " 10", "10 MiB", "0x10", "1e6", "10MiBs"}) {
    CAPTURE(bad);
    auto r = ParseSize(bad);
    CHECK(IsInvalid(r));
    if (!r.ok()) CHECK(r.status().message().find("'" + std::string(bad) + "'") != std::string::npos);
  }
  CHECK(IsInvalid(ParseSize("9223372036854775808")));
  CHECK(IsInvalid(ParseSize("99999999999999999999")));
  CHECK(IsInvalid(ParseSize("8388608TiB")));  // 2^63
  CHECK(IsInvalid(ParseSize("18446744073709551615GB")));
}

TEST_CASE("ParseDurationMs: ms by default, then s m h d w") {
  CHECK(*ParseDurationMs("250") == 250);
  CHECK(*ParseDurationMs("500ms") == 500);
  CHECK(*ParseDurationMs("30s") == 30000);
  CHECK(*ParseDurationMs("5m") == 300000);
  CHECK(*ParseDurationMs("5min") == 300000);
  CHECK(*ParseDurationMs("1h") == 3600000);
  CHECK(*ParseDurationMs("7d") == 604800000);
  CHECK(*ParseDurationMs("2w") == 1209600000);
  CHECK(*ParseDurationMs("0s") == 0);
  CHECK(*ParseDurationMs("1H") == 3600000);
}

TEST_CASE("ParseDurationMs: compound durations, largest unit first") {
  CHECK(*ParseDurationMs("1h30m") == 5400000);
  CHECK(*ParseDurationMs("1d12h") == 129600000);
  CHECK(*ParseDurationMs("1m30s") == 90000);
  CHECK(*ParseDurationMs("2min5s") == 125000);
  CHECK(*ParseDurationMs("1s500ms") == 1500);
  CHECK(*ParseDurationMs("1w1d1h1m1s1ms") == 694861001);
}

TEST_CASE("ParseDurationMs: ISO-8601 durations, as Kafka's --by-duration takes them") {
  CHECK(*ParseDurationMs("PT1H") == 3600000);
  CHECK(*ParseDurationMs("pt1h") == 3600000);
  CHECK(*ParseDurationMs("PT30M") == 1800000);
  CHECK(*ParseDurationMs("PT1H30M") == 5400000);
  CHECK(*ParseDurationMs("P1D") == 86400000);
  CHECK(*ParseDurationMs("P1DT12H") == 129600000);
  CHECK(*ParseDurationMs("P2W") == 1209600000);
  CHECK(*ParseDurationMs("PT0.5S") == 500);
  CHECK(*ParseDurationMs("PT1,25S") == 1250);
  CHECK(*ParseDurationMs("PT0.0009S") == 0);
  CHECK(*ParseDurationMs("PT0S") == 0);
  CHECK(IsInvalid(ParseDurationMs("P999999999999999999W")));
}

TEST_CASE("ParseDurationMs refuses garbage and overflow") {
  for (std::string bad : {"", "-5s", "1.5h", "s", "1y", "10 s", "forever", "1h30", "30m1h", "1h1h", "1m2min", "1h 30m",
                          "P", "PT", "P1DT", "PT1", "P1H", "PT1D", "PT1M1H", "PT1.5H", "PT1S1S", "-PT1H", "P1Y",
                          "PT0.1234567891S", "PTS"}) {
    CAPTURE(bad);
    CHECK(IsInvalid(ParseDurationMs(bad)));
  }
  CHECK(IsInvalid(ParseDurationMs("9223372036854775808")));
  CHECK(IsInvalid(ParseDurationMs("99999999999999w")));
  CHECK(*ParseDurationMs("9223372036854775807") == INT64_MAX);
}

TEST_CASE("ParseInt: range checks and signs") {
  CHECK(*ParseInt("42", 0, 100) == 42);
  CHECK(*ParseInt("+42", 0, 100) == 42);
  CHECK(*ParseInt("-7", -10, 10) == -7);
  CHECK(*ParseInt("0", 0, 0) == 0);
  CHECK(*ParseInt("9223372036854775807", INT64_MIN, INT64_MAX) == INT64_MAX);
  CHECK(*ParseInt("-9223372036854775808", INT64_MIN, INT64_MAX) == INT64_MIN);
  CHECK(IsInvalid(ParseInt("101", 0, 100)));
  CHECK(IsInvalid(ParseInt("-1", 0, 100)));
  CHECK(IsInvalid(ParseInt("9223372036854775808", INT64_MIN, INT64_MAX)));
  CHECK(IsInvalid(ParseInt("-9223372036854775809", INT64_MIN, INT64_MAX)));
  for (std::string bad : {"", "+", "-", "12a", " 1", "1 ", "0x10", "1.0", "++1", "+-1", "-+1", "٣"}) {
    CAPTURE(bad);
    CHECK(IsInvalid(ParseInt(bad, INT64_MIN, INT64_MAX)));
  }
  auto r = ParseInt("500", 1, 100);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("'500'") != std::string::npos);
  CHECK(r.status().message().find("[1, 100]") != std::string::npos);
}

// Expected values computed with GNU date: date -u -d 2026-11-24T10:00:00Z +%s
TEST_CASE("ParseIsoTimeMs with Z and numeric zones, half-hour ones included") {
  const int64_t k10z = 1795514400000;  // 2026-11-24T10:00:00Z
  CHECK(*ParseIsoTimeMs("1970-01-01T00:00:00Z") == 0);
  CHECK(*ParseIsoTimeMs("2000-01-01T00:00:00Z") == 946684800000);
  CHECK(*ParseIsoTimeMs("2026-11-24T10:00:00Z") == k10z);
  CHECK(*ParseIsoTimeMs("2026-11-24T10:00Z") == k10z);
  CHECK(*ParseIsoTimeMs("2026-11-24t10:00:00z") == k10z);
  CHECK(*ParseIsoTimeMs("2026-11-24 10:00:00Z") == k10z);
  CHECK(*ParseIsoTimeMs("2026-11-24T10:00:00+00:00") == k10z);
  CHECK(*ParseIsoTimeMs("2026-11-24T10:00:00-00:00") == k10z);
  CHECK(*ParseIsoTimeMs("2026-11-24T10:00:00.123Z") == k10z + 123);
  CHECK(*ParseIsoTimeMs("2026-11-24T10:00:00.5Z") == k10z + 500);
  CHECK(*ParseIsoTimeMs("2026-11-24T10:00:00.123456Z") == k10z + 123);
  CHECK(*ParseIsoTimeMs("2026-11-24T10:00:00+05:30") == 1795494600000);  // 04:30Z
  CHECK(*ParseIsoTimeMs("2026-11-24T10:00+0530") == 1795494600000);
  CHECK(*ParseIsoTimeMs("2026-11-24T10:00:00-0800") == 1795543200000);  // 18:00Z
  CHECK(*ParseIsoTimeMs("2026-11-24T10:00:00-08") == 1795543200000);
  CHECK(*ParseIsoTimeMs("2026-11-24T00:00:00Z") == 1795478400000);
  CHECK(*ParseIsoTimeMs("2024-02-29T00:00:00Z") == 1709164800000);
  CHECK(*ParseIsoTimeMs("1969-12-31T23:59:59Z") == -1000);
}

TEST_CASE("ParseIsoTimeMs without a zone is local time (TZ honoured, DST included)") {
  {
    ScopedTz tz("UTC0");
    CHECK(*ParseIsoTimeMs("2026-11-24T10:00:00") == 1795514400000);
    CHECK(*ParseIsoTimeMs("2026-11-24") == 1795478400000);
    CHECK(*ParseIsoTimeMs("2026-11-24T10:00:00.250") == 1795514400250);
  }
  {
    ScopedTz tz("IST-5:30");  // POSIX spelling of UTC+05:30
    CHECK(*ParseIsoTimeMs("2026-11-24") == 1795458600000);  // 2026-11-23T18:30Z
    CHECK(*ParseIsoTimeMs("2026-11-24T10:00") == 1795494600000);
  }
  {
    ScopedTz tz("EST5EDT,M3.2.0,M11.1.0");  // US Eastern rules, without tzdata
    CHECK(*ParseIsoTimeMs("2026-07-01T12:00:00") == 1782921600000);  // EDT: 16:00Z
    CHECK(*ParseIsoTimeMs("2026-01-15T12:00:00") == 1768496400000);  // EST: 17:00Z
  }
}

TEST_CASE("ParseIsoTimeMs refuses impossible dates, times, zones and garbage") {
  for (std::string bad :
       {"", "garbage", "2026-02-30", "2025-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-11-00",
        "2026-1-1", "26-11-24", "2026/11/24", "2026-11-24T24:00", "2026-11-24T10:60", "2026-11-24T10",
        "2026-11-24T10:00:61Z", "2026-11-24T10:00:00.Z", "2026-11-24T10:00:00+5:30", "2026-11-24T10:00:00+15:00",
        "2026-11-24T10:00:00+05:60", "2026-11-24T10:00:00Z trailing", "2026-11-24T10:00:00EST",
        "2026-11-24T10:00:00+05:30:00", "2026-11-24X", "1795514400000"}) {
    CAPTURE(bad);
    CHECK(IsInvalid(ParseIsoTimeMs(bad)));
  }
  auto r = ParseIsoTimeMs("2026-02-30");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("'2026-02-30'") != std::string::npos);
}

TEST_CASE("FormatIsoTimeMs prints UTC with milliseconds and round-trips") {
  CHECK(FormatIsoTimeMs(0) == "1970-01-01T00:00:00.000Z");
  CHECK(FormatIsoTimeMs(-1) == "1969-12-31T23:59:59.999Z");
  CHECK(FormatIsoTimeMs(1795514400123) == "2026-11-24T10:00:00.123Z");
  for (int64_t ms : {int64_t{0}, int64_t{-1}, int64_t{1709164800000}, int64_t{1795514400123}, int64_t{-86400001}})
    CHECK(*ParseIsoTimeMs(FormatIsoTimeMs(ms)) == ms);
}

TEST_CASE("ValidateName follows Kafka's rule") {
  for (std::string ok : {"a", "events", "my-topic_1.v2", "...", "A.B-C_d", "0", "-", "_"}) {
    CAPTURE(ok);
    CHECK(ValidateName(ok, "topic").ok());
  }
  CHECK(ValidateName(std::string(249, 'x'), "topic").ok());
  for (std::string bad : {std::string(""), std::string("."), std::string(".."), std::string("../x"),
                          std::string("a/b"), std::string("/abs"), std::string("a b"), std::string("tab\t"),
                          std::string("caf\xc3\xa9"), std::string("a\0b", 3), std::string("a:b"),
                          std::string("x*"), std::string(250, 'x')}) {
    CAPTURE(bad);
    Status st = ValidateName(bad, "topic");
    CHECK(st.code() == Code::kInvalidArgument);
    CHECK(st.message().rfind("topic name", 0) == 0);
  }
  CHECK(ValidateName("..", "group").message().find("group name '..'") != std::string::npos);
  CHECK(ValidateName(std::string(250, 'x'), "topic").message().find("249") != std::string::npos);
}

TEST_CASE("ParsePartitionList: each partition once, in order; the first bad number is the error") {
  using V = std::vector<int>;
  CHECK(*ParsePartitionList("3") == V{3});
  CHECK(*ParsePartitionList("2,0,5") == V{2, 0, 5});
  CHECK(*ParsePartitionList("0,0,1,0") == V{0, 1});
  CHECK(*ParsePartitionList("1073741824") == V{1 << 30});
  for (const char* bad : {"", ",", "0,", ",1", "1,,2", "-1", "x", "1073741825", "1 "}) {
    CAPTURE(bad);
    auto r = ParsePartitionList(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalidArgument);
  }
  auto r = ParsePartitionList("0,x");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() == ParseInt("x", 0, 1 << 30).status().message());
}

TEST_CASE("ParseHeader: NAME=VALUE split at the first '='; a name is required") {
  using P = std::pair<std::string, std::string>;
  CHECK(*ParseHeader("a=b") == P{"a", "b"});
  CHECK(*ParseHeader("a=") == P{"a", ""});
  CHECK(*ParseHeader("a=b=c") == P{"a", "b=c"});
  CHECK(*ParseHeader("trace id= x ") == P{"trace id", " x "});
  for (const char* bad : {"", "a", "=b", "="}) {
    CAPTURE(bad);
    auto r = ParseHeader(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message() == "'" + std::string(bad) + "': expected NAME=VALUE");
  }
}
