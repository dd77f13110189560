#!/bin/sh
# tests/kernels/smoke.sh: ward's integration smoke suite for one kernel.
# Runs inside a guest booted by tests/kernels/run.sh (or on any machine, as
# root): brings loopback up and runs smoke.py (see there) with the host's python3.
# Exit status 0 when every check passed.
cd "$(dirname "$0")/../.." || exit 2
ip link set lo up 2>/dev/null || ifconfig lo up 2>/dev/null || busybox ip link set lo up 2>/dev/null
[ -x build/ward ] || { echo "FAIL build/ward is missing: run make first"; exit 1; }
exec /usr/bin/python3 tests/kernels/smoke.py "$@"
