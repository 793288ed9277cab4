// The mock Kafka cluster the Kafka tests run against (tests/kafka_mock,
// tests/support/mock_cluster.h), checked with an independent client, kcat:
// what it stores reads back exactly, and each fault command has the effect a
// client can see.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <doctest/doctest.h>
#include <string>

#include "support/mock_cluster.h"
#include "support/run_klog.h"
#include "support/skip.h"

using namespace klog::testing;

namespace {

bool HaveKcat() {
  if (RunShell("command -v kcat").exit_code == 0) return true;
  Skip("kcat not installed (Debian package kcat)");
  return false;
}

RunResult Kcat(const std::string& args, const std::string& input = "") {
  RunOptions o;
  o.stdin_data = input;
  o.timeout_ms = 20000;
  return RunShell("exec kcat " + args, o);
}

// Leader of `partition` of `topic` as kcat -L reports it, or -1.
int LeaderOf(const MockCluster& c, const std::string& topic, int partition) {
  std::string out = Kcat("-b " + c.bootstrap() + " -L -t " + topic).out;
  std::string line = "partition " + std::to_string(partition) + ", leader ";
  size_t at = out.find(line);
  return at == std::string::npos ? -1 : std::atoi(out.c_str() + at + line.size());
}

size_t Count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

// Records of partition 0 of `topic`, one "key|value|headers" line each.
std::string ReadBack(const MockCluster& c, const std::string& topic) {
  return Kcat("-b " + c.bootstrap() + " -C -t " + topic + " -p 0 -o beginning -e -q -f '%k|%s|%h\\n'").out;
}

}  // namespace

TEST_CASE("mock cluster: kcat writes records with keys and headers and reads them back exactly") {
  if (!HaveKcat()) return;
  MockCluster c;
  REQUIRE_MESSAGE(c.ok(), c.error());
  CHECK(c.bootstrap().find("127.0.0.1:") == 0);
  CHECK(Count(c.bootstrap(), ",") == 2);  // three brokers
  REQUIRE(c.Command("topic t 1") == "ok");
  RunResult w = Kcat("-b " + c.bootstrap() + " -P -t t -p 0 -K: -H a=1 -H a=2 -H b=x", "k1:v1\nk2:\n:v3\n");
  REQUIRE_MESSAGE(w.exit_code == 0, w.err);
  RunResult r = Kcat("-b " + c.bootstrap() + " -C -t t -p 0 -o beginning -e -q -f '%k|%s|%h|%p|%o\\n'");
  CHECK(r.exit_code == 0);
  CHECK(r.out ==
        "k1|v1|a=1,a=2,b=x|0|0\n"
        "k2||a=1,a=2,b=x|0|1\n"
        "|v3|a=1,a=2,b=x|0|2\n");
}

TEST_CASE("mock cluster: topics and brokers as kcat -L sees them") {
  if (!HaveKcat()) return;
  MockCluster c;
  REQUIRE_MESSAGE(c.ok(), c.error());
  REQUIRE(c.Command("topic t 6") == "ok");
  RunResult r = Kcat("-b " + c.bootstrap() + " -L -t t");
  CHECK(r.out.find("3 brokers:") != std::string::npos);
  CHECK(r.out.find("topic \"t\" with 6 partitions:") != std::string::npos);
  CHECK(r.out.find("partition 5, leader") != std::string::npos);
  CHECK(c.Command("topic t 6") == "error: Broker: Topic already exists");
  CHECK(c.Command("topic r1 2 1") == "ok");
  CHECK(Kcat("-b " + c.bootstrap() + " -L -t r1").out.find("replicas: ") != std::string::npos);

  // A mock limit the Kafka tests must live with: any metadata request
  // creates the topic it names, with 4 partitions.
  CHECK(Kcat("-b " + c.bootstrap() + " -L -t never_created").out.find("with 4 partitions") != std::string::npos);

  // Another: offsetsForTimes answers -1, even for a time before every record.
  REQUIRE(Kcat("-b " + c.bootstrap() + " -P -t t -p 0", "x\n").exit_code == 0);
  CHECK(Kcat("-b " + c.bootstrap() + " -Q -t t:0:1000").out == "t [0] offset -1\n");

  MockCluster one(1);
  REQUIRE_MESSAGE(one.ok(), one.error());
  CHECK(Count(one.bootstrap(), ",") == 0);
  CHECK(one.Command("topic t 2") == "ok");  // RF defaults to the broker count
  CHECK(Kcat("-b " + one.bootstrap() + " -L -t t").out.find("1 brokers:") != std::string::npos);
}

