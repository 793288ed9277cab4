#!/usr/bin/env bash
# klog beside the machine's limits, in one run (issue 8).
#
#   bench/run.sh            1,000,000 records of 100 B and of 1 KiB; the "big"
#                           topic for open cost and peak RSS scaled to the disk
#   bench/run.sh --full     the same with a 10 GB big topic, as the issue asks
#   bench/run.sh --smoke    a few thousand records, one repetition: checks that
#                           every row runs (ctest bench.smoke); figures mean nothing
#
# Options: --klog PATH (or KLOG=PATH) measure this binary instead of building
# a Release klog in build-bench/; --bin-dir DIR where the drivers
# (klog_bench_*) are; --dir DIR where to write data (default $TMPDIR or /tmp;
# a fresh subdirectory that is removed at the end); --reps N (default 3);
# --keep to keep that subdirectory.
#
# Each figure is the median of --reps runs after one warm-up run; klog and
# its baseline run alternately on the same input in the same directory. The
# report (machine, then a Markdown table) goes to stdout, progress to stderr.
# Exit status: 0 when every row ran, 1 when something could not run, 2 for
# bad arguments; never non-zero because a figure is slow.
set -uo pipefail
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
mode=default
klog=${KLOG:-}
bin_dir=
base_dir=${TMPDIR:-/tmp}
reps=
keep=0

usage() {
  sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) mode=smoke ;;
    --full) mode=full ;;
    --klog) klog=${2:?--klog needs a path}; shift ;;
    --bin-dir) bin_dir=${2:?--bin-dir needs a directory}; shift ;;
    --dir) base_dir=${2:?--dir needs a directory}; shift ;;
    --reps) reps=${2:?--reps needs a number}; shift ;;
    --keep) keep=1 ;;
    -h|--help) usage ;;
    *) echo "bench/run.sh: unknown argument '$1'" >&2; usage ;;
  esac
  shift
done

say() { printf '%s\n' "$*" >&2; }
die() { say "bench/run.sh: $*"; exit 1; }

if [ -z "${EPOCHREALTIME:-}" ]; then die "needs bash 5 or later (for EPOCHREALTIME)"; fi

# ---------------------------------------------------------------- sizes
case $mode in
  smoke) n100=5000; n1k=2000; reps=${reps:-1}; warm=0; lat_count=30; open_reps=3; big_copies=4 ;;
  default) n100=1000000; n1k=1000000; reps=${reps:-3}; warm=1; lat_count=1000; open_reps=7; big_copies=2 ;;
  full) n100=1000000; n1k=1000000; reps=${reps:-3}; warm=1; lat_count=2000; open_reps=9; big_copies=10 ;;
esac
# Many partitions (issue 20.17): idle CPU over idle_secs, and failover.
case $mode in
  smoke) scale_parts=500; idle_secs=2 ;;
  *) scale_parts=10000; idle_secs=10 ;;
esac
case $reps in ''|*[!0-9]*|0) die "--reps: expected a positive number" ;; esac

# ---------------------------------------------------------------- binaries
if [ -z "$klog" ]; then
  build=$repo/build-bench
  say "building Release klog and the drivers in $build"
  if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null || die "cmake configure failed"
  fi
  cmake --build "$build" --target klog_bench -j"$(nproc)" >/dev/null || die "build failed (cmake --build $build --target klog_bench)"
  klog=$build/klog
  bin_dir=${bin_dir:-$build/bench}
fi
[ -x "$klog" ] || die "no klog binary at '$klog'"
klog=$(cd "$(dirname "$klog")" && pwd)/$(basename "$klog")

