// The global cluster options (contract section 8, klog(1) "WHERE RECORDS
// LIVE"): -b/--brokers and $KLOG_BROKERS against --dir and $KLOG_DIR, -X and
// kafka.conf, --timeout. Every way of getting them wrong is one exact line
// and exit code from a real klog process, decided before any cluster is
// contacted; and the ones that are right reach the cluster rather than a
// directory.
//
// No cluster runs here: 127.0.0.1:1 has no listener. A command that reaches
// the cluster therefore ends with "not yet supported on a Kafka cluster"
// (exit 2) until that command is built there, and with one line naming the
// brokers (exit 1, unreachable) after; either shows where it went.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <map>
#include <string>
#include <vector>

#include "e2e/cli_fixture.h"

namespace klog::testing {
namespace {

const std::string kNowhere = "127.0.0.1:1";

// A clean slate for the variables klog reads: none of them set unless
// `env` sets it, and HOME a fresh directory (no ~/.config/klog/kafka.conf
// of whoever runs the tests).
class Env {
 public:
  Env() : home_(tmp_.Join("home")), data_(tmp_.Join("data")) { ::mkdir(home_.c_str(), 0755); }

  const std::string& home() const { return home_; }
  const std::string& data() const { return data_; }
  std::string Join(const std::string& name) const { return tmp_.Join(name); }

  RunResult Run(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {}) const {
    RunOptions o;
    o.env = {{"HOME", home_}};
    for (const auto& [k, v] : env) o.env[k] = v;
    for (const char* v : {"KLOG_DIR", "KLOG_BROKERS", "KLOG_KAFKA_CONFIG", "XDG_CONFIG_HOME", "XDG_DATA_HOME"})
      if (!env.count(v)) o.unset_env.push_back(v);
    o.timeout_ms = 20000;
    return RunKlog(args, o);
  }

 private:
  TempDir tmp_;
  std::string home_, data_;
};

// Exactly `line` on stderr ("klog: error: " and a newline added), nothing
// on stdout, exit `code`.
#define CHECK_EXACT_ERROR(result, code, line)                     \
  do {                                                            \
    const ::klog::testing::RunResult& e_ = (result);              \
    INFO("stdout: " << e_.out);                                   \
    CHECK(e_.err == std::string("klog: error: ") + (line) + "\n"); \
    CHECK(e_.exit_code == (code));                                \
    CHECK(e_.out == "");                                          \
  } while (0)

// The command went to the cluster at kNowhere: one error line, either the
// operation is not built on a cluster yet (exit 2) or the cluster could not
// be reached (exit 1, the brokers named). Not a directory's answer.
void CheckWentToCluster(const RunResult& r) {
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  CHECK(r.out == "");
  CHECK(Lines(r.err).size() == 1);
  CHECK(r.err.rfind("klog: error: ", 0) == 0);
  bool not_yet = r.exit_code == 2 && r.err.find("is not yet supported on a Kafka cluster") != std::string::npos;
  bool unreachable = r.exit_code == 1 && r.err.find(kNowhere) != std::string::npos;
  CHECK((not_yet || unreachable));
}

const char* const kDirOnly =
    "this command works on a data directory's segment files, and records live in a Kafka cluster here "
    "(--brokers or $KLOG_BROKERS); the cluster keeps its own logs";

}  // namespace

TEST_CASE("a directory and a cluster together: --dir with --brokers, or both variables, is a usage error") {
  Env e;
  const char* both_flags =
      "--dir and --brokers both given: records live in a directory or in a Kafka cluster; give one";
  CHECK_EXACT_ERROR(e.Run({"--dir", e.data(), "-b", kNowhere, "topic", "list"}), 2, both_flags);
  CHECK_EXACT_ERROR(e.Run({"topic", "list", "--brokers", kNowhere, "--dir", e.data()}), 2, both_flags);
  // Both flags even when the variables agree with one of them.
  CHECK_EXACT_ERROR(e.Run({"--dir=" + e.data(), "--brokers=" + kNowhere, "topic", "list"},
                          {{"KLOG_DIR", e.data()}}),
                    2, both_flags);
  CHECK_EXACT_ERROR(e.Run({"topic", "list"}, {{"KLOG_DIR", e.data()}, {"KLOG_BROKERS", kNowhere}}), 2,
                    "both $KLOG_DIR and $KLOG_BROKERS are set: unset one, or choose with --dir or --brokers");
  // Nothing was created where the directory would be.
  struct stat st;
  CHECK(::stat(e.data().c_str(), &st) != 0);
}

TEST_CASE("a flag beats a variable: --dir over $KLOG_BROKERS, --brokers over $KLOG_DIR") {
  Env e;
  REQUIRE(e.Run({"--dir", e.data(), "topic", "create", "events"}).exit_code == 0);
  REQUIRE(e.Run({"--dir", e.data(), "produce", "events", "hello"}).exit_code == 0);

  // $KLOG_BROKERS set, --dir given: the directory, as if the variable were not there.
  RunResult r = e.Run({"--dir", e.data(), "topic", "list"}, {{"KLOG_BROKERS", kNowhere}});
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\nevents ") != std::string::npos);
  r = e.Run({"consume", "events", "--dir", e.data()}, {{"KLOG_BROKERS", kNowhere}});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "hello\n");
  // Both variables and a flag: the flag decides, no usage error.
  r = e.Run({"--dir", e.data(), "topic", "list"}, {{"KLOG_DIR", e.data()}, {"KLOG_BROKERS", kNowhere}});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\nevents ") != std::string::npos);

