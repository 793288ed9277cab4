// klog consume (no group) on a Kafka cluster (the mock), fed by kcat, an
// independent client: every --format shows what kcat wrote, JSON round
// trips losslessly, -o/-p/-n/-f behave as on a directory, and a consume
// without -f ends at the end as of its start while a producer keeps writing.
#include <doctest/doctest.h>

#include <signal.h>

#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "e2e/cli_fixture.h"
#include "kafka/kafka_cli.h"

using namespace klog::testing;

namespace {

// Records in partition 0 of `topic`, written by kcat: keyed ones with
// duplicate headers, an empty key, an empty value, a value that is not
// UTF-8, and one without a key (null).
void WriteWithKcat(const KafkaCli& k, const std::string& topic) {
  RunResult w = k.Kcat("-P -t " + topic + " -p 0 -K: -H a=1 -H a=2 -H b=", "k1:v1\n:empty key\nk3:\nk4:\xff\xfe\n");
  REQUIRE_MESSAGE(w.exit_code == 0, w.err);
  w = k.Kcat("-P -t " + topic + " -p 0", "no key\n");
  REQUIRE_MESSAGE(w.exit_code == 0, w.err);
}

// kcat's view of each record of `topic`, one line each, bytes as they are:
// key length and key (-1: null), value length and value, headers,
// timestamp, partition and offset. Sorted.
std::multiset<std::string> KcatView(const KafkaCli& k, const std::string& topic) {
  RunResult r = k.Kcat("-C -t " + topic + " -o beginning -e -q -f '%K:%k|%S:%s|%h|%T|%p|%o\\n'");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto lines = Lines(r.out);
  return {lines.begin(), lines.end()};
}

}  // namespace

