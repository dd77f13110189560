#!/usr/bin/env bash
# mixed.sh setup DIR   : make a source tree (text files + 4 small C files) and DIR/src.tgz
# mixed.sh run N DIR   : N x (extract the tarball, grep the tree, gcc -O0 the C files, link, run)
# One op = one whole iteration. Prints the same result line as the C workloads.
set -euo pipefail
mode=${1:?usage: mixed.sh setup DIR | run N DIR}
if [ "$mode" = setup ]; then
	dir=${2:?DIR}
	rm -rf "$dir"; mkdir -p "$dir/src/docs" "$dir/src/c"
	for i in $(seq 1 300); do
		{ for j in $(seq 1 40); do echo "line $j of file $i: lorem ipsum dolor sit amet token$((i * j % 97))"; done; } \
			> "$dir/src/docs/note$i.txt"
	done
	for k in 1 2 3 4; do
		cat > "$dir/src/c/m$k.c" <<C
#include <stdio.h>
#include <string.h>
int f$k(int n) { int s = 0; char b[64]; for (int i = 0; i < n; i++) { snprintf(b, sizeof b, "%d", i); s += (int)strlen(b); } return s; }
C
	done
	cat > "$dir/src/c/main.c" <<'C'
#include <stdio.h>
int f1(int), f2(int), f3(int), f4(int);
int main(void) { printf("%d\n", f1(10) + f2(20) + f3(30) + f4(40)); return 0; }
C
	tar -C "$dir" -czf "$dir/src.tgz" src
	rm -rf "$dir/src"
	exit 0
fi
n=${2:?N}; dir=${3:?DIR}
[ -f "$dir/src.tgz" ] || { echo "mixed.sh: run setup first" >&2; exit 2; }
t0=$EPOCHREALTIME
for ((i = 0; i < n; i++)); do
	w="$dir/w$i"
	rm -rf "$w"; mkdir -p "$w"
	tar -C "$w" -xzf "$dir/src.tgz"
	grep -rl token42 "$w/src/docs" > /dev/null
	grep -rc lorem "$w/src" > /dev/null
	( cd "$w/src/c" && gcc -O0 -c m1.c m2.c m3.c m4.c main.c && gcc -o prog ./*.o && ./prog > /dev/null )
	rm -rf "$w"
done
t1=$EPOCHREALTIME
awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { e = b - a; printf "mixed: ops=%d elapsed_s=%.6f ops_per_s=%.3f\n", n, e, n / e }'
