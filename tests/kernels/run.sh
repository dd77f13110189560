#!/usr/bin/env bash
# tests/kernels/run.sh KERNEL -- CMD [ARG...]
#
# Boots KERNEL (a series or release fetched by tests/kernels/fetch.sh: 5.10,
# 6.1, 6.12, newest, 6.1.0-56-amd64, ...) under qemu and runs CMD in it as root,
# in the current directory, then powers the guest off. Exit status: CMD's;
# 124 if the guest timed out; 125 if the guest never got to run CMD (its
# console is printed).
#
# The guest's root file system is this machine's /, shared read-only over 9p,
# with a tmpfs overlay on top (writes stay in the guest). /tmp is a fresh
# tmpfs (a working directory under the host's /tmp is bound back into it); proc, sys, dev, devpts, bpffs and securityfs are mounted; loopback is
# up; there is no other network. CMD's stdout and stderr come back on this
# script's stdout and stderr (guest serial ports 1 and 2); the kernel console
# is port 0.
#
# Environment:
#   WARD_KERNELS_CACHE  cache folder of fetch.sh (default /var/tmp/ward-kernels)
#   WARD_VM_APPEND      extra kernel arguments (e.g. lockdown=integrity,
#                       lsm=lockdown,capability,yama,apparmor,bpf)
#   WARD_VM_ACCEL       auto (default: KVM when /dev/kvm works with this CPU, else
#                       TCG), kvm or tcg
#   WARD_VM_TIMEOUT     seconds before the guest is killed (default 300)
#   WARD_VM_MEM         MiB (default 1536)     WARD_VM_SMP  CPUs (default 2)
#   WARD_VM_ENV         names of variables to pass to CMD (CI and TERM always are)
#   WARD_VM_CONSOLE=1   print the guest's kernel console at the end
# Needs: qemu-system-x86_64, a static busybox (busybox-static), cpio; root.
set -uo pipefail

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; exit 2; }
[ $# -ge 3 ] && [ "$2" = -- ] || usage
KARG=$1; shift 2

CACHE=${WARD_KERNELS_CACHE:-/var/tmp/ward-kernels}
TIMEOUT=${WARD_VM_TIMEOUT:-300}
MEM=${WARD_VM_MEM:-1536}
SMP=${WARD_VM_SMP:-2}
ACCEL=${WARD_VM_ACCEL:-auto}
BUSYBOX=${WARD_VM_BUSYBOX:-/bin/busybox}
die() { echo "run.sh: $*" >&2; exit 125; }

command -v qemu-system-x86_64 >/dev/null || die "needs qemu-system-x86_64 (apt-get install qemu-system-x86)"
command -v cpio >/dev/null || die "needs cpio"
[ -x "$BUSYBOX" ] || die "needs a static busybox at $BUSYBOX (apt-get install busybox-static)"

K=$CACHE/kernels/$KARG
[ -f "$K/.complete" ] || die "kernel '$KARG' is not in $CACHE/kernels (run tests/kernels/fetch.sh)"
K=$(readlink -f "$K"); KVER=$(basename "$K")

# The kernel image: the uncompressed ELF boots through its PVH entry point,
# which skips the real-mode setup and decompression (~2 s less under TCG).
KIMG=$K/vmlinuz
[ -s "$K/vmlinux" ] && grep -q '^CONFIG_PVH=y' "$K/config" && KIMG=$K/vmlinux

# ---- initramfs: busybox, the modules to mount 9p + overlay, /init (cached per kernel) ----
BASE=$K/initrd.cpio
if [ ! -s "$BASE" ] || [ "$0" -nt "$BASE" ]; then
  st=$(mktemp -d) || die "mktemp"
  mkdir -p "$st"/{bin,dev,proc,sys,mnt/lower,mnt/rw,newroot,modules}
  cp "$BUSYBOX" "$st/bin/busybox"
  cp "$K"/initmods/* "$st/modules/"
  cat >"$st/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
exec </dev/null >/dev/ttyS0 2>&1
fail() { echo "ward-vm: $*"; poweroff -f; }
for m in $(cat /modules/order); do insmod /modules/$m || echo "ward-vm: insmod $m failed"; done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 hostroot /mnt/lower ||
  fail "cannot mount the host's root over 9p"
mount -t tmpfs -o mode=0755 rw /mnt/rw && mkdir -p /mnt/rw/upper /mnt/rw/work
mount -t overlay -o lowerdir=/mnt/lower,upperdir=/mnt/rw/upper,workdir=/mnt/rw/work root /newroot ||
  fail "cannot mount the overlay"
R=/newroot
mount -t proc proc $R/proc; mount -t sysfs sys $R/sys; mount -t devtmpfs dev $R/dev
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts devpts $R/dev/pts; mount -t tmpfs shm $R/dev/shm
mount -t tmpfs -o mode=0755 run $R/run
# A fresh /tmp. A command that runs from under the host's /tmp (a CI checkout
# there) keeps its directory: bound aside, then back over the new tmpfs.
. /ward-vm.env
case "$WARD_VM_CWD" in
/tmp/*)
  mkdir -p $R/run/ward-vm-cwd && mount --bind "$R$WARD_VM_CWD" $R/run/ward-vm-cwd
  mount -t tmpfs -o mode=1777 tmp $R/tmp
  mkdir -p "$R$WARD_VM_CWD" && mount --bind $R/run/ward-vm-cwd "$R$WARD_VM_CWD" ;;
*)
  mount -t tmpfs -o mode=1777 tmp $R/tmp ;;
esac
mount -t bpf bpf $R/sys/fs/bpf
mount -t securityfs securityfs $R/sys/kernel/security
mount -t cgroup2 cgroup2 $R/sys/fs/cgroup 2>/dev/null
ip link set lo up
hostname ward-vm
stty -F /dev/ttyS1 raw -echo; stty -F /dev/ttyS2 raw -echo
mkdir -p $R/run/ward-vm
cp /bin/busybox /ward-vm.env /ward-vm.cmd $R/run/ward-vm/
cat >$R/run/ward-vm/stage2 <<'EOS'
. /run/ward-vm/ward-vm.cmd
. /run/ward-vm/ward-vm.env
read t0 _ </proc/uptime; echo "WARD_VM_T0=$t0" >/dev/ttyS0
if cd "$WARD_VM_CWD" 2>/dev/null; then
  "$@" </dev/null >/dev/ttyS1 2>/dev/ttyS2; rc=$?
else
  echo "run.sh: no $WARD_VM_CWD in the guest (/run is a fresh tmpfs there)" >/dev/ttyS2; rc=125
fi
read t1 _ </proc/uptime; echo "WARD_VM_RC=$rc T1=$t1" >/dev/ttyS0
sync
/run/ward-vm/busybox poweroff -f
EOS
# The overlay becomes the real root (not a chroot: ward's kernel path walk
# goes up to the mount namespace's root, so a chroot would show in paths).
# Stage 2 runs under the host's own /bin/sh, so CMD sees the host's tools only.
exec switch_root $R /bin/sh /run/ward-vm/stage2
EOF
  chmod 755 "$st/init"
  (cd "$st" && find . | cpio -o -H newc --quiet) >"$BASE.tmp" && mv "$BASE.tmp" "$BASE"
  rm -rf "$st"
fi

# ---- per run: the command and its environment, appended as a second cpio ----
WORK=$(mktemp -d /tmp/ward-vm.XXXXXX) || die "mktemp"
QPID=
cleanup() { [ -n "$QPID" ] && kill "$QPID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
q() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
mkdir -p "$WORK/stage"
{ printf 'set --'; for a in "$@"; do printf ' %s' "$(q "$a")"; done; echo; } >"$WORK/stage/ward-vm.cmd"
{
  echo "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8"
  echo "export WARD_VM=1 WARD_VM_CWD=$(q "$PWD")"
  for v in CI TERM ${WARD_VM_ENV:-}; do [ -n "${!v+x}" ] && echo "export $v=$(q "${!v}")"; done
} >"$WORK/stage/ward-vm.env"
(cd "$WORK/stage" && find . | cpio -o -H newc --quiet) >"$WORK/run.cpio"
cat "$BASE" "$WORK/run.cpio" >"$WORK/initrd.cpio"

# ---- accelerator: KVM only where it is real hardware virtualisation ----
if [ "$ACCEL" = auto ]; then
  ACCEL=tcg
  if [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then ACCEL=kvm; fi
fi
case $ACCEL in
  kvm) ACC=(-accel kvm -cpu host);;
  tcg) ACC=(-accel tcg,thread=multi -cpu max);;
  *) die "WARD_VM_ACCEL must be auto, kvm or tcg";;
esac

boot() {
  : >"$WORK/console" ; : >"$WORK/out"; : >"$WORK/err"
  timeout -k 5 "$TIMEOUT" qemu-system-x86_64 -nodefaults -no-user-config -display none -no-reboot \
    "${ACC[@]}" -m "$MEM" -smp "$SMP" -kernel "$KIMG" -initrd "$WORK/initrd.cpio" \
    -append "console=ttyS0 panic=-1 quiet loglevel=4 random.trust_cpu=on ${WARD_VM_APPEND:-}" \
    -serial file:"$WORK/console" -serial file:"$WORK/out" -serial file:"$WORK/err" \
    -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
    </dev/null >"$WORK/qemu.log" 2>&1 &
  QPID=$!
  # CMD's output, live: follow the serial files until qemu is gone.
  tail -n +1 -s 0.2 -f --pid=$QPID "$WORK/out" 2>/dev/null &
  local t1=$!
  tail -n +1 -s 0.2 -f --pid=$QPID "$WORK/err" >&2 2>/dev/null &
  local t2=$!
  wait $QPID; QRC=$?; QPID=
  wait $t1 $t2
}

t_start=$(date +%s.%N)
boot
rcline=$(grep -a -o 'WARD_VM_RC=[0-9]* T1=[0-9.]*' "$WORK/console" | tail -1)
if [ -z "$rcline" ] && [ "$ACCEL" = kvm ] && [ "${WARD_VM_ACCEL:-auto}" = auto ] && [ $QRC != 124 ]; then
  echo "run.sh: the guest did not run under KVM (qemu exit $QRC); trying TCG" >&2
  ACCEL=tcg; ACC=(-accel tcg,thread=multi -cpu max)
  boot
  rcline=$(grep -a -o 'WARD_VM_RC=[0-9]* T1=[0-9.]*' "$WORK/console" | tail -1)
fi
t_end=$(date +%s.%N)
t0=$(grep -a -o 'WARD_VM_T0=[0-9.]*' "$WORK/console" | tail -1); t0=${t0#WARD_VM_T0=}
if [ -n "$rcline" ]; then
  rc=${rcline#WARD_VM_RC=}; rc=${rc%% *}; t1=${rcline##*T1=}
else
  rc=125; [ $QRC = 124 ] || [ $QRC = 137 ] && rc=124; t1=
fi
if [ -z "$rcline" ] || [ "${WARD_VM_CONSOLE:-0}" = 1 ]; then
  echo "---- guest console ($KVER, qemu exit $QRC$([ $rc = 124 ] && echo ", timed out after ${TIMEOUT}s")) ----" >&2
  tr -d '\r' <"$WORK/console" | tail -n 60 >&2
  cat "$WORK/qemu.log" >&2
  echo "----" >&2
fi
awk -v k="$KVER" -v a="$ACCEL" -v ap="${WARD_VM_APPEND:-}" -v s="$t_start" -v e="$t_end" -v t0="$t0" -v t1="$t1" -v rc="$rc" 'BEGIN {
  printf "[ward-vm] kernel=%s accel=%s append=\"%s\" boot=%s cmd=%s total=%.1fs rc=%s\n", k, a, ap,
    (t0 == "" ? "n/a" : sprintf("%.1fs", t0)), (t1 == "" ? "n/a" : sprintf("%.1fs", t1 - t0)), e - s, rc }' >&2
exit "$rc"