TEST_CASE("kafka consume: what kcat wrote, in every --format") {
  if (!KcatAvailable()) return;
  KafkaCli k;
  k.Topic("t", 2);
  WriteWithKcat(k, "t");
  RunResult r = k.Klog({"consume", "t"});
  CHECK(r.exit_code == 0);
  CHECK(r.err == "");
  CHECK(r.out == "v1\nempty key\n\n\xff\xfe\nno key\n");
  r = k.Klog({"consume", "t", "--format", "%t %p %o [%k] %K [%v] %S %h\\n"});
  CHECK(r.exit_code == 0);
  CHECK(r.out ==
        "t 0 0 [k1] 2 [v1] 2 a=1,a=2,b=\n"
        "t 0 1 [] 0 [empty key] 9 a=1,a=2,b=\n"
        "t 0 2 [k3] 2 [] 0 a=1,a=2,b=\n"
        "t 0 3 [k4] 2 [\xff\xfe] 2 a=1,a=2,b=\n"
        "t 0 4 [] -1 [no key] 6 \n");
  // %T is the record's timestamp, as kcat reads it.
  r = k.Klog({"consume", "t", "-n", "1", "--format", "%T"});
  RunResult c = k.Kcat("-C -t t -p 0 -c 1 -e -q -f '%T'");
  CHECK(r.out == c.out);
  CHECK(r.out.size() >= 13);
  r = k.Klog({"consume", "t", "--format", "json"});
  CHECK(r.exit_code == 0);
  auto lines = Lines(r.out);
  REQUIRE(lines.size() == 5);
  auto first = nlohmann::json::parse(lines[0]);
  CHECK(first["topic"] == "t");
  CHECK(first["key"] == "k1");
  CHECK(first["headers"] == nlohmann::json::parse(R"([{"key":"a","value":"1"},{"key":"a","value":"2"},{"key":"b","value":""}])"));
  CHECK(nlohmann::json::parse(lines[1])["key"] == "");
  CHECK(nlohmann::json::parse(lines[3])["value"] == nlohmann::json::parse(R"({"base64":"//4="})"));
  CHECK(nlohmann::json::parse(lines[4])["key"].is_null());
}

TEST_CASE("kafka consume: --format json | produce --format json copies a topic losslessly (kcat compares)") {
  if (!KcatAvailable()) return;
  KafkaCli k;
  k.Topic("src", 2);
  k.Topic("dst", 2);
  WriteWithKcat(k, "src");
  // A null header value, which kcat -P cannot write: klog writes it.
  RunResult w = k.Klog({"produce", "src", "--format", "json"},
                       R"({"key":"n","value":"v","partition":1,"headers":[{"key":"x","value":null}]})" "\n");
  REQUIRE(w.exit_code == 0);
  RunResult out = k.Klog({"consume", "src", "--format", "json"});
  REQUIRE(out.exit_code == 0);
  RunResult in = k.Klog({"produce", "dst", "--format", "json"}, out.out);
  REQUIRE_MESSAGE(in.exit_code == 0, in.err);
  CHECK(KcatView(k, "src").size() == 6);
  CHECK(KcatView(k, "src") == KcatView(k, "dst"));
  // And klog's JSON, which also tells a null header value from an empty one.
  RunResult back = k.Klog({"consume", "dst", "--format", "json"});
  auto src = Lines(out.out), dst = Lines(back.out);
  for (auto& l : dst) l.replace(l.find("\"dst\""), 5, "\"src\"");
  CHECK(std::multiset<std::string>(src.begin(), src.end()) == std::multiset<std::string>(dst.begin(), dst.end()));
  CHECK(out.out.find(R"("headers":[{"key":"x","value":null}])") != std::string::npos);
}

TEST_CASE("kafka consume: -o beginning|end|N|-N, -p, -n and several topics, as on a directory") {
  KafkaCli k;
  k.Topic("a", 2);
  k.Topic("b", 1);
  REQUIRE(k.Klog({"produce", "a", "-p", "0"}, "a0\na1\na2\na3\n").exit_code == 0);
  REQUIRE(k.Klog({"produce", "a", "-p", "1"}, "p1\n").exit_code == 0);
  REQUIRE(k.Klog({"produce", "b"}, "b0\n").exit_code == 0);
  CHECK(k.Klog({"consume", "a", "-p", "0", "-o", "2"}).out == "a2\na3\n");
  CHECK(k.Klog({"consume", "a", "-p", "0", "-o", "-1"}).out == "a3\n");
  CHECK(k.Klog({"consume", "a", "-p", "0", "-o", "-10"}).out == "a0\na1\na2\na3\n");
  CHECK(k.Klog({"consume", "a", "-o", "end"}).out == "");
  CHECK(k.Klog({"consume", "a", "-p", "0", "-o", "99"}).out == "");
  CHECK(k.Klog({"consume", "a", "-p", "0", "-n", "2"}).out == "a0\na1\n");
  // -o @TIME asks the cluster (offsetsForTimes). The mock answers -1 ("no
  // record at or after") to every time, which starts at the end: nothing.
  RunResult at = k.Klog({"consume", "a", "-o", "@0"});
  CHECK(at.exit_code == 0);
  CHECK(at.out == "");
  CHECK(at.err == "");
  RunResult r = k.Klog({"consume", "a", "b", "--format", "%t/%p/%o=%v\\n"});
  CHECK(r.exit_code == 0);
  auto lines = Lines(r.out);
  std::multiset<std::string> got(lines.begin(), lines.end());
  CHECK(got == std::multiset<std::string>{"a/0/0=a0", "a/0/1=a1", "a/0/2=a2", "a/0/3=a3", "a/1/0=p1", "b/0/0=b0"});
  r = k.Klog({"consume", "a", "-p", "7"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "klog: error: topic 'a' has no partition 7 (it has 2)\n");
  // The reader of stdout going away ends it quietly.
  RunResult head = RunShell("klog -b " + k.brokers() + " consume a -p 0 | head -1");
  CHECK(head.out == "a0\n");
  CHECK(head.err == "");
}

TEST_CASE("kafka consume: without -f it ends at the end as of its start while a producer keeps writing") {
  KafkaCli k;
  k.Topic("busy", 2);
  REQUIRE(k.Klog({"produce", "busy"}, "first\n").exit_code == 0);
  std::thread writer([&] {
    RunShell("for i in $(seq 1 200); do echo more-$i; sleep 0.01; done | klog -b " + k.brokers() +
             " produce busy");
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  int64_t t0 = NowSteadyMs();
  RunResult r = k.Klog({"consume", "busy", "--format", "%v\\n"});
  int64_t took = NowSteadyMs() - t0;
  bool writer_running = RunShell("pgrep -f 'seq 1 200' >/dev/null").exit_code == 0;
  writer.join();
  CHECK(r.exit_code == 0);
  CHECK(took < 1500);
  CHECK(writer_running);  // it ended while records were still being written
  auto lines = Lines(r.out);
  CHECK(lines.size() >= 2);
  CHECK(lines.size() < 201);
  CHECK(k.Klog({"consume", "busy"}).out.size() > r.out.size());
}

TEST_CASE("kafka consume -f: waits for new records and stops on SIGTERM") {
  KafkaCli k;
  k.Topic("f", 1);
  TempDir tmp;
  KlogProcess follower({"-b", k.brokers(), "consume", "f", "-f"}, {}, tmp.Join("out"), tmp.Join("err"));
  REQUIRE(k.Klog({"produce", "f"}, "one\ntwo\n").exit_code == 0);
  CHECK(WaitFor([&] { return ReadOrEmpty(tmp.Join("out")) == "one\ntwo\n"; }, 10000));
  REQUIRE(WaitFor([&] { return follower.Catches(SIGTERM); }, 5000));
  follower.Signal(SIGTERM);
  CHECK(follower.Wait(5000) == 0);
}

TEST_CASE("kafka consume: an unreachable cluster is one line naming the brokers, exit 1, within --timeout") {
  int64_t t0 = NowSteadyMs();
  RunResult r = RunKlog({"-b", "127.0.0.1:1", "--timeout", "2s", "consume", "t"});
  CHECK(NowSteadyMs() - t0 < 4000);
  CHECK(r.exit_code == 1);
  CHECK(Lines(r.err).size() == 1);
  CHECK(r.err.find("(brokers 127.0.0.1:1)") != std::string::npos);
}

TEST_CASE("kafka consume: a cluster that stops answering fetches is one line within --timeout, not a hang") {
  KafkaCli k;
  k.Topic("stall", 1);
  REQUIRE(k.Klog({"produce", "stall"}, "a\nb\n").exit_code == 0);
  // Every Fetch (API key 1) answered NOT_LEADER_OR_FOLLOWER (6) for a while:
  // librdkafka retries, nothing arrives.
  std::string errors = "errors 1";
  for (int i = 0; i < 200; ++i) errors += " 6";
  REQUIRE(k.cluster().Command(errors) == "ok");
  int64_t t0 = NowSteadyMs();
  RunResult r = k.Klog({"consume", "stall"}, "", "2s");
  int64_t took = NowSteadyMs() - t0;
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.out == "");
  CHECK(r.err == "klog: error: nothing read from the cluster for 2s (--timeout) while 1 partition still had records (brokers " +
                     k.brokers() + ")\n");
  CHECK(took < 4000);
}
