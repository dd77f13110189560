#!/usr/bin/env bash
# bench/capacity.sh: can ward keep up with ~500,000 events/s, and does its memory stay flat?
#
#   bench/capacity.sh                        defaults below (~2 min)
#   RATE=300000 PROCS=2 DURATION=10 bench/capacity.sh
#   DAEMON=1 bench/capacity.sh               part 1 under `ward daemon` (default configuration:
#                                            rules, footprints, durable log) instead of watch;
#                                            counts from its log; writes bench/CAPACITY-daemon.md
#
# 1. Distinct-file opens: PROCS processes open pre-created files in a cycle, paced to RATE
#    opens/s in total, for DURATION s: first bare (what the driver reaches without ward), then
#    under `ward watch --json > file` (default settings). Every file is reopened only after
#    more than 1.2 s, so ward's repeated-open folding (1 s window) never applies: each open is
#    its own event. Reports opens done, the rate reached, and ward's captured / dropped /
#    folded counts exactly from its final stats record, plus the FILE_OPEN events of those
#    files found in its output.
# 2. RSS: a fresh ward watches FORKS short-lived processes (fork + _exit, BATCH at a time);
#    reports VmHWM and VmRSS before and after, and the PROCESS events it captured.
# Writes bench/CAPACITY.md.
set -uo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$BENCH")"
RATE="${RATE:-500000}"
PROCS="${PROCS:-2}"
DURATION="${DURATION:-10}"
FORKS="${FORKS:-100000}"
BATCH="${BATCH:-1000}"
DAEMON="${DAEMON:-0}"
if [ "$DAEMON" = 1 ]; then OUT_MD="${OUT_MD:-$BENCH/CAPACITY-daemon.md}"; else OUT_MD="${OUT_MD:-$BENCH/CAPACITY.md}"; fi
# enough files that a file comes back only after 1.2 s even at the full target rate
FILES="${FILES:-$(( RATE * 12 / 10 > 200000 ? RATE * 12 / 10 : 200000 ))}"

die() { echo "capacity.sh: $*" >&2; exit 1; }
note() { echo "capacity.sh: $*" >&2; }
[ "$(id -u)" -eq 0 ] || die "run as root"
. "$BENCH/lib/ward.sh"   # WARD, WARD_BUILD=head|tree
resolve_ward "$REPO" "$BENCH" || die "no ward binary"
mkdir -p "$BENCH/build"
for w in openmany opendrive forkstorm; do
	if [ ! -x "$BENCH/build/$w" ] || [ "$BENCH/workloads/$w.c" -nt "$BENCH/build/$w" ]; then
		gcc -O2 -Wall -Wextra -Werror -o "$BENCH/build/$w" "$BENCH/workloads/$w.c" || die "cannot build $w"
	fi
done

# ward's output on disk (LOG_BASE); the driven files on tmpfs (WORK_BASE): creating and
# deleting 600k files on this VM's ext4 takes minutes and slows every later create on it.
SCRATCH="$(mktemp -d "${LOG_BASE:-/var/tmp}/ward-capacity.XXXXXX")"
FILEDIR="$(mktemp -d "${WORK_BASE:-/dev/shm}/ward-capacity-files.XXXXXX")"
WARD_PID=""
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "$WARD_PID" ] && kill -0 "$WARD_PID" 2>/dev/null; then kill -KILL "$WARD_PID"; fi
	rm -rf "$SCRATCH" "$FILEDIR"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null; }
ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null; }
HZ="$(getconf CLK_TCK)"

