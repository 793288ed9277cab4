// Consume and its RecordSink: kOutputClosed from the sink (the reader of
// stdout went away) ends consuming quietly; any other error from the sink,
// kOutOfRange included (which means an offset deleted by retention), is an
// error the caller sees.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "client/consumer.h"
#include "client/producer.h"
#include "support/temp_dir.h"
#include "topic/topic_store.h"

namespace klog::client {
namespace {

class StopAfter : public RecordSink {
 public:
  StopAfter(int n, Status stop) : n_(n), stop_(std::move(stop)) {}
  Status Deliver(std::string_view, int, const record::RecordView& r) override {
    if (static_cast<int>(values.size()) == n_) return stop_;
    values.emplace_back(r.value);
    return Status::Ok();
  }
  Status Idle() override { return Status::Ok(); }
  std::vector<std::string> values;

 private:
  int n_;
  Status stop_;
};

void ProduceFive(topic::TopicStore& store) {
  topic::TopicConfig config;
  bool created = false;
  REQUIRE(store.Create("t", config, false, &created).ok());
  auto p = Producer::Open(store, "t", ProducerOptions{});
  REQUIRE(p.ok());
  for (const char* v : {"a", "b", "c", "d", "e"}) REQUIRE((*p)->Add(0, 1000, std::nullopt, v, {}).ok());
  REQUIRE((*p)->Flush().ok());
}

TEST_CASE("a sink that says OutputClosed stops Consume quietly; OutOfRange from a sink is an error") {
  testing::TempDir tmp;
  topic::TopicStore store{topic::DataDir(tmp.path())};
  ProduceFive(store);
  ConsumeOptions o;
  o.topics = {"t"};

  StopAfter closed(2, Status::OutputClosed("stdout closed"));
  CHECK(Consume(store, o, closed, nullptr).ok());
  CHECK(closed.values == std::vector<std::string>{"a", "b"});

  StopAfter other(2, Status::OutOfRange("offset 0 is no longer available"));
  Status st = Consume(store, o, other, nullptr);
  CHECK(st.code() == Code::kOutOfRange);
  CHECK(other.values == std::vector<std::string>{"a", "b"});
}

}  // namespace
}  // namespace klog::client
