// JSON input parser (`klog produce --format json`), and the round trip the
// contract promises: what AppendRecordJson prints, ParseRecordJson reads back
// as the same key, value, headers and timestamp.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "format/record_json.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  auto rec = klog::format::ParseRecordJson(line);
  if (!rec.ok()) return 0;
  auto headers = rec->HeaderViews();
  klog::record::RecordView r;
  r.offset = 42;
  r.timestamp = rec->timestamp.value_or(1764000000000);
  if (rec->key) r.key = std::string_view(*rec->key);
  r.value = rec->value;
  r.headers = headers;
  const int partition = rec->partition.value_or(3);
  std::string out;
  klog::format::AppendRecordJson(out, "topic", partition, r);
  FUZZ_ASSERT(!out.empty());
  std::string_view printed(out);
  if (printed.back() == '\n') printed.remove_suffix(1);
  FUZZ_ASSERT(printed.find('\n') == std::string_view::npos);  // one record, one line
  auto back = klog::format::ParseRecordJson(printed);
  if (!back.ok()) {
    std::fprintf(stderr, "printed: %s\nerror: %s\n", out.c_str(), back.status().message().c_str());
    FUZZ_ASSERT(back.ok());
  }
  FUZZ_ASSERT(back->key == rec->key);
  FUZZ_ASSERT(back->value == rec->value);
  FUZZ_ASSERT(back->headers == rec->headers);
  FUZZ_ASSERT(back->timestamp == r.timestamp);
  FUZZ_ASSERT(back->partition == partition);
  return 0;
}
