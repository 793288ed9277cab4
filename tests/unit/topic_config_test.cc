// topic.json: what TopicConfigToJson writes reads back the same, and an
// out-of-range setting is refused when given and reported as damage when read.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "support/temp_dir.h"
#include "topic/topic_config.h"
#include "topic/topic_store.h"
#include "util/clock.h"

namespace klog::topic {
namespace {

constexpr int64_t kFakeNow = 1'764'000'000'123;
struct FakeClock {
  FakeClock() {
    util::SetClockForTesting([] { return kFakeNow; });
  }
  ~FakeClock() { util::SetClockForTesting(nullptr); }
};

TEST_CASE("topic.json round trip keeps every setting, the zstd level included") {
  TopicConfig c;
  c.partitions = 6;
  c.retention_ms = -1;
  c.retention_bytes = 10ll << 30;
  c.segment_bytes = 1 << 20;
  c.segment_ms = 3600000;
  c.compression = log::Codec::kZstd;
  c.compression_level = 9;
  c.created_ms = 1764000000000;
  std::string text = TopicConfigToJson(c);
  CHECK(text.find("\"compression_level\": 9") != std::string::npos);
  auto back = TopicConfigFromJson(text, "topic.json");
  REQUIRE(back.ok());
  CHECK(back->partitions == 6);
  CHECK(back->retention_ms == -1);
  CHECK(back->retention_bytes == 10ll << 30);
  CHECK(back->segment_bytes == 1u << 20);
  CHECK(back->segment_ms == 3600000);
  CHECK(back->compression == log::Codec::kZstd);
  CHECK(back->compression_level == 9);
  CHECK(back->created_ms == 1764000000000);
}

TEST_CASE("topic.json without a compression level (older klog, or none chosen) means klog's default") {
  TopicConfig c;
  c.compression = log::Codec::kZstd;
  std::string text = TopicConfigToJson(c);
  CHECK(text.find("compression_level") == std::string::npos);  // files stay as older klog wrote them
  auto back = TopicConfigFromJson(text, "topic.json");
  REQUIRE(back.ok());
  CHECK_FALSE(back->compression_level.has_value());
}

TEST_CASE("topic.json: an unknown key is ignored when read and not written back (topic_config.h)") {
  auto c = TopicConfigFromJson(R"({"version":1,"partitions":2,"owner":"team-a"})", "topic.json");
  REQUIRE(c.ok());
  CHECK(c->partitions == 2);
  CHECK(TopicConfigToJson(*c).find("owner") == std::string::npos);
}

TEST_CASE("a zstd level outside 1-19 is refused, and is damage in topic.json") {
  for (int64_t level : {int64_t{0}, int64_t{-1}, int64_t{20}, int64_t{22}, int64_t{4294967305}}) {  // 2^32 + 9
    CAPTURE(level);
    if (level == static_cast<int>(level)) {
      TopicConfig c;
      c.compression_level = static_cast<int>(level);
      Status st = ValidateTopicConfig(c);
      CHECK(st.code() == Code::kInvalidArgument);
      CHECK(st.message() == "compression level must be between 1 and 19");
    }
    auto read = TopicConfigFromJson("{\"partitions\": 1, \"compression_level\": " + std::to_string(level) + "}",
                                    "topic.json");
    REQUIRE_FALSE(read.ok());
    CHECK(read.status().code() == Code::kCorruption);
    CHECK(read.status().message() ==
          "topic.json: compression level must be between 1 and 19 (fix the file by hand: klog-files(5) describes "
          "its fields)");
  }
  CHECK_FALSE(TopicConfigFromJson("{\"partitions\": 1, \"compression_level\": \"high\"}", "topic.json").ok());
}

TEST_CASE("partitions can only grow: one check, naming the topic") {
  CHECK(CheckPartitionsGrow("events", 3, 3).ok());
  CHECK(CheckPartitionsGrow("events", 3, 4).ok());
  Status st = CheckPartitionsGrow("events", 3, 2);
  CHECK(st.code() == Code::kInvalidArgument);
  CHECK(st.message() == "topic 'events' has 3 partitions; partitions can only grow");
}

TEST_CASE("TopicStore stamps created_ms at Create by the one clock, keeps a given one, and Alter keeps it") {
  testing::TempDir tmp;
  TopicStore store{DataDir(tmp.path())};
  bool created = false;
  {
    FakeClock fake;
    REQUIRE(store.Create("a", TopicConfig{}, false, &created).ok());
  }
  CHECK(store.Load("a")->created_ms == kFakeNow);
  TopicConfig given;
  given.created_ms = 1234;
  REQUIRE(store.Create("b", given, false, &created).ok());
  CHECK(store.Load("b")->created_ms == 1234);
  TopicConfig grown = *store.Load("a");
  grown.partitions = 2;
  grown.created_ms = 5;
  REQUIRE(store.Alter("a", grown).ok());
  CHECK(store.Load("a")->partitions == 2);
  CHECK(store.Load("a")->created_ms == kFakeNow);
  grown.partitions = 1;
  CHECK(store.Alter("a", grown).message() == "topic 'a' has 2 partitions; partitions can only grow");
}

}  // namespace
}  // namespace klog::topic
