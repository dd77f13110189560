"""The ransomware detector on real programs: openssl encrypting 300 files
and deleting the originals must raise a "major" alert naming the tree and
the files; a compiler, tar, rsync and logrotate doing comparable amounts of
file work must not reach "major" (minor is allowed). The stop response is
tested through the daemon (ward watch has no response option).

Every workload runs below a wrapper whose argv[0] starts with '-' (a login
shell: a tree boundary, docs/detection.md), so its tree is the workload's
own process and not the test runner's ancestors, which the response would
otherwise stop.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import pytest

from conftest import REPO, WARD, fork_child, later_rmtree

WARD_ARGS = ()
N_FILES = 300


def make_files(d, n=N_FILES, ext=".txt"):
    """n small files, written by a forked child (not by the test process)."""
    def run():
        os.makedirs(d, exist_ok=True)
        for i in range(n):
            with open(os.path.join(d, "f%03d%s" % (i, ext)), "w") as f:
                f.write("document %d: quarterly figures %s\n" % (i, "x" * (i % 50)))
    pid = fork_child(run)
    assert os.waitpid(pid, 0)[1] == 0
    return d


def tree(script, cwd, timeout=120, wait=True):
    """Run `bash -c script` below a '-wardtree' login-shell boundary. The bash
    process (the tree root) writes its pid to cwd/.root first. Returns
    (wrapper Popen, root pid)."""
    pidfile = os.path.join(cwd, ".root")
    body = 'echo $$ > %s; %s' % (pidfile, script)
    w = subprocess.Popen(["-wardtree", "-c", 'bash -c "$0"; true', body], executable="/bin/sh",
                         cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         start_new_session=True)
    deadline = time.monotonic() + 10
    root = None
    while root is None:
        try:
            with open(pidfile) as f:
                txt = f.read().strip()
            root = int(txt) if txt else None
        except FileNotFoundError:
            pass
        if root is None:
            assert time.monotonic() < deadline, "the tree did not start"
            assert w.poll() is None or os.path.exists(pidfile), "the tree exited early"
            time.sleep(0.01)
    if wait:
        assert w.wait(timeout) == 0, script
    return w, root


def is_ransomware(r, level=None):
    return (r.get("kind") == "alert" and r.get("source") == "ransomware"
            and (level is None or r.get("level") == level))


def wait_major(ward_like, root, timeout=30):
    def pred(r):
        return is_ransomware(r, "major") and ("tree %d)" % root) in r["output"]
    pred.desc = "major ransomware alert for tree %d" % root
    return ward_like.wait_for(pred, kind="alert", timeout=timeout)


def touches(r, d):
    e = r.get("event") or {}
    paths = list(r.get("files") or []) + [(e.get("file") or {}).get("path") or "",
                                          (e.get("process") or {}).get("cwd") or ""]
    return any(p.startswith(d + "/") or p == d for p in paths)


def assert_not_major(ward, d, since):
    """After a marker: no major alert about anything in d (minor is allowed)."""
    ward.marker()
    bad = [r for r in ward.snapshot()[since:] if is_ransomware(r, "major") and touches(r, d)]
    assert not bad, "major alert for a benign workload:\n%s" % "\n".join(
        r["output"] + " " + str(r.get("files")) for r in bad)


def check_major(r, d, root, n_threshold=10, api=True):
    assert (r["rule"], r["source"], r["level"]) == ("ransomware", "ransomware", "major")
    if api:
        assert r["severity"] == "ALERT"
        assert r["tags"] == ["ransomware", "major", "encryption-api"]
    else:
        assert r["severity"] == "CRITICAL"
        assert r["tags"] == ["ransomware", "major"]
    assert r["files_total"] == n_threshold
    assert len(r["files"]) == 8
    for f in r["files"]:
        assert re.fullmatch(re.escape(d) + r"/f\d{3}\.txt", f), f
    e = r["event"]
    assert e["kind"] == "event"
    return e


# ---------------------------------------------------------------- the real thing

ENCRYPT = 'for f in "%s"/*.txt; do openssl enc -aes-256-cbc -pbkdf2 -pass pass:x -in "$f" -out "$f.enc" && rm "$f"; done'


def test_openssl_encrypt_and_delete_is_major(ward, tmpd):
    d = make_files(os.path.join(tmpd, "docs"))
    since = ward.position()
    _, root = tree(ENCRYPT % d, tmpd)
    r = wait_major(ward, root)
    e = check_major(r, d, root, api=True)
    # the 10th original destroyed: rm, a child of the tree root
    assert (e["access_type"], e["process"]["exe"], e["process"]["ppid"]) == (
        "FILE_DELETE", "/usr/bin/rm", root)
    assert e["file"]["path"] == r["files"][-1]
    assert r["output"] == ("ransomware behaviour (major): 10 files read and then replaced or "
                           "destroyed within 30 s by /usr/bin/rm (pid %d, tree %d), encryption API used"
                           % (e["process"]["pid"], root))
    assert "response" not in r
    # everything was encrypted (no response configured), and one major per window
    assert sorted(os.listdir(d)) == sorted("f%03d.txt.enc" % i for i in range(N_FILES))
    ward.marker()
    majors = [x for x in ward.snapshot()[since:] if is_ransomware(x, "major")
              and "tree %d)" % root in x["output"]]
    assert len(majors) == 1


PY_XOR = r"""
import os, sys
d = sys.argv[1]
for n in sorted(os.listdir(d)):
    p = os.path.join(d, n)
    with open(p, "rb") as f:
        data = f.read()
    with open(p + ".locked", "wb") as f:
        f.write(bytes(b ^ 0x5a for b in data))
    os.unlink(p)
