#!/usr/bin/env bash
# ThreadSanitizer pass over the code that uses threads: a group member's
# heartbeat thread (lib/group/member.cc) runs beside its consume loop, and a
# zstd producer compresses on worker threads (lib/client/producer.cc).
#
# Builds only the klog binary with -fsanitize=thread, in build-tsan/, and runs
# the end-to-end group tests of an existing test build (default build/, from
# scripts/test.sh) against it through $KLOG_BINARY: every member, describe and
# reset they start is a TSan-instrumented klog. A data race makes TSan print
# its report and the process exit 66, which fails the test that ran it.
# Building the whole test binary with TSan as well would double the time;
# with TSAN_UNIT=1 it is done, and the in-process group unit tests run too.
#
#   scripts/tsan.sh [CTEST_REGEX]     default: group|produce (the group tests, and
#                                   produce with zstd, compressed on worker threads)
set -euo pipefail
cd "$(dirname "$0")/.."
regex=${1:-group|produce}
build=${TSAN_BUILD_DIR:-build-tsan}
tests=${TSAN_TEST_BUILD_DIR:-build}
targets=(klog)
[ "${TSAN_UNIT:-0}" = 1 ] && targets+=(klog_unit_tests) && tests=$build
# -O1 -g rather than RelWithDebInfo's -O2 -g: what the sanitizer documentation
# recommends, and a shorter build.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g -DNDEBUG" \
  -DCMAKE_CXX_FLAGS="-fsanitize=thread -fno-omit-frame-pointer" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}" >"$build/tsan-build.log" 2>&1 || {
  tail -30 "$build/tsan-build.log" >&2
  echo "tsan: build failed (log: $build/tsan-build.log)" >&2
  exit 1
}
if [ ! -x "$tests/tests/klog_unit_tests" ]; then
  echo "tsan: no test binary in $tests/ (run scripts/test.sh first, or set TSAN_TEST_BUILD_DIR)" >&2
  exit 1
fi
klog=$(realpath "$build/klog")
cd "$tests"
echo "tsan: group tests of $tests/ against $klog"
# Not the Kafka tests: librdkafka starts its threads with C11 thrd_create,
# which clang 14's ThreadSanitizer does not intercept, and klog built with
# it then crashes inside librdkafka. They run in the plain and the
# ASan+UBSan passes of scripts/test.sh.
KLOG_BINARY=$klog KLOG_RELIABILITY_QUICK=1 TSAN_OPTIONS="halt_on_error=0 exitcode=66 second_deadlock_stack=1" \
  ctest --output-on-failure -j"$(nproc)" -R "$regex" -E '^kafka\.'