mkdir -p "$base_dir" || die "cannot create $base_dir"
work=$(mktemp -d "$base_dir/klog-bench.XXXXXX") || die "cannot create a directory in $base_dir"
bg_pids=()
cleanup() {
  local p
  for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null; done
  if [ "$keep" = 1 ]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

drivers=(klog_bench_gen klog_bench_fsync klog_bench_latency klog_bench_rusage klog_bench_failover)
declare -A src=([klog_bench_gen]=gen_input [klog_bench_fsync]=fsync_baseline [klog_bench_latency]=latency
                [klog_bench_rusage]=rusage [klog_bench_failover]=failover)
if [ -z "$bin_dir" ] && [ -x "$(dirname "$klog")/bench/klog_bench_gen" ]; then bin_dir=$(dirname "$klog")/bench; fi
if [ -z "$bin_dir" ]; then
  bin_dir=$work/bin
  mkdir -p "$bin_dir"
  say "compiling the drivers with ${CXX:-c++} into $bin_dir"
  for d in "${drivers[@]}"; do
    "${CXX:-c++}" -O2 -std=c++20 -o "$bin_dir/$d" "$here/${src[$d]}.cc" || die "cannot compile bench/${src[$d]}.cc"
  done
fi
for d in "${drivers[@]}"; do [ -x "$bin_dir/$d" ] || die "no driver $bin_dir/$d (build the klog_bench target)"; done
gen=$bin_dir/klog_bench_gen
fsync_drv=$bin_dir/klog_bench_fsync
lat_drv=$bin_dir/klog_bench_latency
rusage=$bin_dir/klog_bench_rusage
failover_drv=$bin_dir/klog_bench_failover

# ---------------------------------------------------------------- helpers
failed=()
fail_row() { failed+=("$1"); say "  could not run: $1"; }

calc() { awk "BEGIN { printf \"%s\", $* }"; }
fmt() { awk -v v="$2" "BEGIN { printf \"$1\", v }"; }
# A ratio with 2 decimals, rounded away from its target's side, so that a
# shown figure never looks met when it is not: down for "at least", up for
# "at most" (0.797 against "≥ 0.8" shows 0.79, not 0.80).
fmt_ge() { awk -v v="$1" 'BEGIN { printf "%.2f", int(v * 100 + 1e-9) / 100 }'; }
fmt_le() { awk -v v="$1" 'BEGIN { c = int(v * 100 - 1e-9); if (c < v * 100 - 1e-9) c++; printf "%.2f", c / 100 }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
rate() { calc "$1 / $2 / 1e6"; }                      # millions per second
mbps() { calc "$1 / $2 / 1e6"; }                      # 10^6 bytes per second
fmt_rec() { printf '%s M rec/s' "$(fmt %.2f "$(rate "$1" "$2")")"; }
fmt_mb() { printf '%s MB/s' "$(fmt %.0f "$(mbps "$1" "$2")")"; }
filesize() { stat -c %s "$1"; }
logbytes() { find "$1" -name '*.log' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
met() { if "$@"; then echo yes; else echo no; fi; }
commas() { echo "$1" | sed ':a; s/\B[0-9]\{3\}\>/,&/; ta'; }
join() { local sep=$1 out=$2 x; shift 2; for x in "$@"; do out+="$sep$x"; done; printf '%s' "$out"; }

# timed CMD: runs CMD (a shell string) and sets T to its wall time in seconds.
T=0
timed() {
  local t0=$EPOCHREALTIME
  eval "$1" || return 1
  local t1=$EPOCHREALTIME
  T=$(calc "$t1 - $t0")
}

# bench NAME KLOG_SETUP KLOG_CMD BASE_SETUP BASE_CMD: one warm-up, then reps
# of both alternately; sets KT and BT to the medians (seconds). The setups
# (untimed) clear what the previous run left.
# When BASE_TIME_FILE is set, the baseline's time is the first word of that
# file (a driver that times its own loop) instead of the command's.
KT=0 BT=0 BASE_TIME_FILE=
bench() {
  local name=$1 ks=$2 kc=$3 bs=$4 bc=$5 i ktimes=() btimes=()
  for ((i = 1 - warm; i <= reps; i++)); do
    eval "$ks" && timed "$kc" || { fail_row "$name: klog: $kc"; return 1; }
    [ "$i" -ge 1 ] && ktimes+=("$T")
    eval "$bs" && timed "$bc" || { fail_row "$name: baseline: $bc"; return 1; }
    if [ -n "$BASE_TIME_FILE" ]; then read -r T _ <"$BASE_TIME_FILE"; fi
    [ "$i" -ge 1 ] && btimes+=("$T")
  done
  KT=$(median "${ktimes[@]}")
  BT=$(median "${btimes[@]}")
  say "  $name: klog ${ktimes[*]} s; baseline ${btimes[*]} s"
}

K() { "$klog" --dir "$work/data" "$@"; }
# Reads files into the page cache before a timed run: some VMs page out
# cache that has been idle for a few seconds (e.g. DAMON reclaim).
warm() { cat "$@" >/dev/null; }
fresh_topic() {  # fresh_topic NAME [create options]: deletes and recreates it
  local t=$1
  shift
  K topic delete "$t" --if-exists >/dev/null && K topic create "$t" "$@" >/dev/null
}

rows=()
row() { rows+=("| $1 | $2 | $3 | $4 | $5 | $6 |"); }

# ---------------------------------------------------------------- machine
fs_type=$(df -PT "$work" | awk 'NR == 2 { print $2 }')
fs_dev=$(df -PT "$work" | awk 'NR == 2 { print $1 }')
fs_statf=$(stat -f -c %T "$work")
avail_kb=$(df -Pk "$work" | awk 'NR == 2 { print $4 }')
total_kb=$(df -Pk "$work" | awk 'NR == 2 { print $2 }')
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
mem_gib=$(awk '/^MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo 2>/dev/null)
commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$repo" status --porcelain -- lib cmd 2>/dev/null)" ]; then commit="$commit + uncommitted changes"; fi

# Disk: the inputs, about 2.5 GB for the rows, then the big topic; leave
# at least max(2 GiB, 10% of the filesystem) free at all times.
rec100=101 rec1k=1025  # bytes per input line: value + '\n'
reserve_kb=$(( total_kb / 10 > 2097152 ? total_kb / 10 : 2097152 ))
need_kb=$(( (n100 * rec100 * 3 + n1k * rec1k * 3) / 1024 ))
size_note=
if [ "$mode" != smoke ] && [ $(( avail_kb - reserve_kb )) -lt "$need_kb" ]; then
  n1k=$(( (avail_kb - reserve_kb - n100 * rec100 * 3 / 1024) * 1024 / (rec1k * 3) ))
  n1k=$(( n1k / 1000 * 1000 ))
  [ "$n1k" -ge 10000 ] || die "only $((avail_kb / 1024)) MiB free in $base_dir: not enough to run"
  size_note="1 KiB rows use $n1k records, not 1,000,000: only $((avail_kb / 1024)) MiB free in $base_dir"
  need_kb=$(( (n100 * rec100 * 3 + n1k * rec1k * 3) / 1024 ))
fi
in1k_kb=$(( n1k * rec1k / 1024 ))
max_copies=$(( (avail_kb - reserve_kb - need_kb) / (in1k_kb > 0 ? in1k_kb : 1) ))
if [ "$big_copies" -gt "$max_copies" ]; then
  big_copies=$(( max_copies > 1 ? max_copies : 1 ))
  big_note="big topic scaled down to fit the free space"
else
  big_note=
fi

cat <<EOF
# klog benchmark ($mode mode), $(date -u '+%Y-%m-%d %H:%M UTC')

- machine: $(nproc) cores ($cpu_model), ${mem_gib} GiB RAM, kernel $(uname -sr)
- bench directory: $work on $fs_dev, filesystem $fs_type (stat -f: $fs_statf), $((avail_kb / 1048576)) GiB free
- klog: $klog (commit $commit)
- each figure: median of $reps run(s)$([ "$warm" = 1 ] && echo " after a warm-up run"); klog and baseline alternate
EOF
[ -n "$size_note" ] && echo "- note: $size_note"

# ---------------------------------------------------------------- inputs
say "writing inputs: $n100 x 100 B, $n1k x 1 KiB"
in100=$work/in100
in1k=$work/in1k
"$gen" "$n100" 100 >"$in100" || die "cannot write the 100 B input"
"$gen" "$n1k" 1024 >"$in1k" || die "cannot write the 1 KiB input"
bytes100=$(filesize "$in100")
bytes1k=$(filesize "$in1k")
mkdir -p "$work/data"
K topic list >/dev/null || die "klog cannot use $work/data"

# ---------------------------------------------------------------- produce
# produce_row LABEL TOPIC INPUT RECORDS BYTES TARGET [topic create options]
produce_row() {
  local label=$1 t=$2 in=$3 n=$4 bytes=$5 target=$6
  shift 6
  say "$label"
  bench "$label" "fresh_topic $t $* && warm $in" "cat $in | K produce $t" "rm -f $work/out && warm $in" \
        "cat $in | cat > $work/out" || return 1
  rm -f "$work/out"
  local ratio
  ratio=$(calc "$BT / $KT")
  PRODUCE_RATIO=$ratio
  row "$label" "$(fmt_rec "$n" "$KT"), $(fmt_mb "$bytes" "$KT")" \
      "\`cat input \| cat > file\`: $(fmt_rec "$n" "$BT"), $(fmt_mb "$bytes" "$BT")" \
      "$(fmt_ge "$ratio")" "≥ $target" "$(met ge "$ratio" "$target")"
}

produce_row "produce $(commas $n100) × 100 B from a pipe" t100 "$in100" "$n100" "$bytes100" 0.5
produce_row "produce $(commas $n1k) × 1 KiB from a pipe" t1k "$in1k" "$n1k" "$bytes1k" 0.6

label="produce $(commas $n100) × 100 B, zstd"
say "$label"
if bench "$label" "fresh_topic tz --compression zstd && warm $in100" "cat $in100 | K produce tz" \
         "rm -f $work/out && warm $in100" "cat $in100 | cat > $work/out"; then
  rm -f "$work/out"
  ratio=$(calc "$BT / $KT")
  disk=$(logbytes "$work/data/topics/tz")
  row "$label" "$(fmt_rec "$n100" "$KT"), $(fmt_mb "$bytes100" "$KT"); on disk / input: $(fmt %.3f "$(calc "$disk / $bytes100")")" \
      "\`cat input \| cat > file\`: $(fmt_rec "$n100" "$BT"), $(fmt_mb "$bytes100" "$BT")" \
      "$(fmt_ge "$ratio")" "≥ 0.3" "$(met ge "$ratio" 0.3)"
fi
K topic delete tz >/dev/null 2>&1

label="produce $(commas $n100) × 100 B, --fsync batch"
say "$label"
# The baseline writes the batches of the klog run just before it and times
# its own write + fdatasync loop.
BASE_TIME_FILE=$work/fsync.out
if bench "$label" "fresh_topic tf && warm $in100" "cat $in100 | K produce tf --fsync batch" \
         "rm -f $work/out" "$fsync_drv $work/data/topics/tf/0/00000000000000000000.log $work/out > $work/fsync.out"; then
  read -r _ fs_batches fs_bytes <"$work/fsync.out"
  ratio=$(calc "$BT / $KT")
  row "$label" "$(fmt_rec "$n100" "$KT"), $(fmt_mb "$bytes100" "$KT")" \
      "C loop, write + fdatasync per batch ($fs_batches batches): $(fmt_mb "$fs_bytes" "$BT")" \
      "$(fmt_ge "$ratio")" "≥ 0.8" "$(met ge "$ratio" 0.8)"
fi
BASE_TIME_FILE=
rm -f "$work/out"
K topic delete tf >/dev/null 2>&1

# ---------------------------------------------------------------- consume
# Where the scheduler puts the two processes of a pipeline changes `cat
# segment | cat`'s time threefold (one core: the pipe's pages stay in its
# cache; two cores: every page crosses between them), and it chooses anew
# for each run. So each pipeline is measured pinned, the same way for klog
# and for cat: both processes on one core, then one on each of two cores;
# the row's ratio is the lower of the two. Unpinned with one core or no
# taskset(1).
placements=("")
if [ "$(nproc)" -ge 2 ] && taskset -c 0 true 2>/dev/null && taskset -c 1 true 2>/dev/null; then
  placements=("0 0" "0 1")
fi
consume_row() {
  local label=$1 t=$2 n=$3 bytes=$4 seg place c1 c2 a b where ratio lowest= segbytes ks=() bs=() rs=()
  say "$label"
  seg=$(find "$work/data/topics/$t" -name '*.log' | sort | tr '\n' ' ')
  if [ -z "$seg" ]; then fail_row "$label: no topic $t (its produce row failed)"; return 1; fi
  segbytes=$(logbytes "$work/data/topics/$t")
  for place in "${placements[@]}"; do
    a= b= where=
    if [ -n "$place" ]; then
      read -r c1 c2 <<<"$place"
      if [ "$c1" = "$c2" ]; then where="one core"; else where="two cores"; fi
      a="taskset -c $c1 " b="taskset -c $c2 "
    fi
    bench "$label${where:+ ($where)}" "warm $seg" "$a'$klog' --dir '$work/data' consume $t | ${b}cat > /dev/null" \
          "warm $seg" "${a}cat $seg | ${b}cat > /dev/null" || return 1
    ratio=$(calc "$BT / $KT")
    if [ -z "$lowest" ] || ge "$lowest" "$ratio"; then lowest=$ratio; fi
    ks+=("${where:+$where: }$(fmt_rec "$n" "$KT"), $(fmt_mb "$bytes" "$KT")")
    bs+=("${where:+$where: }$(fmt_mb "$segbytes" "$BT")")
    rs+=("$(fmt_ge "$ratio")${where:+ ($where)}")
  done
  local sep=': '
  [ -n "$where" ] && sep=', '
  row "$label" "$(join '; ' "${ks[@]}")" "\`cat segment \| cat > /dev/null\`$sep$(join '; ' "${bs[@]}")" \
      "$(join ', ' "${rs[@]}")" "≥ 0.5" "$(met ge "$lowest" 0.5)"
}
consume_row "consume $(commas $n100) × 100 B to a pipe" t100 "$n100" "$bytes100"
consume_row "consume $(commas $n1k) × 1 KiB to a pipe" t1k "$n1k" "$bytes1k"

# ---------------------------------------------------------------- mirror
# klog mirror of the 100 B topic into a fresh directory vs `cp -r` of the
# topic's files (the least a copy can cost).
label="mirror $(commas $n100) × 100 B, directory → directory"
say "$label"
seg100=$(find "$work/data/topics/t100" -name '*.log' 2>/dev/null | sort | tr '\n' ' ')
if [ -d "$work/data/topics/t100" ] && bench "$label" "rm -rf $work/mdst && warm $seg100" \
     "'$klog' mirror $work/data $work/mdst --topic t100" "rm -rf $work/cpdst && warm $seg100" \
     "cp -r $work/data/topics/t100 $work/cpdst"; then
  ratio=$(calc "$BT / $KT")
  row "$label" "$(fmt_rec "$n100" "$KT"), $(fmt_mb "$bytes100" "$KT")" \
      "\`cp -r\` of the topic: $(fmt_mb "$(logbytes "$work/cpdst")" "$BT") of segments" \
      "$(fmt_ge "$ratio")" "≥ 0.5" "$(met ge "$ratio" 0.5)"
else
  fail_row "$label"
fi
rm -rf "$work/mdst" "$work/cpdst"
K topic delete t100 >/dev/null 2>&1

# A record produced on the source, to the moment `consume -f` on the
# mirror's target prints it: mirror -f plus the target's follower.
label="produce → mirror -f → consume -f on the target, one record at a time"
say "$label"
mp99=() mp50=()
mir_ok=1
for ((i = 1; i <= reps; i++)); do
  rm -rf "$work/mlat"
  fresh_topic mlat && "$klog" --dir "$work/mlat" topic create mlat >/dev/null || { mir_ok=0; break; }
  if ! "$lat_drv" --count "$lat_count" --writer "exec '$klog' --dir '$work/data' produce mlat" \
       --reader "'$klog' mirror '$work/data' '$work/mlat' --topic mlat -f & exec '$klog' --dir '$work/mlat' consume mlat -f -o end --format '%v\\n'" \
       >"$work/lat.out"; then
    mir_ok=0; break
  fi
  read -r a b _ <"$work/lat.out"; mp50+=("$a"); mp99+=("$b")
  pkill -f "mirror $work/data $work/mlat" 2>/dev/null
done
if [ "$mir_ok" = 1 ]; then
  m50=$(median "${mp50[@]}") m99=$(median "${mp99[@]}")
  say "  p50 ${mp50[*]} µs, p99 ${mp99[*]} µs"
  row "$label ($lat_count records)" "p50 $(fmt %.0f "$m50") µs, p99 $(fmt %.0f "$m99") µs" "—" "—" "p99 ≤ 10 ms" \
      "$(met le "$m99" 10000)"
else
  fail_row "$label"
fi
pkill -f "mirror $work/data $work/mlat" 2>/dev/null
K topic delete mlat >/dev/null 2>&1
rm -rf "$work/mlat"
K topic delete t1k >/dev/null 2>&1

# ---------------------------------------------------------------- latency
label="produce → consume -f latency, one record at a time"
say "$label"
lat_ok=1
kp50=() kp99=() bp50=() bp99=()
for ((i = 1; i <= reps; i++)); do
  fresh_topic lat || { lat_ok=0; break; }
  : >"$work/tail.txt"
  if ! "$lat_drv" --count "$lat_count" --writer "exec '$klog' --dir '$work/data' produce lat" \
       --reader "exec '$klog' --dir '$work/data' consume lat -f -o end --format '%v\\n'" >"$work/lat.out"; then
    lat_ok=0; break
  fi
  read -r a b _ <"$work/lat.out"; kp50+=("$a"); kp99+=("$b")
  if ! "$lat_drv" --count "$lat_count" --writer "exec cat >> '$work/tail.txt'" \
       --reader "exec tail -F -n 0 '$work/tail.txt'" >"$work/lat.out" 2>/dev/null; then
    lat_ok=0; break
  fi
  read -r a b _ <"$work/lat.out"; bp50+=("$a"); bp99+=("$b")
done
if [ "$lat_ok" = 1 ]; then
  say "  klog p50 ${kp50[*]} µs, p99 ${kp99[*]} µs; tail -F p50 ${bp50[*]} µs, p99 ${bp99[*]} µs"
  k50=$(median "${kp50[@]}") k99=$(median "${kp99[@]}") b50=$(median "${bp50[@]}") b99=$(median "${bp99[@]}")
  ratio=$(calc "$k50 / $b50")
  row "$label ($lat_count records)" "p50 $(fmt %.0f "$k50") µs, p99 $(fmt %.0f "$k99") µs" \
      "\`cat >> file\` → \`tail -F\`: p50 $(fmt %.0f "$b50") µs, p99 $(fmt %.0f "$b99") µs" \
      "p50 $(fmt_le "$ratio")×" "p50 ≤ 2×, p99 ≤ 1 ms" "$(met eval "le $ratio 2 && le $k99 1000")"
else
  fail_row "$label"
fi
K topic delete lat >/dev/null 2>&1
rm -f "$work/tail.txt"

# ---------------------------------------------------------------- 4 producers
label="4 producer processes on 4 partitions at once ($(commas $n100) × 100 B each)"
say "$label"
four='for p in 0 1 2 3; do K produce p4 -p $p < '"$in100"' & bg_pids+=($!); done; st=0; for p in "${bg_pids[@]}"; do wait $p || st=1; done; bg_pids=(); [ $st = 0 ]'
if bench "$label" "fresh_topic p4 --partitions 4 && warm $in100" "$four" "fresh_topic p1 && warm $in100" \
         "K produce p1 < $in100"; then
  agg=$(calc "4 * $n100 / $KT / 1e6")
  one=$(calc "$n100 / $BT / 1e6")
  ratio=$(calc "$agg / $one")
  row "$label" "$(fmt %.2f "$agg") M rec/s in all" "one producer: $(fmt %.2f "$one") M rec/s" \
      "$(fmt_ge "$ratio")×" "≥ 1.5× on 2 cores" "$(met ge "$ratio" 1.5)"
fi
K topic delete p4 >/dev/null 2>&1
K topic delete p1 >/dev/null 2>&1

# ---------------------------------------------------------------- group failover
label="group failover after kill -9 of a member"
fo=()
if "$klog" consume --help 2>/dev/null | grep -q -- '--group'; then
  say "$label"
  for ((i = 1; i <= reps; i++)); do
    fresh_topic fo --partitions 2 || break
    out=$("$failover_drv" --klog "$klog" --dir "$work/data" --topic fo --group "bench$i") || break
    read -r ms _ <<<"$out"
    fo+=("$ms")
  done
  if [ "${#fo[@]}" = "$reps" ]; then
    say "  failover ${fo[*]} ms"
    f=$(median "${fo[@]}")
    row "$label" "$(fmt %.0f "$f") ms" "—" "—" "≤ 500 ms" "$(met le "$f" 500)"
  else
    fail_row "$label"
  fi
  K topic delete fo >/dev/null 2>&1
else
  row "$label" "not measured: needs consumer groups (issue 4)" "—" "—" "≤ 500 ms" "—"
fi

# ---------------------------------------------------------------- many partitions
# Idle cost: CPU used over idle_secs by a group member and a plain follower
# of a quiet topic of scale_parts partitions, once their start-up is over;
# the baseline is `tail -F` of one file, measured over the same seconds.
# Read from /proc/PID/stat (user + system, all threads).
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null; }
# settle PID: waits (at most 120 s) until PID used under 2% of a core in a second.
settle() {
  local i a b
  for ((i = 0; i < 120; i++)); do
    a=$(ticks "$1") || return 1
    sleep 1
    b=$(ticks "$1") || return 1
    [ $(( (b - a) * 100 )) -lt $(( 2 * $(getconf CLK_TCK) )) ] && return 0
  done
  return 1
}
label="idle \`consume -g -f\` member and \`consume -f\` follower, $(commas $scale_parts) partitions"
say "$label"
scale_ok=0
if fresh_topic scale --partitions "$scale_parts"; then
  : >"$work/idle.txt"
  "$klog" --dir "$work/data" consume scale -g idle -f >/dev/null 2>&1 & mp=$!
  "$klog" --dir "$work/data" consume scale -f >/dev/null 2>&1 & fp=$!
  tail -F -n 0 "$work/idle.txt" >/dev/null 2>&1 & tp=$!
  bg_pids+=("$mp" "$fp" "$tp")
  if settle "$mp" && settle "$fp"; then
    m0=$(ticks "$mp") f0=$(ticks "$fp") t0=$(ticks "$tp")
    sleep "$idle_secs"
    m1=$(ticks "$mp") f1=$(ticks "$fp") t1=$(ticks "$tp")
    if [ -n "$m1" ] && [ -n "$f1" ] && [ -n "$t1" ]; then
      hz=$(getconf CLK_TCK)
      mpct=$(calc "($m1 - $m0) * 100 / $hz / $idle_secs") fpct=$(calc "($f1 - $f0) * 100 / $hz / $idle_secs")
      tpct=$(calc "($t1 - $t0) * 100 / $hz / $idle_secs")
      say "  over $idle_secs s: member $mpct%, follower $fpct%, tail -F $tpct% of a core"
      row "$label" "member $(fmt %.1f "$mpct")%, follower $(fmt %.1f "$fpct")% of a core" \
          "\`tail -F\` of one file: $(fmt %.1f "$tpct")%" "—" "≤ 1% of a core each" \
          "$(met eval "le $mpct 1 && le $fpct 1")"
      scale_ok=1
    fi
  fi
  kill "$mp" "$fp" "$tp" 2>/dev/null
  wait "$mp" "$fp" "$tp" 2>/dev/null
  bg_pids=()
fi
[ "$scale_ok" = 1 ] || fail_row "$label"

# Failover at scale_parts partitions: two members, a record every 2 ms to
# one partition in 125 (each member owns some of them); the time until every
# written partition of the killed member is delivered by the other. The
# baseline is the 2-partition failover above, from the same run.
label="group failover after kill -9 of a member, $(commas $scale_parts) partitions, 2 members"
say "$label"
step=$(( scale_parts / 80 > 0 ? scale_parts / 80 : 1 ))
write=$(seq -s, 0 "$step" $((scale_parts - 1)))
sfo=() ssplit=()
for ((i = 1; i <= reps; i++)); do
  out=$("$failover_drv" --klog "$klog" --dir "$work/data" --topic scale --group "scale$i" --write "$write") || break
  read -r ms sp <<<"$out"
  sfo+=("$ms") ssplit+=("$sp")
done
if [ "${#sfo[@]}" = "$reps" ]; then
  say "  failover ${sfo[*]} ms; members split the partitions after ${ssplit[*]} ms"
  sf=$(median "${sfo[@]}")
  base="—"
  [ "${#fo[@]}" = "$reps" ] && base="2 partitions: $(fmt %.0f "$(median "${fo[@]}")") ms"
  row "$label" "$(fmt %.0f "$sf") ms (members split the partitions after $(fmt %.0f "$(median "${ssplit[@]}")") ms)" \
      "$base" "—" "≤ 1000 ms" "$(met le "$sf" 1000)"
else
  fail_row "$label"
fi
K topic delete scale >/dev/null 2>&1
rm -f "$work/idle.txt"

# ---------------------------------------------------------------- big topic
# Open cost and peak RSS. The big topic is in1k written big_copies times by
# one producer (whose peak RSS is the produce figure); the small one ~1 MB.
label="open cost: \`consume -o -1 -n 1\`"
say "big topic: $big_copies × $((bytes1k / 1000000)) MB"
big_ok=1
fresh_topic big && fresh_topic small || big_ok=0
if [ "$big_ok" = 1 ]; then
  for ((i = 0; i < big_copies; i++)); do cat "$in1k" || exit 1; done |
    "$rusage" "$work/rss.produce" "$klog" --dir "$work/data" produce big || big_ok=0
  head -n 1000 "$in1k" | K produce small || big_ok=0
fi
if [ "$big_ok" = 1 ]; then
  big_bytes=$(logbytes "$work/data/topics/big")
  big_segs=$(find "$work/data/topics/big" -name '*.log' | wc -l)
  small_bytes=$(logbytes "$work/data/topics/small")
  ot_big=() ot_small=()
  for ((i = 1 - warm; i <= open_reps; i++)); do
    timed "K consume big -o -1 -n 1 > /dev/null" || { big_ok=0; break; }
    [ "$i" -ge 1 ] && ot_big+=("$T")
    timed "K consume small -o -1 -n 1 > /dev/null" || { big_ok=0; break; }
    [ "$i" -ge 1 ] && ot_small+=("$T")
  done
fi
if [ "$big_ok" = 1 ]; then
  ob=$(calc "$(median "${ot_big[@]}") * 1000")
  os=$(calc "$(median "${ot_small[@]}") * 1000")
  say "  open big ${ot_big[*]} s; small ${ot_small[*]} s"
  ratio=$(calc "$ob / $os")
  row "$label on a $(fmt %.2f "$(calc "$big_bytes / 1e9")") GB topic ($big_segs segments)${big_note:+, $big_note} vs a $(fmt %.1f "$(calc "$small_bytes / 1e6")") MB one" \
      "$(fmt %.1f "$ob") ms" "1 MB topic: $(fmt %.1f "$os") ms" "$(fmt_le "$ratio")×" "same within 2×" \
      "$(met le "$ratio" 2)"
  read -r _ rss_p <"$work/rss.produce"
  if "$rusage" "$work/rss.consume" "$klog" --dir "$work/data" consume big >/dev/null; then
    read -r _ rss_c <"$work/rss.consume"
    pm=$(calc "$rss_p / 1024") cm=$(calc "$rss_c / 1024")
    row "peak RSS on the $(fmt %.2f "$(calc "$big_bytes / 1e9")") GB topic" \
        "produce $(fmt %.1f "$pm") MiB, consume $(fmt %.1f "$cm") MiB" "—" "—" "≤ 16 MiB" \
        "$(met eval "le $pm 16 && le $cm 16")"
  else
    fail_row "peak RSS: consume big"
  fi
else
  fail_row "$label / peak RSS"
fi
K topic delete big >/dev/null 2>&1
K topic delete small >/dev/null 2>&1

# ---------------------------------------------------------------- Kafka cluster
# klog against kcat on librdkafka's mock cluster (tests/kafka_mock: three
# brokers on loopback), the same library underneath, the same input, in the
# same run: klog produce vs `kcat -P`, klog consume vs `kcat -C -e`. The
# mock keeps at most 5 MB per partition, so these rows write $nk records of
# 100 B to 4 partitions; each produce run gets a fresh mock (untimed).
case $mode in smoke) nk=2000 ;; *) nk=100000 ;; esac
mock=${KLOG_MOCK_CLUSTER:-}
if [ -z "$mock" ] && [ -x "$(dirname "$klog")/tests/kafka_mock/klog-mock-cluster" ]; then
  mock=$(dirname "$klog")/tests/kafka_mock/klog-mock-cluster
