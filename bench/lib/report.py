#!/usr/bin/python3
"""Turns results.json (from bench.py) into RESULTS.md and results.png.
Usable alone: /usr/bin/python3 bench/lib/report.py bench/results.json"""
import json
import os
import statistics
import sys

# ward's goals (issue #7: slowdown with full telemetry)
TARGETS = {"open": 1.25, "exec": 1.05, "connect": 1.10, "churn": 1.5, "mixed": 1.05}
MON_ORDER = ["ward", "ward-daemon", "auditd", "bpftrace", "bare vs bare"]
WARDS = ("ward", "ward-daemon")
COLORS = {"ward": "#1f77b4", "ward-daemon": "#17becf", "auditd": "#d62728", "bpftrace": "#ff7f0e",
          "bare vs bare": "#7f7f7f"}


def med(xs):
    return statistics.median(xs) if xs else None


def fnum(x, d=0):
    if x is None:
        return "–"
    return f"{x:,.{d}f}"


def summarise(results):
    """Per workload: {monitor: {...}} including a 'bare vs bare' control."""
    out = []
    for wl in results["workloads"]:
        s = {"wl": wl, "mons": {}}
        runs = wl["runs"]
        for name in results["monitors"]:
            rs = [r for r in runs if r["monitor"] == name]
            ok = [r for r in rs if "ratio" in r]
            ratios = [r["ratio"] for r in ok]
            s["mons"][name] = {
                "runs": rs, "ok": ok, "errors": [r["error"] for r in rs if "error" in r],
                "bare": med([r["bare"]["ops_per_s"] for r in ok]),
                "mon": med([r["mon"]["ops_per_s"] for r in ok]),
                "ratio": med(ratios), "min": min(ratios) if ratios else None,
                "max": max(ratios) if ratios else None, "n": len(ratios),
                "foreign": sum(1 for r in ok if r.get("foreign")),
            }
        # control: consecutive bare runs inside one pair round (a monitored run sits between them)
        ctrl = []
        by_pair = {}
        for r in runs:
            if "bare" in r:
                by_pair.setdefault(r["pair"], []).append(r["bare"]["ops_per_s"])
        for vals in by_pair.values():
            ctrl += [vals[i - 1] / vals[i] for i in range(1, len(vals))]
        if ctrl:
            s["mons"]["bare vs bare"] = {"ratio": med(ctrl), "min": min(ctrl), "max": max(ctrl), "n": len(ctrl),
                                         "bare": None, "mon": None, "ok": [], "runs": [], "errors": [], "foreign": "–"}
        out.append(s)
    return out


def no_support(s):
    """connect: a ward build without network events captures none of them in any run."""
    m = s["mons"].get("ward")
    return (s["wl"]["name"] == "connect" and m and m["ok"] and
            all(sum((r.get("ward") or {}).get("captured", {}).values()) == 0 for r in m["ok"]))


def ward_rows(s, name="ward"):
    wl = s["wl"]
    m = s["mons"].get(name)
    if not m or not m["ok"]:
        return None
    exp = wl.get("expected")
    if exp and no_support(s):
        exp = None
    exp_total = sum(exp.values()) if exp else None
    caps, recs, drops, folded, evs, cpu, hwm, missing, tree, seq_lost, malformed, cpu_abs = ([] for _ in range(12))
    for r in m["ok"]:
        w = r.get("ward") or {}
        st = r.get("mon_stats") or {}
        fin = w.get("final") or {}
        cap = sum(w.get("captured", {}).values()) if exp else w.get("tree_events", 0)
        caps.append(cap)
        recs.append(sum(w.get("records", {}).values()) if exp else w.get("tree_records", 0))
        tree.append(w.get("tree_events", 0))
        drops.append(fin.get("dropped", st.get("dropped_stderr")))
        seq_lost.append(fin.get("seq_lost"))
        malformed.append(fin.get("malformed", st.get("malformed_stderr")))
        folded.append(fin.get("deduplicated", st.get("folded_stderr")))
        n_ev = st.get("events") or w.get("events_in_file")
        evs.append(n_ev)
        if st.get("cpu_s") is not None:
            cpu_abs.append(st["cpu_s"])
            if n_ev and n_ev >= 1000:  # fewer: start-up noise, not a rate
                cpu.append(st["cpu_s"] * 1e6 / n_ev)  # ms per 1000 events = s*1e3 / (n/1e3)
        if st.get("hwm_kb"):
            hwm.append(st["hwm_kb"] / 1024)
        if exp_total is not None:
            missing.append(exp_total - cap)
    rng = lambda xs: (fnum(min(xs)) if min(xs) == max(xs) else f"{fnum(min(xs))}–{fnum(max(xs))}") if xs and None not in xs else "?"
    return {
        "expected": fnum(exp_total) if exp_total is not None else "n/a",
        "captured": rng(caps), "records": rng(recs), "tree": rng(tree), "dropped": rng(drops),
        "seq_lost": rng(seq_lost), "malformed": rng(malformed),
        "folded": rng(folded), "events": rng(evs), "cpu": fnum(med(cpu), 2) if cpu else "– (< 1,000 events)",
        "cpu_abs": fnum(med(cpu_abs), 2) if cpu_abs else "?",
        "hwm": fnum(max(hwm), 1) if hwm else "?", "missing": missing, "drops_raw": drops,
        "caps": caps, "exp_total": exp_total,
    }


