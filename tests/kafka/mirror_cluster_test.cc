// klog mirror between a data directory and a Kafka cluster (librdkafka's
// mock, tests/kafka_mock): records keep partition, offset, key (null vs
// empty), value, headers and timestamp both ways, checked with klog on
// both sides and with kcat; a run killed with -9 is resumed exactly.
#include <doctest/doctest.h>
#include <signal.h>

#include <random>
#include <string>
#include <thread>
#include <vector>

#include "e2e/cli_fixture.h"
#include "support/sample_records.h"
#include "kafka/kafka_cli.h"
#include "support/mock_cluster.h"
#include "support/skip.h"

namespace klog::testing {
namespace {

RunResult Klog(const std::vector<std::string>& args, const std::string& stdin_data = "") {
  RunOptions o;
  o.stdin_data = stdin_data;
  o.timeout_ms = 60000;
  return RunKlog(args, o);
}

std::string Ok(const std::vector<std::string>& args, const std::string& stdin_data = "") {
  RunResult r = Klog(args, stdin_data);
  INFO(Join(args) << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  return r.out;
}

// Every record of `topic` partition by partition as JSON lines, from a
// directory ("--dir DIR") or a cluster ("-b BOOTSTRAP"), without the topic
// name's position mattering.
std::string Records(const std::vector<std::string>& where, const std::string& topic, int partitions) {
  std::string out;
  for (int p = 0; p < partitions; ++p) {
    std::vector<std::string> args = where;
    for (const char* a : {"consume", "--format", "json", "-p"}) args.push_back(a);
    args.push_back(std::to_string(p));
    args.push_back(topic);
    out += Ok(args);
  }
  return out;
}


TEST_CASE("mirror directory -> cluster -> directory: every record keeps partition, offset, key, value, headers, timestamp") {
  if (!KcatAvailable()) {
    Skip("kcat is not installed (scripts/deps.sh installs it): mirror to a cluster was not checked with it");
    return;
  }
  MockCluster mock;
  REQUIRE_MESSAGE(mock.ok(), mock.error());
  TempDir tmp;
  std::string a = tmp.Join("a"), c = tmp.Join("c"), kafka = "kafka://" + mock.bootstrap();
  // Kept forever: retention would delete 2023's records when the log rolls.
  Ok({"--dir", a, "topic", "create", "t", "--partitions", "3", "--retention", "-1"});
  Ok({"--dir", a, "produce", "t", "--format", "json", "-p", "1"}, kRecordsACopyMustKeep);
  std::string lines;
  for (int i = 0; i < 3000; ++i) lines += "k" + std::to_string(i % 13) + ":v" + std::to_string(i) + "\n";
  Ok({"--dir", a, "produce", "t", "-K", ":"}, lines);
  // The mock makes a topic on any metadata request with 4 partitions, and
  // cannot create one on request: it is made here with the source's 3.
  REQUIRE(mock.Command("topic t 3") == "ok");

  RunResult plan = Klog({"mirror", a, kafka, "--topic", "t", "--dry-run", "--json"});
  INFO(plan.err);
  REQUIRE(plan.exit_code == 0);
  CHECK(plan.out.find("\"records\":3003") != std::string::npos);
  RunResult up = Klog({"mirror", a, kafka, "--topic", "t"});
  INFO(up.err);
  REQUIRE(up.exit_code == 0);
  const std::string from_dir = Records({"--dir", a}, "t", 3);
  CHECK(Records({"-b", mock.bootstrap()}, "t", 3) == from_dir);

  // kcat, an independent client, sees the same keys (null vs empty),
  // values, headers, timestamps, partitions and offsets.
  RunResult k = RunShell("kcat -b " + mock.bootstrap() +
                             " -C -t t -p 1 -o 0 -c 3 -e -q -f '%o|%T|%k|%K|%s|%h\\n'",
                         {});
  CHECK(k.exit_code == 0);
  // %K is the key's length: -1 for a null key, 0 for an empty one.
  CHECK(k.out == "0|1700000000001||-1|no key|\n"
                 "1|1700000000002||0|empty key|h=1,h=2,n=NULL\n"
                 "2|1700000000003|k|1|" + std::string("\x00\x01\x02\xff", 4) + "|\n");

  // And back down to a directory, which equals the first one.
  // The mock never answers DescribeConfigs: the topic's settings cannot be
  // read within --timeout (2 s here, not the default 30 s), which the one
  // warning line says; the records are what must be kept, and are.
  RunResult down = Klog({"--timeout", "2s", "mirror", kafka, c, "--topic", "t"});
  INFO(down.err);
  REQUIRE(down.exit_code == 0);
  CHECK(down.err ==
        "klog: warning: the settings of source topic 't' could not be read (reading the config of topic 't': Failed "
        "while waiting for controller: Local: Timed out (brokers " +
            mock.bootstrap() + ")): the target topic gets klog's defaults\n");
  CHECK(Records({"--dir", c}, "t", 3) == from_dir);
  CHECK(Ok({"--dir", c, "topic", "describe", "t", "--json"}).find("\"partitions\":3") != std::string::npos);

  // A rerun has nothing to copy; a new record goes across on the next run
  // (--fsync has no meaning on a cluster: one warning, records copied).
  Ok({"--dir", a, "produce", "t", "-p", "2", "late"});
  RunResult fsynced = Klog({"mirror", a, kafka, "--topic", "t", "--fsync", "batch"});
  CHECK(fsynced.exit_code == 0);
  CHECK(fsynced.err ==
        "klog: warning: --fsync has no meaning on a Kafka cluster: a record is written once the cluster acknowledged "
        "it (acks=all); ignored\n");
  REQUIRE(Klog({"mirror", a, kafka, "--topic", "t"}).exit_code == 0);
  CHECK(Records({"-b", mock.bootstrap()}, "t", 3) == Records({"--dir", a}, "t", 3));
}

TEST_CASE("mirror to a cluster killed with -9 at random moments (8 times inside a copy), then rerun: the cluster holds every record once") {
  MockCluster mock;
  REQUIRE_MESSAGE(mock.ok(), mock.error());
  TempDir tmp;
  std::string a = tmp.Join("a"), kafka = "kafka://" + mock.bootstrap();
  Ok({"--dir", a, "topic", "create", "t", "--partitions", "2"});
  REQUIRE(mock.Command("topic t 2") == "ok");
  std::mt19937 rng(7);
  int killed = 0, rounds = 0;
  // Until 8 kills landed inside a copy (a run may finish before its kill).
  // At most 450,000 records: the mock drops a partition's oldest records
  // past a few hundred thousand (its own retention), which would read as
  // records missing.
  for (; killed < 8 && rounds < 30; ++rounds) {
    std::string lines;
    for (int i = 0; i < 15000; ++i) lines += "r" + std::to_string(rounds) + "." + std::to_string(i) + "\n";
    Ok({"--dir", a, "produce", "t"}, lines);
    KlogProcess m({"mirror", a, kafka, "--topic", "t"}, {}, tmp.Join("m.out"), tmp.Join("m.err"));
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(3, 40)(rng)));
    m.Signal(SIGKILL);
    if (m.Wait(10000) == 128 + SIGKILL) ++killed;
  }
  MESSAGE(killed << " of " << rounds << " runs were killed before they finished");
  CHECK(killed >= 8);
  RunResult last = Klog({"mirror", a, kafka, "--topic", "t"});
  INFO(last.err);
  REQUIRE(last.exit_code == 0);
  CHECK(Records({"-b", mock.bootstrap()}, "t", 2) == Records({"--dir", a}, "t", 2));
}

TEST_CASE("mirror kafka://... DIR -f follows the cluster: records produced meanwhile arrive; SIGTERM ends it with exit 0 and everything read written") {
  MockCluster mock;
  REQUIRE_MESSAGE(mock.ok(), mock.error());
  TempDir tmp;
  std::string d = tmp.Join("d"), kafka = "kafka://" + mock.bootstrap();
  REQUIRE(mock.Command("topic t 2") == "ok");
  Ok({"-b", mock.bootstrap(), "produce", "t", "-p", "0", "a0", "a1"});
  Ok({"-b", mock.bootstrap(), "produce", "t", "-p", "1", "b0"});
  // The target topic exists: the mock's unanswered DescribeConfigs (the
  // source's settings) is not waited for.
  Ok({"--dir", d, "topic", "create", "t", "--partitions", "2"});
  KlogProcess follower({"mirror", kafka, d, "--topic", "t", "-f"}, {}, tmp.Join("f.out"), tmp.Join("f.err"));
  auto same = [&] { return Records({"--dir", d}, "t", 2) == Records({"-b", mock.bootstrap()}, "t", 2); };
  CHECK(WaitFor(same, 20000));
  std::string lines;
  for (int i = 0; i < 500; ++i) lines += "k" + std::to_string(i % 11) + ":later" + std::to_string(i) + "\n";
  Ok({"-b", mock.bootstrap(), "produce", "t", "-K", ":"}, lines);
  Ok({"-b", mock.bootstrap(), "produce", "t", "-p", "1", "last"});
  CHECK(WaitFor(same, 20000));
  REQUIRE(WaitFor([&] { return follower.Catches(SIGTERM); }, 5000));
  follower.Signal(SIGTERM);
  CHECK(follower.Wait(20000) == 0);
  CHECK(ReadOrEmpty(tmp.Join("f.err")) == "");
  const std::string copied = Records({"--dir", d}, "t", 2);
  CHECK(copied == Records({"-b", mock.bootstrap()}, "t", 2));
  CHECK(Lines(copied).size() == 504);
}

TEST_CASE("mirror to an unreachable cluster: one line naming the brokers, exit 1, nothing copied") {
  TempDir tmp;
  std::string a = tmp.Join("a");
  Ok({"--dir", a, "topic", "create", "t"});
  Ok({"--dir", a, "produce", "t", "v"});
  RunResult r = Klog({"--timeout", "2s", "mirror", a, "kafka://127.0.0.1:1", "--topic", "t"});
  CHECK_KLOG_ERROR(r, 1, "127.0.0.1:1");
}

}  // namespace
}  // namespace klog::testing
