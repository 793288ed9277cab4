// klog topic create|list|describe|alter|delete (contract section 3, "topic").
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "e2e/cli_fixture.h"

namespace klog::testing {
namespace {

nlohmann::json Describe(const CliFixture& k, const std::string& topic) {
  return nlohmann::json::parse(k.Ok({"topic", "describe", topic, "--json"}));
}

}  // namespace

TEST_CASE("topic create stores partitions, retention, segment size and compression") {
  CliFixture k;
  k.Ok({"topic", "create", "events", "--partitions", "3", "--retention", "2h", "--retention-bytes", "10MiB",
        "--segment-bytes", "64KiB", "--compression", "zstd"});
  nlohmann::json d = Describe(k, "events");
  CHECK(d["topic"] == "events");
  CHECK(d["config"]["partitions"] == 3);
  CHECK(d["config"]["retention_ms"] == 2 * 3600 * 1000);
  CHECK(d["config"]["retention_bytes"] == 10 * 1024 * 1024);
  CHECK(d["config"]["segment_bytes"] == 64 * 1024);
  CHECK(d["config"]["compression"] == "zstd");
  REQUIRE(d["partitions"].size() == 3);
  for (int p = 0; p < 3; ++p) {
    CHECK(d["partitions"][p]["partition"] == p);
    CHECK(d["partitions"][p]["start_offset"] == 0);
    CHECK(d["partitions"][p]["end_offset"] == 0);
    CHECK(d["partitions"][p]["records"] == 0);
  }
}

TEST_CASE("topic create defaults: one partition, no compression, 7 days") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  nlohmann::json d = Describe(k, "t");
  CHECK(d["config"]["partitions"] == 1);
  CHECK(d["config"]["compression"] == "none");
  CHECK(d["config"]["retention_ms"] == 7ll * 24 * 3600 * 1000);
  CHECK(d["config"]["retention_bytes"] == -1);
}

TEST_CASE("topic create refuses an existing topic unless --if-not-exists, which changes nothing") {
  CliFixture k;
  k.Ok({"topic", "create", "t", "--partitions", "2"});
  CHECK_KLOG_ERROR(k.Run({"topic", "create", "t"}), 1, "topic 't' already exists");
  k.Ok({"topic", "create", "t", "--partitions", "5", "--if-not-exists"});
  CHECK(Describe(k, "t")["config"]["partitions"] == 2);
}

TEST_CASE("racing creates of one topic: exactly one wins, the others say it exists") {
  CliFixture k;
  RunResult s = k.Shell("cd " + k.tmp().path() +
                        " && for i in 1 2 3 4 5 6; do (klog topic create t --partitions $i 2>err.$i; echo $? >rc.$i) & "
                        "done; wait; cat rc.* | sort | tr '\\n' ' '; echo; cat err.*");
  CHECK(s.exit_code == 0);
  std::vector<std::string> lines = Lines(s.out);
  REQUIRE(lines.size() == 6);
  CHECK(lines[0] == "0 1 1 1 1 1 ");
  for (size_t i = 1; i < lines.size(); ++i) CHECK(lines[i] == "klog: error: topic 't' already exists");
  nlohmann::json d = Describe(k, "t");
  CHECK(d["partitions"].size() == d["config"]["partitions"].get<size_t>());
  CHECK(k.Ok({"topic", "list"}) == "TOPIC  PARTITIONS  COMPRESSION\nt      " +
                                       std::to_string(d["config"]["partitions"].get<int>()) + "           none\n");
}

TEST_CASE("topic list: a table, or one JSON document") {
  CliFixture k;
  CHECK(k.Ok({"topic", "list"}) == "");
  CHECK(nlohmann::json::parse(k.Ok({"topic", "list", "--json"})) == nlohmann::json::array());
  k.Ok({"topic", "create", "beta", "--partitions", "4", "--compression", "zstd"});
  k.Ok({"topic", "create", "alpha"});
  CHECK(k.Ok({"topic", "list"}) ==
        "TOPIC  PARTITIONS  COMPRESSION\n"
        "alpha  1           none\n"
        "beta   4           zstd\n");
  nlohmann::json j = nlohmann::json::parse(k.Ok({"topic", "list", "--json"}));
  REQUIRE(j.size() == 2);
  CHECK(j[0]["name"] == "alpha");
  CHECK(j[0]["partitions"] == 1);
  CHECK(j[1]["name"] == "beta");
  CHECK(j[1]["partitions"] == 4);
  CHECK(j[1]["compression"] == "zstd");
}