start_ward() {  # $1 = output file (DAEMON=1: written from the log by stop_ward)
	if [ "$DAEMON" = 1 ]; then
		mkdir -p "$SCRATCH/daemon"
		printf 'socket:\n  path: %s/daemon/ward.sock\nlog:\n  dir: %s/daemon/log\nfootprints:\n  database: %s/daemon/fp.db\n' \
			"$SCRATCH" "$SCRATCH" "$SCRATCH" > "$SCRATCH/daemon/ward.yaml"
		"$WARD" daemon --config "$SCRATCH/daemon/ward.yaml" > /dev/null 2> "$1.err" &
		DAEMON_OUT="$1"
	else
		"$WARD" watch --json > "$1" 2> "$1.err" &
	fi
	WARD_PID=$!
	for _ in $(seq 600); do
		grep -q '^ward: ready' "$1.err" 2>/dev/null && return 0
		kill -0 "$WARD_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$1.err" >&2
	die "ward did not become ready"
}
stop_ward() {  # sets DRAIN_S, WARD_RC
	local t0 t1
	t0=$(date +%s.%N)
	kill -INT "$WARD_PID"
	for _ in $(seq 1200); do kill -0 "$WARD_PID" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$WARD_PID" 2>/dev/null; then
		note "ward did not exit 120 s after SIGINT: kernel stack:"; cat "/proc/$WARD_PID/stack" >&2
		kill -KILL "$WARD_PID"
	fi
	wait "$WARD_PID"; WARD_RC=$?
	t1=$(date +%s.%N)
	if [ -n "${DAEMON_OUT:-}" ]; then
		"$WARD" log cat --json "$SCRATCH/daemon/log" > "$DAEMON_OUT" 2>> "$DAEMON_OUT.err"
		LOG_MB=$(du -sm "$SCRATCH/daemon/log" | cut -f1)
		rm -rf "$SCRATCH/daemon"
		DAEMON_OUT=""
	fi
	DRAIN_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	WARD_PID=""
}
final_stat() {  # $1 = output file, $2 = field of the final stats record
	tail -n 1 "$1" | /usr/bin/python3 -c 'import json,sys; r=json.loads(sys.stdin.read()); print(r.get(sys.argv[1], "?") if r.get("final") else "no-final-record")' "$2"
}

drive() {  # runs PROCS drivers; prints "opens seconds rate"
	local per=$(( FILES / PROCS )) r i pids=()
	r=$(awk -v a="$RATE" -v p="$PROCS" 'BEGIN { print a / p }')
	for ((i = 0; i < PROCS; i++)); do
		"$BENCH/build/opendrive" "$FILEDIR/files" $(( i * per )) "$per" "$r" "$DURATION" > "$SCRATCH/drv.$i" &
		pids+=($!)
	done
	wait "${pids[@]}"
	cat "$SCRATCH"/drv.* | awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		ops += v["ops"]; if (v["elapsed_s"] > el) el = v["elapsed_s"] }
		END { printf "%d %.3f %.0f\n", ops, el, ops / el }'
	rm -f "$SCRATCH"/drv.*
}

# Other monitors on the machine (another session's ward tests) see every open we drive and
# slow it down: wait for them (at most QUIET_WAIT s per phase) and report who was there.
QUIET_WAIT="${QUIET_WAIT:-120}"
others() {
	local p c
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" = "${WARD_PID:-x}" ] && continue
		c=$(cat "$p/comm" 2>/dev/null)
		case "$c" in ward|bpftrace|auditd) echo -n "$c(${p#/proc/}) ";; esac
	done
}
wait_quiet() {  # $1 = phase name; appends to OTHERS
	local t0=$SECONDS o
	while o="$(others)"; [ -n "$o" ] && [ $(( SECONDS - t0 )) -lt "$QUIET_WAIT" ]; do sleep 1; done
	[ $(( SECONDS - t0 )) -gt 0 ] && note "$1: waited $(( SECONDS - t0 )) s for other monitors"
	[ -n "$o" ] && OTHERS+="$1: $o; "
}
OTHERS=""

note "creating $FILES files"
"$BENCH/build/openmany" setup "$FILES" "$FILEDIR/files" || die "setup failed"

# ---- 1. capacity
wait_quiet bare
note "bare: $PROCS drivers, target $RATE opens/s, ${DURATION}s"
read -r bare_ops bare_s bare_rate < <(drive)
note "bare: $bare_ops opens in ${bare_s}s = $bare_rate/s"

