"""Real-kernel integration tests for `ward watch --json`.

Every test starts (or shares) a real `build/ward watch --json` process, makes
the exact syscall under test from this process (or from a child with a known
pid) and asserts the exact fields of the record ward prints.

Helpers:
  Ward            one running ward: records, wait_for(), assert_absent(), stop()
  ward            module-scoped Ward with default options (tests in a file share it)
  ward_factory    start a Ward with extra options (function scope, for filters)
  Puppet          a child python process with a known pid driven over a pipe
  ev(...)         builds a predicate over event records
"""

import ctypes
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
WARD = os.path.join(REPO, "build", "ward")

READY_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0

TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$")
HASH_RE = re.compile(r"^[0-9a-f]{16}$")
SUMMARY_RE = re.compile(r"ward: (\d+) events captured, (\d+) dropped")

# XDR numbers (docs/output.md)
ACCESS_IDS = {
    "PROCESS_CREATE": 2,
    "PROCESS_TERMINATE": 3,
    "PROCESS_EXECUTE": 5,
    "FILE_CREATE": 101,
    "FILE_OPEN": 102,
    "FILE_DELETE": 103,
    "FILE_SET_SECURITY": 104,
    "FILE_MOVE": 106,
    "FILE_CLOSE": 107,
    "FILE_MODIFY_TIMESTAMP": 108,
    "FILE_MODIFY": 109,
}
EVENT_IDS = {"PROCESS": 1, "FILE": 2}

PYTHON_EXE = os.path.realpath(sys.executable)

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def syscall(nr, *args):
    """Raw syscall; raises OSError on failure, returns the result."""
    ctypes.set_errno(0)
    r = libc.syscall(ctypes.c_long(nr), *args)
    if r < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return r


def own_cmdline(pid="self"):
    with open("/proc/%s/cmdline" % pid, "rb") as f:
        raw = f.read()
    return " ".join(a.decode("utf-8", "surrogateescape") for a in raw.rstrip(b"\0").split(b"\0"))


def kernel_dev(st_dev):
    """st_dev (new_encode_dev) -> the kernel's s_dev encoding (MKDEV: major << 20 | minor)."""
    return (os.major(st_dev) << 20) | os.minor(st_dev)


def short(rec, limit=400):
    s = json.dumps(rec, ensure_ascii=False) if not isinstance(rec, str) else rec
    return s if len(s) <= limit else s[:limit] + "...(%d chars)" % len(s)


def require_root():
    if os.geteuid() != 0:
        if os.environ.get("CI"):
            pytest.fail("ward integration tests must run as root (CI is set, so this is a failure)")
        pytest.skip("ward integration tests need root")


def require_binary():
    if not os.access(WARD, os.X_OK):
        pytest.fail("%s is missing: run `make` at the repo root first" % WARD)


# ---------------------------------------------------------------- predicates

def get(rec, dotted, default=None):
    cur = rec
    for part in dotted.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return default
        cur = cur[part]
    return cur


def ev(access=None, pid=None, path=None, new_path=None, target_pid=None, event_type=None, **fields):
    """Predicate over event records. fields use dotted names with '__' for '.',
    e.g. file__requested_path='x'."""

    def pred(r):
        if r.get("kind") != "event":
            return False
        if access is not None and r.get("access_type") != access:
            return False
        if event_type is not None and r.get("event_type") != event_type:
            return False
        if pid is not None and get(r, "process.pid") != pid:
            return False
        if path is not None and get(r, "file.path") != path:
            return False
        if new_path is not None and get(r, "file.new_path") != new_path:
            return False
        if target_pid is not None and get(r, "target_process.pid") != target_pid:
            return False
        for k, v in fields.items():
            if get(r, k.replace("__", ".")) != v:
                return False
        return True

    desc = ", ".join(
        "%s=%r" % (k, v)
        for k, v in [("access", access), ("pid", pid), ("path", path), ("new_path", new_path),
                     ("target_pid", target_pid), ("event_type", event_type)] + list(fields.items())
        if v is not None)
    pred.desc = "event(%s)" % desc
    return pred


