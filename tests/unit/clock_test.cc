// util::NowMs is the one wall clock: a test can set it, and what klog stamps
// (here: record timestamps of produced VALUE arguments) follows it.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "client/consumer.h"
#include "backend/produce_stream.h"
#include "client/producer.h"
#include "support/temp_dir.h"
#include "topic/topic_store.h"
#include "util/clock.h"

namespace klog {
namespace {

int64_t Fixed() { return 1'700'000'000'123; }

// Restores the system clock however the test ends.
struct FakeClock {
  explicit FakeClock(util::ClockFn f) { util::SetClockForTesting(f); }
  ~FakeClock() { util::SetClockForTesting(nullptr); }
};

class Timestamps : public client::RecordSink {
 public:
  Status Deliver(std::string_view, int, const record::RecordView& r) override {
    seen.push_back(r.timestamp);
    return Status::Ok();
  }
  Status Idle() override { return Status::Ok(); }
  std::vector<int64_t> seen;
};

TEST_CASE("NowMs is the system clock unless a test sets one") {
  int64_t sys =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  CHECK(util::NowMs() >= sys);
  CHECK(util::NowMs() < sys + 60'000);
  {
    FakeClock fake(Fixed);
    CHECK(util::NowMs() == Fixed());
  }
  CHECK(util::NowMs() >= sys);
}

TEST_CASE("records produced without a timestamp are stamped by the one clock") {
  testing::TempDir tmp;
  topic::TopicStore store{topic::DataDir(tmp.path())};
  bool created = false;
  REQUIRE(store.Create("t", topic::TopicConfig{}, false, &created).ok());
  {
    FakeClock fake(Fixed);
    auto p = client::Producer::Open(store, "t", client::ProducerOptions{});
    REQUIRE(p.ok());
    REQUIRE(backend::ProduceValues({"a", "b"}, **p, backend::StreamOptions{}, [](const auto&) { return Status::Ok(); })
                .ok());
  }
  client::ConsumeOptions o;
  o.topics = {"t"};
  Timestamps sink;
  REQUIRE(client::Consume(store, o, sink, nullptr).ok());
  CHECK(sink.seen == std::vector<int64_t>{Fixed(), Fixed()});
}

}  // namespace
}  // namespace klog
