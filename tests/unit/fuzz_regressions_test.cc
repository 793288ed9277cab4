// Inputs found by the libFuzzer targets in fuzz/ (and by the reliability
// suite's damage tests) that once crashed or misled klog, each kept as a
// named case so that the bug stays fixed. The fuzz target that found it is
// in the test name; reproduce with build-fuzz/fuzz/<target> <file>.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "format/record_json.h"
#include "group/group_state.h"
#include "topic/topic_config.h"

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
