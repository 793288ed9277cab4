// The small JSON state files a damaged or hand-edited data directory may
// hold: topic.json, state.json, members/ID.json. Whatever parses must write
// back out and parse again to the same thing.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "group/group_state.h"
#include "topic/topic_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 3) {
    case 0: {
      auto c = klog::topic::TopicConfigFromJson(text, "fuzz");
      if (c.ok()) {
        std::string out = klog::topic::TopicConfigToJson(*c);
        auto back = klog::topic::TopicConfigFromJson(out, "fuzz");
        FUZZ_ASSERT(back.ok());
        FUZZ_ASSERT(klog::topic::TopicConfigToJson(*back) == out);
      }
      break;
    }
    case 1: {
      auto s = klog::group::GroupStateFromJson(text, "fuzz");
      if (s.ok()) {
        std::string out = klog::group::GroupStateToJson(*s);
        auto back = klog::group::GroupStateFromJson(out, "fuzz");
        FUZZ_ASSERT(back.ok());
        FUZZ_ASSERT(klog::group::GroupStateToJson(*back) == out);
        for (const auto& m : s->members) (void)s->PartitionsOf(m.id);
      }
      break;
    }
    case 2: {
      auto m = klog::group::MemberInfoFromJson(text, "fuzz");
      if (m.ok()) {
        std::string out = klog::group::MemberInfoToJson(*m);
        auto back = klog::group::MemberInfoFromJson(out, "fuzz");
        FUZZ_ASSERT(back.ok());
        FUZZ_ASSERT(klog::group::MemberInfoToJson(*back) == out);
      }
      break;
    }
  }
  return 0;
}
