#!/usr/bin/env bash
# A 1 GiB loopback TCP transfer bare and under `ward watch --json`, interleaved
# (A B A B ...), PAIRS pairs (default 5): prints MiB/s and the median ratio.
# ward looks at the first bytes of each stream only; this is the check that a
# bulk transfer does not pay for it.  Usage: bench/bulk.sh [MIB]
set -euo pipefail
cd "$(dirname "$0")/.."
MIB=${1:-1024}
PAIRS=${PAIRS:-5}
out=$(mktemp -d /var/tmp/ward-bulk.XXXXXX)
trap 'rm -rf "$out"' EXIT
gcc -O2 -pthread -o "$out/bulk" bench/workloads/bulk.c
[ -x build/ward ] || make -s
rate() { "$out/bulk" "$MIB" | sed -n 's/.*ops_per_s=\([0-9.]*\).*/\1/p'; }
ratios=()
for i in $(seq "$PAIRS"); do
	bare=$(rate)
	build/ward watch --json >"$out/ward.jsonl" 2>"$out/ward.err" &
	w=$!
	until grep -q "ward: ready" "$out/ward.err" 2>/dev/null; do sleep 0.1; done
	mon=$(rate)
	kill -INT "$w"; wait "$w" || true
	ratio=$(awk -v b="$bare" -v m="$mon" 'BEGIN { printf "%.3f", b / m }')
	ratios+=("$ratio")
	printf 'pair %d: bare %8.0f MiB/s  ward %8.0f MiB/s  slowdown %sx\n' "$i" "$bare" "$mon" "$ratio"
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {printf "median slowdown %.3fx (min %.3f, max %.3f) over %d pairs of %s MiB\n", a[int((NR+1)/2)], a[1], a[NR], NR, "'"$MIB"'"}'
