#!/usr/bin/env bash
# bench/run.sh: what ward costs, next to auditd and bpftrace, on this machine.
#
#   bench/run.sh                 every workload, every monitor, 5 interleaved pairs (~12 min)
#   PAIRS=7 bench/run.sh         more pairs
#   QUICK=1 bench/run.sh         smoke run: small op counts, 2 pairs (< 2 min); writes
#                                bench/build/quick-RESULTS.md (+ .png, .json) instead
#   MONITORS=ward,bpftrace WORKLOADS=open,exec bench/run.sh
#   WARD_BUILD=tree bench/run.sh   measure the work tree's build/ward instead of HEAD
#
# Writes bench/RESULTS.md, bench/results.png and bench/results.json (raw runs).
# Needs root (BPF, auditd). Installs auditd, bpftrace and python3-matplotlib with
# apt-get when missing; a monitor that cannot run here is reported, not fatal.
# auditd is always stopped and its rules deleted at exit, even on failure.
set -uo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$BENCH")"
MONITORS="${MONITORS:-ward,ward-daemon,auditd,bpftrace}"
WORKLOADS="${WORKLOADS:-open,openmany,exec,connect,churn,mixed}"
PY=/usr/bin/python3

die() { echo "run.sh: $*" >&2; exit 1; }
note() { echo "run.sh: $*" >&2; }

[ "$(id -u)" -eq 0 ] || die "run as root (ward and auditd need it)"

command_line="bench/run.sh"
[ -n "${QUICK:-}" ] && [ "${QUICK}" != 0 ] && command_line="QUICK=1 $command_line"
[ -n "${PAIRS:-}" ] && command_line="PAIRS=$PAIRS $command_line"
[ -n "${WARD:-}" ] && command_line="WARD=$WARD $command_line"
[ -n "${WARD_BUILD:-}" ] && command_line="WARD_BUILD=$WARD_BUILD $command_line"
[ "$MONITORS" != "ward,ward-daemon,auditd,bpftrace" ] && command_line="MONITORS=$MONITORS $command_line"
[ "$WORKLOADS" != "open,openmany,exec,connect,churn,mixed" ] && command_line="WORKLOADS=$WORKLOADS $command_line"

# ---- ward itself (WARD, WARD_BUILD: see lib/ward.sh)
. "$BENCH/lib/ward.sh"
resolve_ward "$REPO" "$BENCH" || die "no ward binary"

# ---- workloads
mkdir -p "$BENCH/build"
for w in open1 openmany execloop tcpconn churn; do
	if [ ! -x "$BENCH/build/$w" ] || [ "$BENCH/workloads/$w.c" -nt "$BENCH/build/$w" ] ||
	   [ "$BENCH/workloads/common.h" -nt "$BENCH/build/$w" ]; then
		gcc -O2 -Wall -Wextra -Werror -o "$BENCH/build/$w" "$BENCH/workloads/$w.c" -lpthread ||
			die "cannot build workload $w"
	fi
done