def per_type_rows(s, name="ward"):
    wl = s["wl"]
    m = s["mons"].get(name)
    exp = wl.get("expected")
    if not m or not m["ok"] or not exp or no_support(s):
        return []
    rows = []
    for at, n in exp.items():
        vals = [(r.get("ward") or {}).get("captured", {}).get(at, 0) for r in m["ok"]]
        recs = [(r.get("ward") or {}).get("records", {}).get(at, 0) for r in m["ok"]]
        rows.append((wl["name"], at, n, vals, recs))
    return rows


def write(results, md_path, png_path):
    info = results["info"]
    summ = summarise(results)
    L = []
    L.append("# ward benchmark results\n")
    L.append("Generated by `bench/run.sh` (see bench/README.md for the method). Slowdown = bare ops/s ÷ "
             "monitored ops/s, the median of the per-pair ratios; each monitored run is paired with the bare "
             "run just before it.\n")
    L.append(f"- **Date**: {info['date']} (run took {info.get('duration_s', '?')} s)")
    dirty = info.get("dirty_files") or []
    L.append(f"- **Commit**: `{info['commit']}` ({info['commit_subject']})" +
             (f"; the work tree had uncommitted changes{' (not in the measured binary)' if 'git archive' in info['ward_binary'].get('desc', '') else ''} in {len(dirty)} tracked file(s): "
              + ", ".join(f"`{d}`" for d in dirty[:8]) + (" …" if len(dirty) > 8 else "") if dirty else ""))
    wb = info["ward_binary"]
    L.append(f"- **ward binary**: {wb.get('desc') or ''} (`{wb['path']}`, sha256 `{wb['sha256_16']}…`, built {wb['mtime']})")
    L.append(f"- **Machine**: {info['cores']} cores, {info['cpu']}, {info['mem_gib']} GiB, kernel {info['kernel']}")
    L.append(f"- **Load average** at start {' '.join(info['loadavg_start'])}, at end "
             f"{' '.join(info.get('loadavg_end', ['?']))}; busiest processes at start: "
             + "; ".join(f"`{p}`" for p in info.get("top_processes_start", [])[:4]))
    if info.get("workdir_fs"):
        L.append(f"- **File systems**: workload files on {info['workdir_fs']}; monitor output (ward JSON, audit log, "
                 f"bpftrace output) on {info['logdir_fs']}")
    L.append(f"- **Tools**: {', '.join(f'{k} {v}' for k, v in info['tools'].items())}")
    L.append(f"- **Pairs**: {info['pairs']} per workload and monitor{' (QUICK=1: small op counts)' if info['quick'] else ''}")
    L.append(f"- **Command**: `{info['command']}`\n")

    L.append("## Monitors\n")
    for name, desc in results["monitors"].items():
        L.append(f"- **{name}**: {desc}")
    for name, why in results["unavailable"].items():
        L.append(f"- **{name}: could not run** — {why}")
    L.append("")

    L.append("## Slowdown\n")
    L.append("| workload | ops/run | monitor | bare ops/s | monitored ops/s | slowdown (median) | min–max | pairs | pairs with a foreign monitor | ward goal |")
    L.append("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for s in summ:
        wl = s["wl"]
        if wl.get("error"):
            L.append(f"| {wl['name']} | {wl['n']:,} | – | – | – | – | – | 0 | – | workload failed: {wl['error']} |")
            continue
        for name in [n for n in MON_ORDER if n in s["mons"]]:
            m = s["mons"][name]
            goal = f"≤ {TARGETS[wl['name']]}x" if name in WARDS and wl["name"] in TARGETS else ""
            if m["n"] == 0:
                L.append(f"| {wl['name']} | {wl['n']:,} | {name} | – | – | failed | – | 0 | – | {goal} |")
                continue
            rat = f"**{m['ratio']:.2f}x**" if name in WARDS else f"{m['ratio']:.2f}x"
            L.append(f"| {wl['name']} | {wl['n']:,} | {name} | {fnum(m['bare'])} | {fnum(m['mon'])} | {rat} | "
                     f"{m['min']:.2f}–{m['max']:.2f} | {m['n']} | {m.get('foreign', '–')} | {goal} |")
    fm = sorted({f.split("(")[0] for wl in results["workloads"] for r in wl["runs"] for f in r.get("foreign") or []})
    if fm:
        L.append(f"\n**Foreign monitors**: other processes watching the same kernel ({', '.join(fm)}) were running during "
                 "some pairs (another session on this machine); they slow bare and monitored runs alike and widen the spread. "
                 "The column counts the pairs affected.")
    L.append("\n`bare vs bare` is the noise floor: the ratio between consecutive bare runs of the same round "
             "(a monitored run sits between them).\n")
    L.append("Workloads: " + "; ".join(f"**{s['wl']['name']}** = {s['wl']['title']}" for s in summ) + ".\n")

    L.append("## ward: events and cost\n")
    L.append("Expected = the workload's own operations of the counted access types; captured = the occurrences "
             "ward reported for them (sum of `count`, so folded repeats count), taken from ward's JSON output "
             "filtered by the workload's pid (and its children, from PROCESS_CREATE events) and the workload's "
             "directory; records = JSON lines behind them. dropped / seq_lost / malformed / folded = ward's final "
             "stats record (whole system, not only the workload). CPU = ward's user+system time from `ward: ready` "
             "to exit (/proc/PID/stat at ready, wait4 rusage at exit) per 1,000 events it wrote (all processes). "
             "Peak RSS = VmHWM just before SIGINT. Ranges are min–max over the pairs.\n")
    L.append("For ward-daemon the events are counted in its durable log, decoded after the run with "
             "`ward log cat --json`, and its events figure is the daemon's own count at exit.\n")
    L.append("| workload | monitor | expected | captured | records | dropped | seq_lost | malformed | folded | ward events (all) | ward CPU s | CPU ms / 1k events | peak RSS MiB |")
    L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    anomalies = []
    for s in summ:
        for wname in WARDS:
            w = ward_rows(s, wname)
            if not w:
                continue
            L.append(f"| {s['wl']['name']} | {wname} | {w['expected']} | {w['captured']} | {w['records']} | {w['dropped']} | "
                     f"{w['seq_lost']} | {w['malformed']} | {w['folded']} | {w['events']} | {w['cpu_abs']} | {w['cpu']} | {w['hwm']} |")
            if w["exp_total"] is not None:
                for i, (miss, drop) in enumerate(zip(w["missing"], w["drops_raw"])):
                    if miss != 0:
                        anomalies.append(f"{s['wl']['name']} / {wname} pair {i + 1}: expected {w['exp_total']:,}, captured "
                                         f"{w['caps'][i]:,} ({'missing' if miss > 0 else 'extra'} {abs(miss):,}); "
                                         f"ward reported {drop} dropped")
    rows = [(wname,) + r for s in summ for wname in WARDS for r in per_type_rows(s, wname)]
    if rows:
        L.append("\nPer access type (captured occurrences / records, per pair):\n")
        L.append("| workload | monitor | access type | expected | captured per pair | records per pair |")
        L.append("|---|---|---|---:|---|---|")
        for wname, name, at, n, vals, recs in rows:
            L.append(f"| {name} | {wname} | {at} | {n:,} | {', '.join(f'{v:,}' for v in vals)} | {', '.join(f'{v:,}' for v in recs)} |")
    notes = [f"- **{s['wl']['name']}**: {s['wl']['note']}" for s in summ if s["wl"].get("note")]
    if notes:
        L.append("\nNotes:\n")
        L += notes
    L.append("\n### Count mismatches\n")
    if anomalies:
        L += [f"- {a}" for a in anomalies]
    else:
        L.append("- none: every run captured exactly the expected occurrences")

    L.append("\n## Comparison monitors: what they logged\n")
    L.append("| workload | monitor | records per run (median) | kernel-side loss (sum over runs) | output MB per run (median) | monitor CPU s per run (median) |")
    L.append("|---|---|---:|---:|---:|---:|")
    for s in summ:
        for name in ("auditd", "bpftrace") + WARDS:
            m = s["mons"].get(name)
            if not m or not m["ok"]:
                continue
            st = [r.get("mon_stats") or {} for r in m["ok"]]
            if name in WARDS:
                recs = med([x.get("events") for x in st if x.get("events") is not None])
                loss = sum((((r.get("ward") or {}).get("final") or {}).get("dropped") or 0) for r in m["ok"])
                mb = med([(x.get("log_bytes") if name == "ward-daemon" else (r.get("ward") or {}).get("output_bytes", 0)) / 1e6
                          for r, x in zip(m["ok"], st)])
            else:
                recs = med([x.get("records") for x in st if x.get("records") is not None])
                loss = sum(x.get("lost") or 0 for x in st)
                mb = med([x.get("output_bytes", 0) / 1e6 for x in st])
            cpu = med([x["cpu_s"] for x in st if x.get("cpu_s") is not None])
            L.append(f"| {s['wl']['name']} | {name} | {fnum(recs)} | {fnum(loss)} | {fnum(mb, 1)} | {fnum(cpu, 2)} |")
    L.append("\nauditd records = `type=SYSCALL` lines; its loss = the kernel's `lost` counter (auditctl -s). "
             "bpftrace records = output lines (its loss = `Lost N events` lines). ward's CPU here is the whole "
             "process lifetime including start-up, unlike the per-1k-events figure above. ward-daemon's output "
             "MB is its compressed log on disk.\n")

    errs = [(s["wl"]["name"], name, e) for s in summ for name, m in s["mons"].items() for e in m["errors"]]
    if errs:
        L.append("## Errors during the run\n")
        L += [f"- {w} / {n}: {e}" for w, n, e in errs]
        L.append("")

    L.append(f"![slowdown per workload and monitor]({os.path.basename(png_path)})\n")
    with open(md_path, "w") as fh:
        fh.write("\n".join(L) + "\n")
    plot(summ, results, png_path)


def plot(summ, results, png_path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        print(f"report: no plot ({e})", file=sys.stderr)
        return
    names = [n for n in MON_ORDER if any(n in s["mons"] and s["mons"][n]["n"] for s in summ)]
    wls = [s for s in summ if any(m["n"] for m in s["mons"].values())]
    fig, ax = plt.subplots(figsize=(12, 6.2), dpi=110)
    width = 0.8 / max(1, len(names))
    for i, name in enumerate(names):
        xs, ys, lo, hi = [], [], [], []
        for j, s in enumerate(wls):
            m = s["mons"].get(name)
            if not m or not m["n"]:
                continue
            xs.append(j + (i - (len(names) - 1) / 2) * width)
            ys.append(m["ratio"])
            lo.append(m["ratio"] - m["min"])
            hi.append(m["max"] - m["ratio"])
        ax.bar(xs, ys, width * 0.92, color=COLORS.get(name), label=name, yerr=[lo, hi], capsize=3,
               error_kw={"elinewidth": 1, "ecolor": "#333333"})
        for x, y, h in zip(xs, ys, hi):
            ax.annotate(f"{y:.2f}", (x, y + h), xytext=(0, 2), textcoords="offset points", ha="center",
                        va="bottom", fontsize=7.5)
    for j, s in enumerate(wls):
        t = TARGETS.get(s["wl"]["name"])
        if t and "ward" in names:
            x = j + (names.index("ward") - (len(names) - 1) / 2) * width
            ax.plot([x - width / 2, x + width / 2], [t, t], color="green", lw=2.5,
                    label="ward goal" if j == 0 else None)
    ax.axhline(1.0, color="black", lw=0.8, ls="--")
    ax.set_yscale("log")
    ax.set_ylim(0.5, max(2.0, max((m["max"] for s in wls for m in s["mons"].values() if m["n"]), default=2) * 2.2))
    ax.set_yticks([0.5, 1, 1.25, 1.5, 2, 3, 5, 10, 20, 30])
    ax.get_yaxis().set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}x"))
    ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xticks(range(len(wls)))
    ax.set_xticklabels([f"{s['wl']['name']}\n({s['wl']['n']:,} ops)" for s in wls])
    ax.set_ylabel("slowdown vs bare (median of pairs, log scale; bars = min–max)")
    info = results["info"]
    ax.set_title(f"ward vs auditd vs bpftrace — {info['date'][:10]}, commit {info['commit'][:10]}, "
                 f"{info['cores']} cores, kernel {info['kernel']}, {info['pairs']} pairs", fontsize=10)
    ax.legend(loc="upper right", fontsize=9)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(png_path)


if __name__ == "__main__":
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "results.json")
    base = os.path.dirname(os.path.abspath(src))
    with open(src) as fh:
        res = json.load(fh)
    write(res, sys.argv[2] if len(sys.argv) > 2 else os.path.join(base, "RESULTS.md"),
          sys.argv[3] if len(sys.argv) > 3 else os.path.join(base, "results.png"))