TEST_CASE("topic describe shows offsets, record counts, bytes and segments per partition") {
  CliFixture k;
  k.Ok({"topic", "create", "t", "--partitions", "2"});
  k.Ok({"produce", "t", "-p", "1"}, "a\nb\nc\n");
  nlohmann::json d = Describe(k, "t");
  CHECK(d["partitions"][0]["records"] == 0);
  CHECK(d["partitions"][0]["segments"] == 0);
  CHECK(d["partitions"][0]["last_append_ms"] == 0);
  CHECK(d["partitions"][1]["start_offset"] == 0);
  CHECK(d["partitions"][1]["end_offset"] == 3);
  CHECK(d["partitions"][1]["records"] == 3);
  CHECK(d["partitions"][1]["segments"] == 1);
  CHECK(d["partitions"][1]["bytes"].get<int64_t>() > 0);
  CHECK(d["partitions"][1]["last_append_ms"].get<int64_t>() > 1700000000000);

  std::vector<std::string> table = Lines(k.Ok({"topic", "describe", "t"}));
  REQUIRE(table.size() == 4);
  CHECK(table[0].rfind("Topic: t  Partitions: 2  Compression: none  Retention: 7d", 0) == 0);
  CHECK(table[1].rfind("PARTITION  START  END  RECORDS  SIZE", 0) == 0);
  CHECK(table[2].rfind("0          0      0    0        0 B", 0) == 0);
  CHECK(table[3].rfind("1          0      3    3        ", 0) == 0);
}

TEST_CASE("a small --segment-bytes rolls segments") {
  CliFixture k;
  k.Ok({"topic", "create", "t", "--segment-bytes", "4KiB"});
  std::string input;
  for (int i = 0; i < 200; ++i) input += "record number " + std::to_string(i) + " " + std::string(100, 'x') + "\n";
  k.Ok({"produce", "t", "--batch-size", "1KiB"}, input);
  nlohmann::json d = Describe(k, "t");
  CHECK(d["partitions"][0]["records"] == 200);
  CHECK(d["partitions"][0]["segments"].get<int>() > 3);
  CHECK(k.Ok({"consume", "t"}) == input);
}

TEST_CASE("zstd compression keeps the records and takes less space than none") {
  CliFixture k;
  k.Ok({"topic", "create", "plain"});
  k.Ok({"topic", "create", "packed", "--compression", "zstd"});
  std::string input;
  for (int i = 0; i < 500; ++i) input += "the same words again and again " + std::to_string(i % 10) + "\n";
  k.Ok({"produce", "plain"}, input);
  k.Ok({"produce", "packed"}, input);
  CHECK(k.Ok({"consume", "packed"}) == input);
  int64_t plain = Describe(k, "plain")["partitions"][0]["bytes"];
  int64_t packed = Describe(k, "packed")["partitions"][0]["bytes"];
  CHECK(packed * 3 < plain);
  // The producer may override the topic's codec.
  k.Ok({"produce", "plain", "--compression", "zstd"}, input);
  CHECK(k.Ok({"consume", "plain"}) == input + input);
}

TEST_CASE("--compression-level: a topic's zstd level, changed by alter, overridden by produce; bad levels are usage errors") {
  CliFixture k;
  std::string input;
  for (int i = 0; i < 3000; ++i)
    input += "2026-11-24T10:00:" + std::to_string(i % 60) + "Z GET /api/v1/users/" + std::to_string(i * 7919 % 1000) +
             " status=" + std::to_string(i % 7 ? 200 : 500) + " took=" + std::to_string(i * 31 % 997) + "ms\n";
  k.Ok({"topic", "create", "fast", "--compression", "zstd"});
  k.Ok({"topic", "create", "small", "--compression", "zstd", "--compression-level", "19"});
  CHECK_FALSE(Describe(k, "fast")["config"].contains("compression_level"));
  CHECK(Describe(k, "small")["config"]["compression_level"] == 19);
  CHECK(k.Ok({"topic", "describe", "small"}).find("Compression: zstd (level 19)") != std::string::npos);
  k.Ok({"produce", "fast"}, input);
  k.Ok({"produce", "small"}, input);
  CHECK(k.Ok({"consume", "small"}) == input);
  int64_t fast_bytes = Describe(k, "fast")["partitions"][0]["bytes"];
  int64_t small_bytes = Describe(k, "small")["partitions"][0]["bytes"];
  CHECK(small_bytes < fast_bytes);

  // The producer may override the level; the topic keeps its own.
  k.Ok({"produce", "fast", "--compression-level", "19"}, input);
  int64_t added = Describe(k, "fast")["partitions"][0]["bytes"].get<int64_t>() - fast_bytes;
  CHECK(added < fast_bytes);
  CHECK(k.Ok({"consume", "fast"}) == input + input);
  CHECK_FALSE(Describe(k, "fast")["config"].contains("compression_level"));

  k.Ok({"topic", "alter", "small", "--compression-level", "5"});
  CHECK(Describe(k, "small")["config"]["compression_level"] == 5);
  k.Ok({"topic", "alter", "small", "--compression-level", "default"});
  CHECK_FALSE(Describe(k, "small")["config"].contains("compression_level"));
  CHECK(Describe(k, "small")["config"]["compression"] == "zstd");

  // Bad levels: usage errors that name the flag; nothing created or changed.
  for (const char* bad : {"0", "20", "-3", "high"}) {
    CAPTURE(bad);
    CHECK_KLOG_ERROR(k.Run({"topic", "create", "bad", "--compression", "zstd", "--compression-level", bad}), 2,
                     "--compression-level");
    CHECK(k.Run({"topic", "describe", "bad"}).exit_code == 1);
    CHECK_KLOG_ERROR(k.Run({"topic", "alter", "small", "--compression-level", bad}), 2, "--compression-level");
    CHECK_KLOG_ERROR(k.Run({"produce", "fast", "--compression-level", bad}, "lost\n"), 2, "--compression-level");
  }
  CHECK_FALSE(Describe(k, "small")["config"].contains("compression_level"));
  CHECK(k.Ok({"consume", "fast"}) == input + input);
}

