// Inputs found by the libFuzzer targets in fuzz/ (and by the reliability
// suite's damage tests) that once crashed or misled klog, each kept as a
// named case so that the bug stays fixed. The fuzz target that found it is
// in the test name; reproduce with build-fuzz/fuzz/<target> <file>.
#include <doctest/doctest.h>

#include <climits>
#include <string>
#include <string_view>

#include "format/record_json.h"
#include "group/group_state.h"
#include "log/batch.h"
#include "topic/topic_config.h"
#include "util/crc32c.h"
#include "util/endian.h"
#include "util/parse.h"

namespace klog::format {
namespace {

// fuzz_record_json, input "9e333J-": nlohmann throws out_of_range (not
// parse_error) for a number too large for a double; it escaped
// ParseRecordJson, so `klog produce --format json` died in main's catch-all
// ("klog: error: unexpected: [json.exception.out_of_range.406] ...") without
// naming the input line and without writing the records before it.
TEST_CASE("fuzz_record_json: a number that overflows a double is invalid JSON, not an exception") {
  for (std::string_view line : {std::string_view("9e333J-"), std::string_view("{\"value\":\"x\",\"timestamp\":1e400}"),
                                std::string_view("{\"value\":\"x\",\"partition\":-1e999}")}) {
    CAPTURE(line);
    Result<OwnedRecord> r = OwnedRecord{};
    CHECK_NOTHROW(r = ParseRecordJson(line));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalidArgument);
    CHECK(r.status().message().find("invalid JSON") == 0);
    CHECK(r.status().message().find("number overflow") != std::string::npos);
    CHECK(r.status().message().find("[json.exception") == std::string::npos);
  }
}

}  // namespace
}  // namespace klog::format

namespace klog::topic {
namespace {

// fuzz_state_json, a topic.json with "partitions": 10660666666606666666666610:
// too large for any integer type, nlohmann reads it as a double and
// get<int>() converted it with undefined behaviour (UBSan: "outside the
// range of representable values of type 'int'"). State files hold integers
// only; any other number now makes the file corrupt, with a message.
TEST_CASE("fuzz_state_json: a float where an integer belongs is a corrupt state file, not undefined behaviour") {
  auto c = TopicConfigFromJson("{\n  \"partitions\": 10660666666606666666666610\n}\n", "topic.json");
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().code() == Code::kCorruption);
  CHECK(c.status().message().find("not an integer") != std::string::npos);
  CHECK_FALSE(TopicConfigFromJson("{\"partitions\": 1.5}", "topic.json").ok());
  CHECK_FALSE(group::GroupStateFromJson("{\"generation\": 1e300, \"members\": [], \"assignment\": {}}", "state.json").ok());
  CHECK_FALSE(group::MemberInfoFromJson("{\"id\": \"m\", \"pid\": -1e300}", "member").ok());
  CHECK(TopicConfigFromJson("{\"partitions\": 3}", "topic.json").ok());
}

}  // namespace
}  // namespace klog::topic

namespace klog::util {
namespace {

// fuzz_parse, case 7 with the bytes 80 00 00 00 00 00 00 31: FormatIsoTimeMs
// floored a timestamp near INT64_MIN with (ms - 999) / 1000, a signed
// overflow (UBSan). A record may carry any timestamp (produce --format json),
// and dump prints it: outside the years 0000-9999 it is now the plain number.
TEST_CASE("fuzz_parse: FormatIsoTimeMs takes every int64 without overflow") {
  CHECK(FormatIsoTimeMs(INT64_MIN) == "-9223372036854775808");
  CHECK(FormatIsoTimeMs(INT64_MIN + 49) == "-9223372036854775759");
  CHECK(FormatIsoTimeMs(INT64_MAX) == "9223372036854775807");
  CHECK(FormatIsoTimeMs(-62167219200001LL) == "-62167219200001");
  CHECK(FormatIsoTimeMs(-62167219200000LL) == "0000-01-01T00:00:00.000Z");
  CHECK(FormatIsoTimeMs(253402300799999LL) == "9999-12-31T23:59:59.999Z");
  CHECK(FormatIsoTimeMs(253402300800000LL) == "253402300800000");
  CHECK(FormatIsoTimeMs(-1) == "1969-12-31T23:59:59.999Z");
  CHECK(FormatIsoTimeMs(-1000) == "1969-12-31T23:59:59.000Z");
  CHECK(FormatIsoTimeMs(0) == "1970-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace klog::util

namespace klog::log {
namespace {

// fuzz_batch: a batch (checksum fixed up) whose first timestamp is
// INT64_MIN and whose record's timestamp delta is -1: Batch::Next added
// them, a signed overflow (UBSan). Such a record is now malformed, as is
// a base offset so large that its records' offsets would overflow.
TEST_CASE("fuzz_batch: timestamp deltas and base offsets that overflow are damage, not arithmetic") {
  BatchBuilder b;
  b.Add(INT64_MIN, std::nullopt, "a", {});
  b.Add(INT64_MIN, std::nullopt, "b", {});
  std::string raw;
  REQUIRE(b.Finish(Codec::kNone, raw).ok());
  // Record 2's timestamp delta (a zigzag varint after its length and
  // attributes byte) becomes -1: zigzag 1.
  size_t second = kBatchHeaderSize + 1 + static_cast<uint8_t>(raw[kBatchHeaderSize]) / 2;
  REQUIRE(raw[second + 2] == 0);  // delta 0
  raw[second + 2] = 1;
  util::PutFixed<uint32_t>(raw.data() + kBatchCrcAt,
                           util::Crc32c(raw.data() + kBatchCrcStart, raw.size() - kBatchCrcStart));
  Batch batch;
  batch.mutable_raw() = raw;
  REQUIRE(batch.Load().ok());
  klog::record::RecordView r;
  REQUIRE(batch.Next(r));
  CHECK(r.timestamp == INT64_MIN);
  CHECK_FALSE(batch.Next(r));
  CHECK(batch.status().code() == Code::kCorruption);
  CHECK(batch.status().message() == "malformed record: timestamp delta");

  SetBaseOffset(raw, INT64_MAX - 1);
  util::PutFixed<uint32_t>(raw.data() + kBatchCrcAt,
                           util::Crc32c(raw.data() + kBatchCrcStart, raw.size() - kBatchCrcStart));
  batch.mutable_raw() = raw;
  Status st = batch.Load();
  CHECK(st.code() == Code::kCorruption);
  CHECK(st.message().find("base offset out of range") != std::string::npos);
}

}  // namespace
}  // namespace klog::log
