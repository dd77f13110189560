#!/usr/bin/python3
"""ward's per-kernel smoke suite (run by tests/kernels/smoke.sh, usually inside a
guest booted by tests/kernels/run.sh; it works on any machine as root too).

It starts `build/ward watch --json`, waits for `ward: ready`, causes one or more
events of every family with known values (PROCESS, FILE, CONNECTION, DNS,
INTERNET), stops ward with SIGINT and checks the records field by field.
It prints one line per check (PASS/FAIL, with the value got and the one
expected), the startup record (kernel, lockdown, path walk, hooks) and, when
anything failed, ward's stderr; when a program was refused, the tail of the
verifier's log for it (verifier_log.py, one program per distinct reason).
The last line is `SMOKE-RESULT {json}` for tests/kernels/matrix.sh.
Exit status: 0 all checks passed, 1 otherwise.

On a kernel booted with lockdown=confidentiality ward must refuse to start
(exit code 4, a message naming the lockdown); that is what is checked there.

Environment: WARD_SMOKE_BIN (default build/ward), WARD_SMOKE_READY_TIMEOUT
(s, default 120), WARD_SMOKE_EVENT_TIMEOUT (s, default 30), WARD_SMOKE_QUIET=1
(print FAIL lines only), WARD_SMOKE_EXPECT_PATH_WALK (bpf_loop|compat; default
from the kernel version: compat below 5.17).
"""

import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
WARD = os.environ.get("WARD_SMOKE_BIN") or os.path.join(REPO, "build", "ward")
READY_TIMEOUT = float(os.environ.get("WARD_SMOKE_READY_TIMEOUT", "120"))
EVENT_TIMEOUT = float(os.environ.get("WARD_SMOKE_EVENT_TIMEOUT", "30"))
QUIET = os.environ.get("WARD_SMOKE_QUIET") == "1"
# The route the matrix expects FILE paths of path-named syscalls to take here
# (lsm, fentry, tracepoint; unset: not checked), and the routes forced on
# other ward instances running alongside, whose FILE events must be the same.
EXPECT_ROUTE = os.environ.get("WARD_SMOKE_EXPECT_ROUTE") or None
COMPARE_ROUTES = [r for r in os.environ.get("WARD_SMOKE_COMPARE_ROUTES", "").split(",") if r]
HOOKS_ONLY = "a symlink gone before ward reads the event (path hooks only)"
AFTER_CLEANUP = ("the symlink itself", "rmdir")

TIME_RE = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$"
HASH_RE = r"^[0-9a-f]{16}$"
EVENT_IDS = {"PROCESS": 1, "FILE": 2, "CONNECTION": 3, "DNS": 4, "INTERNET": 7}
ACCESS_IDS = {
    "PROCESS_CREATE": 2, "PROCESS_TERMINATE": 3, "PROCESS_EXECUTE": 5,
    "FILE_CREATE": 101, "FILE_OPEN": 102, "FILE_DELETE": 103, "FILE_SET_SECURITY": 104,
    "FILE_MOVE": 106, "FILE_CLOSE": 107, "FILE_MODIFY_TIMESTAMP": 108, "FILE_MODIFY": 109,
    "CONNECTION_LISTEN": 202, "CONNECTION_CONNECT_INBOUND": 203,
    "CONNECTION_CONNECT_OUTBOUND": 204, "DNS_QUERY": 301, "INTERNET_CONNECT": 602,
}
TCP_PORT = 47311          # the listener's port (a free one is taken if it is busy)
DNS_NAME = "ward-smoke.example.org"
HTTP_URL = "/ward-smoke/index.html?k=1"
HTTP_HOST = "smoke.ward.test"
ARGV = ["true", "--ward-smoke", "two words"]


class Match:
    """An expected value given as a regular expression."""

    def __init__(self, rx):
        self.rx = rx

    def ok(self, v):
        return isinstance(v, str) and re.match(self.rx, v) is not None

    def __repr__(self):
        return "/%s/" % self.rx


ABSENT = object()   # the key must not be there


# ------------------------------------------------------------------ reporting

class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.failures = []

    def line(self, s):
        print(s, flush=True)

    def ok(self, what, msg=""):
        self.passed += 1
        if not QUIET:
            self.line("PASS %s%s" % (what, msg))

    def fail(self, what, msg=""):
        self.failed += 1
        self.failures.append(what)
        self.line("FAIL %s%s" % (what, msg))

    def check(self, what, got, expected):
        if isinstance(expected, Match):
            good = expected.ok(got)
        elif expected is ABSENT:
            good = got is ABSENT
        else:
            good = got == expected and type(got) is type(expected)
        shown = "(absent)" if got is ABSENT else repr(got)
        if good:
            self.ok(what, " = %s" % shown)
        else:
            self.fail(what, ": got %s, expected %s" % (
                shown, "(absent)" if expected is ABSENT else repr(expected)))
        return good

    def info(self, s):
        self.line("INFO %s" % s)


R = Report()
RUNNING = []        # ward processes to kill on the overall timeout


