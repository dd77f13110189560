#!/usr/bin/env bash
# tests/kernels/matrix.sh [ENTRY...]
#
# ward's kernel matrix: fetches the kernels (fetch.sh, cached), then boots each
# entry under qemu (run.sh) and runs the smoke suite (smoke.sh) in it. Prints one
# progress line per entry (with the failing checks, ward's stderr and the
# verifier's log when an entry fails) and a summary table; exits 1 if any
# entry failed. Needs build/ward (run make first) and root.
#
# ENTRY (default: all of them, in this order)
#   5.10        Debian 11's kernel: the compat build (no bpf_loop)
#   6.1         Debian 12's kernel
#   6.12        bookworm-backports
#   newest      trixie-backports (7.x)
#   6.12-trixie Debian 13's own kernel (trixie + trixie-security, a later 6.12)
#   6.1-integrity     6.1 booted with lockdown=integrity
#   6.1-bpf-lsm       6.1 booted with lsm=lockdown,capability,yama,apparmor,bpf
#   6.1-fentry        6.1 booted with lsm=lockdown,capability,yama,apparmor (no
#                     BPF-LSM): the path hooks take the fentry route
#   6.1-confidentiality  6.1 booted with lockdown=confidentiality: ward must
#                     refuse to start (exit code 4) with a clear message
#
# Logs: $WARD_KERNELS_LOGS (default build/kernels/): ENTRY.log per entry (the
# full PASS/FAIL list) and summary.md (the table).
# Other settings: see fetch.sh and run.sh (WARD_KERNELS_CACHE, WARD_VM_ACCEL, ...).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
LOGS=${WARD_KERNELS_LOGS:-$REPO/build/kernels}

ALL="5.10 6.1 6.12 6.12-trixie newest 6.1-integrity 6.1-bpf-lsm 6.1-fentry 6.1-confidentiality"
# name -> "kernel|kernel arguments|route expected for FILE paths|routes forced on
# ward instances run alongside, whose FILE events must be the same (smoke.py)".
# Every Debian kernel from 6.1 on lists bpf in CONFIG_LSM, so auto takes lsm.
entry() {
  case $1 in
    5.10) echo "5.10||tracepoint|";;
    6.1|newest) echo "$1||lsm|tracepoint,fentry";;
    6.12|6.12-trixie) echo "$1||lsm|tracepoint";;
    6.1-integrity) echo "6.1|lockdown=integrity|lsm|tracepoint";;
    6.1-bpf-lsm) echo "6.1|lsm=lockdown,capability,yama,apparmor,bpf|lsm|fentry";;
    6.1-fentry) echo "6.1|lsm=lockdown,capability,yama,apparmor|fentry|tracepoint";;
    6.1-confidentiality) echo "6.1|lockdown=confidentiality||";;
    *) return 1;;
  esac
}
[ $# -gt 0 ] && { [ "$1" = -h ] || [ "$1" = --help ]; } && { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0; }
entries=${*:-$ALL}
series=
for e in $entries; do
  spec=$(entry "$e") || { echo "matrix: unknown entry '$e' (known: $ALL)" >&2; exit 2; }
  k=${spec%%|*}; case " $series " in *" $k "*) ;; *) series="$series $k";; esac
done

[ -x "$REPO/build/ward" ] || { echo "matrix: $REPO/build/ward is missing: run make first" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "matrix: run as root" >&2; exit 2; }
"$HERE/fetch.sh" $series || { echo "matrix: fetching kernels failed" >&2; exit 1; }
mkdir -p "$LOGS"
for e in $entries; do rm -f "$LOGS/$e.log"; done

