// The contract of ConsumeOptions.start_offsets and stop_offsets (where klog
// mirror resumes a partition, and how it reads one record of it), checked
// the same way on every backend: partition 0 of topic "t", which holds
// offsets [start, end) with end - start >= 3.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "backend/backend.h"

namespace klog::testing {

// Offsets delivered, in order.
struct DeliveredOffsets : record::RecordSink {
  std::vector<int64_t> seen;
  Status Deliver(std::string_view, int, const record::RecordView& r) override {
    seen.push_back(r.offset);
    return Status::Ok();
  }
  Status Idle() override { return Status::Ok(); }
};

inline void CheckExactStarts(backend::Backend& b, int64_t start, int64_t end) {
  REQUIRE(end - start >= 3);
  auto consume = [&](int64_t from, int64_t stop, DeliveredOffsets* sink) {
    record::ConsumeOptions o;
    o.topics = {"t"};
    o.start_offsets[{"t", 0}] = from;
    if (stop >= 0) o.stop_offsets[{"t", 0}] = stop;
    return b.Consume(o, *sink, nullptr);
  };
  const std::string range =
      " is not in the log (it holds " + std::to_string(start) + " to " + std::to_string(end) + ")";
  for (int64_t outside : {start - 1, end + 1}) {
    CAPTURE(outside);
    DeliveredOffsets none;
    Status st = consume(outside, -1, &none);
    CHECK(st.code() == Code::kOutOfRange);
    CHECK(st.message() == "topic 't' partition 0: offset " + std::to_string(outside) + range);
    CHECK(none.seen.empty());
  }
  DeliveredOffsets at_end, inside, first, one;
  CHECK(consume(end, -1, &at_end).ok());
  CHECK(at_end.seen.empty());
  REQUIRE(consume(end - 2, -1, &inside).ok());
  CHECK(inside.seen == std::vector<int64_t>{end - 2, end - 1});
  REQUIRE(consume(start, -1, &first).ok());
  CHECK(first.seen.size() == static_cast<size_t>(end - start));
  CHECK(first.seen.front() == start);
  // With a stop offset: only up to it (mirror reads one record of each
  // partition it compares).
  REQUIRE(consume(end - 3, end - 2, &one).ok());
  CHECK(one.seen == std::vector<int64_t>{end - 3});
}

}  // namespace klog::testing
