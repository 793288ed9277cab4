#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) in build-fuzz/ and runs
# each for a bounded time, starting from the seed corpus in fuzz/corpus/.
# Fails if any target crashes, leaks, trips a sanitizer or a property check;
# the input that did it is kept in build-fuzz/artifacts/ (turn it into a
# regression test in tests/unit/fuzz_regressions_test.cc).
#
#   fuzz/run.sh [SECONDS_PER_TARGET]        default 10 (CI); e.g. 600 for a soak
#   FUZZ_TARGETS="fuzz_parse fuzz_batch" fuzz/run.sh 60
#
# Prints one line per target with its executions (the README's figures).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-${FUZZ_SECONDS:-10}}
build=${FUZZ_BUILD_DIR:-build-fuzz}
all=(fuzz_batch fuzz_segment fuzz_index fuzz_record_json fuzz_output_format fuzz_parse fuzz_state_json)
read -r -a targets <<<"${FUZZ_TARGETS:-${all[*]}}"

if ! command -v clang++ >/dev/null; then
  echo "fuzz: clang++ is missing (scripts/deps.sh installs clang and libclang-rt-14-dev)" >&2
  exit 1
fi
CC=clang CXX=clang++ cmake -S . -B "$build" -DKLOG_FUZZ=ON -DBUILD_TESTING=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}" >"$build/fuzz-build.log" 2>&1 || {
  tail -30 "$build/fuzz-build.log" >&2
  echo "fuzz: build failed (log: $build/fuzz-build.log)" >&2
  exit 1
}

mkdir -p "$build/artifacts" "$build/logs"
# One target per core at a time (each libFuzzer run is one process on one
# core): on CI's 2 cores the 7 targets take 4 rounds of SECONDS, not 7.
# FUZZ_JOBS=1 runs them one after another.
jobs=${FUZZ_JOBS:-$(nproc)}
run_one() {
  local t=$1 work="$build/corpus/$1" log="$build/logs/$1.log" seeds=() rc
  mkdir -p "$work"  # grows between runs; the seeds in fuzz/corpus stay as they are
  [ -d "fuzz/corpus/$t" ] && seeds=("fuzz/corpus/$t")
  "$build/fuzz/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" "$work" "${seeds[@]}" >"$log" 2>&1 && rc=0 || rc=$?
  echo "$rc" >"$build/logs/$t.rc"
}
running=0
for t in "${targets[@]}"; do
  rm -f "$build/logs/$t.rc"
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait

# Reported in the order of the list, whatever order they finished in.
failed=0
for t in "${targets[@]}"; do
  log="$build/logs/$t.log"
  if [ "$(cat "$build/logs/$t.rc" 2>/dev/null)" = 0 ]; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    echo "fuzz: $t: ok, ${execs:-?} executions in ${secs}s, coverage ${cov:-?} edges"
  else
    failed=1
    echo "fuzz: $t: FAILED (log: $log)" >&2
    grep -E 'ERROR|property failed|runtime error|SUMMARY|Test unit written' "$log" | head -20 >&2 || tail -30 "$log" >&2
  fi
done
exit $failed