fi
if [ -z "$mock" ]; then
  mock=$bin_dir/klog-mock-cluster
  [ -x "$mock" ] || "${CXX:-c++}" -O2 -std=c++20 -o "$mock" "$repo/tests/kafka_mock/klog_mock_cluster.cc" -lrdkafka \
    2>/dev/null || mock=
fi
MOCK_PID= MB=
mock_stop() {
  if [ -n "$MOCK_PID" ]; then
    exec 8>&-  # its stdin ends: it exits
    wait "$MOCK_PID" 2>/dev/null
    MOCK_PID=
  fi
}
# mock_answer: waits up to 10 s for line $1 of the mock's output; prints it.
mock_answer() {
  local i
  for ((i = 0; i < 1000; i++)); do
    [ "$(wc -l <"$work/mock.out")" -ge "$1" ] && { sed -n "$1p" "$work/mock.out"; return 0; }
    sleep 0.01
  done
  return 1
}
# mock_start TOPIC: a fresh mock with TOPIC (4 partitions); sets MB to its
# bootstrap servers.
mock_start() {
  mock_stop
  rm -f "$work/mock.in" "$work/mock.out" && mkfifo "$work/mock.in" || return 1
  "$mock" <"$work/mock.in" >"$work/mock.out" 2>/dev/null &
  MOCK_PID=$!
  bg_pids+=("$MOCK_PID")
  exec 8>"$work/mock.in"
  MB=$(mock_answer 1) || return 1
  echo "topic $1 4" >&8
  [ "$(mock_answer 2)" = ok ]
}
if [ -z "$mock" ]; then
  fail_row "Kafka rows: no klog-mock-cluster (build the tests, or set KLOG_MOCK_CLUSTER)"
