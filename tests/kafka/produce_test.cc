// klog produce on a Kafka cluster (the mock, tests/support/mock_cluster.h),
// checked with kcat: what klog reports written is what the cluster holds,
// keys land where they land in a directory, faults never duplicate or hide
// a record, and nothing waits past --timeout.
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "e2e/cli_fixture.h"
#include "kafka/kafka_cli.h"
#include "util/murmur2.h"

using namespace klog::testing;

namespace {

// "P O" lines of --print-offsets.
std::vector<std::pair<int, int64_t>> Offsets(const std::string& out) {
  std::vector<std::pair<int, int64_t>> v;
  for (const auto& l : Lines(out)) {
    auto sp = l.find(' ');
    if (sp == std::string::npos) FAIL("not a PARTITION OFFSET line: " << l);
    v.emplace_back(std::stoi(l.substr(0, sp)), std::stoll(l.substr(sp + 1)));
  }
  return v;
}

std::string NumberedLines(int n, const std::string& prefix) {
  std::string s;
  for (int i = 0; i < n; ++i) s += prefix + std::to_string(i) + "\n";
  return s;
}

// What a fault may do to a produce run, checked against what kcat reads:
// every record klog reported is there at the offset it reported, and no
// value is there twice (idempotence: a retry never duplicates).
void CheckReportedReadBackOnce(const KafkaCli& k, const std::string& topic, const std::string& printed) {
  std::map<std::pair<int, int64_t>, std::string> at;
  std::map<std::string, int> seen;
  for (const auto& r : k.ReadAll(topic)) {
    at[{r["partition"].get<int>(), r["offset"].get<int64_t>()}] = r["payload"].get<std::string>();
    ++seen[r["payload"].get<std::string>()];
  }
  std::string twice;
  for (const auto& [value, n] : seen)
    if (n != 1) twice += " " + value;
  CHECK_MESSAGE(twice.empty(), "read back more than once:" << twice);
  std::set<std::string> reported;
  std::string missing;
  for (const auto& po : Offsets(printed)) {
    auto it = at.find(po);
    if (it == at.end() || !reported.insert(it->second).second)
      missing += " " + std::to_string(po.first) + ":" + std::to_string(po.second);
  }
  CHECK_MESSAGE(missing.empty(), "reported but not read back (or reported twice):" << missing);
}

}  // namespace

TEST_CASE("kafka produce: kcat reads back keys (null and empty), headers in order with duplicates, timestamps, partitions") {
  if (!KcatAvailable()) return;
  KafkaCli k;
  k.Topic("t", 3);
  std::string input =
      R"({"key":"k1","value":"v1","timestamp":1700000000001,"partition":2,"headers":[{"key":"h","value":"1"},{"key":"h","value":"2"},{"key":"n","value":null},{"key":"a","value":""}]})"
      "\n"
      R"({"value":"no key","timestamp":1700000000002,"partition":0})"
      "\n"
      R"({"key":"","value":"empty key","timestamp":1700000000003,"partition":0})"
      "\n"
      R"({"key":"k4","value":"","timestamp":1700000000004,"partition":1})"
      "\n";
  RunResult r = k.Klog({"produce", "t", "--format", "json", "--print-offsets"}, input);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err == "");
  CHECK(r.out == "2 0\n0 0\n0 1\n1 0\n");
  auto recs = k.ReadAll("t");
  REQUIRE(recs.size() == 4);
  std::map<std::pair<int, int64_t>, nlohmann::json> at;
  for (const auto& rec : recs) at[{rec["partition"].get<int>(), rec["offset"].get<int64_t>()}] = rec;
  nlohmann::json a = at[{2, 0}];
  CHECK(a["key"] == "k1");
  CHECK(a["payload"] == "v1");
  CHECK(a["ts"] == 1700000000001);
  CHECK(a["headers"] == nlohmann::json::parse(R"(["h","1","h","2","n",null,"a",""])"));
  CHECK(at[{0, 0}]["key"].is_null());
  CHECK(at[{0, 0}]["payload"] == "no key");
  CHECK(at[{0, 0}]["ts"] == 1700000000002);
  CHECK(at[{0, 1}]["key"] == "");
  CHECK(at[{0, 1}]["payload"] == "empty key");
  CHECK(at[{1, 0}]["key"] == "k4");
  CHECK(at[{1, 0}]["payload"] == "");
  CHECK(at[{1, 0}]["ts"] == 1700000000004);

  // -k, -H and -p on line input, as on a directory.
  r = k.Klog({"produce", "t", "-p", "1", "-k", "same", "-H", "x=1", "-H", "x=2", "--print-offsets"}, "l1\nl2\n");
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "1 1\n1 2\n");
  RunResult c = k.Kcat("-C -t t -p 1 -o 1 -e -q -f '%k|%s|%h\\n'");
  CHECK(c.out == "same|l1|x=1,x=2\nsame|l2|x=1,x=2\n");
}