OUT="$SCRATCH/ward-capacity.jsonl"
wait_quiet "under ward"
start_ward "$OUT"
hwm0=$(kb "$WARD_PID" VmHWM); cpu0=$(ticks "$WARD_PID")
note "under ward (pid $WARD_PID): same drive"
read -r w_ops w_s w_rate < <(drive)
o="$(others)"; [ -n "$o" ] && OTHERS+="under ward (at the end): $o; "
hwm1=$(kb "$WARD_PID" VmHWM); cpu1=$(ticks "$WARD_PID")
stop_ward
note "under ward: $w_ops opens in ${w_s}s = $w_rate/s; ward exited $WARD_RC after ${DRAIN_S}s"
exit_line="$(grep -E '^ward: [0-9]+ events' "$OUT.err")"
for f in dropped sent deduplicated seq_lost malformed path_failures state_misses log_dropped; do
	declare "st_$f=$(final_stat "$OUT" $f)"
done
events_total=$(grep -c '^{"kind":"event"' "$OUT")
read -r open_occ open_rec < <(grep -F '"access_type":"FILE_OPEN"' "$OUT" | grep -F "\"path\":\"$FILEDIR/files/f" |
	awk -F'"count":' '{ split($2, a, ","); s += a[1] } END { printf "%d %d\n", s, NR }')
out_mb=$(du -m "$OUT" | cut -f1)
cpu_s=$(awk -v a="$cpu0" -v b="$cpu1" -v h="$HZ" 'BEGIN { printf "%.2f", (b - a) / h }')
rm -f "$OUT"

# ---- 1b. the probes' floor: same drive, ward with file events suppressed in the kernel
# (--type PROCESS: the syscall hooks still run, no FILE record is built or sent)
OUTF="$SCRATCH/ward-floor.jsonl"
wait_quiet "floor"
"$WARD" watch --json --type PROCESS > "$OUTF" 2> "$OUTF.err" &
WARD_PID=$!
for _ in $(seq 600); do grep -q '^ward: ready' "$OUTF.err" 2>/dev/null && break; sleep 0.1; done
note "under ward --type PROCESS (pid $WARD_PID): same drive"
read -r f_ops f_s f_rate < <(drive)
stop_ward
f_filtered=$(final_stat "$OUTF" filtered)
rm -f "$OUTF"

# ---- 2. RSS under many short-lived processes
OUT2="$SCRATCH/ward-rss.jsonl"
wait_quiet rss
start_ward "$OUT2"
sleep 1
r_hwm0=$(kb "$WARD_PID" VmHWM); r_rss0=$(kb "$WARD_PID" VmRSS)
note "rss: $FORKS processes in batches of $BATCH under ward (pid $WARD_PID), in two halves"
half=$(( FORKS / 2 ))
"$BENCH/build/forkstorm" "$half" "$BATCH" > "$SCRATCH/fs1.out" & fs1=$!
wait $fs1 || die "forkstorm failed"
sleep 1
r_hwm_h=$(kb "$WARD_PID" VmHWM); r_rss_h=$(kb "$WARD_PID" VmRSS)
"$BENCH/build/forkstorm" "$(( FORKS - half ))" "$BATCH" > "$SCRATCH/fs2.out" & fs2=$!
wait $fs2 || die "forkstorm failed"
fs_line="$(cat "$SCRATCH/fs1.out"); $(cat "$SCRATCH/fs2.out")"
sleep 1
r_hwm1=$(kb "$WARD_PID" VmHWM); r_rss1=$(kb "$WARD_PID" VmRSS)
sleep 5
r_hwm2=$(kb "$WARD_PID" VmHWM); r_rss2=$(kb "$WARD_PID" VmRSS)
stop_ward
r_dropped=$(final_stat "$OUT2" dropped)
r_create=0; r_term=0
for fp in $fs1 $fs2; do
	r_create=$(( r_create + $(grep -F '"access_type":"PROCESS_CREATE"' "$OUT2" | grep -c -F "\"process\":{\"pid\":$fp,") ))
	r_term=$(( r_term + $(grep -F '"access_type":"PROCESS_TERMINATE"' "$OUT2" | grep -c -F "\"ppid\":$fp,") ))
