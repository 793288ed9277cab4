// klog consume without a group (contract section 3, "consume", and the
// section 7 items about it): where to start, which partitions, when to stop,
// output formats, several topics, and a reader that goes away.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "e2e/cli_fixture.h"

namespace klog::testing {
namespace {

// A topic "t" with records a, b, c at timestamps 1000, 2000, 3000 ms (kept
// forever: time retention would delete such old records once rolled).
void MakeTimedTopic(const CliFixture& k) {
  k.Ok({"topic", "create", "t", "--retention", "-1"});
  k.Ok({"produce", "t", "--format", "json"},
       "{\"value\":\"a\",\"timestamp\":1000}\n{\"value\":\"b\",\"timestamp\":2000}\n"
       "{\"value\":\"c\",\"timestamp\":3000}\n");
}

std::string From(const CliFixture& k, const std::string& where) { return k.Ok({"consume", "t", "-o", where}); }

}  // namespace

TEST_CASE("consume prints values, one per line, and exits 0 at the end") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  CHECK(k.Ok({"consume", "t"}) == "");  // an empty topic: nothing, exit 0
  k.Ok({"produce", "t"}, "a\nb\nc\n");
  RunResult r = k.Run({"consume", "t"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "a\nb\nc\n");
  CHECK(r.err == "");  // no "reached end" trailer anywhere without a terminal
}

TEST_CASE("-o beginning, end, N and -N") {
  CliFixture k;
  MakeTimedTopic(k);
  CHECK(From(k, "beginning") == "a\nb\nc\n");
  CHECK(From(k, "end") == "");
  CHECK(From(k, "0") == "a\nb\nc\n");
  CHECK(From(k, "2") == "c\n");
  CHECK(From(k, "3") == "");
  CHECK(From(k, "99") == "");  // past the end: nothing, still exit 0
  CHECK(From(k, "-1") == "c\n");
  CHECK(From(k, "-2") == "b\nc\n");
  CHECK(From(k, "-0") == "");
  // Reaching past the start begins at the start (contract section 7).
  CHECK(From(k, "-3") == "a\nb\nc\n");
  CHECK(From(k, "-1000") == "a\nb\nc\n");
}

TEST_CASE("-o @TIMESTAMP: ms since the epoch or ISO-8601, with Z or an offset") {
  CliFixture k;
  MakeTimedTopic(k);
  CHECK(From(k, "@0") == "a\nb\nc\n");
  CHECK(From(k, "@2000") == "b\nc\n");
  CHECK(From(k, "@1999") == "b\nc\n");
  CHECK(From(k, "@2001") == "c\n");
  CHECK(From(k, "@1970-01-01T00:00:02Z") == "b\nc\n");
  CHECK(From(k, "@1970-01-01T00:00:02.500Z") == "c\n");
  CHECK(From(k, "@1970-01-01T05:30:02+05:30") == "b\nc\n");  // half-hour zone
  CHECK(From(k, "@1969-12-31T23:00:03-01:00") == "c\n");
  // Past the last record: nothing, exit 0 (contract section 7).
  CHECK(From(k, "@3001") == "");
  CHECK(From(k, "@2100-01-01T00:00:00Z") == "");
}

TEST_CASE("-p reads only the given partitions") {
  CliFixture k;
  k.Ok({"topic", "create", "t", "--partitions", "3"});
  for (int p = 0; p < 3; ++p) k.Ok({"produce", "t", "-p", std::to_string(p)}, "p" + std::to_string(p) + "\n");
  CHECK(k.Ok({"consume", "t", "-p", "1"}) == "p1\n");
  std::string two = k.Ok({"consume", "t", "-p", "0,2", "--format", "%p %v\\n"});
  CHECK(Lines(two).size() == 2);
  CHECK(two.find("0 p0\n") != std::string::npos);
  CHECK(two.find("2 p2\n") != std::string::npos);
  // Offsets apply per partition.
  k.Ok({"produce", "t", "-p", "1"}, "p1-second\n");
  CHECK(k.Ok({"consume", "t", "-p", "1", "-o", "-1"}) == "p1-second\n");
}

TEST_CASE("a partition or topic named twice is read once") {
  CliFixture k;
  k.Ok({"topic", "create", "t", "--partitions", "2"});
  k.Ok({"produce", "t", "-p", "0"}, "a\nb\n");
  k.Ok({"produce", "t", "-p", "1"}, "c\n");
  CHECK(k.Ok({"consume", "t", "-p", "0,0"}) == "a\nb\n");
  CHECK(Lines(k.Ok({"consume", "t", "-p", "1,0,1"})).size() == 3);
  CHECK(Lines(k.Ok({"consume", "t", "t"})).size() == 3);
  CHECK(Lines(k.Ok({"consume", "t", "t", "-p", "0,0"})).size() == 2);
}

TEST_CASE("-n stops after N records") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  k.Ok({"produce", "t"}, "a\nb\nc\nd\n");
  CHECK(k.Ok({"consume", "t", "-n", "2"}) == "a\nb\n");
  CHECK(k.Ok({"consume", "t", "--max-messages", "1", "-o", "2"}) == "c\n");
  CHECK(k.Ok({"consume", "t", "-n", "10"}) == "a\nb\nc\nd\n");
}