TEST_CASE("kafka produce: a key lands on the same partition as in a directory, for 5,000 keys") {
  if (!KcatAvailable()) return;
  KafkaCli k;
  k.Topic("keys", 7);
  std::string input;
  std::vector<std::string> keys;
  for (int i = 0; i < 5000; ++i) {
    keys.push_back("user-" + std::to_string(i * 7919 % 100003) + (i % 3 ? "x" : ""));
    input += keys.back() + ":" + std::to_string(i) + "\n";
  }
  RunResult r = k.Klog({"produce", "keys", "-K", ":", "--print-offsets"}, input);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto cluster = Offsets(r.out);
  REQUIRE(cluster.size() == keys.size());

  CliFixture local;
  local.Ok({"topic", "create", "keys", "--partitions", "7"});
  auto on_disk = Offsets(local.Ok({"produce", "keys", "-K", ":", "--print-offsets"}, input));
  REQUIRE(on_disk.size() == keys.size());
  int mismatches = 0;
  std::set<int> used;
  for (size_t i = 0; i < keys.size(); ++i) {
    used.insert(cluster[i].first);
    if (cluster[i].first != on_disk[i].first || cluster[i].first != klog::util::KafkaPartitionForKey(keys[i], 7))
      ++mismatches;
  }
  CHECK(mismatches == 0);
  CHECK(used.size() == 7);
  // And kcat finds each record where klog said it went.
  std::map<std::string, int> partition_of;
  for (const auto& rec : k.ReadAll("keys")) partition_of[rec["key"].get<std::string>()] = rec["partition"].get<int>();
  int misplaced = 0;
  for (size_t i = 0; i < keys.size(); ++i) misplaced += partition_of[keys[i]] != cluster[i].first;
  CHECK(misplaced == 0);
}