  // $KLOG_DIR set, --brokers given: the cluster, not the directory's topics.
  CheckWentToCluster(e.Run({"-b", kNowhere, "--timeout", "2s", "topic", "list"}, {{"KLOG_DIR", e.data()}}));
  CheckWentToCluster(e.Run({"--brokers", kNowhere, "--timeout", "2s", "topic", "list"},
                           {{"KLOG_DIR", e.data()}, {"KLOG_BROKERS", "other:9092"}}));
  // $KLOG_BROKERS alone selects the cluster too.
  CheckWentToCluster(e.Run({"--timeout", "2s", "topic", "list"}, {{"KLOG_BROKERS", kNowhere}}));
  // An empty variable counts as unset.
  r = e.Run({"topic", "list"}, {{"KLOG_DIR", e.data()}, {"KLOG_BROKERS", ""}});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\nevents ") != std::string::npos);
}

TEST_CASE("bad --brokers: empty, no port, port 0 or past 65535 name the entry and the form") {
  Env e;
  CHECK_EXACT_ERROR(e.Run({"-b", "", "topic", "list"}), 2,
                    "--brokers: empty (an unset variable?); give HOST:PORT[,HOST:PORT...] or leave it out");
  for (const char* bad : {"nohost", "h:0", "h:99999"}) {
    INFO(bad);
    CHECK_EXACT_ERROR(e.Run({"-b", bad, "topic", "list"}), 2,
                      std::string("--brokers: '") + bad + "' is not HOST:PORT (expected HOST:PORT[,HOST:PORT...])");
  }
  CHECK_EXACT_ERROR(e.Run({"--brokers", "a:1,,b:2", "topic", "list"}), 2,
                    "--brokers: '' is not HOST:PORT (expected HOST:PORT[,HOST:PORT...])");
  // From the variable: named as the variable, not as a flag the user never typed.
  CHECK_EXACT_ERROR(e.Run({"topic", "list"}, {{"KLOG_BROKERS", "nohost"}}), 2,
                    "$KLOG_BROKERS: 'nohost' is not HOST:PORT (expected HOST:PORT[,HOST:PORT...])");
}

TEST_CASE("bad --timeout: not a duration, or zero; checked on a directory too") {
  Env e;
  const char* bad = "--timeout: invalid duration 'soon' (expected e.g. 500ms, 30s, 5m, 1h30m, 7d, or ISO-8601 PT1H)";
  CHECK_EXACT_ERROR(e.Run({"-b", kNowhere, "--timeout", "soon", "topic", "list"}), 2, bad);
  CHECK_EXACT_ERROR(e.Run({"-b", kNowhere, "--timeout", "0", "topic", "list"}), 2, "--timeout: must be at least 1ms");
  CHECK_EXACT_ERROR(e.Run({"-b", kNowhere, "--timeout=0s", "topic", "list"}), 2, "--timeout: must be at least 1ms");
  // No effect on a directory, but a mistake there all the same.
  CHECK_EXACT_ERROR(e.Run({"--dir", e.data(), "--timeout", "soon", "topic", "list"}), 2, bad);
  RunResult ok = e.Run({"--dir", e.data(), "--timeout", "5s", "topic", "list"});
  INFO("stderr: " << ok.err);
  CHECK(ok.exit_code == 0);
}

