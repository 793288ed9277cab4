// Bugs that the reliability suite's damage tests (tests/e2e/
// reliability_corruption_test.cc) found in the log layer, each as a small
// named case.
#include <doctest/doctest.h>

#include <climits>
#include <string>
#include <vector>

#include "log/index.h"
#include "log/partition_reader.h"
#include "log/segment.h"
#include "log/segment_name.h"
#include "support/log_util.h"
#include "support/temp_dir.h"

namespace klog::testing {
namespace {

constexpr int64_t kT0 = 1700000000000;

// A damaged whole batch in the active segment used to end the log there
// (EndOffset stopped at it), so `klog consume` printed the records before
// it, exited 0 and silently left out every record after it.
TEST_CASE("damage: a flipped payload bit in the active segment is an error, not the end of the log") {
  TempDir tmp;
  auto w = OpenWriter(tmp.path(), Config());
  AppendValues(*w, {"one", "two"}, kT0);
  AppendValues(*w, {"three"}, kT0 + 10);
  AppendValues(*w, {"four"}, kT0 + 20);
  log::PartitionReader reader(tmp.path(), kLabel);
  REQUIRE(*reader.EndOffset() == 4);
  const std::string seg = log::SegmentPath(tmp.path(), 0, log::kLogSuffix);
  const uint64_t last = FileSize(seg) - 3;  // inside the last batch ("four"): nothing after it proves its end
  FlipBit(seg, last, 3);
  auto end = reader.EndOffset();
  REQUIRE_FALSE(end.ok());
  CHECK(end.status().code() == Code::kCorruption);
  CHECK(end.status().message().find("offset 3") != std::string::npos);
}

// Issue 20 item 20: one flipped bit in the first batch of the active segment
// blocked the partition (EndOffset, every read and every append failed on
// it). When the batch after it proves the damaged one's length, the log goes
// on: reads from a later offset get there, reads through it fail naming it.
TEST_CASE("damage: a damaged batch whose length the next batch proves does not end the log") {
  TempDir tmp;
  auto w = OpenWriter(tmp.path(), Config());
  AppendValues(*w, {"one", "two"}, kT0);
  AppendValues(*w, {"three"}, kT0 + 10);
  AppendValues(*w, {"four"}, kT0 + 20);
  FlipBit(log::SegmentPath(tmp.path(), 0, log::kLogSuffix), log::kBatchHeaderSize + 2, 3);  // first batch's records
  log::PartitionReader reader(tmp.path(), kLabel);
  auto end = reader.EndOffset();
  REQUIRE(end.ok());
  CHECK(*end == 4);
  log::Batch batch;
  int64_t skip = 0;
  REQUIRE(reader.Seek(0).ok());
  auto r = reader.Next(batch, &skip);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("offset 0") != std::string::npos);
  CHECK(r.status().message().find("klog consume -o 2") != std::string::npos);
  REQUIRE(reader.Seek(2).ok());
  r = reader.Next(batch, &skip);
  REQUIRE(r.ok());
  REQUIRE(*r);
  CHECK(batch.header().base_offset == 2);
}

// A time-index entry was trusted when it pointed at a real batch, whatever
// its max_ts_before said: one flipped bit there made `consume -o @TIME` skip
// the records before that batch, and SegmentMaxTimestamp (retention's idea
// of a segment's age) report a wrong time.
TEST_CASE("damage: a flipped bit in a time-index entry never changes a lookup by time") {
  TempDir tmp;
  auto w = OpenWriter(tmp.path(), Config());
  const std::string pad(900, 'x');
  int64_t n = 0;
  for (int b = 0; b < 24; ++b) {  // 2 records of ~1 KiB per batch: an index entry every 2-3 batches
    AppendValues(*w, {pad + std::to_string(n), pad + std::to_string(n + 1)}, kT0 + n * 1000);
    n += 2;
  }
  const std::string tindex = log::SegmentPath(tmp.path(), 0, log::kTimeIndexSuffix);
  REQUIRE(FileSize(tindex) >= 3 * log::kTimeEntrySize);
  log::PartitionReader reader(tmp.path(), kLabel);
  std::vector<int64_t> want;
  for (int64_t o = 0; o <= n; ++o) want.push_back(*reader.OffsetForTimestamp(kT0 + o * 1000 - 1));
  const int64_t max_ts = *log::SegmentMaxTimestamp(tmp.path(), 0);
  CHECK(max_ts == kT0 + (n - 2) * 1000 + 1);  // MakeBatch stamps record i of a batch ts + i
  const std::string pristine = ReadAll(tindex);
  for (uint64_t byte = 0; byte < pristine.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      CAPTURE(byte);
      CAPTURE(bit);
      WriteAll(tindex, pristine);
      FlipBit(tindex, byte, bit);
      for (int64_t o = 0; o <= n; ++o) {
        auto got = reader.OffsetForTimestamp(kT0 + o * 1000 - 1);
        REQUIRE(got.ok());
        if (*got != want[o]) FAIL("lookup of record " << o << "'s time gave offset " << *got);
      }
      CHECK(*log::SegmentMaxTimestamp(tmp.path(), 0) == max_ts);
    }
  }
}

}  // namespace
}  // namespace klog::testing
