"""The daemon's JSON Lines and syslog sinks, and its systemd integration."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess

import pytest

from conftest import WARD, ev, get, short
from daemon_util import daemon_factory, wait_until  # noqa: F401
from test_daemon_config import rule_yaml

ME = os.getpid()
HERE = os.path.dirname(os.path.abspath(__file__))
UNIT = os.path.join(os.path.dirname(os.path.dirname(HERE)), "etc", "systemd", "ward.service")


def read_jsonl(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        text = f.read()
    # only whole lines: the sink may be mid-write
    return [json.loads(l) for l in text[:text.rfind("\n") + 1].splitlines()]


def test_jsonl_sink_gets_the_same_records(daemon_factory):
    dm = daemon_factory(start=False)
    out = os.path.join(dm.dir, "events.jsonl")
    dm.cfg["jsonl"] = {"enabled": True, "path": out}
    dm.write_config()
    dm.start()
    cl = dm.events()
    path = dm.open_marker("jsonl")
    live = cl.wait_for(ev("FILE_OPEN", pid=ME, path=path))
    got = wait_until(lambda: [r for r in read_jsonl(out) if ev("FILE_OPEN", pid=ME, path=path)(r)],
                     10, "the marker in %s" % out, dump=dm.dump)
    assert got == [live], "%s\n%s" % (short(got[0]), short(live))
    assert os.stat(out).st_mode & 0o777 == 0o600
    dm.stop()
    recs = read_jsonl(out)
    assert recs[0]["kind"] == "stats" and recs[0]["startup"] is True
    assert recs[-1]["kind"] == "stats" and recs[-1]["final"] is True


def test_syslog_sink_sends_alerts_with_the_right_pri(daemon_factory):
    dm = daemon_factory(start=False)
    sl = os.path.join(dm.dir, "syslog.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    srv.bind(sl)
    srv.settimeout(10)
    rules = os.path.join(dm.dir, "rules.yaml")
    prefix = os.path.join(dm.marker_dir, "slmark-")
    with open(rules, "w") as f:
        f.write(rule_yaml("dtest syslog marker", prefix, priority="ERROR"))
    dm.cfg["detection"]["rules"]["files"] = [rules]
    dm.cfg["syslog"] = {"enabled": True, "socket": sl, "facility": "daemon"}
    dm.write_config()
    try:
        dm.start()
        cl = dm.events()
        path = dm.open_marker("slmark")
        a = cl.wait_for(lambda r: get(r, "event.file.path") == path, kind="alert")
        while True:
            msg = srv.recv(65536).decode()
            m = re.match(r"^<(\d+)>(.*?) ward\[(\d+)\]: (\{.*\})$", msg, re.S)
            assert m, msg[:500]
            rec = json.loads(m.group(4))
            if rec.get("kind") == "alert" and get(rec, "event.file.path") == path:
                break
        assert int(m.group(1)) == 3 * 8 + 3      # daemon facility, severity error
        assert int(m.group(3)) == dm.pid
        assert rec == a
    finally:
        srv.close()


def test_syslog_min_severity_filters(daemon_factory):
    dm = daemon_factory(start=False)
    sl = os.path.join(dm.dir, "syslog.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    srv.bind(sl)
    srv.settimeout(0.2)
    rules = os.path.join(dm.dir, "rules.yaml")
    with open(rules, "w") as f:
        f.write(rule_yaml("dtest notice", os.path.join(dm.marker_dir, "nmark-"), "NOTICE"))
        f.write(rule_yaml("dtest critical", os.path.join(dm.marker_dir, "cmark-"), "CRITICAL"))
    dm.cfg["detection"]["rules"]["files"] = [rules]
    dm.cfg["syslog"] = {"enabled": True, "socket": sl, "facility": "local0",
                        "min_severity": "warning"}
    dm.write_config()
    try:
        dm.start()
        cl = dm.events()
        n = dm.open_marker("nmark")
        c = dm.open_marker("cmark")
        cl.wait_for(lambda r: get(r, "event.file.path") == c, kind="alert")
        cl.wait_for(lambda r: get(r, "event.file.path") == n, kind="alert")
        got = []
        deadline = 5
        while deadline > 0:
            try:
                got.append(srv.recv(65536).decode())
            except socket.timeout:
                if any(c in g for g in got):
                    break
                deadline -= 0.2
        assert [g for g in got if c in g], got
        assert [g for g in got if c in g][0].startswith("<%d>" % (16 * 8 + 2))
        assert not [g for g in got if n in g], got
    finally:
        srv.close()


def test_systemd_unit_verifies(tmpd):
    sa = shutil.which("systemd-analyze")
    if not sa:
        pytest.skip("systemd-analyze is not installed")
    with open(UNIT) as f:
        text = f.read()
    assert "ExecStart=/usr/local/bin/ward daemon --config /etc/ward/ward.yaml\n" in text
    # systemd-analyze checks that ExecStart's binary exists: point it at the build
    unit = os.path.join(tmpd, "ward.service")
    with open(unit, "w") as f:
        f.write(text.replace("ExecStart=/usr/local/bin/ward", "ExecStart=" + WARD))
    r = subprocess.run([sa, "verify", unit], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "ward.service" not in r.stderr, r.stderr


def test_sd_notify_ready_and_stopping(daemon_factory):
    dm = daemon_factory(start=False)
    ns = os.path.join(dm.dir, "notify.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    srv.bind(ns)
    srv.settimeout(30)
    try:
        dm.env = {"NOTIFY_SOCKET": ns}
        dm.start()
        assert srv.recv(4096) == b"READY=1"
        dm.stop(signal.SIGTERM)
        assert srv.recv(4096) == b"STOPPING=1"
    finally:
        srv.close()
