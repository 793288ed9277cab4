#!/usr/bin/env bash
# One command from a fresh Debian 12 machine: install what klog needs, build
# it, and run its main job on a small demo in a throw-away data directory.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target klog >/dev/null
export KLOG_DIR; KLOG_DIR=$(mktemp -d)
trap 'rm -rf "$KLOG_DIR"' EXIT
k=build/klog
set -x
$k topic create events --partitions 3
printf 'user1:login\nuser2:login\nuser1:logout\n' | $k produce events -K : --print-offsets
$k consume events --format '%p/%o key=%k value=%v\n'
$k topic describe events
