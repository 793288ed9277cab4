// The offset-reset planner without files or clock: every mode, the clamp
// into [log_start, log_end], which partitions a plan covers, and its errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "group/offset_reset.h"

namespace klog::group {
namespace {

// Topic "t": 2 partitions, p0 holds [10, 20), p1 is empty at 5. Topic "u": 1
// partition [0, 3). Record i of a partition has timestamp 1000 * i.
ResetFacts Facts() {
  ResetFacts f;
  f.group = "g";
  f.offsets_path = "/d/groups/g/offsets.json";
  f.committed = {{{"t", 0}, 15}};
  f.now_ms = 100'000;
  f.partitions = [](const std::string& topic) -> Result<int> {
    if (topic == "t") return 2;
    if (topic == "u") return 1;
    return Status::NotFound("unknown topic '" + topic + "'");
  };
  f.range = [](const std::string& topic, int p) -> Result<topic::OffsetRange> {
    if (topic == "u") return topic::OffsetRange{0, 3};
    return p == 0 ? topic::OffsetRange{10, 20} : topic::OffsetRange{5, 5};
  };
  f.offset_for_time = [](const std::string& topic, int p, int64_t ts) -> Result<int64_t> {
    auto r = topic == "u" ? topic::OffsetRange{0, 3} : (p == 0 ? topic::OffsetRange{10, 20} : topic::OffsetRange{5, 5});
    int64_t off = (ts + 999) / 1000;
    return std::clamp(off, r.start, r.end);
  };
  return f;
}

std::vector<PlanRow> Plan(const ResetFacts& f, std::vector<TopicSelection> topics, ResetMode mode, int64_t value = 0) {
  auto plan = PlanFromFacts(f, topics, ResetSpec{mode, value});
  REQUIRE(plan.ok());
  return *plan;
}

const std::vector<TopicSelection> kT0{{"t", {0}}};

TEST_CASE("earliest and latest: the partition's start and end; nothing committed is no old offset") {
  auto rows = Plan(Facts(), {{"t", {}}}, ResetMode::kEarliest);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].old_offset == 15);
  CHECK(rows[0].new_offset == 10);
  CHECK_FALSE(rows[0].clamped);
  CHECK(rows[1].old_offset == std::nullopt);
  CHECK(rows[1].new_offset == 5);
  rows = Plan(Facts(), {{"t", {}}}, ResetMode::kLatest);
  CHECK(rows[0].new_offset == 20);
  CHECK(rows[1].new_offset == 5);
  CHECK(rows[0].log_start == 10);
  CHECK(rows[0].log_end == 20);
}

TEST_CASE("to-offset: taken as given inside the range, clamped to start or end outside it") {
  for (auto [req, want, clamped] : {std::tuple{12, 12, false}, {10, 10, false}, {20, 20, false}, {3, 10, true},
                                    {99, 20, true}, {-1, 10, true}}) {
    CAPTURE(req);
    auto rows = Plan(Facts(), kT0, ResetMode::kOffset, req);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].requested == req);
    CHECK(rows[0].new_offset == want);
    CHECK(rows[0].clamped == clamped);
  }
  // An empty partition has one position.
  auto rows = Plan(Facts(), {{"t", {1}}}, ResetMode::kOffset, 0);
  CHECK(rows[0].new_offset == 5);
  CHECK(rows[0].clamped);
}

TEST_CASE("shift-by: from the committed offset, or from the start when nothing is committed; clamped") {
  CHECK(Plan(Facts(), kT0, ResetMode::kShiftBy, 3)[0].new_offset == 18);
  CHECK(Plan(Facts(), kT0, ResetMode::kShiftBy, -2)[0].new_offset == 13);
  auto over = Plan(Facts(), kT0, ResetMode::kShiftBy, 10)[0];
  CHECK(over.requested == 25);
  CHECK(over.new_offset == 20);
  CHECK(over.clamped);
  auto under = Plan(Facts(), kT0, ResetMode::kShiftBy, -100)[0];
  CHECK(under.new_offset == 10);
  CHECK(under.clamped);
  ResetFacts f = Facts();
  f.committed.clear();
  CHECK(Plan(f, kT0, ResetMode::kShiftBy, 4)[0].new_offset == 14);
}

