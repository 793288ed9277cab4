// consume --format: every token and escape, and the default "%v\n" (which
// takes a shortcut past the general loop) gives what the general loop gives.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "format/output_format.h"

namespace klog::format {
namespace {

std::string Format(const std::string& spec, const record::RecordView& r) {
  auto f = OutputFormat::Parse(spec);
  REQUIRE_MESSAGE(f.ok(), f.status().message());
  std::string out = "before|";  // appended to, never cleared
  f->Append(out, "events", 3, r);
  return out;
}

record::RecordView Record(std::optional<std::string_view> key, std::string_view value) {
  record::RecordView r;
  r.offset = 42;
  r.timestamp = 1700000000123;
  r.key = key;
  r.value = value;
  return r;
}

TEST_CASE("a value then fixed text: the default and its neighbours") {
  record::RecordView r = Record("k", "hello");
  CHECK(Format("%v\\n", r) == "before|hello\n");
  CHECK(Format("%s\\n", r) == "before|hello\n");
  CHECK(Format("%v\\0", r) == std::string("before|hello\0", 13));
  CHECK(Format("%v,%%", r) == "before|hello,%");
  CHECK(Format("%v", r) == "before|hello");
  CHECK(Format("%v%v\\n", r) == "before|hellohello\n");
  CHECK(Format("\\n%v", r) == "before|\nhello");
  CHECK(Format("%v\\n", Record(std::nullopt, "")) == "before|\n");
}

TEST_CASE("every token") {
  record::RecordView r = Record("key", "value");
  r.headers = {{"a", std::string_view("1")}, {"b", std::nullopt}};
  CHECK(Format("%t %p %o %k %K %v %S %T %h\\t|\\r\\\\ \\q", r) ==
        "before|events 3 42 key 3 value 5 1700000000123 a=1,b=\t|\r\\ \\q");
  CHECK(Format("%K %k.", Record(std::nullopt, "v")) == "before|-1 .");
}

TEST_CASE("bad formats are refused with the token named") {
  auto lone = OutputFormat::Parse("%v%");
  REQUIRE_FALSE(lone.ok());
  CHECK(lone.status().message() == "format '%v%' ends with a lone '%' (write %% for a percent sign)");
  auto unknown = OutputFormat::Parse("%x");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().code() == Code::kInvalidArgument);
  CHECK(unknown.status().message().find("unknown token %x") != std::string::npos);
}

}  // namespace
}  // namespace klog::format
