"""Command line: filters, bad usage, help, signals, the stats records, seq, time."""

import os
import signal
import subprocess
import uuid

import pytest

from conftest import HASH_RE, TIME_RE, WARD, ev, fork_child, require_binary, touch

ME = os.getpid
HOOK_STATUS = {"attached", "unavailable", "failed"}


def run_ward(*args, timeout=10):
    require_binary()
    return subprocess.run([WARD] + list(args), stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=timeout)


# ---------------------------------------------------------------- filters

def test_pid_filter_only_that_process(ward_factory, puppet_factory, tmpd):
    target = puppet_factory()
    w = ward_factory("--pid", str(target.pid))
    f = os.path.join(tmpd, "shared")
    marker = os.path.join(tmpd, "marker")
    touch(f)
    touch(marker)
    assert target.do("open", f) == "ok"
    os.close(os.open(f, os.O_RDONLY))          # same file, another process: filtered
    w.wait_for(ev("FILE_OPEN", pid=target.pid, path=f))
    w.assert_absent(lambda r: r["process"]["pid"] != target.pid,
                    marker=lambda: target.do("open", marker) and ev("FILE_OPEN", pid=target.pid, path=marker),
                    what="event from a process other than --pid %d" % target.pid)
    assert w.stop() == 0
    assert w.final["filtered"] > 0


def test_two_pid_filters(ward_factory, puppet_factory, tmpd):
    a, b, c = puppet_factory(), puppet_factory(), puppet_factory()
    w = ward_factory("--pid", str(a.pid), "--pid", str(b.pid))
    f = os.path.join(tmpd, "f")
    touch(f)
    for p in (c, a, b):
        assert p.do("open", f) == "ok"
    w.wait_for(ev("FILE_OPEN", pid=a.pid, path=f))
    w.wait_for(ev("FILE_OPEN", pid=b.pid, path=f))
    m = os.path.join(tmpd, "m")
    touch(m)
    w.assert_absent(lambda r: r["process"]["pid"] not in (a.pid, b.pid),
                    marker=lambda: b.do("open", m) and ev("FILE_OPEN", pid=b.pid, path=m))


def test_comm_filter(ward_factory, puppet_factory, tmpd):
    name = "wpup" + uuid.uuid4().hex[:8]
    target = puppet_factory(comm=name)
    other = puppet_factory(comm="wother" + uuid.uuid4().hex[:6])
    w = ward_factory("--comm", name)
    f = os.path.join(tmpd, "f")
    touch(f)
    assert other.do("open", f) == "ok"
    assert target.do("open", f) == "ok"
    os.close(os.open(f, os.O_RDONLY))
    r = w.wait_for(ev("FILE_OPEN", pid=target.pid, path=f))
    assert r["process"]["comm"] == name
    m = os.path.join(tmpd, "m")
    touch(m)
    w.assert_absent(lambda r: r["process"]["comm"] != name,
                    marker=lambda: target.do("open", m) and ev("FILE_OPEN", pid=target.pid, path=m),
                    what="event from a process whose comm is not %s" % name)


def test_type_file_open_only(ward_factory, tmpd):
    w = ward_factory("--type", "FILE_OPEN")
    p = os.path.join(tmpd, "x")
    fd = os.open(p, os.O_WRONLY | os.O_CREAT, 0o644)   # FILE_CREATE
    os.write(fd, b"x")                                  # FILE_MODIFY
    os.close(fd)                                        # FILE_CLOSE
    os.rename(p, p + "2")                               # FILE_MOVE
    os.chmod(p + "2", 0o600)                            # FILE_SET_SECURITY
    os.mkdir(p + "d")                                   # FILE_CREATE
    child = fork_child(lambda: 0)                       # PROCESS_CREATE, PROCESS_TERMINATE
    os.waitpid(child, 0)
    os.unlink(p + "2")                                  # FILE_DELETE
    w.assert_absent(lambda r: r["access_type"] != "FILE_OPEN", what="event other than FILE_OPEN")
    assert w.stop() == 0
    assert w.final["filtered"] > 0


def test_type_event_type_process_only(ward_factory, tmpd):
    w = ward_factory("--type", "PROCESS")
    p = os.path.join(tmpd, "x")
    touch(p)
    os.close(os.open(p, os.O_RDONLY))
    os.unlink(p)
    child = fork_child(lambda: 5)
    os.waitpid(child, 0)
    w.wait_for(ev("PROCESS_CREATE", pid=ME(), target_pid=child))
    # the child's termination is the marker: it comes after every file event above
    w.assert_absent(lambda r: r["event_type"] != "PROCESS",
                    marker=lambda: ev("PROCESS_TERMINATE", pid=child),
                    what="non-PROCESS event")


