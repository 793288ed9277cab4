// Binary-safe round trips (contract sections 2 and 7): NUL bytes and invalid
// UTF-8 survive the formats that can carry them, and
// `klog consume T --format json | klog produce U --format json` copies T.
#include <doctest/doctest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "e2e/cli_fixture.h"

namespace klog::testing {
namespace {

// Every byte value 1-255 once, and some NULs.
std::string AllBytes() {
  std::string s;
  for (int c = 1; c < 256; ++c) s += static_cast<char>(c);
  return s + std::string("\0\0end", 5);
}

// consume --format json lines, without the "topic" field, sorted (records of
// different partitions may interleave differently).
std::vector<std::string> JsonRecords(const CliFixture& k, const std::string& topic) {
  std::vector<std::string> out;
  for (const auto& line : Lines(k.Ok({"consume", topic, "--format", "json"}))) {
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(line);
    CHECK(j["topic"] == topic);
    j.erase("topic");
    out.push_back(j.dump());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string Base64(const std::string& in) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<uint8_t>(in[i + 1]) << 8;
    if (i + 2 < in.size()) n |= static_cast<uint8_t>(in[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

}  // namespace

TEST_CASE("--format null in and '%v\\0' out: any bytes but NUL, newlines included, come back unchanged") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  std::string bytes = AllBytes().substr(0, 255);                    // 1..255, no NUL
  std::string input = bytes + '\0' + "second\nline" + '\0' + '\0';  // the last record is empty
  k.Ok({"produce", "t", "--format", "null"}, input);
  CHECK(k.Ok({"consume", "t", "--format", "%v\\0"}) == input);
  CHECK(k.Ok({"consume", "t", "--format", "%S\\n"}) == "255\n11\n0\n");
}

TEST_CASE("NUL bytes inside line records and keys survive") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  k.Ok({"produce", "t", "-K", ":"}, std::string("k\0y:a\0b\n", 8));
  CHECK(k.Ok({"consume", "t", "--format", "%k|%v|%K|%S\\n"}) == std::string("k\0y|a\0b|3|3\n", 12));
  // JSON carries a NUL as \u0000 and reads it back.
  nlohmann::json j = nlohmann::json::parse(k.Ok({"consume", "t", "--format", "json"}));
  CHECK(j["value"] == std::string("a\0b", 3));
  CHECK(j["key"] == std::string("k\0y", 3));
}

TEST_CASE("invalid UTF-8 goes through JSON as {\"base64\": ...} and back as the same bytes") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  k.Ok({"topic", "create", "copy"});
  k.Ok({"produce", "t", "-K", ":"}, "k\xff:\xff\xfe\n");
  nlohmann::json j = nlohmann::json::parse(k.Ok({"consume", "t", "--format", "json"}));
  CHECK(j["key"] == nlohmann::json({{"base64", "a/8="}}));
  CHECK(j["value"] == nlohmann::json({{"base64", "//4="}}));
  k.Ok({"produce", "copy", "--format", "json"}, j.dump() + "\n");
  CHECK(k.Ok({"consume", "copy", "--format", "%k:%v\\n"}) == "k\xff:\xff\xfe\n");
  // Valid UTF-8 stays a plain string.
  k.Ok({"produce", "t", "gr\xc3\xbc\xc3\x9f"});
  CHECK(nlohmann::json::parse(k.Ok({"consume", "t", "-o", "-1", "--format", "json"}))["value"] == "gr\xc3\xbc\xc3\x9f");
}

TEST_CASE("consume T --format json | produce U --format json makes U a faithful copy") {
  CliFixture k;
  // Retention off: the 1970 timestamps below would otherwise make the first
  // segment expire (Kafka's time retention) when the next producer rolls it.
  k.Ok({"topic", "create", "T", "--partitions", "3", "--retention", "-1"});
  k.Ok({"topic", "create", "U", "--partitions", "3", "--retention", "-1"});
  // Keys absent, empty and binary; headers repeated, in order, null-valued and
  // binary; explicit timestamps; every partition; a value with every byte.
  std::string bytes = AllBytes();
  k.Ok({"produce", "T", "--format", "json"},
       "{\"value\":\"no key\",\"partition\":0,\"timestamp\":1000}\n"
       "{\"value\":\"empty key\",\"key\":\"\",\"partition\":0,\"timestamp\":1001}\n"
       "{\"value\":\"\",\"key\":\"empty value\",\"partition\":1,\"timestamp\":1002}\n"
       "{\"value\":\"h\",\"partition\":2,\"timestamp\":1003,\"headers\":["
       "{\"key\":\"dup\",\"value\":\"1\"},{\"key\":\"z\",\"value\":null},{\"key\":\"dup\",\"value\":\"2\"},"
       "{\"key\":\"a\",\"value\":\"\"},{\"key\":\"bin\",\"value\":{\"base64\":\"AP8=\"}}]}\n");
  k.Ok({"produce", "T", "-p", "1", "--format", "json", "-H", "x=y"},
       "{\"value\":{\"base64\":\"" + Base64(bytes) + "\"}}\n");
  k.Ok({"produce", "T", "-p", "2", "-K", ":"}, "\xc0\xc1:\x80\n");
  std::vector<std::string> original = JsonRecords(k, "T");
  REQUIRE(original.size() == 6);

  RunResult r = k.Shell("klog consume T --format json | klog produce U --format json");
  CHECK(r.exit_code == 0);
  CHECK(r.err == "");
  std::vector<std::string> copy = JsonRecords(k, "U");
  CHECK(copy == original);

  // Spot checks of what "faithful" means, on the copy.
  CHECK(k.Ok({"consume", "U", "-p", "0", "--format", "%K %T %v\\n"}) == "-1 1000 no key\n0 1001 empty key\n");
  CHECK(k.Ok({"consume", "U", "-p", "2", "-n", "1", "--format", "%h\\n"}) ==
        std::string("dup=1,z=,dup=2,a=,bin=") + '\0' + "\xff\n");
  CHECK(k.Ok({"consume", "U", "-p", "1", "-o", "1", "--format", "%v"}) == bytes);
  CHECK(k.Ok({"consume", "U", "-p", "2", "-o", "1", "--format", "%k:%v\\n"}) == "\xc0\xc1:\x80\n");
}

}  // namespace klog::testing