TEST_CASE("a zstd level damaged by hand in topic.json: one error that names the file and what to do; nothing written") {
  CliFixture k;
  k.Ok({"topic", "create", "t", "--compression", "zstd", "--compression-level", "5"});
  k.Ok({"produce", "t", "kept"});
  const std::string path = k.data() + "/topics/t/topic.json";
  std::string good = ReadAll(path);
  size_t at = good.find("\"compression_level\": 5");
  REQUIRE(at != std::string::npos);
  std::string bad = good;
  bad.replace(at, std::string("\"compression_level\": 5").size(), "\"compression_level\": 99");
  WriteAll(path, bad);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"produce", "t", "lost"}, {"consume", "t"}, {"topic", "alter", "t", "--compression-level", "default"}}) {
    CAPTURE(args[0]);
    RunResult r = k.Run(args);
    CHECK_KLOG_ERROR(r, 1, path + ": compression level must be between 1 and 19 (fix the file by hand");
  }
  WriteAll(path, good);
  CHECK(k.Ok({"consume", "t"}) == "kept\n");
}

TEST_CASE("topic alter grows partitions; the new ones take records") {
  CliFixture k;
  k.Ok({"topic", "create", "t", "--partitions", "2"});
  k.Ok({"produce", "t", "-p", "1", "old"});
  k.Ok({"topic", "alter", "t", "--partitions", "4"});
  nlohmann::json d = Describe(k, "t");
  CHECK(d["config"]["partitions"] == 4);
  CHECK(d["partitions"].size() == 4);
  CHECK(d["partitions"][1]["records"] == 1);
  k.Ok({"produce", "t", "-p", "3", "new"});
  CHECK(k.Ok({"consume", "t", "--format", "%p:%v\\n"}) == "1:old\n3:new\n");
}

TEST_CASE("topic create and alter take -p for --partitions, as rpk does") {
  CliFixture k;
  k.Ok({"topic", "create", "t", "-p", "3"});
  CHECK(Describe(k, "t")["config"]["partitions"] == 3);
  k.Ok({"topic", "alter", "t", "-p", "5"});
  CHECK(Describe(k, "t")["config"]["partitions"] == 5);
  CHECK_KLOG_ERROR(k.Run({"topic", "alter", "t", "-p", "4"}), 2, "partitions can only grow");
  CHECK_KLOG_ERROR(k.Run({"topic", "create", "u", "-p", "0"}), 2, "--partitions: must be between 1 and 10000");
  CHECK_KLOG_ERROR(k.Run({"topic", "describe", "u"}), 1, "unknown topic 'u'");  // nothing created
}

TEST_CASE("topic alter never shrinks partitions: exit 2, nothing changed") {
  CliFixture k;
  k.Ok({"topic", "create", "t", "--partitions", "3"});
  CHECK_KLOG_ERROR(k.Run({"topic", "alter", "t", "--partitions", "2"}), 2, "partitions can only grow");
  CHECK(Describe(k, "t")["config"]["partitions"] == 3);
  // The same count is not a shrink.
  k.Ok({"topic", "alter", "t", "--partitions", "3"});
}

TEST_CASE("topic alter changes retention and keeps what it is not told to change") {
  CliFixture k;
  k.Ok({"topic", "create", "t", "--partitions", "2", "--compression", "zstd"});
  k.Ok({"topic", "alter", "t", "--retention", "1d", "--retention-bytes", "1GiB"});
  nlohmann::json d = Describe(k, "t");
  CHECK(d["config"]["retention_ms"] == 24 * 3600 * 1000);
  CHECK(d["config"]["retention_bytes"] == 1024ll * 1024 * 1024);
  CHECK(d["config"]["partitions"] == 2);
  CHECK(d["config"]["compression"] == "zstd");
  k.Ok({"topic", "alter", "t", "--retention", "-1"});
  CHECK(Describe(k, "t")["config"]["retention_ms"] == -1);
  CHECK_KLOG_ERROR(k.Run({"topic", "alter", "nope", "--partitions", "2"}), 1, "unknown topic 'nope'");
}

TEST_CASE("topic delete removes the topic; --if-exists makes a missing one fine") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  k.Ok({"produce", "t", "a"});
  k.Ok({"topic", "delete", "t"});
  CHECK(k.Ok({"topic", "list"}) == "");
  CHECK_KLOG_ERROR(k.Run({"consume", "t"}), 1, "unknown topic 't'");
  CHECK_KLOG_ERROR(k.Run({"topic", "delete", "t"}), 1, "unknown topic 't'");
  k.Ok({"topic", "delete", "t", "--if-exists"});
  // A new topic of the same name starts empty.
  k.Ok({"topic", "create", "t"});
  CHECK(k.Ok({"consume", "t"}) == "");
}

}  // namespace klog::testing