def test_type_repeatable(ward_factory, tmpd):
    w = ward_factory("--type", "FILE_DELETE", "--type", "FILE_MOVE")
    a = os.path.join(tmpd, "a")
    touch(a)
    os.close(os.open(a, os.O_RDONLY))
    os.rename(a, a + "2")
    os.unlink(a + "2")
    w.wait_for(ev("FILE_MOVE", pid=ME(), path=a))
    w.wait_for(ev("FILE_DELETE", pid=ME(), path=a + "2"))
    m = os.path.join(tmpd, "marker")
    touch(m)

    def marker():
        os.unlink(m)
        return ev("FILE_DELETE", pid=ME(), path=m)

    w.assert_absent(lambda r: r["access_type"] not in ("FILE_DELETE", "FILE_MOVE"), marker=marker)


# ---------------------------------------------------------------- bad usage, help

BAD = [
    ["--ring-size", "1000"],
    ["--ring-size", "3K"],
    ["--ring-size", "2G"],
    ["--pid", "abc"],
    ["--pid", "0"],
    ["--type", "NOPE"],
    ["--flush-ms", "0"],
    ["--stats-interval", "x"],
    ["--comm", "a" * 16],
    ["--bogus"],
    ["--pid"],
    ["extra-positional"],
]


@pytest.mark.parametrize("args", BAD, ids=[" ".join(a) for a in BAD])
def test_bad_option_exit_2_one_error_line(args):
    p = run_ward("watch", "--json", *args)
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    assert p.returncode == 2, "rc %d, stderr: %r" % (p.returncode, p.stderr)
    assert p.stdout == ""
    assert len(lines) == 1 and lines[0].startswith("ward: error: "), \
        "expected exactly one 'ward: error: ...' line on stderr, got %r" % p.stderr


@pytest.mark.parametrize("args", [["--help"], ["watch", "--help"]], ids=["ward --help", "ward watch --help"])
def test_help_exit_0_with_examples(args):
    p = run_ward(*args)
    assert p.returncode == 0, p.stderr
    assert "usage" in p.stdout.lower()
    assert "EXAMPLES" in p.stdout, "no EXAMPLES section in:\n%s" % p.stdout


def test_watch_help_lists_every_option():
    out = run_ward("watch", "--help").stdout
    for opt in ("--json", "--pid", "--comm", "--type", "--ring-size", "--flush-ms",
                "--stats-interval", "--strict", "--verbose", "--help"):
        assert opt in out, opt


# ---------------------------------------------------------------- lifecycle and records

def test_startup_record_and_ready_line(ward_factory):
    w = ward_factory()
    # ward writes it before 'ward: ready', but stdout and stderr are read by
    # different threads here
    w.wait_for(lambda r: r.get("startup"), kind="stats")
    recs = w.snapshot()
    s = recs[0]
    assert s["kind"] == "stats" and s["startup"] is True, s
    assert TIME_RE.match(s["time"])
    assert s["interval_s"] == 0
    assert s["counts"] == []
    assert s["dropped"] == 0
    assert s["hooks"], "no hooks listed"
    for h in s["hooks"]:
        for k in ("name", "program", "kind", "status", "covers"):
            assert k in h, (k, h)
        assert h["status"] in HOOK_STATUS, h
        if h["status"] != "attached":
            assert h.get("reason"), h
    ready = [l for l in w.stderr_lines if "ward: ready" in l]
    assert len(ready) == 1, w.stderr_text()
    # hook lines come before the ready line
    idx = w.stderr_lines.index(ready[0])
    assert any("hook" in l for l in w.stderr_lines[:idx]), w.stderr_text()
    assert sum(1 for r in recs if r.get("startup")) == 1


