#!/usr/bin/env bash
# tests/kernels/fetch.sh [--refresh] [SERIES...]
#
# Fetches stock Debian kernels for the ward kernel matrix and prepares them for
# tests/kernels/run.sh. Nothing is installed: each Debian suite gets a private
# apt configuration under $CACHE/apt/<series>/ (its own sources.list, lists,
# cache and an empty dpkg status); packages are only downloaded, unpacked with
# dpkg-deb -x and indexed with depmod -b.
#
# SERIES (default: 5.10 6.1 6.12 6.12-trixie newest)
#   5.10    bullseye + bullseye-security      (Debian 11)
#   6.1     bookworm + bookworm-security      (Debian 12)
#   6.12    bookworm-backports
#   newest  trixie-backports                  (7.x at the time of writing)
#   6.12-trixie  trixie + trixie-security     (Debian 13's own kernel, a later 6.12)
#
# Result, per kernel release V:
#   $CACHE/kernels/V/vmlinuz        the bzImage as shipped
#   $CACHE/kernels/V/vmlinux        the same kernel uncompressed (ELF, booted via PVH)
#   $CACHE/kernels/V/config         its config
#   $CACHE/kernels/V/initmods/      the modules the guest needs to mount the host's
#                                   root (virtio_pci, 9p, overlay and their deps),
#                                   decompressed, load order in initmods/order
#   $CACHE/kernels/V/info           series, suites, packages and versions
#   $CACHE/kernels/<series> -> V    alias used by run.sh and matrix.sh
#
# A series already fetched is not looked up again (no network) unless --refresh
# (or WARD_KERNELS_REFRESH=1) is given; with it, a newer kernel in the suite is
# fetched and the alias moved to it.
#
# Environment:
#   WARD_KERNELS_CACHE   cache folder (default /var/tmp/ward-kernels)
#   WARD_KERNELS_MIRROR  Debian mirror (default http://deb.debian.org)
#   WARD_KERNELS_KEEP_MODULES=1  keep every module of the kernel (default: only
#                        the few the guest needs are kept, ~1 MB instead of ~300 MB)
#
# Needs: apt-get, apt-cache, dpkg-deb, depmod/modprobe (kmod), xz/zstd, and
# /usr/share/keyrings/debian-archive-keyring.gpg. Run as root (apt-get as root
# in a private configuration; nothing outside $CACHE is written).
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin

CACHE=${WARD_KERNELS_CACHE:-/var/tmp/ward-kernels}
MIRROR=${WARD_KERNELS_MIRROR:-http://deb.debian.org}
REFRESH=${WARD_KERNELS_REFRESH:-0}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
NEEDED_MODULES="virtio_pci 9pnet_virtio 9p overlay"

say() { echo "fetch: $*" >&2; }
die() { echo "fetch: error: $*" >&2; exit 1; }

series=()
for a in "$@"; do
  case $a in
    --refresh) REFRESH=1;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0;;
    -*) die "unknown option $a";;
    *) series+=("$a");;
  esac
done
[ ${#series[@]} -gt 0 ] || series=(5.10 6.1 6.12 6.12-trixie newest)

suites_of() {
  case $1 in
    5.10) echo "debian:bullseye debian-security:bullseye-security";;
    6.1) echo "debian:bookworm debian-security:bookworm-security";;
    6.12) echo "debian:bookworm-backports";;
    newest) echo "debian:trixie-backports";;
    6.12-trixie) echo "debian:trixie debian-security:trixie-security";;
    *) return 1;;
  esac
}

for t in apt-get apt-cache dpkg-deb depmod modprobe xz; do
  command -v $t >/dev/null || die "needs $t"
done
[ -r $KEYRING ] || die "needs $KEYRING (apt-get install debian-archive-keyring)"

