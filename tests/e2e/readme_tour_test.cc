// Keeps README.md's "## Tour" true: runs its ```sh blocks in order with bash
// (klog on PATH, a fresh KLOG_DIR) and compares what each prints with the
// ```text block that follows it. Then "## Moving to a Kafka cluster", on
// the same directory, against librdkafka's mock cluster ($BROKERS).
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "e2e/cli_fixture.h"
#include "support/mock_cluster.h"
#include "support/skip.h"

namespace klog::testing {
namespace {

struct Example {
  int line = 0;        // of the ```sh fence, for messages
  std::string script;  // the ```sh block
  bool has_output = false;
  std::string output;  // the ```text block right after it, if any
};

// The ```sh blocks of the section under `heading` (up to the next "## ").
std::vector<Example> TourExamples(const std::string& readme, const std::string& heading = "## Tour") {
  std::istringstream in(readme);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  size_t i = 0;
  while (i < lines.size() && lines[i] != heading) ++i;
  std::vector<Example> out;
  auto block = [&](size_t& j) {  // j at an opening fence; returns the body, j past the closing one
    std::string body;
    for (++j; j < lines.size() && lines[j] != "```"; ++j) body += lines[j] + "\n";
    ++j;
    return body;
  };
  for (++i; i < lines.size() && lines[i].rfind("## ", 0) != 0;) {
    if (lines[i] != "```sh") {
      ++i;
      continue;
    }
    Example e;
    e.line = static_cast<int>(i) + 1;
    e.script = block(i);
    size_t j = i;
    while (j < lines.size() && lines[j].empty()) ++j;
    if (j < lines.size() && lines[j] == "```text") {
      e.has_output = true;
      e.output = block(j);
      i = j;
    }
    out.push_back(e);
  }
  return out;
}

bool HaveJq() { return RunShell("command -v jq >/dev/null").exit_code == 0; }

}  // namespace

TEST_CASE("README.md's Tour runs as shown") {
  std::ifstream f(std::string(KLOG_SOURCE_DIR) + "/README.md");
  REQUIRE(f.good());
  std::stringstream ss;
  ss << f.rdbuf();
  std::vector<Example> examples = TourExamples(ss.str());
  REQUIRE(examples.size() >= 5);

  // The tour shows what the issue asks for: produce, consume, follow, keys, JSON with jq.
  std::string all;
  for (const auto& e : examples) all += e.script;
  for (const char* needle : {"klog produce", "klog consume", " -f ", " -K ", "--format json", "| jq"})
    CHECK_MESSAGE(all.find(needle) != std::string::npos, "the tour no longer shows '" << needle << "'");

  // "Moving to a Kafka cluster" goes on from where the tour left the
  // directory, against a mock cluster. The mock cannot create a topic on
  // request and makes one with 4 partitions on any metadata request, so
  // the topics that section uses are made first with their partition counts.
  std::vector<Example> cluster = TourExamples(ss.str(), "## Moving to a Kafka cluster");
  REQUIRE(cluster.size() >= 1);
  MockCluster mock;
  REQUIRE_MESSAGE(mock.ok(), mock.error());
  REQUIRE(mock.Command("topic events 1") == "ok");
  examples.insert(examples.end(), cluster.begin(), cluster.end());

  CliFixture k;
  bool jq = HaveJq();
  for (const Example& e : examples) {
    INFO("README.md line " << e.line << ":\n" << e.script);
    if (!jq && e.script.find("jq ") != std::string::npos) {
      Skip("jq is not installed (scripts/deps.sh installs it): the example at README.md line " + std::to_string(e.line) + " did not run");
      continue;
    }
    RunOptions o;
    o.env = k.Env();
    o.env["BROKERS"] = mock.bootstrap();
    o.env["KLOG_TOUR_SCRIPT"] = e.script;
    o.timeout_ms = 30000;
    RunResult r = RunShell("cd \"$(dirname \"$KLOG_DIR\")\" && exec bash -eo pipefail -c \"$KLOG_TOUR_SCRIPT\"", o);
    CHECK(r.exit_code == 0);
    CHECK(r.err == "");
    if (e.has_output) CHECK(r.out == e.output);
  }
}

}  // namespace klog::testing