def test_strict_starts_when_every_hook_attaches(ward_factory):
    w = ward_factory("--strict")
    hooks = w.wait_for(lambda r: r.get("startup"), kind="stats")["hooks"]
    assert all(h["status"] == "attached" for h in hooks), hooks
    assert w.stop() == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_exit_0_with_final_stats_and_summary(ward_factory, tmpd, sig):
    w = ward_factory()
    p = os.path.join(tmpd, "f")
    touch(p)
    os.close(os.open(p, os.O_RDONLY))
    w.wait_for(ev("FILE_OPEN", pid=ME(), path=p))
    rc = w.stop(sig)
    assert rc == 0, "rc %s\n%s" % (rc, w.stderr_text())
    assert w.final is not None, "no final stats record\n" + w.dump()
    f = w.final
    assert f["kind"] == "stats" and f["final"] is True
    assert TIME_RE.match(f["time"])
    assert w.snapshot()[-1] is f, "the final stats record is not the last line"
    summary = w.summary()
    assert summary is not None, "no 'ward: N events captured, M dropped' line:\n" + w.stderr_text()
    captured, dropped = summary
    assert dropped == f["dropped"]
    assert captured == len(w.events()), "summary says %d events, %d printed" % (captured, len(w.events()))


def test_periodic_stats_record_fields(ward_factory, tmpd):
    w = ward_factory("--stats-interval", "1")
    p = os.path.join(tmpd, "f")
    touch(p)
    os.close(os.open(p, os.O_RDONLY))
    w.wait_for(ev("FILE_OPEN", pid=ME(), path=p))
    s = w.wait_for(lambda r: not r.get("startup") and not r.get("final"), kind="stats", timeout=5,
                   what="a periodic stats record")
    assert TIME_RE.match(s["time"])
    assert 0.5 <= s["interval_s"] <= 3, s["interval_s"]
    for k in ("dropped", "sent", "deduplicated", "filtered", "malformed", "seq_lost"):
        assert isinstance(s[k], int) and s[k] >= 0, (k, s)
    assert s["malformed"] == 0
    assert isinstance(s["counts"], list)
    for c in s["counts"]:
        assert set(("event_type", "access_type", "count")) <= set(c), c
        assert c["access_type"].startswith(c["event_type"] + "_")
        assert isinstance(c["count"], int) and c["count"] > 0
    # a second one follows about a second later
    w.wait_for(lambda r: not r.get("startup") and not r.get("final") and r is not s, kind="stats",
               timeout=5, what="a second periodic stats record")


def test_stats_interval_zero_only_at_exit(ward_factory, tmpd):
    w = ward_factory("--stats-interval", "0", "--flush-ms", "10")
    p = os.path.join(tmpd, "f")
    touch(p)
    os.close(os.open(p, os.O_RDONLY))
    w.wait_for(ev("FILE_OPEN", pid=ME(), path=p))
    assert w.stop() == 0
    stats = [r for r in w.snapshot() if r["kind"] == "stats"]
    assert [bool(r.get("startup")) for r in stats] == [True, False]
    assert stats[-1].get("final") is True


def test_seq_consecutive_and_time_format(ward_factory, tmpd):
    w = ward_factory()
    for i in range(200):
        p = os.path.join(tmpd, "f%d" % i)
        os.close(os.open(p, os.O_WRONLY | os.O_CREAT, 0o644))
    w.wait_for(ev("FILE_CREATE", pid=ME(), path=os.path.join(tmpd, "f199")))
    assert w.stop() == 0
    assert w.final["dropped"] == 0 and w.final["seq_lost"] == 0, w.final
    evs = w.events()
    assert evs and evs[0]["seq"] == 0
    bad = [(a["seq"], b["seq"]) for a, b in zip(evs, evs[1:]) if b["seq"] != a["seq"] + 1]
    assert not bad, "seq not +1 with nothing dropped: %s" % bad[:10]
    for r in w.snapshot():
        assert TIME_RE.match(r["time"]), r["time"]
        if r["kind"] == "event":
            assert TIME_RE.match(r["process"]["start_time"]), r["process"]["start_time"]
            assert HASH_RE.match(r["process"]["hash_id"]), r["process"]["hash_id"]


def test_ward_never_reports_itself(ward_factory, tmpd):
    w = ward_factory("--stats-interval", "1")
    # ward writes its stdout (a pipe) and reads /proc while we make processes
    for _ in range(20):
        os.waitpid(fork_child(lambda: 0), 0)
    w.wait_for(lambda r: not r.get("startup"), kind="stats", timeout=5)
    w.marker()
    assert w.stop() == 0
    own = [r for r in w.events() if r["process"]["pid"] == w.pid
           or (r.get("target_process") or {}).get("pid") == w.pid]
    assert not own, "ward reported itself: %s" % own[:3]
