// `offset commit` specs without files: parsing, duplicates, and the plan.
#include "group/offset_commit.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace klog::group {
namespace {

Result<int> TwoPartitionsOfT(const std::string& topic) {
  if (topic == "t") return 2;
  return Status::NotFound("unknown topic '" + topic + "'");
}

TEST_CASE("offset commit specs: TOPIC:PARTITION=OFFSET parsed; a topic name may hold no ':' but '=' in none") {
  auto s = ParseCommitSpecs({"t:0=42", "t:1=0"});
  REQUIRE(s.ok());
  REQUIRE(s->size() == 2);
  CHECK((*s)[0].topic == "t");
  CHECK((*s)[0].partition == 0);
  CHECK((*s)[0].offset == 42);
  CHECK((*s)[1].partition == 1);
  CHECK((*s)[1].offset == 0);
}

TEST_CASE("offset commit specs: each malformed form is one error naming the spec") {
  struct Case {
    const char* spec;
    const char* message;
  };
  const Case cases[] = {
      {"t0=4", "'t0=4': expected TOPIC:PARTITION=OFFSET"},
      {"t:0", "'t:0': expected TOPIC:PARTITION=OFFSET"},
      {"t=1:0", "'t=1:0': expected TOPIC:PARTITION=OFFSET"},
      {"t:x=4", "'t:x=4': partition: "},
      {"t:0=-1", "'t:0=-1': offset: "},
      {"t:0=", "'t:0=': offset: "},
      {"b/ad:0=1", "'b/ad:0=1': "},
  };
  for (const auto& c : cases) {
    CAPTURE(c.spec);
    auto s = ParseCommitSpecs({c.spec});
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().code() == Code::kInvalidArgument);
    CHECK(s.status().message().rfind(c.message, 0) == 0);
  }
}

TEST_CASE("offset commit specs: the same commit twice is one; two offsets for one partition are refused") {
  auto same = ParseCommitSpecs({"t:0=5", "t:0=5"});
  REQUIRE(same.ok());
  CHECK(same->size() == 1);
  auto differ = ParseCommitSpecs({"t:0=5", "t:1=1", "t:0=6"});
  REQUIRE_FALSE(differ.ok());
  CHECK(differ.status().message() == "'t:0=5' and 't:0=6' commit different offsets for t:0; give one");
}

TEST_CASE("offset commit plan: one row per spec with the new offset; unknown topic and partition refused") {
  auto plan = PlanCommit({{"t", 1, 7}, {"t", 0, 3}}, TwoPartitionsOfT);
  REQUIRE(plan.ok());
  REQUIRE(plan->size() == 2);
  CHECK((*plan)[0].topic == "t");
  CHECK((*plan)[0].partition == 1);
  CHECK((*plan)[0].new_offset == 7);
  CHECK_FALSE((*plan)[0].old_offset.has_value());
  CHECK((*plan)[1].new_offset == 3);

  auto past = PlanCommit({{"t", 2, 0}}, TwoPartitionsOfT);
  REQUIRE_FALSE(past.ok());
  CHECK(past.status().message() == "topic 't' has no partition 2");
  auto unknown = PlanCommit({{"u", 0, 0}}, TwoPartitionsOfT);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().code() == Code::kNotFound);
}

}  // namespace
}  // namespace klog::group
