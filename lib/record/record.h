// A record as every backend hands it out: views into memory its reader
// owns (a decoded on-disk batch, a librdkafka message), valid until the
// reader moves on. Sinks and formatters take these, so they serve any backend.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace klog::record {

// A header's value may be null (Kafka's wire format tells null from empty).
struct HeaderView {
  std::string_view name;
  std::optional<std::string_view> value;
};

struct RecordView {
  int64_t offset = 0;
  int64_t timestamp = 0;                  // ms since the epoch
  std::optional<std::string_view> key;    // none: a null key (not the empty one)
  std::string_view value;
  std::vector<HeaderView> headers;        // in order, duplicates kept
};

}  // namespace klog::record
