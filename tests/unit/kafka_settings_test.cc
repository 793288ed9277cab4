// kafka/kafka_settings: how -X, kafka.conf and --brokers are read (klog(1)
// "WHERE RECORDS LIVE" and FILES, contract section 8). The same paths run
// end to end through real klog processes in e2e/cluster_options_test.cc;
// here each rule is pinned on its own.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <string>
#include <utility>
#include <vector>

#include "kafka/kafka_settings.h"
#include "support/temp_dir.h"

using klog::Code;
using klog::kafka::ConfigFilePath;
using klog::kafka::LoadProperties;
using klog::kafka::ParseConfigFile;
using klog::kafka::ParseProperty;
using klog::kafka::ValidateBrokers;
using klog::testing::TempDir;
using klog::testing::WriteAll;

namespace {

using Props = std::vector<std::pair<std::string, std::string>>;

void MakeDirs(const std::string& path) {
  for (size_t i = 1; i <= path.size(); ++i)
    if (i == path.size() || path[i] == '/') ::mkdir(path.substr(0, i).c_str(), 0755);
}

}  // namespace

TEST_CASE("ParseProperty: NAME=VALUE, split at the first '='") {
  auto p = ParseProperty("client.id=etl");
  REQUIRE(p.ok());
  CHECK(*p == std::make_pair(std::string("client.id"), std::string("etl")));
  // The value is taken as given: '=' in it, an empty one, spaces kept.
  p = ParseProperty("sasl.jaas=a=b==");
  REQUIRE(p.ok());
  CHECK(p->second == "a=b==");
  p = ParseProperty("client.id=");
  REQUIRE(p.ok());
  CHECK(p->second == "");
  p = ParseProperty(" client.id = x ");
  REQUIRE(p.ok());
  CHECK(p->first == "client.id");
  CHECK(p->second == " x ");

  auto bad = ParseProperty("acks");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == Code::kInvalidArgument);
  CHECK(bad.status().message() == "'acks': expected NAME=VALUE (a librdkafka property, e.g. client.id=etl)");
  bad = ParseProperty(" =1");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() == "' =1': the property name is empty (expected NAME=VALUE)");
}

TEST_CASE("ParseConfigFile: NAME=VALUE lines, # comments and blank lines skipped, spaces trimmed") {
  const std::string text =
      "# credentials for the staging cluster\n"
      "\n"
      "security.protocol=SASL_SSL\n"
      "   # an indented comment\n"
      "  sasl.mechanism =  PLAIN  \r\n"
      "\t\n"
      "sasl.password=p#ss=word==\n"
      "client.id=\n"
      "client.id=last";  // no final newline
  auto props = ParseConfigFile(text, "/etc/k.conf");
  REQUIRE(props.ok());
  CHECK(*props == Props{{"security.protocol", "SASL_SSL"},
                        {"sasl.mechanism", "PLAIN"},
                        {"sasl.password", "p#ss=word=="},  // '#' and '=' inside a value are the value's
                        {"client.id", ""},
                        {"client.id", "last"}});
  CHECK(ParseConfigFile("", "f")->empty());
  CHECK(ParseConfigFile("\n\n# only comments\n", "f")->empty());
}

TEST_CASE("ParseConfigFile: a line that is not NAME=VALUE names the file and the line") {
  auto bad = ParseConfigFile("# c\n\nacks=all\nbootstrap servers\n", "/home/u/.config/klog/kafka.conf");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == Code::kInvalidArgument);
  CHECK(bad.status().message() ==
        "/home/u/.config/klog/kafka.conf line 4: expected NAME=VALUE (a librdkafka property) or a # comment");
  bad = ParseConfigFile("a=1\n  =value\n", "k.conf");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().rfind("k.conf line 2: ", 0) == 0);
}