def get(rec, dotted):
    cur = rec
    for part in dotted.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return ABSENT
        cur = cur[part]
    return cur


def short(rec, limit=600):
    s = json.dumps(rec)
    return s if len(s) <= limit else s[:limit] + "..."


# ------------------------------------------------------------------ ward

class Ward:
    def __init__(self, extra=()):
        self.cmd = [WARD, "watch", "--json", "--stats-interval", "0"] + list(extra)
        self.records, self.bad, self.err = [], [], []
        self.cond = threading.Condition()
        self.ready = threading.Event()
        self.t_start = time.monotonic()
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, cwd=REPO)
        RUNNING.append(self.proc)
        self.threads = [threading.Thread(target=f, daemon=True) for f in (self._out, self._err)]
        for t in self.threads:
            t.start()

    def _out(self):
        for raw in iter(self.proc.stdout.readline, b""):
            try:
                rec = json.loads(raw.decode("utf-8"))
                assert isinstance(rec, dict)
            except Exception:
                self.bad.append(raw[:300])
                continue
            with self.cond:
                self.records.append(rec)
                self.cond.notify_all()

    def _err(self):
        for raw in iter(self.proc.stderr.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.err.append(line)
            if "ward: ready" in line:
                self.ready.set()

    def wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ready.wait(0.1):
                return True
            if self.proc.poll() is not None:
                for t in self.threads:
                    t.join(5)
                return self.ready.is_set()
        return False

    def startup(self, timeout):
        """The startup record (it can reach stdout just after 'ward: ready')."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                st = [r for r in self.records if r.get("kind") == "stats" and r.get("startup")]
                if st or time.monotonic() > deadline or self.proc.poll() is not None:
                    return st[0] if st else {}
                self.cond.wait(0.2)

    def events(self):
        with self.cond:
            return [r for r in self.records if r.get("kind") == "event"]

    def wait_all(self, preds, timeout):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                evs = [r for r in self.records if r.get("kind") == "event"]
                if all(any(p(r) for r in evs) for p in preds):
                    return True
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    return False
                self.cond.wait(min(left, 0.2))

    def stop(self, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
            R.fail("ward.stop", ": ward did not exit within %d s of SIGINT (killed)" % timeout)
        for t in self.threads:
            t.join(10)
        return rc


def verifier_logs(result, most=3):
    """The verifier's log for refused programs: one program per distinct reason
    (at most `most`), each loaded alone by verifier_log.py from the object ward
    chose (build/ward.bpf.o, or build/ward_compat.bpf.o for the compat build)."""
    obj = os.path.join(REPO, "build", "ward_compat.bpf.o" if result.get("path_walk") == "compat"
                       else "ward.bpf.o")
    progs, seen = [], set()
    for h in result.get("failed_hooks", []):
        reason = h.get("reason", "")
        if reason.replace(h.get("program", ""), "") in seen or h.get("program") in progs:
            continue
        seen.add(reason.replace(h.get("program", ""), ""))
        progs.append(h.get("program"))
    if not progs:
        return
    print("---- verifier log of %s (%s) ----" % (", ".join(progs[:most]), obj), flush=True)
    try:
        out = subprocess.run([sys.executable, os.path.join(HERE, "verifier_log.py"), obj]
                             + progs[:most], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             timeout=300).stdout
        print(out.decode("utf-8", "replace").rstrip("\n"))
    except (OSError, subprocess.SubprocessError) as e:
        print("cannot run verifier_log.py: %s" % e)
    print("----", flush=True)


# ------------------------------------------------------------------ the system

def uname_release():
    return os.uname().release


def kernel_version():
    m = re.match(r"(\d+)\.(\d+)", uname_release())
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def lockdown_mode():
    s = read("/sys/kernel/security/lockdown")
    m = re.search(r"\[(\w+)\]", s or "")
    return m.group(1) if m else "n/a"


def cmdline_arg(name):
    for a in (read("/proc/cmdline") or "").split():
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return None


def own_cmdline():
    with open("/proc/self/cmdline", "rb") as f:
        raw = f.read()
    return " ".join(a.decode("utf-8", "surrogateescape") for a in raw.rstrip(b"\0").split(b"\0"))


def kdev(st_dev):
    """st_dev -> the kernel's s_dev encoding (major << 20 | minor)."""
    return (os.major(st_dev) << 20) | os.minor(st_dev)


def sb_dev(path):
    """The s_dev of the file system holding path, as the kernel encodes it, from
    /proc/self/mountinfo. It is what ward reports (the inode's i_sb->s_dev); it
    differs from stat()'s st_dev on overlayfs, whose files report the lower
    layer's device."""
    path = os.path.realpath(path)
    best, dev = -1, None
    with open("/proc/self/mountinfo") as f:
        for line in f:
            parts = line.split()
            mnt = parts[4].encode().decode("unicode_escape")
            if path == mnt or path.startswith(mnt.rstrip("/") + "/"):
                if len(mnt) >= best:
                    best = len(mnt)
                    ma, mi = parts[2].split(":")
                    dev = (int(ma) << 20) | int(mi)
    return dev


# ------------------------------------------------------------------ the triggers

def trigger():
    """Cause the events; returns what is known about them."""
    k = {}
    me = os.getpid()
    # PROCESS: fork + exec of /bin/true with a known argv; a child that exits 3.
    pid = os.fork()
    if pid == 0:
        try:
            os.execv("/bin/true", ARGV)
        finally:
            os._exit(99)
    _, st = os.waitpid(pid, 0)
    k["exec_pid"], k["exec_status"] = pid, st
    pid = os.fork()
    if pid == 0:
        os._exit(3)
    _, st = os.waitpid(pid, 0)
    k["exit3_pid"], k["exit3_status"] = pid, st

    # FILE: create, write twice, close, rename, chmod, utime, open, unlink.
    d = os.path.realpath(tempfile.mkdtemp(prefix="ward-smoke-"))
    a, b = os.path.join(d, "report.txt"), os.path.join(d, "report.old")
    k["dir"], k["a"], k["b"] = d, a, b
    fd = os.open(a, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    k["a_stat"] = os.fstat(fd)
    os.write(fd, b"hello\n")
    os.write(fd, b"again\n")
    os.close(fd)
    os.rename(a, b)
    os.chmod(b, 0o600)
    os.utime(b, (1000000000, 1000000000))
    fd = os.open("/proc/self/root/etc/passwd", os.O_RDONLY)
    k["passwd_stat"] = os.fstat(fd)
    os.close(fd)
    os.unlink(b)
    # The syscalls the path hooks cover (fentry/BPF-LSM route), one each.
    s, lnk, hard = os.path.join(d, "sub"), os.path.join(d, "lnk"), os.path.join(d, "hard")
    k["sub"], k["lnk"], k["hard"], k["victim"] = s, lnk, hard, os.path.join(s, "victim")
    os.mkdir(s, 0o755)
    os.symlink("sub", lnk)
    os.close(os.open(k["victim"], os.O_WRONLY | os.O_CREAT, 0o644))
    os.link(k["victim"], hard)
    os.truncate(hard, 0)
    os.chown(hard, 0, 0)
    k["via_link"] = os.path.join(lnk, "victim")   # resolves to sub/victim
    os.unlink(k["via_link"])
    os.unlink(hard)
    # The same through a link that is gone a moment later: the path hooks see
    # the dentry the kernel resolved; the tracepoint route resolves the string
    # in user space when it reads the event, and by then there is no link.
    s2, lnk2 = os.path.join(d, "sub2"), os.path.join(d, "lnk2")
    k["victim2"], k["via_link2"] = os.path.join(s2, "victim"), os.path.join(lnk2, "victim")
    os.mkdir(s2, 0o755)
    os.symlink("sub2", lnk2)
    os.close(os.open(k["victim2"], os.O_WRONLY | os.O_CREAT, 0o644))
    os.unlink(k["via_link2"])
    os.unlink(lnk2)
    os.rmdir(s2)

    # (lnk, sub and d go once ward has reported the rest: cleanup())

    # CONNECTION + INTERNET: listen, connect, accept, an HTTP GET on loopback.
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        srv.bind(("127.0.0.1", TCP_PORT))
    except OSError:
        srv.bind(("127.0.0.1", 0))
    k["listen_port"] = srv.getsockname()[1]
    srv.listen(1)
    cli = socket.socket(socket.AF_INET, socket.SOCK_STREAM)   # blocking: status "ok"
    cli.connect(("127.0.0.1", k["listen_port"]))
    k["client_port"] = cli.getsockname()[1]
    acc, peer = srv.accept()
    k["accept_peer"] = peer
    req = "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: ward-smoke\r\n\r\n" % (HTTP_URL, HTTP_HOST)
    cli.sendall(req.encode())
    acc.recv(4096)
    for s in (cli, acc, srv):
        s.close()

    # DNS: one AAAA query datagram to 127.0.0.1:53 (nobody answers; it is sent all the same).
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.connect(("127.0.0.1", 53))
    k["udp_local"] = u.getsockname()
    q = struct.pack(">HHHHHH", 0x5753, 0x0100, 1, 0, 0, 0)
    for label in DNS_NAME.split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\x00" + struct.pack(">HH", 28, 1)
    u.send(q)
    u.close()
    k["me"] = me
    return k


def cleanup(k):
    """The second part of the FILE workload, once every event of the first is
    reported: a symlink resolved late still resolves on every route."""
    os.unlink(k["lnk"])
    os.rmdir(k["sub"])
    os.rmdir(k["dir"])


# ------------------------------------------------------------------ expectations

def expectations(k, route="tracepoint"):
    """[(access type, tag, match fields, check fields)]: the record checked is the
    first event of that access type whose match fields all equal; then every
    check field is compared (tag only names it in the output)."""
    me = k["me"]
    py = os.path.realpath("/proc/self/exe")
    with open("/proc/self/comm") as f:
        comm = f.read().rstrip("\n")
    mine = {
        "process.pid": me, "process.tid": me, "process.ppid": os.getppid(),
        "process.uid": os.getuid(), "process.euid": os.geteuid(), "process.gid": os.getgid(),
        "process.comm": comm, "process.exe": py, "process.cmdline": own_cmdline(),
        "process.cwd": os.path.realpath(os.getcwd()),
        "process.start_time": Match(TIME_RE), "process.hash_id": Match(HASH_RE),
    }
    true_exe = os.path.realpath("/bin/true")
    a, b, sa, sp = k["a"], k["b"], k["a_stat"], k["passwd_stat"]
    lp, cp = k["listen_port"], k["client_port"]
    fd_flags = os.O_WRONLY | 0o100000   # the file's f_flags: O_LARGEFILE is set by the kernel
    afile = {"file.path": a, "file.requested_path": None, "file.flags": fd_flags,
             "file.mode": sa.st_mode, "file.inode": sa.st_ino, "file.dev": kdev(sa.st_dev)}
    pathonly = {"file.flags": 0, "file.inode": 0, "file.dev": 0}
    tcp_out = {"connection.protocol": "TCP", "connection.local_ip": "127.0.0.1",
               "connection.local_port": cp, "connection.remote_ip": "127.0.0.1",
               "connection.remote_port": lp, "connection.status": "ok",
               "connection.error": ABSENT}
    ex = [
        ("PROCESS_CREATE", "child", {"process.pid": me, "target_process.pid": k["exec_pid"]},
         dict(mine, **{"target_process.exe": py, "target_process.cmdline": own_cmdline(),
                       "target_process.hash_id": Match(HASH_RE)})),
        ("PROCESS_EXECUTE", "/bin/true", {"target_process.pid": k["exec_pid"]},
         {"process.pid": k["exec_pid"], "process.tid": k["exec_pid"], "process.ppid": me,
          "process.uid": 0, "process.euid": 0, "process.gid": 0,
          "process.comm": comm, "process.exe": py, "process.cmdline": own_cmdline(),
          "process.cwd": mine["process.cwd"], "process.hash_id": Match(HASH_RE),
          "target_process.exe": true_exe, "target_process.argv": ARGV,
          "target_process.cmdline": " ".join(ARGV), "target_process.hash_id": Match(HASH_RE),
          "target_process.argv_truncated": ABSENT}),
        ("PROCESS_TERMINATE", "true, 0", {"target_process.pid": k["exec_pid"]},
         {"process.pid": k["exec_pid"], "process.comm": "true", "process.exe": true_exe,
          "process.cmdline": " ".join(ARGV), "target_process.exe": true_exe,
          "target_process.exit_code": k["exec_status"]}),
        ("PROCESS_TERMINATE", "child, exit 3", {"target_process.pid": k["exit3_pid"]},
         {"process.pid": k["exit3_pid"], "process.ppid": me, "process.comm": comm,
          "process.exe": py, "target_process.exit_code": 3 << 8}),
        ("FILE_CREATE", "report.txt", {"process.pid": me, "file.path": a},
         dict(mine, **{"file.requested_path": a,
                       "file.flags": os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC,
                       "file.mode": sa.st_mode, "file.inode": sa.st_ino,
                       "file.dev": kdev(sa.st_dev), "count": 1})),
        ("FILE_MODIFY", "report.txt", {"process.pid": me, "file.path": a}, dict(mine, count=1, **afile)),
        ("FILE_CLOSE", "report.txt", {"process.pid": me, "file.path": a},
         dict(mine, count=2, **{"file.at_exit": ABSENT}, **afile)),
        ("FILE_MOVE", "report.txt", {"process.pid": me, "file.path": a},
         dict(mine, **{"file.new_path": b, "file.requested_path": a,
                       "file.requested_new_path": b}, **pathonly)),
        ("FILE_SET_SECURITY", "report.old", {"process.pid": me, "file.path": b},
         dict(mine, **{"file.requested_path": b, "file.mode": 0o600}, **pathonly)),
        ("FILE_MODIFY_TIMESTAMP", "report.old", {"process.pid": me, "file.path": b},
         dict(mine, **{"file.requested_path": b}, **pathonly)),
        ("FILE_OPEN", "/proc/self/root/etc/passwd", {"process.pid": me, "file.requested_path": "/proc/self/root/etc/passwd"},
         dict(mine, **{"file.path": "/etc/passwd", "file.flags": os.O_RDONLY | os.O_CLOEXEC,
                       "file.mode": sp.st_mode, "file.inode": sp.st_ino,
                       "file.dev": sb_dev("/etc/passwd"), "count": 1})),
        ("FILE_DELETE", "report.old", {"process.pid": me, "file.path": b},
         dict(mine, **{"file.requested_path": b}, **pathonly)),
        ("FILE_CREATE", "mkdir", {"process.pid": me, "file.path": k["sub"]},
         dict(mine, **{"file.requested_path": k["sub"], "file.mode": 0o40755, "file.flags": 0,
                       "file.inode": 0, "file.dev": 0})),
        ("FILE_CREATE", "symlink", {"process.pid": me, "file.path": k["lnk"]},
         dict(mine, **{"file.requested_path": k["lnk"], "file.mode": 0o120000, "file.flags": 0,
                       "file.inode": 0, "file.dev": 0})),
        ("FILE_CREATE", "link", {"process.pid": me, "file.path": k["hard"]},
         dict(mine, **{"file.requested_path": k["hard"]}, **pathonly, **{"file.mode": 0})),
        ("FILE_MODIFY", "truncate(path)", {"process.pid": me, "file.path": k["hard"]},
         dict(mine, **{"file.requested_path": k["hard"]}, **pathonly, **{"file.mode": 0})),
        ("FILE_SET_SECURITY", "chown", {"process.pid": me, "file.path": k["hard"]},
         dict(mine, **{"file.requested_path": k["hard"]}, **pathonly, **{"file.mode": 0})),
        ("FILE_DELETE", "unlink through a symlinked directory",
         {"process.pid": me, "file.path": k["victim"]},
         dict(mine, **{"file.requested_path": k["via_link"]}, **pathonly)),
        ("FILE_DELETE", "a symlink gone before ward reads the event (path hooks only)",
         {"process.pid": me, "file.path": k["victim2"]},
         dict(mine, **{"file.requested_path": k["via_link2"]}, **pathonly)),
        ("FILE_DELETE", "the symlink itself", {"process.pid": me, "file.path": k["lnk"]},
         dict(mine, **{"file.requested_path": k["lnk"]}, **pathonly)),
        ("FILE_DELETE", "rmdir", {"process.pid": me, "file.path": k["sub"]},
         dict(mine, **{"file.requested_path": k["sub"]}, **pathonly)),
        ("CONNECTION_LISTEN", "tcp", {"process.pid": me, "connection.local_port": lp},
         dict(mine, **{"connection.protocol": "TCP", "connection.local_ip": "127.0.0.1",
                       "connection.remote_ip": "0.0.0.0", "connection.remote_port": 0,
                       "connection.status": "ok"})),
        ("CONNECTION_CONNECT_OUTBOUND", "tcp", {"process.pid": me, "connection.remote_port": lp},
         dict(mine, **tcp_out)),
        ("CONNECTION_CONNECT_INBOUND", "tcp", {"process.pid": me, "connection.local_port": lp},
         dict(mine, **{"connection.protocol": "TCP", "connection.local_ip": "127.0.0.1",
                       "connection.remote_ip": "127.0.0.1", "connection.remote_port": cp,
                       "connection.status": "ok"})),
        ("INTERNET_CONNECT", "GET", {"process.pid": me, "http.url": HTTP_URL},
         dict(mine, **tcp_out, **{"http.method": "GET", "http.host": HTTP_HOST,
                                  "http.proxy": ABSENT, "http.url_truncated": ABSENT,
                                  "http.headers_truncated": ABSENT})),
        ("CONNECTION_CONNECT_OUTBOUND", "udp 53", {"process.pid": me, "connection.remote_port": 53},
         dict(mine, **{"connection.protocol": "UDP", "connection.local_ip": k["udp_local"][0],
                       "connection.local_port": k["udp_local"][1],
                       "connection.remote_ip": "127.0.0.1", "connection.status": "ok"})),
        ("DNS_QUERY", "AAAA", {"process.pid": me, "dns.query": DNS_NAME},
         dict(mine, **{"connection.protocol": "UDP", "connection.local_ip": k["udp_local"][0],
                       "connection.local_port": k["udp_local"][1],
                       "connection.remote_ip": "127.0.0.1", "connection.remote_port": 53,
                       "dns.qtype": "AAAA", "dns.qtype_id": 28, "dns.server_ip": "127.0.0.1",
                       "dns.server_port": 53, "dns.tcp": ABSENT, "dns.malformed": ABSENT})),
    ]
    if route == "tracepoint":
        # resolved when ward reads the event, after the link is gone
        ex = [e for e in ex if e[1] != HOOKS_ONLY]
    return ex


def predicate(access, match):
    def p(r):
        return r.get("access_type") == access and all(get(r, f) == v for f, v in match.items())
    return p


def check_events(w, exps, k):
    evs = w.events()
    found = {}
    for i, (access, tag, match, fields) in enumerate(exps):
        what = "%s(%s)" % (access, tag)
        hits = [r for r in evs if predicate(access, match)(r)]
        if not hits:
            same = [r for r in evs if r.get("access_type") == access]
            R.fail(what, ": no event with %s; %d %s event(s) seen%s" % (
                ", ".join("%s=%r" % fv for fv in match.items()), len(same), access,
                (", first: " + short(same[0])) if same else ""))
            continue
        r = hits[0]
        found[i] = r
        R.check(what + " kind", r.get("kind"), "event")
        R.check(what + " time", r.get("time"), Match(TIME_RE))
        R.check(what + " access_type_id", r.get("access_type_id"), ACCESS_IDS[access])
        etype = access.split("_")[0]
        R.check(what + " event_type", r.get("event_type"), etype)
        R.check(what + " event_type_id", r.get("event_type_id"), EVENT_IDS[etype])
        for f, v in fields.items():
            R.check("%s %s" % (what, f), get(r, f), v)
    # One process, one hash_id.
    me = k["me"]
    mine = {r["process"]["hash_id"] for r in evs if get(r, "process.pid") == me}
    R.check("hash_id of this process is the same in all its events", len(mine), 1)
    create, execute = found.get(0), found.get(1)
    term = found.get(2)
    if create and execute and term:
        h = create["target_process"]["hash_id"]
        R.check("PROCESS_CREATE process.hash_id is this process's", create["process"]["hash_id"],
                next(iter(mine)) if len(mine) == 1 else "?")
        R.check("PROCESS_EXECUTE process.hash_id = PROCESS_CREATE target_process.hash_id",
                execute["process"]["hash_id"], h)
        R.check("PROCESS_EXECUTE target_process.hash_id = PROCESS_CREATE target_process.hash_id",
                execute["target_process"]["hash_id"], h)
        R.check("PROCESS_TERMINATE target_process.hash_id = PROCESS_CREATE target_process.hash_id",
                term["target_process"]["hash_id"], h)
    seqs = [r["seq"] for r in evs]
    R.check("event seq numbers +1 each, no gap", seqs == list(range(seqs[0], seqs[0] + len(seqs)))
            if seqs else False, True)


def check_startup(w, result):
    st = [r for r in w.records if r.get("kind") == "stats" and r.get("startup") is True]
    if not st:
        R.fail("startup record", ": none on stdout")
        return
    s = st[0]
    R.check("startup record is the first line", w.records[0] is s, True)
    R.check("startup.kernel", s.get("kernel"), uname_release())
    R.check("startup.lockdown", s.get("lockdown"), lockdown_mode())
    pw = s.get("path_walk", "")
    result["path_walk"] = "bpf_loop" if pw == "bpf_loop" else ("compat" if "compat" in pw else pw)
    want = os.environ.get("WARD_SMOKE_EXPECT_PATH_WALK") or (
        "bpf_loop" if kernel_version() >= (5, 17) else "compat")
    R.check("startup.path_walk (%s)" % pw, result["path_walk"], want)
    hooks = s.get("hooks") or []
    R.info("startup: kernel=%s lockdown=%s path_walk=%r hooks=%d" % (
        s.get("kernel"), s.get("lockdown"), pw, len(hooks)))
    for h in hooks:
        R.info("hook %-20s %-28s kind=%-10s status=%s%s (%s)" % (
            h.get("name"), h.get("program"), h.get("kind"), h.get("status"),
            (" reason=%r" % h.get("reason")) if h.get("reason") else "", h.get("covers")))
    names = {h.get("name") for h in hooks}
    for n in ("sched_process_fork", "sched_process_exec", "sched_process_exit", "sys_exit"):
        R.check("hook %s listed" % n, n in names, True)
    # attached: pass. unavailable (the kernel lacks the tracepoint; documented,
    # ward says what is not covered): a NOTE, listed in the summary. failed: FAIL.
    for h in hooks:
        what = "hook %s/%s status" % (h.get("name"), h.get("program"))
        if h.get("status") == "unavailable":
            R.ok(what, " = 'unavailable' (NOTE: %s; not covered: %s)" % (h.get("reason", ""),
                                                                       h.get("covers")))
            if QUIET:
                R.info("NOTE %s unavailable: %s" % (what, h.get("reason", "")))
        else:
            R.check(what, h.get("status"), "attached")
    att = sum(1 for h in hooks if h.get("status") == "attached")
    result["hooks"] = "%d/%d" % (att, len(hooks))
    result["problems"] = ["%s/%s: %s %s" % (h.get("name"), h.get("program"), h.get("status"),
                                            h.get("reason", "")) for h in hooks
                          if h.get("status") == "failed"]
    result["unavailable"] = ["%s (%s)" % (h.get("name"), h.get("covers")) for h in hooks
                             if h.get("status") == "unavailable"]
    result["failed_hooks"] = [h for h in hooks if h.get("status") == "failed"]
    # "syscall" hooks are the per-syscall handlers tail-called from the sys_exit
    # tracepoint: the same route.
    kinds = sorted({"tracepoint" if h.get("kind") == "syscall" else h.get("kind") for h in hooks})
    result["route"] = "+".join(str(k) for k in kinds)
    R.info("route: %s%s" % (result["route"], " (every hook a BTF tracepoint, tp_btf)"
                            if kinds == ["tracepoint"] else ""))


def check_route(w, route, final, k):
    """The route FILE paths took: the one expected here, the path hooks all
    attached on it, and their count in the final stats."""
    st = w.startup(0)
    R.info("path route: %s%s" % (route, (" (%s)" % st.get("path_route_reason"))
                                 if st.get("path_route_reason") else ""))
    if EXPECT_ROUTE:
        R.check("startup.path_route", route, EXPECT_ROUTE)
    R.check("startup.routes.FILE", (st.get("routes") or {}).get("FILE"),
            "tracepoint" if route == "tracepoint" else "tracepoint+" + route)
    hooks = [h for h in st.get("hooks") or [] if h.get("kind") in ("fentry", "lsm")]
    if route == "tracepoint":
        R.check("path hooks listed on the tracepoint route", hooks, [])
        R.check("final stats.hook_paths", final.get("hook_paths"), 0)
    else:
        R.check("path hooks attached (%s)" % route,
                sorted((h.get("kind"), h.get("status")) for h in hooks),
                [(route, "attached")] * 10)
        # every hooked syscall of the workload took its path from a hook
        n = sum(1 for e in expectations(k, route) if e[1] in HOOKED_TAGS)
        R.check("final stats.hook_paths >= the workload's %d hooked syscalls" % n,
                final.get("hook_paths", 0) >= n, True)


# The expectations whose syscall a path hook covers (rename, chmod, unlink, ...).
HOOKED_TAGS = {"mkdir", "symlink", "link", "truncate(path)", "chown",
               "unlink through a symlinked directory", HOOKS_ONLY, "the symlink itself",
               "rmdir"}


def comparable(w, me, skip_requested=()):
    """This process's FILE events as one route reported them, without what
    differs between two ward instances anyway: time, seq, process.start_time
    and FILE_OPEN (whose repeat folding depends on each instance's windows)."""
    out = []
    for r in w.events():
        if r.get("event_type") != "FILE" or get(r, "process.pid") != me:
            continue
        if r.get("access_type") == "FILE_OPEN" or get(r, "file.requested_path") in skip_requested:
            continue
        x = {f: v for f, v in r.items() if f not in ("time", "seq")}
        # start_time is boot time plus each instance's own measure of the
        # boot-to-wall-clock offset: a few ns apart between instances
        x["process"] = {f: v for f, v in x.get("process", {}).items() if f != "start_time"}
        out.append(x)
    return out


def compare_routes(w, route, o, other, k):
    """The same syscalls seen by two ward instances on two routes: the same
    FILE events, field by field. The one documented difference: a symlink
    removed before ward reads the event resolves on the path hooks only."""
    me = k["me"]
    skip = (k["via_link2"],) if "tracepoint" in (route, other) and route != other else ()
    a, b = comparable(w, me, skip), comparable(o, me, skip)
    R.check("route %s vs %s: FILE events of this process (%d vs %d)" % (
        route, other, len(a), len(b)), len(a), len(b))
    diffs = 0
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            diffs += 1
            if diffs <= 5:
                keys = sorted(set(x) | set(y))
                R.info("route %s vs %s, event %d differs: %s" % (route, other, i, ", ".join(
                    "%s: %r / %r" % (f, x.get(f), y.get(f)) for f in keys if x.get(f) != y.get(f))))
    R.check("route %s vs %s: FILE events that differ in any field" % (route, other), diffs, 0)
    st = o.startup(0)
    R.check("ward --route %s startup.path_route" % other, st.get("path_route"), other)
    fin = [r for r in o.records if r.get("kind") == "stats" and r.get("final") is True]
    hp = fin[-1].get("hook_paths") if fin else None
    if other == "tracepoint":
        R.check("ward --route tracepoint final stats.hook_paths", hp, 0)
    else:
        R.check("ward --route %s final stats.hook_paths > 0" % other, (hp or 0) > 0, True)
    if skip:
        vals = [get(r, "file.path") for r in (w.events() + o.events())
                if get(r, "file.requested_path") == k["via_link2"]]
        R.info("the late-resolved symlink: paths %r (path hooks: %s)" % (vals, k["victim2"]))


def check_boot_args(result):
    """The boot arguments the matrix asked for did take effect."""
    lsm = read("/sys/kernel/security/lsm") or "n/a"
    result["lsm"], result["lockdown"] = lsm, lockdown_mode()
    R.info("lsm=%s lockdown=%s cmdline=%r" % (lsm, result["lockdown"], read("/proc/cmdline")))
    want_lsm = cmdline_arg("lsm")
    if want_lsm:
        for m in want_lsm.split(","):
            R.check("LSM %s active (/sys/kernel/security/lsm)" % m, m in lsm.split(","), True)
    want_ld = cmdline_arg("lockdown")
    if want_ld:
        R.check("lockdown mode (/sys/kernel/security/lockdown)", result["lockdown"], want_ld)


def dump_stderr(w, title="ward stderr"):
    print("---- %s (%d lines) ----" % (title, len(w.err)))
    for line in w.err[-200:]:
        print("  " + line)
    print("----", flush=True)


def main():
    t0 = time.monotonic()
    os.umask(0o022)
    result = {"kernel": uname_release(), "path_walk": None, "hooks": None, "problems": [],
              "route": None, "ward_rc": None}
    R.info("ward smoke on %s, %s, python %s" % (uname_release(), WARD, sys.version.split()[0]))
    if not os.access(WARD, os.X_OK):
        R.fail("ward binary", ": %s is missing (run make)" % WARD)
        return finish(result, t0)
    check_boot_args(result)
    confidential = result["lockdown"] == "confidentiality"

    w = Ward()
    ready = w.wait_ready(READY_TIMEOUT)
    result["load_s"] = round(time.monotonic() - w.t_start, 1)
    if confidential:
        # ward must refuse, clearly, with exit code 4 (kernel unsupported).
        R.check("ward reached 'ward: ready' under lockdown=confidentiality (it must not)", ready, False)
        rc = w.stop()
        result["ward_rc"] = rc
        R.check("ward exit code (4 = kernel unsupported)", rc, 4)
        msg = [line for line in w.err if "lockdown" in line]
        R.check("ward names the lockdown on stderr", bool(msg), True)
        for line in msg:
            R.info("ward said: %s" % line)
        result["expected_refusal"] = True
        return finish(result, t0)
    if not ready:
        R.fail("ward ready", ": no 'ward: ready' within %.0f s (ward %s)" % (
            READY_TIMEOUT, "exited %s" % w.proc.poll() if w.proc.poll() is not None else "still loading"))
        result["ward_rc"] = w.stop()
        dump_stderr(w)
        return finish(result, t0)
    R.ok("ward ready", " after %.1f s" % result["load_s"])

    others = {}
    for route in COMPARE_ROUTES:
        o = Ward(["--route", route, "--type", "FILE"])
        if o.wait_ready(READY_TIMEOUT):
            others[route] = o
        else:
            R.fail("ward --route %s ready" % route, ": not within %.0f s" % READY_TIMEOUT)
            o.stop()
            dump_stderr(o, "ward --route %s stderr" % route)
    route = w.startup(10).get("path_route", "tracepoint")
    result["path_route"], result["compared"] = route, sorted(others)

    t1 = time.monotonic()
    k = trigger()
    exps = expectations(k, route)
    first = [e for e in exps if e[1] not in AFTER_CLEANUP]
    complete = w.wait_all([predicate(a, m) for a, _, m, _ in first], EVENT_TIMEOUT)
    # every instance has read the first part before the links it resolves go
    for r, o in others.items():
        o_exps = [e for e in expectations(k, r) if e[0].startswith("FILE_")]
        if not o.wait_all([predicate(a, m) for a, tag, m, _ in o_exps if tag not in AFTER_CLEANUP],
                          EVENT_TIMEOUT):
            R.info("ward --route %s: not every FILE event arrived within %.0f s" % (
                r, EVENT_TIMEOUT))
    cleanup(k)
    complete = complete and w.wait_all([predicate(a, m) for a, _, m, _ in exps], EVENT_TIMEOUT)
    for r, o in others.items():
        o_exps = [e for e in expectations(k, r) if e[0].startswith("FILE_")]
        if not o.wait_all([predicate(a, m) for a, _, m, _ in o_exps], EVENT_TIMEOUT):
            R.info("ward --route %s: not every FILE event arrived within %.0f s" % (
                r, EVENT_TIMEOUT))
    result["events_s"] = round(time.monotonic() - t1, 1)
    if not complete:
        R.info("not every expected event arrived within %.0f s" % EVENT_TIMEOUT)
    for r, o in others.items():
        R.check("ward --route %s exit code after SIGINT" % r, o.stop(), 0)
    rc = w.stop()
    result["ward_rc"] = rc
    # After the stop: every record has been read (the startup record can reach
    # stdout a moment after "ward: ready" reaches stderr).
    check_startup(w, result)
    R.check("ward exit code after SIGINT", rc, 0)
    R.check("stdout lines that are not JSON objects", w.bad, [])
    check_events(w, exps, k)
    final = [r for r in w.records if r.get("kind") == "stats" and r.get("final") is True]
    if final:
        for f in ("dropped", "malformed", "seq_lost"):
            R.check("final stats.%s" % f, final[-1].get(f), 0)
    else:
        R.fail("final stats record", ": none")
    R.check("exit summary on stderr", any(re.search(r"ward: \d+ events captured, 0 dropped", line)
                                          for line in w.err), True)
    check_route(w, route, final[-1] if final else {}, k)
    for r, o in others.items():
        compare_routes(w, route, o, r, k)
    if R.failed:
        dump_stderr(w)
    if result.get("failed_hooks"):
        verifier_logs(result)
    return finish(result, t0)


def finish(result, t0):
    result.pop("failed_hooks", None)
    result.update(passed=R.passed, failed=R.failed, seconds=round(time.monotonic() - t0, 1),
                  failures=R.failures[:20])
    print("%s: %d checks passed, %d failed" % ("OK" if not R.failed else "FAILED", R.passed, R.failed))
    print("SMOKE-RESULT " + json.dumps(result, sort_keys=True), flush=True)
    return 1 if R.failed else 0


if __name__ == "__main__":
    if os.geteuid() != 0:
        sys.exit("smoke.py: run as root (ward loads BPF programs)")
    def on_alarm(*_):
        print("FAIL smoke: overall timeout", flush=True)
        for p in RUNNING:
            if p.poll() is None:
                p.kill()
        os._exit(1)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(int(os.environ.get("WARD_SMOKE_TIMEOUT", "400")))
    sys.exit(main())
