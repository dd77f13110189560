# Sourced by run.sh and capacity.sh: picks the ward binary to measure.
#   WARD=/path/to/ward     that binary, as is
#   WARD_BUILD=head        (default) the committed HEAD: `git archive HEAD` into
#                          bench/build/ward-src and `make` there, so the results belong to
#                          exactly the commit they name, whatever is being edited in the tree
#   WARD_BUILD=tree        the work tree's build/ward (`make -C REPO` if it is missing)
# Sets WARD and WARD_DESC.
resolve_ward() {
	local repo="$1" bench="$2"
	if [ -n "${WARD:-}" ]; then
		[ -x "$WARD" ] || { echo "ward binary $WARD not found" >&2; return 1; }
		WARD_DESC="given binary $WARD"
		return 0
	fi
	case "${WARD_BUILD:-head}" in
	head)
		local src="$bench/build/ward-src" head
		head="$(git -C "$repo" rev-parse HEAD)" || return 1
		if [ "$(cat "$src/.commit" 2>/dev/null)" != "$head" ] || [ ! -x "$src/build/ward" ]; then
			echo "bench: building ward at HEAD ${head:0:12} in $src" >&2
			rm -rf "$src" && mkdir -p "$src" || return 1
			git -C "$repo" archive HEAD | tar -x -C "$src" || return 1
			make -C "$src" -j"$(nproc)" >"$src.log" 2>&1 || { tail -20 "$src.log" >&2; return 1; }
			echo "$head" > "$src/.commit"
		fi
		WARD="$src/build/ward"
		WARD_DESC="commit $head, built from git archive HEAD"
		;;
	tree)
		WARD="$repo/build/ward"
		[ -x "$WARD" ] || make -C "$repo" >&2 || return 1
		WARD_DESC="work tree build/ward (may include uncommitted changes)"
		;;
	*)
		echo "WARD_BUILD must be head or tree" >&2
		return 1
		;;
	esac
}