TEST_CASE("ConfigFilePath: $KLOG_KAFKA_CONFIG, else $XDG_CONFIG_HOME/klog, else ~/.config/klog; none is fine") {
  TempDir tmp;
  const std::string home = tmp.Join("home"), xdg = tmp.Join("xdg"), named = tmp.Join("named.conf");
  MakeDirs(home);
  MakeDirs(xdg);

  // No file anywhere: no kafka.conf, not an error.
  auto p = ConfigFilePath(nullptr, xdg.c_str(), home.c_str());
  REQUIRE(p.ok());
  CHECK(*p == "");
  p = ConfigFilePath(nullptr, nullptr, home.c_str());
  REQUIRE(p.ok());
  CHECK(*p == "");
  p = ConfigFilePath(nullptr, nullptr, nullptr);
  REQUIRE(p.ok());
  CHECK(*p == "");

  // ~/.config/klog/kafka.conf when $XDG_CONFIG_HOME is unset or empty.
  MakeDirs(home + "/.config/klog");
  WriteAll(home + "/.config/klog/kafka.conf", "client.id=home\n");
  CHECK(*ConfigFilePath(nullptr, nullptr, home.c_str()) == home + "/.config/klog/kafka.conf");
  CHECK(*ConfigFilePath(nullptr, "", home.c_str()) == home + "/.config/klog/kafka.conf");
  // $XDG_CONFIG_HOME set: only its klog/kafka.conf counts, even when missing.
  CHECK(*ConfigFilePath(nullptr, xdg.c_str(), home.c_str()) == "");
  MakeDirs(xdg + "/klog");
  WriteAll(xdg + "/klog/kafka.conf", "client.id=xdg\n");
  CHECK(*ConfigFilePath(nullptr, xdg.c_str(), home.c_str()) == xdg + "/klog/kafka.conf");

  // $KLOG_KAFKA_CONFIG beats both; empty counts as unset.
  WriteAll(named, "client.id=named\n");
  CHECK(*ConfigFilePath(named.c_str(), xdg.c_str(), home.c_str()) == named);
  CHECK(*ConfigFilePath("", xdg.c_str(), home.c_str()) == xdg + "/klog/kafka.conf");
  // Named but missing: an error (a typo must not mean "no settings").
  const std::string missing = tmp.Join("missing.conf");
  auto bad = ConfigFilePath(missing.c_str(), xdg.c_str(), home.c_str());
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == Code::kNotFound);
  CHECK(bad.status().message() ==
        "$KLOG_KAFKA_CONFIG names '" + missing + "', which does not exist (unset it or create the file)");
}

TEST_CASE("LoadProperties: the file's properties, then -X; a property -X sets again is not taken from the file") {
  TempDir tmp;
  const std::string conf = tmp.Join("kafka.conf");
  WriteAll(conf, "acks=bogus\nclient.id=from-file\nlinger.ms=5\n");
  auto props = LoadProperties(conf, {{"acks", "all"}, {"client.id", "from-flag"}});
  REQUIRE(props.ok());
  CHECK(*props == Props{{"linger.ms", "5"}, {"acks", "all"}, {"client.id", "from-flag"}});
  // No file: only -X.
  props = LoadProperties("", {{"acks", "1"}});
  REQUIRE(props.ok());
  CHECK(*props == Props{{"acks", "1"}});
  // A malformed file fails whatever -X says.
  WriteAll(conf, "acks\n");
  props = LoadProperties(conf, {{"acks", "all"}});
  REQUIRE_FALSE(props.ok());
  CHECK(props.status().message() == conf + " line 1: expected NAME=VALUE (a librdkafka property) or a # comment");
}

TEST_CASE("ValidateBrokers: HOST:PORT[,HOST:PORT...], the bad entry and where it came from named") {
  CHECK(ValidateBrokers("localhost:9092").ok());
  CHECK(ValidateBrokers("a:1,b.example.com:65535,10.0.0.1:9092").ok());
  CHECK(ValidateBrokers("[::1]:9092").ok());  // the port follows the last ':'
  struct Bad {
    std::string brokers, entry;
  };
  for (const Bad& b : {Bad{"nohost", "nohost"}, Bad{"h:0", "h:0"}, Bad{"h:99999", "h:99999"}, Bad{"h:", "h:"},
                       Bad{":9092", ":9092"}, Bad{"h:x", "h:x"}, Bad{"a:1,,b:2", ""}, Bad{"a:1,", ""},
                       Bad{"a:1,b", "b"}}) {
    INFO(b.brokers);
    auto st = ValidateBrokers(b.brokers);
    CHECK(st.code() == Code::kInvalidArgument);
    CHECK(st.message() == "--brokers: '" + b.entry + "' is not HOST:PORT (expected HOST:PORT[,HOST:PORT...])");
  }
  CHECK(ValidateBrokers("", "--brokers").message() == "--brokers: empty (expected HOST:PORT[,HOST:PORT...])");
  CHECK(ValidateBrokers("nohost", "$KLOG_BROKERS").message() ==
        "$KLOG_BROKERS: 'nohost' is not HOST:PORT (expected HOST:PORT[,HOST:PORT...])");
}
