#!/usr/bin/env bash
# Regenerates the seed corpus in fuzz/corpus/ from a real klog binary:
# a few small segments, indexes, JSON lines, format strings and parser
# inputs. Usage: fuzz/make_corpus.sh [path/to/klog]   (default build/klog)
set -euo pipefail
cd "$(dirname "$0")"
klog=$(realpath "${1:-../build/klog}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
d="$tmp/data"
"$klog" --dir "$d" topic create plain --segment-bytes 8KiB --retention -1 --segment-ms 36500d
"$klog" --dir "$d" topic create packed --compression zstd --retention -1
printf 'a\nbb\n\nccc\n' | "$klog" --dir "$d" produce plain
printf '{"value":"v","key":"k","headers":[{"key":"h","value":"x"},{"key":"n","value":null}],"timestamp":1}\n' |
  "$klog" --dir "$d" produce plain --format json
printf '{"value":{"base64":"/w=="},"key":{"base64":"AA=="}}\n' | "$klog" --dir "$d" produce plain --format json
seq 1 400 | sed 's/$/-some-padding-for-the-index/' | "$klog" --dir "$d" produce plain --batch-size 300
seq 1 50 | "$klog" --dir "$d" produce packed -K 0 --batch-size 200
c=corpus
p="$d/topics/plain/0"
z="$d/topics/packed/0"
first=$(ls "$p"/*.log | head -1)
# fuzz_batch: mode byte 0 (as stored) or 1 (CRC fixed up), then one batch.
batch_len() { od -An -t u4 -j 8 -N 4 "$1" | tr -d ' '; }
n=$(( $(batch_len "$first") + 12 ))
{ printf '\0'; head -c "$n" "$first"; } >"$c/fuzz_batch/plain"
n=$(( $(batch_len "$z/00000000000000000000.log") + 12 ))
{ printf '\0'; head -c "$n" "$z/00000000000000000000.log"; } >"$c/fuzz_batch/zstd"
{ printf '\1'; head -c 40 "$first"; printf 'garbage'; } >"$c/fuzz_batch/fixed-crc"
# fuzz_segment: mode byte (bit 0: check CRCs; bit 1: base 0), then a segment.
{ printf '\3'; head -c 3000 "$first"; } >"$c/fuzz_segment/plain"
{ printf '\3'; cat "$z/00000000000000000000.log"; } >"$c/fuzz_segment/zstd"
{ printf '\2'; head -c 700 "$first"; } >"$c/fuzz_segment/torn"
# fuzz_index: mode byte (bit 0: time index), 8-byte lookup key, then the file.
idx=$(ls -S "$p"/*.index | head -1)
tidx=${idx%.index}.timeindex
{ printf '\0'; printf '\5\0\0\0\0\0\0\0'; cat "$idx"; } >"$c/fuzz_index/offsets"
{ printf '\1'; printf '\377\377\377\377\377\377\0\0'; cat "$tidx"; } >"$c/fuzz_index/times"
{ printf '\0'; printf '\0\0\0\0\0\0\0\0'; printf '\1\2\3'; } >"$c/fuzz_index/partial"
# fuzz_record_json: what consume prints, and what people type.
"$klog" --dir "$d" consume plain --format json -n 3 | head -3 | while IFS= read -r l; do
  printf '%s' "$l" >"$c/fuzz_record_json/consumed-$(printf '%s' "$l" | cksum | cut -d' ' -f1)"
done
printf '{"value":"x","headers":{"a":"1","b":null},"partition":2}' >"$c/fuzz_record_json/plain-headers"
printf '{"value":{"base64":"AP8="},"key":"","timestamp":1764000000000}' >"$c/fuzz_record_json/base64"
printf '{"value":"\\u00e9\\ud83d\\ude00"}' >"$c/fuzz_record_json/escapes"
# fuzz_output_format
printf '%%t %%p %%o %%k %%v %%T %%h\\n' >"$c/fuzz_output_format/all-tokens"
printf '%%K:%%S:%%s\\t\\0\\r\\\\%%%%' >"$c/fuzz_output_format/lengths-escapes"
printf '%%v\\n' >"$c/fuzz_output_format/default"
# fuzz_parse: selector byte, then the text.
printf '\0%s' '10MiB' >"$c/fuzz_parse/size"
printf '\1%s' '1500ms' >"$c/fuzz_parse/duration"
printf '\2%s' '-9223372036854775808' >"$c/fuzz_parse/int"
printf '\3%s' '2026-11-24T10:00:00.123+05:30' >"$c/fuzz_parse/iso"
printf '\4%s' '@2026-11-24T10:00Z' >"$c/fuzz_parse/start"
printf '\5%s' 'events:0,2' >"$c/fuzz_parse/selection"
printf '\6%s' 'a.b-c_d' >"$c/fuzz_parse/name"
# fuzz_state_json: selector byte (0 topic.json, 1 state.json, 2 member), then the file.
{ printf '\0'; cat "$d/topics/plain/topic.json"; } >"$c/fuzz_state_json/topic"
"$klog" --dir "$d" consume plain -g g -n 1 >/dev/null
{ printf '\1'; cat "$d/groups/g/state.json"; } >"$c/fuzz_state_json/state"
printf '\2{"id":"m-1-ab","host":"h","pid":1,"start_ms":2,"topics":["t"],"session_timeout_ms":10000,"generation":3}' \
  >"$c/fuzz_state_json/member"
echo "seed corpus written to $(pwd)/$c: $(find "$c" -type f | wc -l) files"
