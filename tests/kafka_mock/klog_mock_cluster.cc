// klog-mock-cluster: a Kafka cluster for tests, on loopback, from librdkafka's
// mock (librdkafka/rdkafka_mock.h). No broker can be installed on the build
// machines, but the mock speaks the real protocol, so klog, kcat and any other
// client talk to it as to Kafka.
//
// Protocol (tests/support/mock_cluster.h drives it):
//   argv:   klog-mock-cluster [--brokers N]      (default 3 brokers, ids 1..N)
//   stdout: first line: the bootstrap servers (host:port,host:port,...)
//   stdin:  one command per line; each is answered with one line on stdout,
//           `ok` or `error: WHY`:
//             topic NAME PARTITIONS [RF]          (RF defaults to min(3, N))
//             down BROKER_ID | up BROKER_ID       (-1: every broker)
//             leader TOPIC PARTITION BROKER_ID    (-1: no leader)
//             coordinator group|txn KEY BROKER_ID
//             errors APIKEY ERRCODE [ERRCODE...]  (the next requests of that
//                                                  API fail with these codes)
//             rtt BROKER_ID MS
//             quit
// It exits on `quit`, at the end of stdin and on SIGTERM, SIGINT or SIGHUP:
// the test that started it holds the only write end of its stdin, so a test
// killed by anything leaves no cluster behind.
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr const char* kUsage = "usage: klog-mock-cluster [--brokers N]\n";

bool ParseInt(const std::string& s, long min, long max, long* out) {
  long v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < min || v > max) return false;
  *out = v;
  return true;
}

std::string Answer(rd_kafka_resp_err_t err) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return "ok";
  return std::string("error: ") + rd_kafka_err2str(err);
}

class Controller {
 public:
  Controller(rd_kafka_mock_cluster_t* cluster, int brokers) : cluster_(cluster), brokers_(brokers) {}

  // One command line to its answer line; sets *quit for `quit`.
  std::string Run(const std::string& line, bool* quit) {
    std::istringstream in(line);
    std::vector<std::string> w;
    for (std::string s; in >> s;) w.push_back(s);
    if (w.empty()) return "error: empty command";
    const std::string& cmd = w[0];
    if (cmd == "quit" && w.size() == 1) {
      *quit = true;
      return "ok";
    }
    if (cmd == "topic") return Topic(w);
    if (cmd == "down" || cmd == "up") return UpDown(w);
    if (cmd == "leader") return Leader(w);
    if (cmd == "coordinator") return Coordinator(w);
    if (cmd == "errors") return Errors(w);
    if (cmd == "rtt") return Rtt(w);
    return "error: unknown command '" + cmd + "' (topic, down, up, leader, coordinator, errors, rtt, quit)";
  }

 private:
  // A broker id the mock has, or -1 (all brokers) where `all` allows it.
  bool Broker(const std::string& s, bool all, long* id) const {
    return ParseInt(s, all ? -1 : 1, brokers_, id) && *id != 0;
  }
  std::string BadBroker(const std::string& s) const {
    return "error: broker '" + s + "' is not one of 1.." + std::to_string(brokers_);
  }

  std::string Topic(const std::vector<std::string>& w) {
    long partitions = 0, rf = std::min(3, brokers_);
    if (w.size() < 3 || w.size() > 4) return "error: usage: topic NAME PARTITIONS [RF]";
    if (!ParseInt(w[2], 1, 100000, &partitions)) return "error: partitions '" + w[2] + "' is not a number >= 1";
    if (w.size() == 4 && !ParseInt(w[3], 1, brokers_, &rf))
      return "error: replication factor '" + w[3] + "' is not one of 1.." + std::to_string(brokers_);
    return Answer(rd_kafka_mock_topic_create(cluster_, w[1].c_str(), static_cast<int>(partitions), static_cast<int>(rf)));
  }

  std::string UpDown(const std::vector<std::string>& w) {
    long id = 0;
    if (w.size() != 2) return "error: usage: " + w[0] + " BROKER_ID";
    if (!Broker(w[1], true, &id)) return BadBroker(w[1]);
    auto b = static_cast<int32_t>(id);
    return Answer(w[0] == "down" ? rd_kafka_mock_broker_set_down(cluster_, b) : rd_kafka_mock_broker_set_up(cluster_, b));
  }

  std::string Leader(const std::vector<std::string>& w) {
    long partition = 0, id = 0;
    if (w.size() != 4) return "error: usage: leader TOPIC PARTITION BROKER_ID";
    if (!ParseInt(w[2], 0, INT32_MAX, &partition)) return "error: partition '" + w[2] + "' is not a number >= 0";
    if (!Broker(w[3], true, &id)) return BadBroker(w[3]);
    return Answer(rd_kafka_mock_partition_set_leader(cluster_, w[1].c_str(), static_cast<int32_t>(partition),
                                                     static_cast<int32_t>(id)));
  }

