// Producer::Open checks the options a library caller gives it, as the CLI
// checks its flags: a bad zstd level is refused before anything is written.
#include <doctest/doctest.h>

#include "client/producer.h"
#include "support/temp_dir.h"
#include "topic/topic_store.h"

namespace klog::client {
namespace {

TEST_CASE("Producer::Open refuses a zstd level outside 1-19 and writes nothing") {
  testing::TempDir tmp;
  topic::TopicStore store{topic::DataDir(tmp.path())};
  topic::TopicConfig config;
  config.compression = log::Codec::kZstd;
  bool created = false;
  REQUIRE(store.Create("t", config, false, &created).ok());
  for (int level : {0, 20}) {
    CAPTURE(level);
    ProducerOptions o;
    o.zstd_level = level;
    auto p = Producer::Open(store, "t", o);
    REQUIRE_FALSE(p.ok());
    CHECK(p.status().code() == Code::kInvalidArgument);
    CHECK(p.status().message() == "compression level must be between 1 and 19");
  }
  ProducerOptions ok;
  ok.zstd_level = 19;
  CHECK(Producer::Open(store, "t", ok).ok());
  auto range = store.Offsets("t", 0);
  REQUIRE(range.ok());
  CHECK(range->end == 0);
}

}  // namespace
}  // namespace klog::client
