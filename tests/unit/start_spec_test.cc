// -o/--offset of consume: parsing and where each form starts in a range.
#include "record/start_spec.h"

#include <doctest/doctest.h>

namespace klog::record {
namespace {

TEST_CASE("start spec: every form parses to its kind and value") {
  struct Case {
    const char* text;
    StartSpec::Kind kind;
    int64_t value;
  };
  const Case cases[] = {{"beginning", StartSpec::kBeginning, 0}, {"earliest", StartSpec::kBeginning, 0},
                        {"end", StartSpec::kEnd, 0},             {"latest", StartSpec::kEnd, 0},
                        {"42", StartSpec::kOffset, 42},          {"-10", StartSpec::kFromEnd, 10},
                        {"@1700000000000", StartSpec::kTimestamp, 1700000000000},
                        {"@1970-01-01T00:00:01Z", StartSpec::kTimestamp, 1000}};
  for (const auto& c : cases) {
    CAPTURE(c.text);
    auto s = ParseStartSpec(c.text);
    REQUIRE(s.ok());
    CHECK(s->kind == c.kind);
    CHECK(s->value == c.value);
  }
  for (const char* bad : {"", "x", "--1", "@", "@yesterday", "1.5"}) {
    CAPTURE(bad);
    auto s = ParseStartSpec(bad);
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().message().find("expected beginning, end, N, -N or @TIME") != std::string::npos);
  }
}

TEST_CASE("start spec: the start is clamped into [start, end] of the partition") {
  // A partition holding [10, 20): offsets below 10 were deleted by retention.
  CHECK(ClampStart({StartSpec::kBeginning, 0}, 10, 20, 0) == 10);
  CHECK(ClampStart({StartSpec::kEnd, 0}, 10, 20, 0) == 20);
  CHECK(ClampStart({StartSpec::kOffset, 15}, 10, 20, 0) == 15);
  CHECK(ClampStart({StartSpec::kOffset, 3}, 10, 20, 0) == 10);
  CHECK(ClampStart({StartSpec::kOffset, 99}, 10, 20, 0) == 20);
  CHECK(ClampStart({StartSpec::kFromEnd, 4}, 10, 20, 0) == 16);
  CHECK(ClampStart({StartSpec::kFromEnd, 50}, 10, 20, 0) == 10);
  CHECK(ClampStart({StartSpec::kTimestamp, 123}, 10, 20, 17) == 17);
  // An empty partition: everything starts at its end.
  CHECK(ClampStart({StartSpec::kFromEnd, 5}, 7, 7, 0) == 7);
}

}  // namespace
}  // namespace klog::record