# bzImage -> ELF vmlinux: find the compressed payload by its magic and unpack it.
extract_vmlinux() {
  local in=$1 out=$2 magic dec off
  for pair in '\xfd7zXZ\x00:xz -dc' '\x28\xb5\x2f\xfd:zstd -qdc' '\x1f\x8b\x08:gzip -dc'; do
    magic=${pair%%:*} dec=${pair#*:}
    command -v "${dec%% *}" >/dev/null || continue
    for off in $(LC_ALL=C grep -aboP "$magic" "$in" | cut -d: -f1 | head -3); do
      tail -c +$((off + 1)) "$in" | $dec >"$out.tmp" 2>/dev/null || true
      if [ "$(head -c 4 "$out.tmp" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ]; then
        mv "$out.tmp" "$out"; return 0
      fi
    done
  done
  rm -f "$out.tmp"; return 1
}

# Unpacked tree $1 of release $2 -> vmlinuz, vmlinux, config, initmods/ at its top.
prepare() {
  local t=$1 v=$2 f n i=0 base
  # Debian 7.x ships the kernel under /usr/lib/modules/V; older ones under /boot, /lib.
  [ -e "$t/lib" ] || ln -s usr/lib "$t/lib"
  for f in "$t/boot/vmlinuz-$v" "$t/lib/modules/$v/vmlinuz"; do
    [ -f "$f" ] && { cp "$f" "$t/vmlinuz"; break; }
  done
  for f in "$t/boot/config-$v" "$t/lib/modules/$v/config"; do
    [ -f "$f" ] && { cp "$f" "$t/config"; break; }
  done
  [ -f "$t/vmlinuz" ] || die "no vmlinuz for $v in the packages"
  [ -f "$t/config" ] || die "no config for $v in the packages"
  grep -q '^CONFIG_DEBUG_INFO_BTF=y' "$t/config" || say "warning: $v has no CONFIG_DEBUG_INFO_BTF: ward cannot run there"
  extract_vmlinux "$t/vmlinuz" "$t/vmlinux" || say "warning: cannot extract vmlinux from $v (run.sh boots the bzImage)"
  # modules.dep is made by the package's postinst normally; make it here.
  depmod -b "$t" "$v"
  mkdir -p "$t/initmods"; : >"$t/initmods/order"
  for f in $(for m in $NEEDED_MODULES; do modprobe -d "$t" -S "$v" --show-depends "$m"; done |
             awk '$1 == "insmod" && !seen[$2]++ {print $2}'); do
    n=$(basename "$f"); n=${n%%.ko*}
    base=$(printf '%02d-%s.ko' $i "$n"); i=$((i + 1))
    case $f in
      *.xz) xz -dc "$f" >"$t/initmods/$base";;
      *.zst) zstd -qdc "$f" >"$t/initmods/$base";;
      *.gz) gzip -dc "$f" >"$t/initmods/$base";;
      *) cp "$f" "$t/initmods/$base";;
    esac
    echo "$base" >>"$t/initmods/order"
  done
  if [ "${WARD_KERNELS_KEEP_MODULES:-0}" != 1 ]; then
    rm -rf "${t:?}/lib/modules/$v/kernel" "${t:?}/usr/lib/modules/$v/kernel" "${t:?}/boot" \
           "${t:?}/lib/modules/$v/vmlinuz" "${t:?}/usr/share" 2>/dev/null || true
  fi
}

mkdir -p "$CACHE/kernels"
for s in "${series[@]}"; do
  suites=$(suites_of "$s") || die "unknown series '$s' (known: 5.10 6.1 6.12 newest 6.12-trixie)"
  if [ "$REFRESH" != 1 ] && [ -f "$CACHE/kernels/$s/.complete" ]; then
    say "$s: cached ($(readlink "$CACHE/kernels/$s"))"
    continue
  fi
  d=$CACHE/apt/$s
  mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/debs" "$d/prefs.d"
  : >"$d/status"
  : >"$d/sources.list"
  for x in $suites; do
    echo "deb [signed-by=$KEYRING] $MIRROR/${x%%:*} ${x#*:} main" >>"$d/sources.list"
  done
  APT=(-q -o Dir::Etc::SourceList="$d/sources.list" -o Dir::Etc::SourceParts=-
       -o Dir::Etc::Preferences="$d/prefs" -o Dir::Etc::PreferencesParts="$d/prefs.d"
       -o Dir::State::Lists="$d/lists" -o Dir::Cache="$d/cache" -o Dir::State::Status="$d/status"
       -o APT::Sandbox::User=root -o Acquire::Languages=none)
  say "$s: apt-get update ($suites)"
  apt-get "${APT[@]}" update >"$d/update.log" 2>&1 || { cat "$d/update.log" >&2; die "$s: cannot read the suites $suites from $MIRROR"; }
  # linux-image-amd64 depends on exactly one versioned linux-image-V package.
  img=$(apt-cache "${APT[@]}" depends linux-image-amd64 | awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ {print $2; exit}')
  [ -n "$img" ] || die "$s: no linux-image-amd64 in $suites"
  v=${img#linux-image-}; v=${v%-unsigned}
  if [ -f "$CACHE/kernels/$v/.complete" ]; then
    say "$s: $v already prepared"
  else
    # Debian 7.x splits the kernel: linux-image-V depends on linux-binary-V,
    # linux-modules-V, ... Take every linux-*-V it depends on.
    pkgs=("$img")
    for p in $(apt-cache "${APT[@]}" depends "$img" | awk '$1 ~ /Depends:/ {print $2}'); do
      case $p in linux-*-"$v") pkgs+=("$p");; esac
    done
    say "$s: downloading ${pkgs[*]}"
    rm -f "$d/debs"/*.deb
    (cd "$d/debs" && apt-get "${APT[@]}" download "${pkgs[@]}" >"$d/download.log" 2>&1) ||
      { cat "$d/download.log" >&2; die "$s: download failed"; }
    t=$CACHE/kernels/$v.partial
    rm -rf "$t"; mkdir -p "$t"
    for deb in "$d/debs"/*.deb; do dpkg-deb -x "$deb" "$t"; done
    {
      echo "series=$s"; echo "release=$v"; echo "suites=$suites"; echo "mirror=$MIRROR"
      echo "fetched=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
      for deb in "$d/debs"/*.deb; do echo "package=$(dpkg-deb -f "$deb" Package)=$(dpkg-deb -f "$deb" Version)"; done
    } >"$t/info"
    rm -f "$d/debs"/*.deb
    prepare "$t" "$v"
    touch "$t/.complete"
    rm -rf "$CACHE/kernels/$v"; mv "$t" "$CACHE/kernels/$v"
  fi
  ln -sfn "$v" "$CACHE/kernels/$s"
  say "$s -> $CACHE/kernels/$v ($(sed -n 's/^package=linux-image-[^=]*=//p' "$CACHE/kernels/$v/info" | head -1))"
done