# ---- comparison monitors and the plot library: install what is missing
declare -A unavailable=()
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
apt_updated=0
apt_install() {
	installed "$1" && return 0
	if [ $apt_updated = 0 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 && apt_updated=1
	fi
	note "installing $1"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null 2>&1
}
want() { [[ ",$MONITORS," == *",$1,"* ]]; }

want auditd && { apt_install auditd || unavailable[auditd]="apt-get install auditd failed"; }
want bpftrace && { apt_install bpftrace || unavailable[bpftrace]="apt-get install bpftrace failed"; }
apt_install python3-matplotlib || note "python3-matplotlib missing: no PNG plot"

mounted_tracefs=0
if want bpftrace && [ -z "${unavailable[bpftrace]:-}" ] && [ ! -e /sys/kernel/tracing/events ]; then
	if mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null; then
		mounted_tracefs=1
	else
		unavailable[bpftrace]="tracefs is not mounted and mount -t tracefs failed"
	fi
fi
if want auditd && [ -z "${unavailable[auditd]:-}" ]; then
	if ! auditctl -s >/dev/null 2>&1; then
		unavailable[auditd]="auditctl -s failed: the kernel has no audit support here"
	elif auditctl -s | grep -q '^enabled 2'; then
		unavailable[auditd]="audit configuration is locked (enabled 2)"
	fi
fi

# ---- scratch space and cleanup, whatever happens
# Monitor output (ward's JSON, the audit log, bpftrace's output) goes to disk (LOG_BASE).
# The workloads' own files go to tmpfs (WORK_BASE): on this VM's ext4, creating files after
# many unlinks costs up to ~1 ms each (ext4 scans recently deleted inodes), which swamps and
# randomises the monitors' cost. WORK_BASE=/var/tmp runs them on ext4 instead.
LOG_BASE="${LOG_BASE:-/var/tmp}"
WORK_BASE="${WORK_BASE:-/dev/shm}"
[ -d "$WORK_BASE" ] || WORK_BASE="$LOG_BASE"
SCRATCH="$(mktemp -d "$LOG_BASE/ward-bench.XXXXXX")"
WORKDIR="$(mktemp -d "$WORK_BASE/ward-bench-wl.XXXXXX")"
STATE="$SCRATCH/state"
mkdir -p "$STATE"
audit_enabled0="$(auditctl -s 2>/dev/null | awk '$1 == "enabled" { print $2 }')"
audit_backlog0="$(auditctl -s 2>/dev/null | awk '$1 == "backlog_limit" { print $2 }')"

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	for kind in ward bpftrace auditd; do
		if [ -f "$STATE/$kind.pid" ]; then
			pid="$(cat "$STATE/$kind.pid")"
			note "stopping leftover $kind (pid $pid)"
			kill -TERM "$pid" 2>/dev/null
			sleep 1
			kill -KILL "$pid" 2>/dev/null
		fi
	done
	if command -v auditctl >/dev/null; then
		# only the rules this bench added (key wardbench), then the state we found
		auditctl -l 2>/dev/null | grep -- '-F key=wardbench' | while read -r rule; do
			auditctl -d ${rule#-a } >/dev/null 2>&1 || auditctl -d "${rule#-a }" >/dev/null 2>&1
		done
		[ -n "$audit_backlog0" ] && auditctl -b "$audit_backlog0" >/dev/null 2>&1
		[ -n "$audit_enabled0" ] && auditctl -e "$audit_enabled0" >/dev/null 2>&1
		if auditctl -l 2>/dev/null | grep -q wardbench; then
			note "WARNING: audit rules with key wardbench are still loaded (auditctl -l)"
		fi
	fi
	[ $mounted_tracefs = 1 ] && umount /sys/kernel/tracing 2>/dev/null
	rm -rf "$SCRATCH" "$WORKDIR"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

unav_json="{"
sep=""
for k in "${!unavailable[@]}"; do
	unav_json+="$sep\"$k\": \"${unavailable[$k]}\""
	sep=", "
done
unav_json+="}"

# a QUICK smoke run does not overwrite the last full run's results
if [ -n "${QUICK:-}" ] && [ "${QUICK}" != 0 ]; then
	: "${BENCH_RESULTS_MD:=$BENCH/build/quick-RESULTS.md}" "${BENCH_PNG:=$BENCH/build/quick-results.png}" \
	  "${BENCH_JSON:=$BENCH/build/quick-results.json}"
	export BENCH_RESULTS_MD BENCH_PNG BENCH_JSON
fi
note "output $SCRATCH; workload files $WORKDIR; ward $WARD; monitors $MONITORS"
BENCH_SCRATCH="$SCRATCH" BENCH_WORKDIR="$WORKDIR" BENCH_STATE="$STATE" BENCH_WARD="$WARD" BENCH_WARD_DESC="$WARD_DESC" BENCH_MONITORS="$MONITORS" \
BENCH_WORKLOADS="$WORKLOADS" BENCH_UNAVAILABLE="$unav_json" BENCH_COMMAND="$command_line" \
	"$PY" "$BENCH/lib/bench.py"
rc=$?
[ $rc -eq 0 ] && note "wrote ${BENCH_RESULTS_MD:-$BENCH/RESULTS.md}, ${BENCH_PNG:-$BENCH/results.png}, ${BENCH_JSON:-$BENCH/results.json}"
exit $rc
