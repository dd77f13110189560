"""`ward daemon`'s Unix socket as `ward events` uses it (docs/protocol.md):
permissions, the same JSON as `ward watch`, server-side filters, many clients,
a stuck client, a client sending garbage."""

import json
import os
import select
import subprocess
import signal
import socket
import stat
import time

import pytest

from conftest import WARD, Ward, ev, short
from daemon_util import daemon_factory, run_ward, sink, stats_records, wait_until  # noqa: F401

ME = os.getpid()
VOLATILE = {"time", "seq"}


def rfc3339_ns(t):
    """'2026-11-23T12:00:00.123456789Z' -> unix ns."""
    import calendar
    base, frac = t.rstrip("Z").split(".")
    return calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S")) * 10**9 + int(frac)


def test_socket_is_0600_root_by_default(daemon_factory):
    dm = daemon_factory()
    st = os.stat(dm.sock)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o600
    assert (st.st_uid, st.st_gid) == (0, 0)
    dm.wait_stderr(r"^ward: socket: serving %s \(mode 0600\)$" % dm.sock)


def test_events_json_equals_watch_json(daemon_factory):
    dm = daemon_factory()
    cl = dm.events()
    w = Ward()
    try:
        path = dm.open_marker("same")
        pred = ev("FILE_OPEN", pid=ME, path=path)
        a = cl.wait_for(pred)
        b = w.wait_for(pred)
    finally:
        w.close()
    assert set(a) == set(b), "keys differ:\nevents %s\nwatch  %s" % (short(a), short(b))
    # process.start_time is boot time plus each sensor's own boot-to-wall-clock
    # offset, sampled at its start: two sensors differ by a few ns.
    sa, sb = a["process"].pop("start_time"), b["process"].pop("start_time")
    assert abs(rfc3339_ns(sa) - rfc3339_ns(sb)) < 1000000, (sa, sb)
    for k in a:
        if k in VOLATILE:
            continue
        assert a[k] == b[k], "%s differs:\nevents %s\nwatch  %s" % (k, short(a), short(b))
    assert a["file"]["requested_path"] == path
    assert a["process"]["pid"] == ME