t_all=$(date +%s)
failed=0
for e in $entries; do
  IFS='|' read -r k args expect compare <<<"$(entry "$e")"
  log=$LOGS/$e.log
  t0=$(date +%s.%N)
  (cd "$REPO" && WARD_VM_APPEND="$args" WARD_SMOKE_EXPECT_ROUTE="$expect" \
     WARD_SMOKE_COMPARE_ROUTES="$compare" \
     WARD_VM_ENV="${WARD_VM_ENV:-} WARD_SMOKE_EXPECT_ROUTE WARD_SMOKE_COMPARE_ROUTES" \
     "$HERE/run.sh" "$k" -- tests/kernels/smoke.sh) >"$log" 2>&1
  rc=$?
  t1=$(date +%s.%N)
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  echo "WARD-MATRIX entry=$e kernel=$k rc=$rc seconds=$secs args=$args" >>"$log"
  line=$(grep -a '^SMOKE-RESULT ' "$log" | tail -1)
  if [ $rc = 0 ]; then
    printf '%-20s PASS  %-6ss %s\n' "$e" "$secs" "$(grep -a -m1 -o '[0-9]* checks passed, [0-9]* failed' "$log")"
  else
    failed=$((failed + 1))
    printf '%-20s FAIL  %-6ss rc=%s %s\n' "$e" "$secs" "$rc" "$(grep -a -m1 -o '[0-9]* checks passed, [0-9]* failed' "$log")"
    {
      if [ -z "$line" ]; then   # the suite did not finish: the end of everything (guest console)
        echo "(the smoke suite did not finish; the end of $log:)"; tail -n 60 "$log"
      else
        grep -a '^INFO startup\|^INFO lsm' "$log"
        n=$(grep -a -c '^FAIL ' "$log")
        grep -a '^FAIL ' "$log" | head -n 40 | cut -c1-400
        [ "$n" -gt 40 ] && echo "... and $((n - 40)) more FAIL lines in $log"
        sed -n '/^---- ward stderr/,/^----$/p' "$log" | awk '{ a[NR] = $0 } END { s = NR > 30 ? NR - 29 : 1;
          if (s > 1) print "---- ward stderr, last 30 lines ----"; for (i = s; i <= NR; i++) print a[i] }'
        sed -n '/^---- verifier log/,/^----$/p' "$log"
      fi
    } | sed 's/^/    /'
  fi
done

# read-only git: no index refresh is written (GIT_OPTIONAL_LOCKS=0)
rev=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$(GIT_OPTIONAL_LOCKS=0 git -C "$REPO" status --porcelain --untracked-files=no 2>/dev/null)" ] && rev="$rev + uncommitted changes"
accel=$(for e in $entries; do grep -a -h -o 'accel=[a-z]*' "$LOGS/$e.log"; done | sort -u | tr '\n' ' ')
python3 - "$LOGS" "$rev" "$accel" $entries <<'EOF' | tee "$LOGS/summary.md"
import json, re, sys, time
logs, rev, accel, entries = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
print("ward %s, %s, qemu %s\n" % (rev, time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), accel.strip()))
print("| entry | kernel | boot arguments | path walk | hooks attached (problems) | route | FILE paths (compared with) | checks passed / failed | ward load s | total s | result |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for e in entries:
    text = open("%s/%s.log" % (logs, e), errors="replace").read()
    m = re.findall(r"^WARD-MATRIX .*rc=(\d+) seconds=([\d.]+) args=(.*)$", text, re.M)
    rc, secs, args = m[-1] if m else ("?", "?", "?")
    r = re.findall(r"^SMOKE-RESULT (.*)$", text, re.M)
    r = json.loads(r[-1]) if r else {}
    kernel = r.get("kernel") or (re.findall(r"kernel=(\S+)", text) or ["?"])[-1]
    if r.get("expected_refusal"):
        hooks, route, walk, paths = "none (refused)", "-", "-", "-"
        result = ("refused as expected (exit %s)" % r.get("ward_rc")) if rc == "0" else "FAIL (exit %s)" % r.get("ward_rc")
    else:
        probs = r.get("problems") or []
        # one entry per distinct reason, program names left out
        reasons = []
        for p in probs:
            why = re.sub(r"\S+ could not be loaded: ", "", p.split(": ", 1)[-1]).strip()
            if why not in reasons:
                reasons.append(why)
        notes = []
        if probs:
            notes.append("%d failed: %s" % (len(probs), "; ".join(w[:90] for w in reasons[:2])))
        if r.get("unavailable"):
            notes.append("unavailable: " + ", ".join(r["unavailable"]))
        hooks = "%s (%s)" % (r.get("hooks"), "; ".join(notes) if notes else "none")
        route, walk = r.get("route") or "?", r.get("path_walk") or "?"
        paths = "%s (%s)" % (r.get("path_route") or "?", ", ".join(r.get("compared") or []) or "-")
        result = "pass" if rc == "0" else ("FAIL: " + ", ".join(r.get("failures", [])[:3]) if r else "FAIL (rc %s, no result)" % rc)
    print("| %s | %s | %s | %s | %s | %s | %s | %s / %s | %s | %s | %s |" % (
        e, kernel, args or "-", walk, hooks, route, paths, r.get("passed", "?"), r.get("failed", "?"),
        r.get("load_s", "?"), secs, result))
EOF
n_entries=$(echo $entries | wc -w)
echo "matrix: $n_entries entries, $failed failed, $(( $(date +%s) - t_all )) s; logs in $LOGS"
echo "kernels: $((n_entries - failed)) passed, $failed failed"
[ $failed = 0 ]