  std::string Coordinator(const std::vector<std::string>& w) {
    long id = 0;
    if (w.size() != 4 || (w[1] != "group" && w[1] != "txn")) return "error: usage: coordinator group|txn KEY BROKER_ID";
    if (!Broker(w[3], false, &id)) return BadBroker(w[3]);
    const char* type = w[1] == "group" ? "group" : "transaction";
    return Answer(rd_kafka_mock_coordinator_set(cluster_, type, w[2].c_str(), static_cast<int32_t>(id)));
  }

  std::string Errors(const std::vector<std::string>& w) {
    long api = 0;
    if (w.size() < 3) return "error: usage: errors APIKEY ERRCODE [ERRCODE...]";
    if (!ParseInt(w[1], 0, INT16_MAX, &api)) return "error: api key '" + w[1] + "' is not a number >= 0";
    std::vector<rd_kafka_resp_err_t> codes;
    for (size_t i = 2; i < w.size(); ++i) {
      long code = 0;
      // Negative codes are librdkafka's own: -195 (_TRANSPORT) makes the
      // broker drop the connection instead of answering.
      if (!ParseInt(w[i], -200, 1000, &code)) return "error: error code '" + w[i] + "' is not a number";
      codes.push_back(static_cast<rd_kafka_resp_err_t>(code));
    }
    rd_kafka_mock_push_request_errors_array(cluster_, static_cast<int16_t>(api), codes.size(), codes.data());
    return "ok";
  }

  std::string Rtt(const std::vector<std::string>& w) {
    long id = 0, ms = 0;
    if (w.size() != 3) return "error: usage: rtt BROKER_ID MS";
    if (!Broker(w[1], true, &id)) return BadBroker(w[1]);
    if (!ParseInt(w[2], 0, 3600000, &ms)) return "error: rtt '" + w[2] + "' is not a number of milliseconds";
    return Answer(rd_kafka_mock_broker_set_rtt(cluster_, static_cast<int32_t>(id), static_cast<int>(ms)));
  }

  rd_kafka_mock_cluster_t* cluster_;
  int brokers_;
};

bool WriteLine(const std::string& s) {
  std::string line = s + "\n";
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = write(1, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  long brokers = 3;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--brokers" && i + 1 < argc && ParseInt(argv[i + 1], 1, 64, &brokers)) {
      ++i;
      continue;
    }
    std::fputs(kUsage, stderr);
    std::fputs("klog-mock-cluster: error: --brokers takes a number from 1 to 64\n", stderr);
    return 2;
  }

  // The stop signals go to a signalfd read next to stdin; blocked before
  // librdkafka starts its threads, so none of them takes one instead.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGHUP);
  sigprocmask(SIG_BLOCK, &stop, nullptr);
  int sigfd = signalfd(-1, &stop, SFD_CLOEXEC);
  signal(SIGPIPE, SIG_IGN);  // a reader gone is a write error: exit

  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // This handle only hosts the cluster; it never connects to anything.
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) {
    std::fprintf(stderr, "klog-mock-cluster: error: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(rk, static_cast<int>(brokers));
  if (!cluster) {
    std::fprintf(stderr, "klog-mock-cluster: error: could not start a mock cluster of %ld brokers\n", brokers);
    rd_kafka_destroy(rk);
    return 1;
  }

  int status = 0;
  if (!WriteLine(rd_kafka_mock_cluster_bootstraps(cluster))) status = 1;
  Controller controller(cluster, static_cast<int>(brokers));
  std::string pending;
  bool quit = status != 0;
  while (!quit) {
    struct pollfd p[2] = {{0, POLLIN, 0}, {sigfd, POLLIN, 0}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (p[1].revents) break;  // SIGTERM, SIGINT or SIGHUP
    if (!p[0].revents) continue;
    char buf[4096];
    ssize_t n = read(0, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // stdin closed: the test is over (or gone)
    pending.append(buf, static_cast<size_t>(n));
    size_t nl;
    while (!quit && (nl = pending.find('\n')) != std::string::npos) {
      std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!WriteLine(controller.Run(line, &quit))) quit = true;
    }
  }

  // No rd_kafka_mock_cluster_destroy: in librdkafka 2.0.2 it waits up to a
  // second for an internal broker thread to notice (measured: 4 exits in 10),
  // which every test would pay at its end. Nothing outside this process
  // holds state; the kernel closes the listeners and client connections.
  std::fflush(nullptr);
  _exit(status);
}
