"""The daemon's stats records (docs/output.md) and `ward status`."""

import os
import re

from conftest import ACCESS_IDS, ev
from daemon_util import daemon_factory, run_ward, sink, stats_records, wait_until  # noqa: F401

ME = os.getpid()
KERNEL_FIELDS = ["interval_s", "counts", "dropped", "dropped_by_cpu", "seq_lost", "sent",
                 "deduplicated", "filtered", "malformed", "path_failures", "state_misses", "hook_paths"]
DAEMON_FIELDS = ["uptime_s", "cpu_user_s", "cpu_system_s", "rss_bytes", "log_written",
                 "log_dropped", "sinks", "clients"]


def test_stats_records_every_interval(daemon_factory):
    dm = daemon_factory()
    cl = dm.events("--stats")
    # opens of three new files inside one interval
    paths = [dm.open_marker("st") for _ in range(3)]
    for p in paths:
        cl.wait_for(ev("FILE_OPEN", pid=ME, path=p))
    pos = cl.position()
    s1 = cl.wait_for(lambda r: not r.get("startup"), kind="stats", since=pos, timeout=5)
    s2 = cl.wait_for(lambda r: not r.get("startup") and r is not s1, kind="stats",
                     since=cl.records.index(s1) + 1, timeout=5)
    for s in (s1, s2):
        assert list(s)[:2] == ["kind", "time"]
        # the documented fields, in the documented order, daemon figures after hook_paths
        keys = [k for k in s if k not in ("kind", "time")]
        assert set(keys[:len(KERNEL_FIELDS)]) == set(KERNEL_FIELDS), keys
        assert keys[len(KERNEL_FIELDS) - 1] == "hook_paths", keys
        assert keys[len(KERNEL_FIELDS):] == DAEMON_FIELDS, keys
        assert 0.9 <= s["interval_s"] <= 3.0, s["interval_s"]
        for c in s["counts"]:
            assert set(c) == {"event_type", "access_type", "count"}
            assert c["access_type"] in ACCESS_IDS or c["access_type"].split("_")[0] in (
                "CONNECTION", "DNS", "INTERNET", "MEMORY", "ACCOUNT", "BM", "PROCESS",
                "MODIFIED")
            assert c["event_type"] == c["access_type"].split("_")[0] or c["event_type"] in (
                "MODIFIED_PROCESS",), c
            assert c["count"] > 0
        assert len(s["dropped_by_cpu"]) == os.cpu_count()
        assert s["dropped"] == sum(s["dropped_by_cpu"])
        assert s["malformed"] == 0
        assert s["uptime_s"] > 0 and s["rss_bytes"] > 1 << 20
        assert s["cpu_user_s"] >= 0 and s["cpu_system_s"] >= 0
        assert s["clients"] == 1
        assert [x["name"] for x in s["sinks"]] == ["log", "socket", "clients", "footprints"]
        for x in s["sinks"]:
            assert set(x) == {"name", "written", "dropped"}
        assert sink(s, "log")["written"] == s["log_written"]
        assert sink(s, "log")["dropped"] == s["log_dropped"] == 0
    # the interval in which the markers were opened counts at least those opens
    first = [s for s in stats_records(cl.snapshot()[:pos + 1]) if s["time"] >= min(
        r["time"] for r in cl.events(ev("FILE_OPEN", pid=ME)) if r["file"]["path"] in paths)]
    counted = {c["access_type"]: c["count"] for s in first + [s1] for c in s["counts"]}
    assert counted.get("FILE_OPEN", 0) >= 3
    assert s2["uptime_s"] > s1["uptime_s"]
    assert s2["log_written"] >= s1["log_written"]


def test_status_text(daemon_factory):
    dm = daemon_factory()
    wait_until(lambda: run_ward("status", "--socket", dm.sock).returncode == 0, 10, "status")
    r = run_ward("status", "--socket", dm.sock)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "ward daemon: running (%s)" % dm.sock
    assert re.match(r"^kernel \S+, lockdown \S+, path walk \S+, path route (tracepoint|fentry|lsm)$",
                    lines[1]), lines[1]
    m = re.match(r"^hooks: (\d+) of (\d+) attached$", lines[2])
    assert m, lines[2]
    attached, total = int(m.group(1)), int(m.group(2))
    startup = dm.status_json()[0]
    hooks = startup["hooks"]
    assert total == len(hooks)
    assert attached == sum(h["status"] == "attached" for h in hooks)
    # every hook not attached is listed as a problem
    problems = [l for l in lines if l.startswith("  ") and (" unavailable: " in l or " FAILED: " in l)]
    assert len(problems) == total - attached
    assert any(re.match(r"^up \d+d \d\dh\d\dm\d\ds, cpu [\d.]+ s user [\d.]+ s system, "
                        r"rss [\d.]+ MiB, \d+ clients$", l) for l in lines), r.stdout
    assert any(re.match(r"^kernel: \d+ records sent, \d+ dropped \(ring buffer full\), \d+ folded, "
                        r"\d+ filtered$", l) for l in lines), r.stdout
    assert any(re.match(r"^log: \d+ records written, 0 dropped$", l) for l in lines), r.stdout
    assert any(re.match(r"^  clients +\d+ written +\d+ dropped$", l) for l in lines), r.stdout


def test_status_json_is_startup_and_stats(daemon_factory):
    dm = daemon_factory()
    startup, stats = dm.status_json()
    assert startup["kind"] == "stats" and startup["startup"] is True
    assert startup["hooks"] and all(
        {"name", "program", "kind", "status", "covers"} <= set(h) for h in startup["hooks"])
    assert any(h["name"] == "sched_process_exec" and h["status"] == "attached"
               for h in startup["hooks"])
    assert stats["kind"] == "stats" and "startup" not in stats
    assert "uptime_s" in stats and "sinks" in stats


def test_status_without_daemon_exits_1(tmpd):
    path = os.path.join(tmpd, "none.sock")
    r = run_ward("status", "--socket", path)
    assert r.returncode == 1
    assert r.stdout == ("ward daemon: not running (cannot connect to %s: No such file or directory)\n"
                        % path)
