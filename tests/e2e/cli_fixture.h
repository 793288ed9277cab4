// Shared by the end-to-end tests: a fresh data directory per test and
// shortcuts that run the real klog binary on it and check the contract's
// shapes (exit code, one "klog: error: " line on stderr).
#pragma once

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "support/run_klog.h"
#include "support/temp_dir.h"

namespace klog::testing {

inline std::string Join(const std::vector<std::string>& args) {
  std::string s = "klog";
  for (const auto& a : args) s += " " + a;
  return s;
}

// Splits on '\n'; a final '\n' does not start an empty line.
inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

class CliFixture {
 public:
  CliFixture() : data_(tmp_.Join("data")) {}

  const std::string& data() const { return data_; }
  const TempDir& tmp() const { return tmp_; }
  // The environment of a klog process that uses this data directory.
  std::map<std::string, std::string> Env() const { return {{"KLOG_DIR", data_}}; }

  // klog --dir DATA ARGS...
  RunResult Run(const std::vector<std::string>& args, const std::string& stdin_data = "") const {
    std::vector<std::string> full = {"--dir", data_};
    full.insert(full.end(), args.begin(), args.end());
    RunOptions o;
    o.stdin_data = stdin_data;
    return RunKlog(full, o);
  }

  // Runs, requires exit 0 and a silent stderr, returns stdout.
  std::string Ok(const std::vector<std::string>& args, const std::string& stdin_data = "") const {
    RunResult r = Run(args, stdin_data);
    INFO(Join(args));
    INFO("stderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err == "");
    return r.out;
  }

  // `sh -c SCRIPT` with klog on PATH and KLOG_DIR set to this data directory.
  RunResult Shell(const std::string& script) const {
    RunOptions o;
    o.env = Env();
    return RunShell(script, o);
  }

 private:
  TempDir tmp_;
  std::string data_;
};

// The contract's error shape (section 5): `exit_code`, nothing on stdout and
// exactly one line on stderr, "klog: error: ...", that contains `needle`.
#define CHECK_KLOG_ERROR(result, code, needle)         \
  do {                                                 \
    const ::klog::testing::RunResult& r_ = (result);   \
    INFO("stderr: " << r_.err);                        \
    CHECK(r_.exit_code == (code));                     \
    CHECK(r_.out == "");                               \
    CHECK(r_.err.rfind("klog: error: ", 0) == 0);      \
    CHECK(::klog::testing::Lines(r_.err).size() == 1); \
    CHECK((!r_.err.empty() && r_.err.back() == '\n')); \
    CHECK(r_.err.find(needle) != std::string::npos);   \
  } while (0)

}  // namespace klog::testing
