// One record as one JSON object per line, the same shape in both directions
// so that `klog consume T --format json | klog produce U --format json`
// copies T faithfully:
//
//   {"topic":"t","partition":0,"offset":42,"timestamp":1764000000000,
//    "key":"k","value":"v","headers":[{"key":"h","value":"x"}]}
//
// "key" is null (or absent) when the record has none; a header "value" may
// be null. Bytes that are not valid UTF-8 (key, value, header name or value)
// are written as {"base64":"..."} instead of a string. On input, "topic" and
// "offset" are ignored, "headers" may also be a plain {"name":"value"}
// object, and only "value" is required.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "record/record.h"
#include "util/status.h"

namespace klog::format {

struct OwnedRecord {
  std::optional<std::string> key;
  std::string value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
  std::optional<int> partition;
  std::optional<int64_t> timestamp;

  // Views into this record, as BatchBuilder takes them.
  std::vector<record::HeaderView> HeaderViews() const;
};

void AppendRecordJson(std::string& out, std::string_view topic, int partition, const record::RecordView& r);

// Parses one line; InvalidArgument says what is wrong (the caller adds the
// line number).
Result<OwnedRecord> ParseRecordJson(std::string_view line);

}  // namespace klog::format