// Regression: the -n limit was checked only after a record was delivered.
TEST_CASE("-n 0 prints nothing, also with -f") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  k.Ok({"produce", "t"}, "a\nb\n");
  CHECK(k.Ok({"consume", "t", "-n", "0"}) == "");
  CHECK(k.Ok({"consume", "t", "-f", "-n", "0"}) == "");
}

TEST_CASE("--format: every token") {
  CliFixture k;
  k.Ok({"topic", "create", "t", "--partitions", "2"});
  k.Ok({"produce", "t", "--format", "json"},
       "{\"value\":\"hello\",\"key\":\"kk\",\"partition\":1,\"timestamp\":1234,"
       "\"headers\":[{\"key\":\"a\",\"value\":\"1\"},{\"key\":\"b\",\"value\":\"2\"}]}\n"
       "{\"value\":\"\",\"partition\":1,\"timestamp\":5}\n");
  CHECK(k.Ok({"consume", "t", "--format", "%t|%p|%o|%k|%K|%v|%s|%S|%T|%h|%%\\n"}) ==
        "t|1|0|kk|2|hello|hello|5|1234|a=1,b=2|%\n"
        "t|1|1||-1|||0|5||%\n");
  // Literal text around tokens, and tokens side by side.
  CHECK(k.Ok({"consume", "t", "-n", "1", "--format", "offset=%o%p;"}) == "offset=01;");
}

TEST_CASE("--format: escapes \\n \\t \\0 \\\\, and the default is %v\\n") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  k.Ok({"produce", "t", "x", "y"});
  CHECK(k.Ok({"consume", "t", "--format", "%v\\t%o\\0\\\\\\n"}) == std::string("x\t0\0\\\ny\t1\0\\\n", 12));
  CHECK(k.Ok({"consume", "t", "--format", "%v\\n"}) == k.Ok({"consume", "t"}));
  CHECK(k.Ok({"consume", "t", "--format", "%v"}) == "xy");  // no newline unless asked
}

TEST_CASE("--format json: one object per line with every field") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  k.Ok({"produce", "t", "-k", "key", "-H", "h=v", "value"});
  k.Ok({"produce", "t", "plain"});
  std::vector<std::string> lines = Lines(k.Ok({"consume", "t", "--format", "json"}));
  REQUIRE(lines.size() == 2);
  nlohmann::json a = nlohmann::json::parse(lines[0]);
  CHECK(a["topic"] == "t");
  CHECK(a["partition"] == 0);
  CHECK(a["offset"] == 0);
  CHECK(a["timestamp"].get<int64_t>() > 1700000000000);
  CHECK(a["key"] == "key");
  CHECK(a["value"] == "value");
  CHECK(a["headers"] == nlohmann::json::parse(R"([{"key":"h","value":"v"}])"));
  nlohmann::json b = nlohmann::json::parse(lines[1]);
  CHECK(b["offset"] == 1);
  CHECK(b["key"].is_null());
  CHECK(b["headers"] == nlohmann::json::array());
}

TEST_CASE("several topics at once") {
  CliFixture k;
  k.Ok({"topic", "create", "a"});
  k.Ok({"topic", "create", "b", "--partitions", "2"});
  k.Ok({"produce", "a"}, "a1\na2\n");
  k.Ok({"produce", "b", "-p", "1"}, "b1\n");
  std::string out = k.Ok({"consume", "a", "b", "--format", "%t:%p:%o:%v\\n"});
  std::vector<std::string> lines = Lines(out);
  CHECK(lines.size() == 3);
  // Per partition, in offset order.
  CHECK(out.find("a:0:0:a1\n") < out.find("a:0:1:a2\n"));
  CHECK(out.find("b:1:0:b1\n") != std::string::npos);
  // -o applies to each partition of each topic.
  CHECK(Lines(k.Ok({"consume", "a", "b", "-o", "-1"})).size() == 2);
  // One unknown topic among them fails the whole command, before any output.
  CHECK_KLOG_ERROR(k.Run({"consume", "a", "nope"}), 1, "unknown topic 'nope'");
}

TEST_CASE("klog consume t | head -3 ends quietly with status 0") {
  CliFixture k;
  k.Ok({"topic", "create", "t"});
  std::string input;
  for (int i = 0; i < 200000; ++i) input += "record " + std::to_string(i) + "\n";  // ~2.5 MB: more than a pipe holds
  k.Ok({"produce", "t"}, input);
  RunResult s = k.Shell("exec bash -c 'klog consume t | head -3; echo \"status=${PIPESTATUS[0]}\"'");
  CHECK(s.exit_code == 0);
  CHECK(s.out == "record 0\nrecord 1\nrecord 2\nstatus=0\n");
  CHECK(s.err == "");
}

}  // namespace klog::testing
