// klog mirror's per-partition decision without I/O: what is copied, where
// an empty target starts, and every refusal.
#include "mirror/mirror_plan.h"

#include <doctest/doctest.h>

namespace klog::mirror {
namespace {

PartitionFacts Facts(int64_t s_start, int64_t s_end, int64_t t_start, int64_t t_end,
                     std::optional<bool> last_matches = std::nullopt) {
  PartitionFacts f;
  f.topic = "t";
  f.partition = 2;
  f.source_start = s_start;
  f.source_end = s_end;
  f.target_exists = true;
  f.target_start = t_start;
  f.target_end = t_end;
  f.last_record_matches = last_matches;
  return f;
}

TEST_CASE("mirror plan: an empty target copies everything; a partial one resumes at its end") {
  auto all = PlanPartition(Facts(0, 10, 0, 0), true);
  REQUIRE(all.ok());
  CHECK(all->copy_from == 0);
  CHECK(all->records() == 10);
  CHECK_FALSE(all->start_target_at.has_value());

  auto resume = PlanPartition(Facts(0, 10, 0, 4, true), false);
  REQUIRE(resume.ok());
  CHECK(resume->copy_from == 4);
  CHECK(resume->records() == 6);

  auto done = PlanPartition(Facts(3, 10, 3, 10, true), false);
  REQUIRE(done.ok());
  CHECK(done->records() == 0);
}

TEST_CASE("mirror plan: a source past 0 starts an empty directory target there; a cluster target is refused") {
  auto dir = PlanPartition(Facts(100, 150, 0, 0), true);
  REQUIRE(dir.ok());
  CHECK(dir->start_target_at == std::optional<int64_t>(100));
  CHECK(dir->copy_from == 100);
  CHECK(dir->records() == 50);

  auto cluster = PlanPartition(Facts(100, 150, 0, 0), false);
  REQUIRE_FALSE(cluster.ok());
  CHECK(cluster.status().message() ==
        "source topic 't' partition 2 starts at offset 100 (older records were deleted) and a Kafka partition starts "
        "at 0: the copy could not keep the source's offsets");

  // Retention on the source past what the target has: a gap.
  auto gap = PlanPartition(Facts(100, 150, 0, 40), true);
  REQUIRE_FALSE(gap.ok());
  CHECK(gap.status().message().rfind("target topic 't' partition 2 ends at offset 40 but the source's oldest record "
                                     "is now 100",
                                     0) == 0);
}

TEST_CASE("mirror plan: records mirror did not put there are refused") {
  auto more = PlanPartition(Facts(0, 5, 0, 7), true);
  REQUIRE_FALSE(more.ok());
  CHECK(more.status().code() == Code::kInvalidArgument);
  CHECK(more.status().message().rfind("target topic 't' partition 2 holds records up to offset 6 but the source "
                                      "ends at 5",
                                      0) == 0);
  auto differs = PlanPartition(Facts(0, 5, 0, 3, false), true);
  REQUIRE_FALSE(differs.ok());
  CHECK(differs.status().message().rfind("target topic 't' partition 2 holds a record at offset 2 that differs", 0) ==
        0);
}

TEST_CASE("mirror plan: a target missing offsets the source has is refused (a rerun could not fill them in)") {
  PartitionFacts f = Facts(0, 100, 0, 60, true);
  f.target_lost = {{20, 29}};
  auto r = PlanPartition(f, true);
  CHECK(r.status().code() == Code::kInvalidArgument);
  CHECK(r.status().message() ==
        "target topic 't' partition 2 is missing offsets 20 to 29, which the source has (lost in a crash before they "
        "were synced): mirror only appends and cannot fill them in (mirror into a new topic; --fsync batch keeps a "
        "copy whole)");

  // Only what the source has, below the target's end, counts.
  auto missing = [](std::vector<std::pair<int64_t, int64_t>> target_lost,
                    std::vector<std::pair<int64_t, int64_t>> source_lost, int64_t s_start = 0) {
    PartitionFacts f = Facts(s_start, 100, 0, 60, true);
    f.target_lost = std::move(target_lost);
    f.source_lost = std::move(source_lost);
    return FirstMissingInTarget(f);
  };
  using Range = std::optional<std::pair<int64_t, int64_t>>;
  CHECK(missing({}, {}) == Range());
  CHECK(missing({{20, 29}}, {{20, 29}}) == Range());               // the source lost them too
  CHECK(missing({{20, 29}}, {{18, 24}}) == Range({25, 29}));       // partly
  CHECK(missing({{20, 29}}, {{22, 23}, {26, 40}}) == Range({20, 21}));
  CHECK(missing({{20, 29}}, {{20, 21}, {22, 23}}) == Range({24, 29}));
  CHECK(missing({{5, 9}, {20, 29}}, {{0, 12}}) == Range({20, 29}));  // the first the source has
  CHECK(missing({{50, 70}}, {}) == Range({50, 59}));               // below the target's end
  CHECK(missing({{10, 19}}, {}, 15) == Range({15, 19}));           // the source's start
  CHECK(missing({{10, 14}}, {}, 15) == Range());
  CHECK(PlanPartition(Facts(0, 100, 0, 60, true), true).ok());
}

}  // namespace
}  // namespace klog::mirror
