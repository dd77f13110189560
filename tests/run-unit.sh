#!/bin/bash
# Run unit test binaries, sum their "unit: N passed, N failed" lines, and end with exactly
# "N passed, N failed". Exits non-zero if any test failed or any binary crashed, hung or did
# not report. UNIT_TIMEOUT (seconds, default 120) bounds each binary.
set -u

timeout_s=${UNIT_TIMEOUT:-120}
passed=0
failed=0
broken=0
log=$(mktemp) || exit 2
trap 'rm -f "$log"' EXIT

if [ $# -eq 0 ]; then
	echo "usage: $0 TEST_BINARY..." >&2
	exit 2
fi

for bin in "$@"; do
	if [ ! -x "$bin" ]; then
		echo "BROKEN $bin: not an executable file"
		broken=$((broken + 1))
		continue
	fi
	timeout "$timeout_s" "$bin" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	summary=$(grep -E '^unit: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	if [ -z "$summary" ]; then
		if [ "$rc" -eq 124 ]; then
			echo "BROKEN $bin: timed out after ${timeout_s}s"
		else
			echo "BROKEN $bin: exited with $rc and no summary line"
		fi
		broken=$((broken + 1))
		continue
	fi
	p=$(echo "$summary" | sed -E 's/^unit: ([0-9]+) passed, ([0-9]+) failed$/\1/')
	f=$(echo "$summary" | sed -E 's/^unit: ([0-9]+) passed, ([0-9]+) failed$/\2/')
	passed=$((passed + p))
	failed=$((failed + f))
	# A binary that reported no failure but exited non-zero crashed after its summary.
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "BROKEN $bin: exited with $rc after reporting no failure"
		broken=$((broken + 1))
	fi
done

# A broken binary counts as one failed test so the total cannot look clean.
failed=$((failed + broken))
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