elif ! command -v kcat >/dev/null; then
  fail_row "Kafka rows: no kcat (Debian package kcat)"
else
  ink=$work/ink
  "$gen" "$nk" 100 >"$ink" || die "cannot write the Kafka input"
  bytesk=$(filesize "$ink")
  label="produce $(commas $nk) × 100 B to a Kafka cluster (mock, 3 brokers)"
  say "$label"
  if bench "$label" "mock_start kt && warm $ink" "cat $ink | '$klog' -b \$MB produce kt" \
           "mock_start kt && warm $ink" "cat $ink | kcat -b \$MB -P -t kt"; then
    ratio=$(calc "$BT / $KT")
    row "$label" "$(fmt_rec "$nk" "$KT"), $(fmt_mb "$bytesk" "$KT") (acks=all, idempotent)" \
        "\`kcat -P\`: $(fmt_rec "$nk" "$BT"), $(fmt_mb "$bytesk" "$BT")" "$(fmt_ge "$ratio")" "≥ 1.0" \
        "$(met ge "$ratio" 1)"
  fi
  label="consume $(commas $nk) × 100 B from a Kafka cluster (mock) to a pipe"
  say "$label"
  # Records without keys go to partitions chosen at random per batch; one
  # partition may then take half the records and pass the mock's ~5 MB, which
  # drops its oldest. A random partition per record keeps all 100,000.
  if mock_start kt && "$klog" -b "$MB" -X sticky.partitioning.linger.ms=0 produce kt <"$ink" &&
     [ "$("$klog" -b "$MB" consume kt | wc -l)" = "$nk" ] &&
     [ "$(kcat -b "$MB" -C -t kt -e -q | wc -l)" = "$nk" ]; then
    if bench "$label" "true" "'$klog' -b \$MB consume kt | cat >/dev/null" \
             "true" "kcat -b \$MB -C -t kt -e -q | cat >/dev/null"; then
      ratio=$(calc "$BT / $KT")
      row "$label" "$(fmt_rec "$nk" "$KT"), $(fmt_mb "$bytesk" "$KT")" \
          "\`kcat -C -e\`: $(fmt_rec "$nk" "$BT"), $(fmt_mb "$bytesk" "$BT")" "$(fmt_ge "$ratio")" "≥ 1.0" \
          "$(met ge "$ratio" 1)"
    fi
  else
    fail_row "$label: the topic did not read back $nk records with klog and kcat"
  fi
  # consume -g vs kcat -G on the same topic: a fresh group per run, so each
  # reads every record; both wait out the mock's 3 s first rebalance, which
  # is most of the figure.
  label="consume -g of $(commas $nk) × 100 B from a Kafka cluster (mock) to a pipe"
  say "$label"
  if [ -n "$MOCK_PID" ] && [ "$(kcat -b "$MB" -C -t kt -e -q | wc -l)" = "$nk" ]; then
    gi=0
    if bench "$label" "gi=\$((gi + 1))" "'$klog' -b \$MB consume -g k\$gi kt --session-timeout 6s | cat >/dev/null" \
             "gi=\$((gi + 1))" \
             "kcat -b \$MB -G c\$gi kt -e -q -X session.timeout.ms=6000 -X auto.offset.reset=earliest | cat >/dev/null"; then
      ratio=$(calc "$BT / $KT")
      row "$label" "$(fmt %.2f "$KT") s" "\`kcat -G -e\`: $(fmt %.2f "$BT") s" "$(fmt_ge "$ratio")" "≥ 1.0" \
          "$(met ge "$ratio" 1)"
    fi
  else
    fail_row "$label: no mock with the consume row's records"
  fi
  # klog mirror between the mock and a directory, against kcat moving the
  # same records the same way: cluster -> directory vs `kcat -C -e > file`
  # (into a topic made beforehand: the mock cannot tell its settings), and
  # directory -> cluster vs `kcat -P` (a fresh mock per run).
  label="mirror $(commas $nk) × 100 B, Kafka cluster (mock) → directory"
  say "$label"
  if [ -n "$MOCK_PID" ] && bench "$label" "rm -rf $work/mdir && '$klog' --dir $work/mdir topic create kt -p 4 >/dev/null" \
       "'$klog' mirror kafka://\$MB $work/mdir --topic kt" "rm -f $work/kout" \
       "kcat -b \$MB -C -t kt -e -q > $work/kout"; then
    ratio=$(calc "$BT / $KT")
    row "$label" "$(fmt_rec "$nk" "$KT")" "\`kcat -C -e > file\`: $(fmt_rec "$nk" "$BT")" "$(fmt_ge "$ratio")" "≥ 0.8" \
        "$(met ge "$ratio" 0.8)"
  else
    fail_row "$label"
  fi
  rm -rf "$work/mdir" "$work/kout"
  label="mirror $(commas $nk) × 100 B, directory → Kafka cluster (mock)"
  say "$label"
  if K topic create kt -p 4 >/dev/null && K produce kt <"$ink" &&
     bench "$label" "mock_start kt" "'$klog' mirror $work/data kafka://\$MB --topic kt" \
       "mock_start kt && warm $ink" "kcat -b \$MB -P -t kt < $ink"; then
    ratio=$(calc "$BT / $KT")
    row "$label" "$(fmt_rec "$nk" "$KT") (acks=all, idempotent)" "\`kcat -P\`: $(fmt_rec "$nk" "$BT")" \
        "$(fmt_ge "$ratio")" "≥ 0.8" "$(met ge "$ratio" 0.8)"
  else
    fail_row "$label"
  fi
  K topic delete kt >/dev/null 2>&1
  mock_stop
fi

# ---------------------------------------------------------------- report
cat <<EOF

Throughput ratios are baseline time / klog time on the same data (≥ 1 would
mean klog is faster than the baseline). MB = 10^6 bytes of input lines
(value + newline), or of segment bytes for the consume baseline.
$([ "${#placements[@]}" -gt 1 ] && echo "Consume pipelines run pinned with taskset(1), klog's and cat's alike: both
processes on one core, then one on each of two; the lower ratio counts.")

| work | klog | baseline (same run) | ratio | target | met |
| --- | --- | --- | --- | --- | --- |
EOF
printf '%s\n' "${rows[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
  echo
  echo "Could not run:"
  printf -- '- %s\n' "${failed[@]}"
  exit 1
fi
exit 0