TEST_CASE("kafka produce: bad -p, unknown partition in a record, --fsync says it has no meaning") {
  KafkaCli k;
  k.Topic("t", 2);
  RunResult r = k.Klog({"produce", "t", "-p", "5", "x"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "klog: error: topic 't' has no partition 5 (it has 2: 0-1)\n");
  r = k.Klog({"produce", "t", "--format", "json"}, "{\"value\":\"a\"}\n{\"value\":\"b\",\"partition\":9}\n");
  CHECK(r.exit_code == 1);
  CHECK(r.err == "klog: error: input line 2: topic 't' has no partition 9 (it has 2)\n");
  k.Topic("u", 2);
  r = k.Klog({"produce", "u", "--fsync", "always", "-p", "1", "--print-offsets", "x"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "1 0\n");
  CHECK(r.err.find("--fsync has no meaning on a Kafka cluster") != std::string::npos);
}

TEST_CASE("kafka produce: --compression zstd reads back; --max-record-size is checked before sending") {
  if (!KcatAvailable()) return;
  KafkaCli k;
  k.Topic("z", 1);
  std::string input = NumberedLines(500, "compressible compressible compressible ");
  RunResult r = k.Klog({"produce", "z", "--compression", "zstd", "--compression-level", "3"}, input);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(k.Kcat("-C -t z -e -q").out == input);
  r = k.Klog({"produce", "z", "--max-record-size", "10", "--print-offsets"}, "short\nmuch too long here\n");
  CHECK(r.exit_code == 1);
  CHECK(r.out == "0 500\n");  // the record before the oversize one is written
  CHECK(r.err == "klog: error: input line 2: record of 18 bytes exceeds --max-record-size 10\n");
}

TEST_CASE("kafka produce: records the cluster refuses are not reported; exit 1 naming how many and the first") {
  KafkaCli k;
  k.Topic("t", 1);
  // Produce (API key 0) answered MESSAGE_TOO_LARGE (10): permanent, not retried.
  REQUIRE(k.cluster().Command("errors 0 10") == "ok");
  // --linger: the three records go in one request (without it the first
  // may leave alone, before the others are queued, and take the error alone).
  RunResult r = k.Klog({"produce", "t", "--print-offsets", "--linger", "200ms"}, "a\nb\nc\n");
  CHECK(r.exit_code == 1);
  CHECK(r.out == "");
  INFO(r.err);
  CHECK(Lines(r.err).size() == 1);
  CHECK(r.err.find("klog: error: input line 1 (the first not written): topic 't': 3 records were not acknowledged "
                   "by the cluster: Broker: Message size too large") == 0);
  // The next run is acknowledged, and only it is in the topic.
  r = k.Klog({"produce", "t", "--print-offsets"}, "d\n");
  CHECK(r.exit_code == 0);
  CHECK(r.out == "0 0\n");
}

TEST_CASE("kafka produce: an unreachable cluster is one line naming the brokers, exit 1, within --timeout") {
  for (std::vector<std::string> args : {std::vector<std::string>{"produce", "t", "x"},
                                        std::vector<std::string>{"produce", "t"}}) {
    int64_t t0 = NowSteadyMs();
    RunOptions o;
    o.stdin_data = "x\n";
    std::vector<std::string> full = {"-b", "127.0.0.1:1", "--timeout", "2s"};
    full.insert(full.end(), args.begin(), args.end());
    RunResult r = RunKlog(full, o);
    int64_t took = NowSteadyMs() - t0;
    CHECK(r.exit_code == 1);
    CHECK(Lines(r.err).size() == 1);
    CHECK(r.err.find("klog: error: ") == 0);
    CHECK(r.err.find("(brokers 127.0.0.1:1)") != std::string::npos);
    CHECK(took < 4000);
  }
}

TEST_CASE("kafka produce faults: a leader move and NOT_LEADER answers: every record written once, all reported") {
  if (!KcatAvailable()) return;
  KafkaCli k;
  k.Topic("f", 3);
  const int n = 20000;
  std::string input = NumberedLines(n, "rec-");
  // Retriable NOT_LEADER_OR_FOLLOWER (6) answers to Produce (0), then a
  // leader moving under a run that is writing.
  REQUIRE(k.cluster().Command("errors 0 6 6 6") == "ok");
  std::thread mover([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    (void)k.cluster().Command("leader f 0 3");
    (void)k.cluster().Command("leader f 1 1");
  });
  int64_t t0 = NowSteadyMs();
  RunResult r = k.Klog({"produce", "f", "--print-offsets"}, input, "5s");
  mover.join();
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(NowSteadyMs() - t0 < 15000);
  CHECK(Offsets(r.out).size() == static_cast<size_t>(n));
  CheckReportedReadBackOnce(k, "f", r.out);
  CHECK(k.ReadAll("f").size() == static_cast<size_t>(n));
}

TEST_CASE("kafka produce faults: a broker down with records in flight: what is reported reads back once, within --timeout") {
  if (!KcatAvailable()) return;
  KafkaCli k;
  k.Topic("f", 3);
  const int n = 50000;
  // Broker 2 answers slowly, so records to the partitions it leads are in
  // flight when it goes down.
  REQUIRE(k.cluster().Command("rtt 2 300") == "ok");
  std::thread downer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    (void)k.cluster().Command("down 2");
  });
  int64_t t0 = NowSteadyMs();
  RunResult r = k.Klog({"produce", "f", "--print-offsets"}, NumberedLines(n, "rec-"), "2s");
  int64_t took = NowSteadyMs() - t0;
  downer.join();
  INFO(r.err);
  INFO("broker down: exit " << r.exit_code << ", " << Offsets(r.out).size() << " of " << n << " reported in "
                               << took << " ms");
  // Within --timeout of the records' queueing (twice, at most, with flush).
  CHECK(took < 8000);
  if (r.exit_code == 1) {
    CHECK(Lines(r.err).size() == 1);
    CHECK(r.err.find("not acknowledged by the cluster") != std::string::npos);
    CHECK(r.err.find("(the first not written)") != std::string::npos);
  } else {
    CHECK(r.exit_code == 0);  // the broker led nothing this run wrote to
  }
  REQUIRE(k.cluster().Command("up 2") == "ok");
  REQUIRE(k.cluster().Command("rtt 2 0") == "ok");
  CheckReportedReadBackOnce(k, "f", r.out);
}
