#!/usr/bin/env bash
# One command: build klog and run the whole test suite, then once more under
# AddressSanitizer + UndefinedBehaviorSanitizer, the threaded code under
# ThreadSanitizer, and each libFuzzer target for a bounded time (10 s; set
# FUZZ_SECONDS for longer). ctest prints its summary after each pass, and
# this script the wall time of each phase at the end (CI's budget: 20 min on
# 2 cores from a clean clone).
#
# Both ctest passes run with a resource spec giving one "cpus" slot per core:
# every test but the Kafka ones takes a slot (RESOURCE_GROUPS in
# tests/CMakeLists.txt), so no more of them run at once than -j$(nproc)
# would allow, while the Kafka tests, which mostly sleep waiting on the mock
# cluster, run beside them in the extra jobs.
# The ASan+UBSan pass runs e2e.reliability_* with a reduced sample (they see
# the sanitizer; tests/e2e/reliability_util.h); the plain pass runs the full one.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
jobs=$(nproc)
# Two jobs more than cores: the seven Kafka test files sleep ~210 s in all,
# kafka.group_consume ~105 s of it, so two at a time finish within it.
ctest_jobs=$((jobs + 2))
last=$SECONDS
report=()
phase_done() {
  report+=("$(printf '%-22s %4d s' "$1" $((SECONDS - last)))")
  last=$SECONDS
}
cpu_spec() {  # build dir -> resource spec file with one slot per core
  printf '{"version": {"major": 1, "minor": 0}, "local": [{"cpus": [{"id": "0", "slots": %d}]}]}\n' "$jobs" >"$1/ctest-cpus.json"
  echo "$PWD/$1/ctest-cpus.json"
}

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
phase_done "build"
spec=$(cpu_spec build)
(cd build && ctest --output-on-failure -j"$ctest_jobs" --resource-spec-file "$spec")
phase_done "test"

# Only what the ASan+UBSan pass runs: the test binary (it depends on klog and
# the mock cluster); not the bench drivers, whose bench.smoke is no-sanitize.
# Linked -no-pie: the pass runs klog thousands of times, and a sanitized klog
# as a position-independent executable spends a third of its start (~100 ms)
# on the page faults of its relocations (--version: 98 ms PIE, 66 ms not).
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DKLOG_SANITIZE=ON -DCMAKE_EXE_LINKER_FLAGS=-no-pie >/dev/null
cmake --build build-asan -j"$jobs" --target klog_unit_tests
phase_done "build asan+ubsan"
spec=$(cpu_spec build-asan)
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$PWD/../tests/lsan.supp:print_suppressions=0 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j"$ctest_jobs" --resource-spec-file "$spec" -LE no-sanitize)
phase_done "test asan+ubsan"

scripts/tsan.sh
phase_done "tsan (build, test)"
fuzz/run.sh "${FUZZ_SECONDS:-10}"
phase_done "fuzz (build, run)"

echo "test.sh: wall time per phase"
printf '  %s\n' "${report[@]}"
printf '  %-22s %4d s\n' "total" "$SECONDS"
