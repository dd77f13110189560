"""Application profiles (docs/detection.md) on real programs: a copy of cat
for files, a copy of bash for exec and connect, and `ward profile learn`
followed by `ward watch --profiles` with the learned file."""
import os
import shutil
import socket
import subprocess
import threading

import pytest

from conftest import WARD, get, short


def prof_alert(pid, output=None):
    def pred(r):
        return (r.get("kind") == "alert" and r.get("source") == "profile"
                and get(r, "event.process.pid") == pid and (output is None or r["output"] == output))
    pred.desc = "profile alert of pid %d %r" % (pid, output)
    return pred


def run(argv, **kw):
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, **kw)
    assert p.wait(20) == 0, argv
    return p.pid


def no_profile_alerts(w, pids):
    """After a marker, no profile alert from any of pids."""
    w.marker()
    bad = [r for r in w.snapshot() if r.get("kind") == "alert" and r.get("source") == "profile"
           and get(r, "event.process.pid") in pids]
    assert not bad, "\n".join(short(r) for r in bad)


@pytest.fixture
def app(tmpd):
    """A copy of cat, a file it may read, and a profiles directory."""
    exe = os.path.join(tmpd, "app")
    shutil.copy("/usr/bin/cat", exe)
    ok = os.path.join(tmpd, "allowed.txt")
    with open(ok, "w") as f:
        f.write("ok\n")
    prof = os.path.join(tmpd, "profiles")
    os.mkdir(prof)
    return exe, ok, prof


def test_profile_files(ward_factory, app):
    exe, ok, prof = app
    with open(os.path.join(prof, "app.yaml"), "w") as f:
        f.write('application: %s\nfiles:\n  - "%s"\n  - /etc/ld.so.cache\n  - /etc/locale.alias\n'
                '  - "/usr/lib/**"\nexec: []\nconnect: []\n' % (exe, ok))
    w = ward_factory("--profiles", prof)
    good = run([exe, ok])
    bad = run([exe, "/etc/passwd"])
    r = w.wait_for(prof_alert(bad, "unexpected file open: /etc/passwd"), kind="alert")
    assert (r["rule"], r["source"], r["severity"], r["tags"]) == (
        "profile", "profile", "WARNING", ["profile", "file"])
    assert (r["files"], r["files_total"]) == (["/etc/passwd"], 1)
    e = r["event"]
    assert (e["access_type"], e["process"]["exe"], e["file"]["path"]) == ("FILE_OPEN", exe, "/etc/passwd")
    # the allowed run, and everything else the bad run did (libc, locale): nothing
    w.marker()
    others = [x for x in w.snapshot() if prof_alert(bad)(x) and x is not r and
              x["output"] != r["output"]]
    assert not others, "\n".join(short(x) for x in others)
    no_profile_alerts(w, [good])
    # a program without a profile is not judged: real cat on /etc/passwd
    plain = run(["cat", "/etc/passwd"])
    no_profile_alerts(w, [plain])


@pytest.fixture
def listeners():
    socks = []
    for _ in range(2):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(4)
        socks.append(s)
    stop = threading.Event()

    def accept_all(s):
        s.settimeout(0.2)
        while not stop.is_set():
            try:
                c, _ = s.accept()
                c.close()
            except OSError:
                pass
    ts = [threading.Thread(target=accept_all, args=(s,), daemon=True) for s in socks]
    for t in ts:
        t.start()
    yield [s.getsockname()[1] for s in socks]
    stop.set()
    for t in ts:
        t.join()
    for s in socks:
        s.close()


def test_profile_exec_and_connect(ward_factory, tmpd, listeners):
    exe = os.path.join(tmpd, "svc")
    shutil.copy("/usr/bin/bash", exe)
    allowed_port, other_port = listeners
    prof = os.path.join(tmpd, "profiles")
    os.mkdir(prof)
    with open(os.path.join(prof, "svc.yml"), "w") as f:
        f.write("application: %s\nseverity: error\nfiles: [\"/etc/**\", \"/usr/**\", \"/dev/**\","
                " \"/proc/**\", \"/root/**\", \"/tmp/**\"]\nexec: [/usr/bin/true]\n"
                "connect: [%d/tcp]\n" % (exe, allowed_port))
    w = ward_factory("--profiles", prof)
    # exec: true is allowed, id is not (both forked from the svc copy)
    sh = run([exe, "--norc", "-c", "/usr/bin/true; /usr/bin/id; true"])

    def exec_alert(r):
        return (r.get("source") == "profile" and get(r, "event.process.ppid") == sh
                and r["output"] == "unexpected command execution: /usr/bin/id")
    exec_alert.desc = "exec alert for /usr/bin/id below %d" % sh
    r = w.wait_for(exec_alert, kind="alert")
    assert (r["severity"], r["tags"][0]) == ("ERROR", "profile")
    e = r["event"]
    assert (e["access_type"], e["process"]["exe"], e["target_process"]["exe"]) == (
        "PROCESS_EXECUTE", exe, "/usr/bin/id")
    # connect: the allowed port is silent, the other is not
    pid = run([exe, "--norc", "-c", "exec 3<>/dev/tcp/127.0.0.1/%d; exec 4<>/dev/tcp/127.0.0.1/%d"
               % (allowed_port, other_port)])
    r = w.wait_for(prof_alert(pid, "unexpected connection: 127.0.0.1:%d/TCP" % other_port), kind="alert")
    assert r["event"]["access_type"] == "CONNECTION_CONNECT_OUTBOUND"
    assert r["event"]["connection"]["remote_port"] == other_port
    w.marker()
    bad = [x for x in w.snapshot() if x.get("source") == "profile" and (
        "/usr/bin/true" in x["output"] or ":%d/" % allowed_port in x["output"]
        or "file" in x["output"])
        and get(x, "event.process.exe") == exe]
    assert not bad, "\n".join(short(x) for x in bad)


def test_learn_then_enforce(ward_factory, app, tmpd):
    exe, ok, prof = app
    out = os.path.join(prof, "learned.yaml")
    learn = subprocess.Popen([WARD, "profile", "learn", exe, "--duration", "3s", "-o", out],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    line = learn.stderr.readline()
    assert line.startswith("ward: learning %s for 3000 ms" % exe), line
    run([exe, ok])
    run([exe, ok])
    _, err = learn.communicate(timeout=30)
    assert learn.returncode == 0, err
    with open(out) as f:
        text = f.read()
    assert 'application: "%s"' % exe in text
    assert '"/tmp/**"' in text          # ok is below /tmp: generalised (docs/detection.md)
    assert '"/etc/passwd"' not in text
    w = ward_factory("--profiles", prof)
    same = run([exe, ok])
    new = run([exe, "/etc/passwd"])
    r = w.wait_for(prof_alert(new, "unexpected file open: /etc/passwd"), kind="alert")
    assert r["event"]["process"]["exe"] == exe
    no_profile_alerts(w, [same])
    others = [x for x in w.snapshot() if prof_alert(new)(x) and x["output"] != r["output"]]
    assert not others, "\n".join(short(x) for x in others)
