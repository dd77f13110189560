#!/usr/bin/env bash
# Installs what ward needs to build and test on Debian 12 (bookworm), as root.
#   clang/llvm: compile the BPF programs     bpftool: vmlinux.h and the skeleton
#   libbpf-dev, libelf-dev, zlib1g-dev: the loader   python3-pytest: integration tests
#   nanopb, libnanopb-dev, protobuf-compiler: protobuf records without malloc (daemon, log)
#   libzstd-dev: compressed log blocks   libyaml-dev: config and rules
#   libsqlite3-dev: the footprints database
#   rsync, logrotate: benign look-alikes in the ransomware detection tests
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: run as root (apt-get install)" >&2
	exit 3
fi

packages=(make gcc clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config
	  python3 python3-pytest openssl passwd
	  nanopb libnanopb-dev protobuf-compiler libzstd-dev libyaml-dev libsqlite3-dev
	  rsync logrotate)
# tests/kernels (make test-kernels): boot Debian kernels under qemu
if [ "${WARD_KERNEL_TESTS:-0}" = 1 ]; then
	packages+=(qemu-system-x86 busybox-static cpio kmod xz-utils zstd debian-archive-keyring)
fi

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all present"
	exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