TEST_CASE("bad -X: without a cluster, without '=', unknown name, bad value; each names the property") {
  Env e;
  CHECK_EXACT_ERROR(e.Run({"--dir", e.data(), "-X", "client.id=etl", "topic", "list"}), 2,
                    "-X sets a Kafka client property: give --brokers (or $KLOG_BROKERS) too");
  CHECK_EXACT_ERROR(e.Run({"-X", "client.id=etl", "topic", "list"}, {{"KLOG_DIR", e.data()}}), 2,
                    "-X sets a Kafka client property: give --brokers (or $KLOG_BROKERS) too");
  CHECK_EXACT_ERROR(e.Run({"-b", kNowhere, "-X", "acks", "topic", "list"}), 2,
                    "-X 'acks': expected NAME=VALUE (a librdkafka property, e.g. client.id=etl)");
  CHECK_EXACT_ERROR(e.Run({"-b", kNowhere, "-X", "=all", "topic", "list"}), 2,
                    "-X '=all': the property name is empty (expected NAME=VALUE)");
  CHECK_EXACT_ERROR(e.Run({"-b", kNowhere, "-X", "client.id=etl", "-X", "no.such.property=1", "topic", "list"}), 2,
                    "-X no.such.property: no such librdkafka property (see librdkafka's CONFIGURATION.md)");
  CHECK_EXACT_ERROR(e.Run({"-b", kNowhere, "-X", "acks=sometimes", "topic", "list"}), 2,
                    "-X acks: Invalid value for configuration property \"request.required.acks\"");
  // Good ones pass through to the cluster.
  CheckWentToCluster(e.Run({"-b", kNowhere, "--timeout", "2s", "-X", "client.id=etl", "-X",
                            "security.protocol=plaintext", "topic", "list"}));
}

TEST_CASE("kafka.conf: $KLOG_KAFKA_CONFIG missing, a malformed line, an unknown property; -X beats the file") {
  Env e;
  const std::string missing = e.Join("nope.conf");
  CHECK_EXACT_ERROR(e.Run({"-b", kNowhere, "topic", "list"}, {{"KLOG_KAFKA_CONFIG", missing}}), 1,
                    "$KLOG_KAFKA_CONFIG names '" + missing +
                        "', which does not exist (unset it or create the file)");

  const std::string conf = e.Join("kafka.conf");
  WriteAll(conf, "# staging\n\nclient.id = etl\nbootstrap servers\n");
  CHECK_EXACT_ERROR(e.Run({"-b", kNowhere, "topic", "list"}, {{"KLOG_KAFKA_CONFIG", conf}}), 1,
                    conf + " line 4: expected NAME=VALUE (a librdkafka property) or a # comment");

  // Named with the file it is in, not as -X.
  WriteAll(conf, "client.id=etl\nno.such.property=1\n");
  CHECK_EXACT_ERROR(e.Run({"-b", kNowhere, "topic", "list"}, {{"KLOG_KAFKA_CONFIG", conf}}), 2,
                    conf + ": no.such.property: no such librdkafka property (see librdkafka's CONFIGURATION.md)");

  // The file's bad acks alone fails; with -X setting a good one it is never applied.
  WriteAll(conf, "acks=sometimes\nclient.id=etl\n");
  CHECK_EXACT_ERROR(e.Run({"-b", kNowhere, "topic", "list"}, {{"KLOG_KAFKA_CONFIG", conf}}), 2,
                    conf + ": acks: Invalid value for configuration property \"request.required.acks\"");
  CheckWentToCluster(
      e.Run({"-b", kNowhere, "--timeout", "2s", "-X", "acks=all", "topic", "list"}, {{"KLOG_KAFKA_CONFIG", conf}}));

  // kafka.conf is for a cluster only: on a directory it is not read.
  RunResult r = e.Run({"--dir", e.data(), "topic", "list"}, {{"KLOG_KAFKA_CONFIG", missing}});
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 0);
}

