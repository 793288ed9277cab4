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

}  // namespace
}  // namespace klog::mirror