TEST_CASE("datetime and duration: the time lookup's offset, duration counted back from now") {
  CHECK(Plan(Facts(), kT0, ResetMode::kDatetime, 12'000)[0].new_offset == 12);
  CHECK(Plan(Facts(), kT0, ResetMode::kDatetime, 12'001)[0].new_offset == 13);
  CHECK(Plan(Facts(), kT0, ResetMode::kDatetime, 0)[0].new_offset == 10);
  CHECK(Plan(Facts(), kT0, ResetMode::kDuration, 85'000)[0].new_offset == 15);  // now 100 s - 85 s
  ResetFacts f = Facts();
  f.offset_for_time = [](const std::string&, int, int64_t) -> Result<int64_t> { return Status::IOError("read x"); };
  auto plan = PlanFromFacts(f, kT0, ResetSpec{ResetMode::kDuration, 1});
  REQUIRE_FALSE(plan.ok());
  CHECK(plan.status().message() == "read x");
}

TEST_CASE("undo (previous or entry): only partitions the undo touches; none means the offset is removed") {
  ResetFacts f = Facts();
  f.undo = {{{"t", 1}, 7}, {{"u", 0}, std::nullopt}, {{"t", 0}, 30}};
  for (ResetMode mode : {ResetMode::kPrevious, ResetMode::kEntry}) {
    auto rows = Plan(f, {}, mode);  // topics from what is committed and what is undone
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].topic == "t");
    CHECK(rows[0].new_offset == 20);  // 30 clamped
    CHECK(rows[0].clamped);
    CHECK(rows[1].new_offset == 5);   // 7 clamped on the empty partition
    CHECK(rows[2].topic == "u");
    CHECK(rows[2].requested == std::nullopt);
    CHECK(rows[2].new_offset == std::nullopt);
    CHECK_FALSE(rows[2].clamped);
  }
  f.undo = {{{"t", 1}, 5}};
  auto rows = Plan(f, {{"t", {}}}, ResetMode::kPrevious);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].partition == 1);
  auto none = PlanFromFacts(f, {{"u", {}}}, ResetSpec{ResetMode::kPrevious, 0});
  CHECK(none.status().message() == "nothing to reset in group 'g'");
}

TEST_CASE("selection: every committed topic by default, each partition once, unknown partitions refused") {
  auto rows = Plan(Facts(), {}, ResetMode::kEarliest);
  CHECK(rows.size() == 2);  // all of t, though only t:0 is committed
  rows = Plan(Facts(), {{"t", {1, 0}}, {"t", {}}, {"t", {0}}}, ResetMode::kEarliest);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].partition == 1);
  CHECK(rows[1].partition == 0);
  auto bad = PlanFromFacts(Facts(), {{"t", {2}}}, ResetSpec{});
  CHECK(bad.status().code() == Code::kInvalidArgument);
  CHECK(bad.status().message() == "topic 't' has no partition 2 (it has 2)");
  auto unknown = PlanFromFacts(Facts(), {{"x", {}}}, ResetSpec{});
  CHECK(unknown.status().message() == "unknown topic 'x'");
  ResetFacts f = Facts();
  f.committed.clear();
  auto empty = PlanFromFacts(f, {}, ResetSpec{});
  CHECK(empty.status().code() == Code::kNotFound);
  CHECK(empty.status().message() == "group 'g' has no committed offsets; name a --topic");
}

TEST_CASE("damaged offsets: a position can be planned, a shift cannot, and topics must be named") {
  ResetFacts f = Facts();
  f.committed.clear();
  f.damaged = true;
  CHECK(Plan(f, kT0, ResetMode::kLatest)[0].new_offset == 20);
  auto shift = PlanFromFacts(f, kT0, ResetSpec{ResetMode::kShiftBy, 1});
  CHECK(shift.status().code() == Code::kInvalidArgument);
  CHECK(shift.status().message().find("offsets /d/groups/g/offsets.json are damaged, so there is nothing to shift by") !=
        std::string::npos);
  auto unnamed = PlanFromFacts(f, {}, ResetSpec{});
  CHECK(unnamed.status().message() ==
        "group 'g' offsets /d/groups/g/offsets.json are damaged, so which topics it had is unknown; name them with "
        "--topic");
}

}  // namespace
}  // namespace klog::group
