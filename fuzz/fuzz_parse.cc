// What users type: sizes, durations, integers, ISO-8601 times, consume's
// --offset spec, offset reset's --topic selection, topic/group names.
// Input: one byte picks the parser, the rest is the text. Round trips are
// checked where a formatter exists.
#include <climits>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "record/start_spec.h"
#include "fuzz_util.h"
#include "group/offset_reset.h"
#include "util/name.h"
#include "util/parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 8) {
    case 0: {
      auto v = klog::util::ParseSize(text);
      if (v.ok()) (void)klog::util::FormatSize(*v);
      break;
    }
    case 1: {
      auto v = klog::util::ParseDurationMs(text);
      if (v.ok() && *v >= 0) {
        std::string f = klog::util::FormatDurationMs(*v);
        auto back = klog::util::ParseDurationMs(f);
        FUZZ_ASSERT(back.ok());
        FUZZ_ASSERT(*back == *v);
      }
      break;
    }
    case 2: {
      (void)klog::util::ParseInt(text, INT64_MIN, INT64_MAX);
      (void)klog::util::ParseInt(text, 0, 100);
      break;
    }
    case 3: {
      auto v = klog::util::ParseIsoTimeMs(text);
      // Years 1-9999 print as four digits; FormatIsoTimeMs then parses back.
      if (v.ok() && *v >= -62135596800000LL && *v <= 253402300799999LL) {
        std::string f = klog::util::FormatIsoTimeMs(*v);
        auto back = klog::util::ParseIsoTimeMs(f);
        if (!back.ok() || *back != *v) {
          std::fprintf(stderr, "input '%.*s' -> %lld -> '%s'\n", static_cast<int>(text.size()), text.data(),
                       static_cast<long long>(*v), f.c_str());
          FUZZ_ASSERT(back.ok() && *back == *v);
        }
      }
      break;
    }
    case 4:
      (void)klog::record::ParseStartSpec(text);
      break;
    case 5:
      (void)klog::group::ParseTopicSelection(std::string(text));
      break;
    case 6:
      (void)klog::util::ValidateName(text, "topic");
      break;
    case 7: {
      int64_t v = 0;
      for (size_t i = 0; i < text.size() && i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(text[i]);
      (void)klog::util::FormatIsoTimeMs(v);
      (void)klog::util::FormatDurationMs(v);
      (void)klog::util::FormatSize(static_cast<uint64_t>(v));
      break;
    }
  }
  return 0;
}