TEST_CASE("mock cluster: leader moves a partition") {
  if (!HaveKcat()) return;
  MockCluster c;
  REQUIRE_MESSAGE(c.ok(), c.error());
  REQUIRE(c.Command("topic t 6") == "ok");
  int before = LeaderOf(c, "t", 0);
  REQUIRE(before >= 1);
  int after = before % 3 + 1;
  CHECK(c.Command("leader t 0 " + std::to_string(after)) == "ok");
  CHECK(LeaderOf(c, "t", 0) == after);
  // A producer follows the move.
  CHECK(Kcat("-b " + c.bootstrap() + " -P -t t -p 0", "moved\n").exit_code == 0);
  CHECK(ReadBack(c, "t") == "|moved|\n");
}

TEST_CASE("mock cluster: a down broker cannot be reached until it is up") {
  if (!HaveKcat()) return;
  MockCluster c;
  REQUIRE_MESSAGE(c.ok(), c.error());
  REQUIRE(c.Command("topic t 1") == "ok");
  REQUIRE(c.Command("leader t 0 2") == "ok");
  REQUIRE(c.Command("down 2") == "ok");
  // Metadata still names it, and still as the leader: the mock moves nothing.
  RunResult meta = Kcat("-b " + c.bootstrap() + " -L -t t");
  CHECK(meta.out.find("3 brokers:") != std::string::npos);
  CHECK(meta.out.find("partition 0, leader 2,") != std::string::npos);
  // librdkafka checks message timeouts between reconnect attempts: short
  // back-offs keep the failure near its 1 s timeout (up to 4 s without).
  std::string produce = "-b " + c.bootstrap() + " -P -t t -p 0 -X message.timeout.ms=1000 -X reconnect.backoff.max.ms=100";
  RunResult lost = Kcat(produce, "while down\n");
  CHECK(lost.exit_code != 0);
  CHECK_MESSAGE(lost.err.find("Message timed out") != std::string::npos, lost.err);
  CHECK(lost.err.find("Connection refused") != std::string::npos);
  REQUIRE(c.Command("up 2") == "ok");
  RunResult sent = Kcat(produce, "after up\n");
  CHECK_MESSAGE(sent.exit_code == 0, sent.err);
  CHECK(ReadBack(c, "t") == "|after up|\n");
}

TEST_CASE("mock cluster: errors makes the next requests of an API fail") {
  if (!HaveKcat()) return;
  MockCluster c;
  REQUIRE_MESSAGE(c.ok(), c.error());
  REQUIRE(c.Command("topic t 1") == "ok");
  std::string produce = "-b " + c.bootstrap() + " -P -t t -p 0 -X message.timeout.ms=5000";

  // A permanent error (10 MESSAGE_TOO_LARGE) fails one delivery; the next
  // produce finds the stack empty.
  REQUIRE(c.Command("errors 0 10") == "ok");
  RunResult failed = Kcat(produce, "first\n");
  CHECK(failed.exit_code != 0);
  CHECK_MESSAGE(failed.err.find("Delivery failed for message: Broker: Message size too large") != std::string::npos,
                failed.err);
  CHECK(Kcat(produce, "second\n").exit_code == 0);

  // Retriable ones (6 NOT_LEADER_OR_FOLLOWER) are retried: two refusals in
  // the client's debug log, then the record is written once.
  REQUIRE(c.Command("errors 0 6 6") == "ok");
  RunResult retried = Kcat(produce + " -X debug=msg", "third\n");
  CHECK(retried.exit_code == 0);
  CHECK_MESSAGE(Count(retried.err, "encountered error: Broker: Not leader for partition") == 2, retried.err);
  CHECK(ReadBack(c, "t") == "|second|\n|third|\n");
}