def check_event_common(r, access):
    """Fields every event must carry, with the right XDR numbers."""
    assert r["kind"] == "event"
    assert TIME_RE.match(r["time"]), r["time"]
    assert isinstance(r["seq"], int) and r["seq"] >= 0
    assert r["access_type"] == access
    assert r["access_type_id"] == ACCESS_IDS[access]
    etype = access.split("_")[0]
    assert r["event_type"] == etype
    assert r["event_type_id"] == EVENT_IDS[etype]
    assert isinstance(r["count"], int) and r["count"] >= 1
    p = r["process"]
    for k in ("pid", "tid", "ppid", "uid", "euid", "gid", "comm", "exe", "cmdline", "cwd",
              "start_time", "hash_id"):
        assert k in p, "process.%s missing in %s" % (k, short(r))
    assert HASH_RE.match(p["hash_id"]), p["hash_id"]
    assert TIME_RE.match(p["start_time"]), p["start_time"]


def check_self_process(r, cwd=None):
    """`process` is this very test process."""
    p = r["process"]
    assert p["pid"] == os.getpid()
    assert p["tid"] == threading.get_native_id()
    assert p["ppid"] == os.getppid()
    assert p["uid"] == os.getuid()
    assert p["euid"] == os.geteuid()
    assert p["gid"] == os.getgid()
    assert p["exe"] == PYTHON_EXE
    assert p["cmdline"] == own_cmdline()
    with open("/proc/self/comm") as f:
        assert p["comm"] == f.read().rstrip("\n")
    assert p["cwd"] == (cwd if cwd is not None else os.path.realpath(os.getcwd()))


# ---------------------------------------------------------------- ward process

