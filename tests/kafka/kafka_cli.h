// Shared by the Kafka end-to-end tests: a mock cluster per test
// (support/mock_cluster.h), real klog processes pointed at it with -b, and
// kcat, an independent client, to check what klog wrote or to write what
// klog must read.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/mock_cluster.h"
#include "support/run_klog.h"
#include "support/skip.h"

namespace klog::testing {

// False (and the test reported skipped) when kcat is not installed.
inline bool KcatAvailable() {
  if (RunShell("command -v kcat >/dev/null").exit_code == 0) return true;
  Skip("kcat not installed (Debian package kcat)");
  return false;
}

inline int64_t NowSteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

class KafkaCli {
 public:
  KafkaCli() { REQUIRE_MESSAGE(cluster_.ok(), cluster_.error()); }

  MockCluster& cluster() { return cluster_; }
  const std::string& brokers() const { return cluster_.bootstrap(); }
  // A topic of `partitions` partitions, replication factor 3.
  void Topic(const std::string& name, int partitions) {
    REQUIRE(cluster_.Command("topic " + name + " " + std::to_string(partitions)) == "ok");
  }

  // klog -b BROKERS --timeout TIMEOUT ARGS...
  RunResult Klog(const std::vector<std::string>& args, const std::string& stdin_data = "",
                 const std::string& timeout = "10s") const {
    std::vector<std::string> full = {"-b", brokers(), "--timeout", timeout};
    full.insert(full.end(), args.begin(), args.end());
    RunOptions o;
    o.stdin_data = stdin_data;
    o.timeout_ms = 60000;
    return RunKlog(full, o);
  }

  // kcat -b BROKERS ARGS (a shell word list).
  RunResult Kcat(const std::string& args, const std::string& stdin_data = "") const {
    RunOptions o;
    o.stdin_data = stdin_data;
    o.timeout_ms = 30000;
    return RunShell("exec kcat -b " + brokers() + " " + args, o);
  }

  // Every record of `topic` as kcat -J reads it (all partitions, to the end).
  std::vector<nlohmann::json> ReadAll(const std::string& topic) const {
    RunResult r = Kcat("-C -t " + topic + " -o beginning -e -q -J");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    std::vector<nlohmann::json> out;
    size_t start = 0;
    while (start < r.out.size()) {
      size_t nl = r.out.find('\n', start);
      if (nl == std::string::npos) nl = r.out.size();
      if (nl > start) out.push_back(nlohmann::json::parse(r.out.substr(start, nl - start)));
      start = nl + 1;
    }
    return out;
  }

 private:
  MockCluster cluster_;
};

}  // namespace klog::testing
