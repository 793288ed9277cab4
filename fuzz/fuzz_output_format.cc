// Output format strings (`klog consume --format`): Parse, then Append for a
// record with a key, binary bytes and headers, and for one without.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "format/output_format.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view spec(reinterpret_cast<const char*>(data), size);
  auto fmt = klog::format::OutputFormat::Parse(spec);
  if (!fmt.ok()) return 0;
  static const std::string kValue("val\0ue\xff\n", 8);
  klog::record::RecordView full;
  full.offset = 9007199254740993;
  full.timestamp = -1;
  full.key = std::string_view("k\te\\y", 5);
  full.value = kValue;
  full.headers = {{"h1", std::string_view("x=y,z")}, {"h2", std::nullopt}, {"", std::string_view("")}};
  klog::record::RecordView bare;
  std::string out;
  fmt->Append(out, "topic", 7, full);
  size_t after_full = out.size();
  fmt->Append(out, "", 0, bare);
  FUZZ_ASSERT(out.size() >= after_full);
  // Parsing is a pure function: the same spec formats the same way.
  auto again = klog::format::OutputFormat::Parse(spec);
  FUZZ_ASSERT(again.ok());
  std::string out2;
  again->Append(out2, "topic", 7, full);
  FUZZ_ASSERT(out.compare(0, after_full, out2) == 0);
  return 0;
}