done
rm -f "$OUT2"

pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f%%", 100 * a / b; else print "n/a" }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
{
	echo "# ward capacity test"
	echo
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); ward: $WARD_DESC"
	echo "- Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r); load average at end $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- Other monitors (not ours) present: ${OTHERS:-none}"
	echo "- Files: driven files on $(df --output=fstype "$FILEDIR" | tail -1) ($FILEDIR), ward output on $(df --output=fstype "$SCRATCH" | tail -1)"
	echo "- Command: \`$([ "$DAEMON" = 1 ] && echo "DAEMON=1 ")RATE=$RATE PROCS=$PROCS DURATION=$DURATION FORKS=$FORKS BATCH=$BATCH bench/capacity.sh\`"
	echo
	echo "## 1. Distinct-file opens at a target of $RATE/s ($PROCS processes, ${DURATION} s, $FILES files in a cycle)"
	echo
	echo "| | opens | seconds | opens/s reached |"
	echo "|---|---:|---:|---:|"
	echo "| bare | $bare_ops | $bare_s | $bare_rate |"
	echo "| under ward$([ "$DAEMON" = 1 ] && echo " daemon") | $w_ops | $w_s | $w_rate |"
	echo "| under ward --type PROCESS (hooks run, file events filtered in the kernel: the probes' floor) | $f_ops | $f_s | $f_rate |"
	echo
	if [ "$DAEMON" = 1 ]; then
		echo "ward (\`ward daemon\`, default configuration: rules, ransomware, footprints, durable log; the events counted from \`ward log cat --json\` of its log, ${LOG_MB:-?} MB compressed), final stats record (log_dropped: $st_log_dropped):"
	else
		echo "ward (\`ward watch --json > file\`, default settings), final stats record:"
	fi
	echo
	echo "| events written (all processes) | dropped | seq_lost | sent | folded | malformed | path_failures | state_misses |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
	echo "| $events_total | $st_dropped | $st_seq_lost | $st_sent | $st_deduplicated | $st_malformed | $st_path_failures | $st_state_misses |"
	echo
	echo "- ward's exit line: \`$exit_line\` (exit code $WARD_RC, ${DRAIN_S} s from SIGINT to exit)"
	echo "- FILE_OPEN events of the driven files in the output: $open_rec records standing for $open_occ opens, of $w_ops opens done ($(pct "$open_occ" "$w_ops")); dropped records are $(pct "$st_dropped" "$(( st_sent + st_dropped ))") of all records ward tried to send"
	echo "- ward CPU from ready to SIGINT: ${cpu_s} s over ${w_s} s of driving; VmHWM $(mib "$hwm0") MiB at ready, $(mib "$hwm1") MiB at the end; output $out_mb MB"
	echo "- with --type PROCESS ward filtered $f_filtered records in the kernel"
	echo
	echo "## 2. RSS with $FORKS short-lived processes (batches of $BATCH)"
	echo
	echo "- \`$fs_line\`"
	echo
	echo "| ward | before | after $half processes | after $FORKS | 5 s later |"
	echo "|---|---:|---:|---:|---:|"
	echo "| VmHWM MiB | $(mib "$r_hwm0") | $(mib "$r_hwm_h") | $(mib "$r_hwm1") | $(mib "$r_hwm2") |"
	echo "| VmRSS MiB | $(mib "$r_rss0") | $(mib "$r_rss_h") | $(mib "$r_rss1") | $(mib "$r_rss2") |"
	echo
	echo "- events: PROCESS_CREATE by the forking process $r_create of $FORKS, PROCESS_TERMINATE of its children $r_term of $FORKS; ward dropped $r_dropped"
} > "$OUT_MD"
cat "$OUT_MD"