TEST_CASE("kafka.conf without $KLOG_KAFKA_CONFIG: $XDG_CONFIG_HOME/klog, else ~/.config/klog; none at all is fine") {
  Env e;
  // Neither file: nothing to read, straight to the cluster.
  CheckWentToCluster(e.Run({"-b", kNowhere, "--timeout", "2s", "topic", "list"}));

  const std::string home_conf = e.home() + "/.config/klog/kafka.conf";
  REQUIRE(RunShell("mkdir -p '" + e.home() + "/.config/klog'").exit_code == 0);
  WriteAll(home_conf, "not a property\n");
  CHECK_EXACT_ERROR(e.Run({"-b", kNowhere, "topic", "list"}), 1,
                    home_conf + " line 1: expected NAME=VALUE (a librdkafka property) or a # comment");

  const std::string xdg = e.Join("xdg");
  REQUIRE(RunShell("mkdir -p '" + xdg + "/klog'").exit_code == 0);
  WriteAll(xdg + "/klog/kafka.conf", "client.id=etl\nno.such.property=1\n");
  CHECK_EXACT_ERROR(e.Run({"-b", kNowhere, "topic", "list"}, {{"XDG_CONFIG_HOME", xdg}}), 2,
                    xdg + "/klog/kafka.conf: no.such.property: no such librdkafka property (see librdkafka's "
                          "CONFIGURATION.md)");
  // $KLOG_KAFKA_CONFIG beats both.
  const std::string named = e.Join("named.conf");
  WriteAll(named, "client.id=named\n");
  CheckWentToCluster(e.Run({"-b", kNowhere, "--timeout", "2s", "topic", "list"},
                           {{"XDG_CONFIG_HOME", xdg}, {"KLOG_KAFKA_CONFIG", named}}));
}

TEST_CASE("-b, -X and --timeout are global: the same before and after the command") {
  Env e;
  struct Pair {
    std::vector<std::string> before, after;
  };
  const std::vector<Pair> pairs = {
      {{"-b", kNowhere, "--timeout", "2s", "topic", "list"}, {"topic", "list", "-b", kNowhere, "--timeout", "2s"}},
      {{"--brokers=" + kNowhere, "--timeout=2s", "group", "list"},
       {"group", "list", "--brokers=" + kNowhere, "--timeout=2s"}},
      {{"-b", kNowhere, "-X", "no.such=1", "topic", "list"}, {"topic", "list", "-X", "no.such=1", "-b", kNowhere}},
      {{"-b", kNowhere, "--timeout", "soon", "consume", "t"}, {"consume", "t", "--timeout", "soon", "-b", kNowhere}},
      {{"--dir", e.data(), "-X", "a=b", "topic", "list"}, {"topic", "list", "-X", "a=b", "--dir", e.data()}},
      {{"-b", "nohost", "offset", "show", "-g", "g"}, {"offset", "show", "-g", "g", "-b", "nohost"}},
      {{"-b", kNowhere, "verify"}, {"verify", "-b", kNowhere}},
  };
  for (const auto& p : pairs) {
    RunResult a = e.Run(p.before), b = e.Run(p.after);
    INFO(Join(p.before) << "  vs  " << Join(p.after));
    INFO("stderr: " << a.err << " / " << b.err);
    CHECK(a.exit_code == b.exit_code);
    CHECK(a.out == b.out);
    CHECK(Lines(a.err).size() == 1);
    // The error lines of usage errors are the same word for word; a
    // cluster's answer may word a transport failure differently run to run.
    if (a.exit_code == 2) CHECK(a.err == b.err);
  }
  CheckWentToCluster(e.Run({"topic", "list", "-b", kNowhere, "--timeout", "2s"}));
  // --version alone with the global options, as with --dir.
  RunResult v = e.Run({"-b", kNowhere, "-X", "client.id=x", "--timeout", "1s", "--version"});
  CHECK(v.exit_code == 0);
  CHECK(v.out.rfind("klog ", 0) == 0);
}

TEST_CASE("verify, dump and retention refuse a cluster with exit 2, whichever way it was chosen") {
  Env e;
  const std::vector<std::vector<std::string>> commands = {
      {"verify"}, {"verify", "events", "--repair"}, {"dump", "events"}, {"dump", "events", "-p", "1", "--records"},
      {"retention"}, {"retention", "events", "--dry-run"},
  };
  for (const auto& c : commands) {
    std::vector<std::string> args = {"-b", kNowhere};
    args.insert(args.end(), c.begin(), c.end());
    INFO(Join(args));
    CHECK_EXACT_ERROR(e.Run(args), 2, kDirOnly);
    CHECK_EXACT_ERROR(e.Run(c, {{"KLOG_BROKERS", kNowhere}}), 2, kDirOnly);
  }
}

}  // namespace klog::testing