def test_server_side_filters_type_pid_path(daemon_factory, puppet_factory):
    dm = daemon_factory()
    pup = puppet_factory()
    by_type = dm.events("--type", "FILE_CREATE", ready=False)
    by_pid = dm.events("--pid", str(pup.pid), ready=False)
    sub = os.path.join(dm.dir, "only-here")
    os.mkdir(sub)
    by_path = dm.events("--path", sub, ready=False)

    # Each client is known to be subscribed once a matching event reached it.
    def ready(cl, make, pred_of):
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            x = make()
            if cl.wait_for(pred_of(x), timeout=0.3, fail=False):
                return
        pytest.fail("%s never got a matching event\n%s" % (cl.cmd, cl.dump()))

    def create_in(d):
        p = os.path.join(d, "c-" + os.urandom(6).hex())
        os.close(os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        return p

    ready(by_type, lambda: create_in(dm.marker_dir), lambda p: ev("FILE_CREATE", path=p))
    def pup_open():
        p = dm.marker_path("pup")
        assert pup.do("open", p) == "ok"
        return p
    ready(by_pid, pup_open, lambda p: ev("FILE_OPEN", pid=pup.pid, path=p))
    ready(by_path, lambda: create_in(sub), lambda p: ev("FILE_CREATE", path=p))

    # Non-matching first, matching last; once the last arrived the others
    # must not have (each client's stream is in order).
    p_type, p_pid, p_path = len(by_type.records), len(by_pid.records), len(by_path.records)
    outside = dm.open_marker("nomatch")                  # FILE_OPEN by me, outside sub
    late_create = create_in(dm.marker_dir)                # FILE_CREATE by me, outside sub
    assert pup.do("open", outside) == "ok"                # FILE_OPEN by the puppet
    in_sub = create_in(sub)                               # FILE_CREATE by me, in sub
    pup_create = os.path.join(sub, "pup-" + os.urandom(6).hex())
    assert pup.do("create", pup_create) == "ok"

    by_type.wait_for(ev("FILE_CREATE", path=pup_create), since=p_type)
    got = by_type.events()[p_type:]
    assert {r["access_type"] for r in got} == {"FILE_CREATE"}, [short(r) for r in got]
    assert {r["file"]["path"] for r in got} >= {late_create, in_sub, pup_create}

    by_pid.wait_for(ev("FILE_CREATE", pid=pup.pid, path=pup_create), since=p_pid)
    got = by_pid.events()[p_pid:]
    assert {r["process"]["pid"] for r in got} == {pup.pid}, [short(r) for r in got]
    assert by_pid.events(ev("FILE_OPEN", pid=pup.pid, path=outside))

    by_path.wait_for(ev("FILE_CREATE", path=pup_create), since=p_path)
    got = by_path.events()[p_path:]
    assert all(r["file"]["path"].startswith(sub + "/") for r in got), [short(r) for r in got]
    assert by_path.events(ev("FILE_CREATE", pid=ME, path=in_sub))
    assert not by_path.events(ev(path=outside)) and not by_path.events(ev(path=late_create))


def test_three_clients_get_the_same_marker(daemon_factory):
    dm = daemon_factory()
    cls = [dm.events() for _ in range(3)]
    path = dm.open_marker("three")
    got = [c.wait_for(ev("FILE_OPEN", pid=ME, path=path)) for c in cls]
    assert got[0] == got[1] == got[2]
    st = wait_until(lambda: [s for s in dm.status_json() if not s.get("startup")
                             and s.get("clients") == 3], 10, "stats with clients=3", dump=dm.dump)
    assert st[0]["clients"] == 3


def burst(n, d):
    """n opens of one file by a child process, as fast as it can."""
    p = os.path.join(d, "burst")
    with open(p, "w"):
        pass
    pid = os.fork()
    if pid == 0:
        try:
            for _ in range(n):
                os.close(os.open(p, os.O_RDONLY))
        finally:
            os._exit(0)
    return pid


def test_stuck_client_does_not_slow_the_others(daemon_factory):
    # fold_ms 0: every open is an event; 64K queue per client.
    dm = daemon_factory({"sensor": {"fold_ms": 0}, "socket": {"client_queue": "64K"}})
    stuck = dm.events()
    # The live client takes only this process's events (filtered in the daemon),
    # so the burst cannot fill its own queue: whatever delays it is the daemon's.
    live = dm.events("--pid", str(ME))
    os.kill(stuck.pid, signal.SIGSTOP)          # connected, subscribed, never reads
    try:
        child = burst(50000, dm.dir)
        lat = []
        while True:
            done, _ = os.waitpid(child, os.WNOHANG)
            t0 = time.monotonic()
            live.marker()
            lat.append(time.monotonic() - t0)
            if done:
                break
        assert len(lat) >= 2, "the burst ended before a marker could be made during it"
        assert max(lat) < 2.0, "a marker took %.2f s to reach the live client" % max(lat)

        # The daemon counted what the stuck client could not take.
        def dropped():
            for s in stats_records(dm.status_json()):
                c = sink(s, "clients")
                if c and c["dropped"] >= 10000:
                    return c
            return None
        clients = wait_until(dropped, 10, "sinks.clients.dropped >= 10000", dump=dm.dump)
        assert clients["written"] > 0
        assert not [r for r in live.snapshot() if r.get("kind") == "loss"], live.dump()
    finally:
        os.kill(stuck.pid, signal.SIGCONT)
    loss = stuck.wait_for(lambda r: True, kind="loss", timeout=15, what="a loss record")
    assert loss["reason"] == "queue"
    assert loss["sink"] == "client"
    assert isinstance(loss["count"], int) and loss["count"] > 0
    assert loss["first_time"] <= loss["last_time"]
    # The stream goes on after the losses; a loss is told once the client has
    # caught up, not once per record, and the counts add up to the daemon's.
    m = stuck.marker()
    losses = [r for r in stuck.snapshot() if r.get("kind") == "loss"]
    assert all(r["reason"] == "queue" and r["sink"] == "client" for r in losses)
    assert len(losses) <= 5, "%d loss records:\n%s" % (len(losses),
                                                    "\n".join(short(r) for r in losses[:10]))
    assert sum(r["count"] for r in losses) >= 10000, [short(r) for r in losses]

    # Once nothing is pending, what the daemon counted as dropped towards
    # clients is what this client was told it lost (the live client lost none).
    def balanced():
        stats = [s for s in stats_records(dm.status_json()) if s["time"] > m["time"]]
        told = sum(r["count"] for r in stuck.snapshot() if r.get("kind") == "loss")
        return stats and sink(stats[0], "clients")["dropped"] == told
    wait_until(balanced, 15, "sinks.clients.dropped == the sum of the loss records' counts",
               interval=0.5, dump=lambda: "\n".join(
                   short(r) for r in stuck.snapshot() if r.get("kind") == "loss") + dm.dump())
    assert not [r for r in live.snapshot() if r.get("kind") == "loss"]


def test_garbage_client_is_disconnected_and_others_are_served(daemon_factory):
    dm = daemon_factory()
    good = dm.events()
    pos = dm.stderr_pos()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(dm.sock)
    s.sendall(b"\xff" * 11 + b"GET / HTTP/1.0\r\n\r\n")
    got = b""
    while True:
        try:
            chunk = s.recv(65536)  # the Hello, then EOF
        except ConnectionResetError:
            break                  # closed by the daemon all the same
        if not chunk:
            break
        got += chunk
    s.close()
    dm.wait_stderr(r"^ward: warning: socket client \d+: sent a malformed message; disconnected$",
                   since=pos)
    assert dm.running()
    good.marker()
    # a new client is served too
    dm.events().marker()


def test_events_piped_into_head_stops_quietly(daemon_factory):
    """`ward events --json | head -1`: the reader leaves; ward events exits 0
    without blaming the daemon, and the daemon sees a client leave, not an error."""
    dm = daemon_factory()
    pos = dm.stderr_pos()
    p = subprocess.Popen([WARD, "events", "--json", "--socket", dm.sock], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        # markers until the first line arrives, then the reader goes away
        first = None
        deadline = time.monotonic() + 15
        while first is None and time.monotonic() < deadline:
            dm.open_marker("head")
            r, _, _ = select.select([p.stdout], [], [], 0.2)
            if r:
                first = p.stdout.readline()
        assert first and json.loads(first)["kind"] in ("event", "alert", "stats", "loss")
        p.stdout.close()
        # more output makes its next write fail
        for _ in range(50):
            dm.open_marker("head")
            if p.poll() is not None:
                break
            time.sleep(0.05)
        rc = p.wait(10)
        err = p.stderr.read().decode()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert rc == 0, err
    assert "daemon closed" not in err, err
    assert err == "", err
    dm.events().marker()      # a later client: the daemon logged nothing about this one
    assert not [l for l in dm.stderr_lines[pos:] if "socket client" in l], dm.dump()