TEST_CASE("mock cluster: rtt delays a broker's answers") {
  if (!HaveKcat()) return;
  MockCluster c;
  REQUIRE_MESSAGE(c.ok(), c.error());
  REQUIRE(c.Command("topic t 1") == "ok");
  std::string list = "-b " + c.bootstrap() + " -L -t t";
  REQUIRE(c.Command("rtt -1 400") == "ok");
  auto start = std::chrono::steady_clock::now();
  CHECK(Kcat(list).exit_code == 0);
  auto slow = std::chrono::steady_clock::now() - start;
  CHECK(slow >= std::chrono::milliseconds(400));
  REQUIRE(c.Command("rtt -1 0") == "ok");
  CHECK(Kcat(list).exit_code == 0);
}

TEST_CASE("mock cluster: the control channel answers every line and the helper never outlives its test") {
  MockCluster c;
  REQUIRE_MESSAGE(c.ok(), c.error());
  CHECK(c.Command("bogus") == "error: unknown command 'bogus' (topic, down, up, leader, coordinator, errors, rtt, quit)");
  CHECK(c.Command("") == "error: empty command");
  CHECK(c.Command("topic t") == "error: usage: topic NAME PARTITIONS [RF]");
  CHECK(c.Command("topic t zero") == "error: partitions 'zero' is not a number >= 1");
  CHECK(c.Command("topic t 1 4") == "error: replication factor '4' is not one of 1..3");
  CHECK(c.Command("down 4") == "error: broker '4' is not one of 1..3");
  CHECK(c.Command("up 0") == "error: broker '0' is not one of 1..3");
  CHECK(c.Command("leader t 0") == "error: usage: leader TOPIC PARTITION BROKER_ID");
  CHECK(c.Command("coordinator member g 1") == "error: usage: coordinator group|txn KEY BROKER_ID");
  CHECK(c.Command("coordinator group g 2") == "ok");
  CHECK(c.Command("coordinator txn tx 3") == "ok");
  CHECK(c.Command("errors 0") == "error: usage: errors APIKEY ERRCODE [ERRCODE...]");
  CHECK(c.Command("errors x 6") == "error: api key 'x' is not a number >= 0");
  CHECK(c.Command("rtt 1 soon") == "error: rtt 'soon' is not a number of milliseconds");
  CHECK(c.Command("a\nb") == "error: a command is one line");
  CHECK(c.Command("quit") == "ok");
  CHECK(c.Command("topic t 1").rfind("error: klog-mock-cluster", 0) == 0);

  // The end of stdin (the MockCluster going away) ends it at once.
  pid_t pid;
  auto start = std::chrono::steady_clock::now();
  {
    MockCluster d;
    REQUIRE_MESSAGE(d.ok(), d.error());
    pid = d.pid();
  }
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
  CHECK(kill(pid, 0) != 0);  // exited and reaped

  // So does SIGTERM.
  MockCluster e;
  REQUIRE_MESSAGE(e.ok(), e.error());
  kill(e.pid(), SIGTERM);
  // Gone before or while it reads the command: either way no answer.
  CHECK(e.Command("topic t 1", 5000).rfind("error: klog-mock-cluster ", 0) == 0);
  int status = 0;
  CHECK(waitpid(e.pid(), &status, 0) == e.pid());
  CHECK(WIFEXITED(status));
}

TEST_CASE("mock cluster: a missing helper is one clear error") {
  setenv("KLOG_MOCK_CLUSTER", "/nonexistent/klog-mock-cluster", 1);
  MockCluster c;
  unsetenv("KLOG_MOCK_CLUSTER");
  CHECK_FALSE(c.ok());
  CHECK(c.error() == "klog-mock-cluster not found at '/nonexistent/klog-mock-cluster' (build it: cmake --build build)");
  CHECK(c.Command("topic t 1").rfind("error: no mock cluster: ", 0) == 0);
}
