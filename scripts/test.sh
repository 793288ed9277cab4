#!/usr/bin/env bash
# One command: build klog and run the whole test suite, then once more under
# AddressSanitizer + UndefinedBehaviorSanitizer, the threaded code under
# ThreadSanitizer, and each libFuzzer target for a bounded time (10 s; set
# FUZZ_SECONDS for longer). ctest prints its summary after each pass.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
jobs=$(nproc)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DKLOG_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$PWD/../tests/lsan.supp:print_suppressions=0 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j"$jobs" -LE no-sanitize)
scripts/tsan.sh
fuzz/run.sh "${FUZZ_SECONDS:-10}"