"""


def test_in_process_xor_without_crypto_api_is_major_critical(ward, tmpd):
    """No EVP call: the same sequence is major, at CRITICAL instead of ALERT."""
    d = make_files(os.path.join(tmpd, "docs"))
    prog = os.path.join(tmpd, "xor.py")
    with open(prog, "w") as f:
        f.write(PY_XOR)
    _, root = tree('exec %s %s %s' % (sys.executable, prog, d), tmpd)
    # exec: the root itself is python
    r = wait_major(ward, root)
    e = check_major(r, d, root, api=False)
    assert (e["access_type"], e["process"]["pid"]) == ("FILE_DELETE", root)
    assert e["process"]["exe"] == os.path.realpath(sys.executable)


# ---------------------------------------------------------------- look-alikes


def test_gcc_compiling_60_files_not_major(ward, tmpd):
    d = os.path.join(tmpd, "src")
    os.makedirs(d)
    for i in range(60):
        with open(os.path.join(d, "m%02d.c" % i), "w") as f:
            f.write("int f%d(int x) { return x * %d + 1; }\n" % (i, i))
    with open(os.path.join(d, "main.c"), "w") as f:
        f.write("int main(void) { return 0; }\n")
    since = ward.position()
    tree('for f in *.c; do gcc -O0 -c "$f" -o "${f%.c}.o" || exit 1; done; gcc -o prog *.o', d)
    assert os.path.exists(os.path.join(d, "prog"))
    assert_not_major(ward, d, since)
    assert_not_major(ward, "/tmp/cc", since)


def test_tar_extract_300_files_twice_not_major(ward, tmpd):
    src = make_files(os.path.join(tmpd, "src"))
    arch = os.path.join(tmpd, "a.tar")
    subprocess.run(["tar", "cf", arch, "-C", src, "."], check=True)
    out = os.path.join(tmpd, "out")
    os.makedirs(out)
    since = ward.position()
    tree("tar xf %s -C %s && tar xf %s -C %s" % (arch, out, arch, out), tmpd)   # the second over the first
    assert len(os.listdir(out)) == N_FILES
    assert_not_major(ward, out, since)


def test_rsync_300_files_twice_not_major(ward, tmpd):
    src = make_files(os.path.join(tmpd, "src"))
    dst = os.path.join(tmpd, "dst")
    since = ward.position()
    tree("rsync -a %s/ %s/" % (src, dst), tmpd)
    # change a third of the sources (from a forked child, outside the rsync trees)
    def change():
        for i in range(0, N_FILES, 3):
            with open(os.path.join(src, "f%03d.txt" % i), "a") as f:
                f.write("changed\n")
    assert os.waitpid(fork_child(change), 0)[1] == 0
    tree("rsync -a %s/ %s/" % (src, dst), tmpd)
    with open(os.path.join(dst, "f099.txt")) as f:
        assert f.read().endswith("changed\n")
    assert_not_major(ward, dst, since)
    assert_not_major(ward, src, since)


def test_logrotate_compressing_logs_not_major(ward, tmpd):
    logs = os.path.join(tmpd, "logs")
    os.makedirs(logs)
    for i in range(5):
        with open(os.path.join(logs, "app%d.log" % i), "w") as f:
            f.write("line\n" * 2000)
    conf = os.path.join(tmpd, "rotate.conf")
    with open(conf, "w") as f:
        f.write("%s/*.log {\n  rotate 3\n  compress\n  missingok\n  create 0644 root root\n}\n" % logs)
    os.chmod(conf, 0o644)
    since = ward.position()
    tree("logrotate -f -s %s/state %s && logrotate -f -s %s/state %s" % (tmpd, conf, tmpd, conf), tmpd)
    assert sorted(os.listdir(logs)) == sorted(
        ["app%d.log" % i for i in range(5)] + ["app%d.log.1.gz" % i for i in range(5)]
        + ["app%d.log.2.gz" % i for i in range(5)])
    assert_not_major(ward, logs, since)


# ---------------------------------------------------------------- response (daemon)


class Daemon:
    def __init__(self, d, response):
        self.sock = os.path.join(d, "ward.sock")
        cfg = os.path.join(d, "ward.yaml")
        with open(cfg, "w") as f:
            f.write("socket:\n  path: %s\nlog:\n  dir: %s/log\nfootprints:\n  enabled: false\n"
                    "detection:\n  rules:\n    files: []\n  profiles:\n    dir: %s/profiles\n"
                    "  ransomware:\n    response: %s\n" % (self.sock, d, d, response))
        self.proc = subprocess.Popen([WARD, "daemon", "--config", cfg], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                     cwd=REPO)
        self.err = []
        ready = threading.Event()

        def read():
            for line in self.proc.stderr:
                self.err.append(line.rstrip("\n"))
                if line.startswith("ward: ready"):
                    ready.set()
        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(30):
            self.stop()
            pytest.fail("daemon not ready:\n" + "\n".join(self.err))
        self.alerts = []
        self.cond = threading.Condition()
        self.client = subprocess.Popen([WARD, "events", "--json", "--alerts-only", "--socket", self.sock],
                                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
        threading.Thread(target=self._read_client, daemon=True).start()

    def _read_client(self):
        import json
        for line in self.client.stdout:
            with self.cond:
                self.alerts.append(json.loads(line))
                self.cond.notify_all()

    def wait_for(self, pred, kind="alert", timeout=30):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for r in self.alerts:
                    if pred(r):
                        return r
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.cond.wait(min(left, 0.2))
        pytest.fail("no %s within %d s; %d alerts; daemon stderr:\n%s"
                    % (pred.desc, timeout, len(self.alerts), "\n".join(self.err)))

    def stop(self):
        for p in (getattr(self, "client", None), self.proc):
            if p is not None and p.poll() is None:
                p.send_signal(signal.SIGINT)
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


def proc_state(pid):
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def children(pid):
    out = []
    for t in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/children" % (pid, t)) as f:
                out += [int(x) for x in f.read().split()]
        except FileNotFoundError:
            pass
    return out


def test_response_stop_freezes_the_tree(tmpd):
    ddir = tempfile.mkdtemp(prefix="ward-rtd-")
    later_rmtree(ddir)
    daemon = Daemon(ddir, "stop")
    d = make_files(os.path.join(tmpd, "docs"))
    w = None
    try:
        w, root = tree(ENCRYPT % d, tmpd, wait=False)
        r = wait_major(daemon, root)
        check_major(r, d, root, api=True)
        resp = r["response"]
        assert (resp["action"], resp["pid"]) == ("stop", root), resp
        assert resp["processes"] >= 1 and "error" not in resp, resp
        # the root is stopped, and so is whatever child it had then
        assert proc_state(root) == "T"
        for c in children(root):
            assert proc_state(c) in ("T", "Z"), (c, proc_state(c))
        # the wrapper above the boundary is not part of the tree
        assert proc_state(w.pid) == "S"
        # it stays stopped: most originals are still there
        left = [n for n in os.listdir(d) if n.endswith(".txt")]
        assert 0 < len(left) < N_FILES - 9
        assert proc_state(root) == "T"
    finally:
        if w is not None:
            try:
                os.killpg(w.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            w.wait(10)
        daemon.stop()