class Ward:
    def __init__(self, args=(), name="ward", env=None):
        require_root()
        require_binary()
        self.args = list(args)
        self.name = name
        self.cmd = [WARD, "watch", "--json"] + self.args
        self.records = []          # every parsed stdout record, in order
        self.bad_lines = []        # stdout lines that were not JSON objects
        self.stderr_lines = []
        self.cond = threading.Condition()
        self.ready = threading.Event()
        self.stdout_eof = threading.Event()
        self.stderr_eof = threading.Event()
        self.rc = None
        self.final = None
        self._marker_dir = tempfile.mkdtemp(prefix="ward-marker-")
        penv = dict(os.environ)
        penv.update(env or {})
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, cwd=REPO, env=penv)
        self.pid = self.proc.pid
        self._t_out = threading.Thread(target=self._read_stdout, daemon=True)
        self._t_err = threading.Thread(target=self._read_stderr, daemon=True)
        self._t_out.start()
        self._t_err.start()
        deadline = time.monotonic() + READY_TIMEOUT
        while not self.ready.is_set():
            if self.proc.poll() is not None and self.stderr_eof.is_set():
                pytest.fail("ward exited with %s before 'ward: ready'\ncommand: %s\nstderr:\n%s"
                            % (self.proc.returncode, " ".join(self.cmd), self.stderr_text()))
            if time.monotonic() > deadline:
                self.kill()
                pytest.fail("ward did not print 'ward: ready' within %.0f s\nstderr:\n%s"
                            % (READY_TIMEOUT, self.stderr_text()))
            self.ready.wait(0.05)

    # -- readers
    def _read_stdout(self):
        for raw in iter(self.proc.stdout.readline, b""):
            line = raw.rstrip(b"\n")
            try:
                rec = json.loads(line.decode("utf-8"))
                if not isinstance(rec, dict):
                    raise ValueError("not a JSON object")
            except (ValueError, UnicodeDecodeError) as e:
                with self.cond:
                    self.bad_lines.append("%s: %r" % (e, raw[:2000]))
                    self.cond.notify_all()
                continue
            with self.cond:
                self.records.append(rec)
                self.cond.notify_all()
        with self.cond:
            self.stdout_eof.set()
            self.cond.notify_all()

    def _read_stderr(self):
        for raw in iter(self.proc.stderr.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self.cond:
                self.stderr_lines.append(line)
            if "ward: ready" in line:
                self.ready.set()
        self.stderr_eof.set()

    def stderr_text(self):
        return "\n".join(self.stderr_lines)

    # -- queries
    def check_bad_lines(self):
        if self.bad_lines:
            pytest.fail("ward printed %d stdout line(s) that are not JSON objects, first:\n%s"
                        % (len(self.bad_lines), self.bad_lines[0]))

    def snapshot(self):
        with self.cond:
            return list(self.records)

    def events(self, pred=None):
        return [r for r in self.snapshot() if r.get("kind") == "event" and (pred is None or pred(r))]

    def dump(self, n=30):
        recs = self.snapshot()[-n:]
        return ("last %d of %d records:\n%s\nward stderr:\n%s"
                % (len(recs), len(self.records), "\n".join(short(r) for r in recs), self.stderr_text()))

    def wait_for(self, pred, timeout=10.0, kind="event", what=None, since=0, fail=True):
        """First record (of `kind`, None = any) matching pred, from all records so
        far (from index since) and new ones. With fail=False, None on timeout."""
        deadline = time.monotonic() + timeout
        i = since
        with self.cond:
            while True:
                self.check_bad_lines()
                while i < len(self.records):
                    r = self.records[i]
                    i += 1
                    if (kind is None or r.get("kind") == kind) and pred(r):
                        return r
                left = deadline - time.monotonic()
                if left <= 0 or self.stdout_eof.is_set():
                    break
                self.cond.wait(min(left, 0.2))
        if not fail:
            return None
        pytest.fail("no record matching %s within %.1f s (ward %s)\n%s"
                    % (what or getattr(pred, "desc", pred), timeout,
                       "exited rc=%s" % self.proc.poll() if self.proc.poll() is not None else "running",
                       self.dump()))

    def wait_count(self, pred, n, timeout=10.0, what=None, since=0):
        """Wait until at least n events (from index since) match; return them."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                self.check_bad_lines()
                got = [r for r in self.records[since:] if r.get("kind") == "event" and pred(r)]
                if len(got) >= n:
                    return got
                left = deadline - time.monotonic()
                if left <= 0 or self.stdout_eof.is_set():
                    break
                self.cond.wait(min(left, 0.2))
        pytest.fail("only %d of %d events matching %s within %.1f s\n%s"
                    % (len(got), n, what or getattr(pred, "desc", pred), timeout, self.dump()))

    def marker(self, pid=None):
        """Make a FILE_OPEN event from this process (open an existing unique file
        read-only) and wait for it. Returns the marker record."""
        path = os.path.join(self._marker_dir, "marker-" + uuid.uuid4().hex)
        with open(path, "w"):
            pass
        fd = os.open(path, os.O_RDONLY)
        os.close(fd)
        return self.wait_for(ev("FILE_OPEN", pid=os.getpid() if pid is None else pid, path=path),
                             what="marker open of %s" % path)

    def position(self):
        """Index of the next record: pass as since= to assert_absent."""
        with self.cond:
            return len(self.records)

    def sync(self):
        """Make a marker event and wait for it; returns position() after it, so
        that everything caused before sync() is at an index below the result."""
        self.marker()
        return self.position()

    def assert_absent(self, pred, marker=None, what=None, since=0):
        """After the action was done, make a marker event (default: FILE_OPEN of a
        unique file by this process; or call marker() which must return a predicate
        for an event it caused), wait for it, and assert that no event matching
        pred was printed (records from index since on) before it or in the same batch."""
        if marker is None:
            self.marker()
        else:
            mp = marker()
            self.wait_for(mp, what="marker event")
        bad = [r for r in self.snapshot()[since:] if r.get("kind") == "event" and pred(r)]
        assert not bad, "unexpected %s:\n%s" % (
            what or getattr(pred, "desc", pred), "\n".join(short(r) for r in bad[:10]))

    # -- stop
    def stop(self, sig=signal.SIGINT, timeout=STOP_TIMEOUT):
        if self.rc is not None:
            return self.rc
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail("ward did not exit within %.0f s of %s\n%s"
                        % (timeout, signal.Signals(sig).name, self.dump()))
        self._t_out.join(5)
        self._t_err.join(5)
        finals = [r for r in self.records if r.get("kind") == "stats" and r.get("final") is True]
        self.final = finals[-1] if finals else None
        return self.rc

    def summary(self):
        """(captured, dropped) from the stderr summary line, or None."""
        for line in reversed(self.stderr_lines):
            m = SUMMARY_RE.search(line)
            if m:
                return int(m.group(1)), int(m.group(2))
        return None

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass

    def close(self):
        try:
            if self.rc is None and self.proc.poll() is None:
                self.stop()
        finally:
            self.kill()
            later_rmtree(self._marker_dir)


@pytest.fixture(scope="module")
def ward(request):
    """One ward shared by the tests of a module; a module may set WARD_ARGS."""
    w = Ward(getattr(request.module, "WARD_ARGS", ()))
    yield w
    w.close()
    w.check_bad_lines()


@pytest.fixture
def ward_factory():
    started = []

    def start(*args, env=None):
        w = Ward(args, env=env)
        started.append(w)
        return w

    yield start
    for w in started:
        w.close()


# Temporary directories are removed only at the end of the session: ward folds
# a process's repeated opens of one (inode number, device, flags) within
# --fold-ms, so a new file that reuses the inode number of a file this process
# opened a moment earlier in another test would be folded into it (see
# test_file.py::test_new_file_reusing_inode_number_reported). Keeping every
# file until the end keeps one test's inodes out of the next test's way.
_CLEANUP = []


def later_rmtree(d):
    _CLEANUP.append(d)


@pytest.fixture(scope="session", autouse=True)
def _session_cleanup():
    yield
    for d in _CLEANUP:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def tmpd():
    d = tempfile.mkdtemp(prefix="ward-it-")
    later_rmtree(d)
    return os.path.realpath(d)


# ---------------------------------------------------------------- puppet child

PUPPET_SRC = r"""
import os, sys
comm = sys.argv[1]
if comm != "-":
    with open("/proc/self/comm", "w") as f:
        f.write(comm)
out = sys.stdout
out.write("ready %d\n" % os.getpid()); out.flush()
for line in sys.stdin:
    op, _, arg = line.rstrip("\n").partition(" ")
    try:
        if op == "open":
            os.close(os.open(arg, os.O_RDONLY))
        elif op == "create":
            os.close(os.open(arg, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        elif op == "exit":
            os._exit(int(arg))
        else:
            raise ValueError(op)
        out.write("ok\n")
    except OSError as e:
        out.write("err %d\n" % e.errno)
    out.flush()
"""


class Puppet:
    """A child python process with a known pid that does one syscall per command."""

    def __init__(self, comm="-"):
        self.proc = subprocess.Popen([sys.executable, "-c", PUPPET_SRC, comm], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, bufsize=1)
        line = self.proc.stdout.readline()
        assert line.startswith("ready"), line
        self.pid = self.proc.pid

    def do(self, op, arg=""):
        self.proc.stdin.write("%s %s\n" % (op, arg))
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def puppet_factory():
    made = []

    def make(comm="-"):
        p = Puppet(comm)
        made.append(p)
        return p

    yield make
    for p in made:
        p.close()


def fork_child(fn):
    """Fork; the child runs fn() then _exit(0) (or _exit(99) on exception).
    Returns the child pid."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            r = fn()
            if isinstance(r, int):
                code = r
        except BaseException:
            code = 99
        os._exit(code)
    return pid


def touch(path, data=b"", mode=0o644):
    """Create (or truncate) and fill a file from a forked child, so that the
    setup makes no event with this process's pid."""
    def run():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        if data:
            os.write(fd, data)
        os.close(fd)

    pid = fork_child(run)
    _, status = os.waitpid(pid, 0)
    assert status == 0, "setup child failed to create %s" % path


def gated_child(fn):
    """Fork a child that waits for a byte on a pipe before running fn().
    Returns (pid, go) where go() releases it."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.close(w)
            os.read(r, 1)
            res = fn()
            if isinstance(res, int):
                code = res
        except BaseException:
            code = 99
        os._exit(code)
    os.close(r)

    def go():
        os.write(w, b"x")
        os.close(w)

    return pid, go
