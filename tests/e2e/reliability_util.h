// Shared by the reliability suite (tests/e2e/reliability_*_test.cc): how
// big a run is, figures for the README, and the "never a crash, never a
// hang" check that every damaged-input command must pass.
//
// Scale: CI mode by default; a reduced run when the test binary is built
// with a sanitizer (the ASan+UBSan pass of scripts/test.sh, the TSan pass)
// or KLOG_RELIABILITY_QUICK=1; a long soak with KLOG_SOAK=1.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "e2e/cli_fixture.h"

namespace klog::testing::rel {

inline bool BuiltWithSanitizer() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
  return true;
#else
  return false;
#endif
#else
  return false;
#endif
}

enum class Scale { kReduced, kCi, kSoak };

inline bool EnvOn(const char* name) {
  const char* v = std::getenv(name);
  return v && *v && std::string(v) != "0";
}

inline Scale CurrentScale() {
  if (EnvOn("KLOG_SOAK")) return Scale::kSoak;
  if (EnvOn("KLOG_RELIABILITY_QUICK") || BuiltWithSanitizer()) return Scale::kReduced;
  return Scale::kCi;
}

inline const char* ScaleName() {
  switch (CurrentScale()) {
    case Scale::kReduced: return "reduced";
    case Scale::kCi: return "ci";
    case Scale::kSoak: return "soak";
  }
  return "?";
}

template <typename T>
T Scaled(T reduced, T ci, T soak) {
  switch (CurrentScale()) {
    case Scale::kReduced: return reduced;
    case Scale::kCi: return ci;
    case Scale::kSoak: return soak;
  }
  return ci;
}

// One line of figures: to stderr (ctest -V shows it) and appended to
// $KLOG_RELIABILITY_FIGURES when set (what the README's figures come from).
inline void Figure(const std::string& line) {
  std::string full = std::string("reliability [") + ScaleName() + "]: " + line + "\n";
  std::fputs(full.c_str(), stderr);
  if (const char* path = std::getenv("KLOG_RELIABILITY_FIGURES")) {
    std::ofstream out(path, std::ios::app);
    out << full;
  }
}

// Wall-clock nanoseconds, the clock `date +%s%N` reads in shell scripts.
inline int64_t RealtimeNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline std::vector<std::string> Words(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

// True when stderr shows a sanitizer report or an abort, whatever the exit code
// (ASan exits 1 by default, like a runtime error).
inline bool SanitizerReport(const std::string& err) {
  return err.find("Sanitizer") != std::string::npos || err.find("runtime error:") != std::string::npos ||
         err.find("terminate called") != std::string::npos;
}

// What every command run on damaged or hostile input must do: finish within
// its timeout, not die of a signal, and when it fails, fail the contract's
// way (exit 1, 2 or 3; one "klog: error: " line on stderr).
#define CHECK_NO_CRASH(result, what)                                                        \
  do {                                                                                      \
    const ::klog::testing::RunResult& nc_ = (result);                                       \
    INFO((what));                                                                           \
    INFO("exit " << nc_.exit_code << ", stderr: " << nc_.err);                              \
    CHECK(nc_.exit_code >= 0);                                                              \
    CHECK(nc_.exit_code < 128);                                                             \
    CHECK_FALSE(::klog::testing::rel::SanitizerReport(nc_.err));                            \
    if (nc_.exit_code != 0) {                                                               \
      CHECK(nc_.exit_code <= 3);                                                            \
      CHECK(nc_.err.rfind("klog: error: ", 0) == 0);                                        \
      CHECK(::klog::testing::Lines(nc_.err).size() == 1);                                   \
    }                                                                                       \
  } while (0)

// `klog verify` reports damage on stdout and exits 1; anything else is the
// CHECK_NO_CRASH rule.
#define CHECK_VERIFY_RAN(result, what)                                                      \
  do {                                                                                      \
    const ::klog::testing::RunResult& vr_ = (result);                                       \
    if (vr_.exit_code == 1 && vr_.err.empty()) {                                            \
      INFO((what));                                                                         \
      INFO("stdout: " << vr_.out);                                                          \
      CHECK(vr_.out.find("DAMAGED") != std::string::npos);                                  \
    } else {                                                                                \
      CHECK_NO_CRASH(vr_, what);                                                            \
    }                                                                                       \
  } while (0)

}  // namespace klog::testing::rel
