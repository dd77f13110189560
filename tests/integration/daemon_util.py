"""Helpers for the `ward daemon` integration tests (test_daemon_*.py).

  Daemon          one `build/ward daemon --config FILE` with its own temp config
                  (socket, log dir, footprints db in a tmp dir; short intervals)
  Events          one `ward events --json --socket ...` client, with Ward's
                  wait_for()/assert_absent() over what it prints
  daemon_factory  fixture: start Daemons, stop them (SIGTERM, exit 0) at teardown
  run_ward(...)   run a ward subcommand, return CompletedProcess (text)
"""

import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
import uuid

import pytest

from conftest import REPO, WARD, Ward, ev, later_rmtree, require_binary, require_root

READY_TIMEOUT = 30.0
STOP_TIMEOUT = 20.0


def run_ward(*args, timeout=30, **kw):
    return subprocess.run([WARD] + [str(a) for a in args], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=timeout, cwd=REPO, **kw)


def wait_until(cond, timeout, what, interval=0.05, dump=lambda: ""):
    """Poll cond() until it returns something truthy; fail with what + dump() otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            pytest.fail("timed out after %.1f s waiting for %s\n%s" % (timeout, what, dump()))
        time.sleep(interval)


def to_yaml(d, indent=0):
    """A nested dict as YAML (scalars as JSON strings, which YAML reads the same)."""
    out = []
    for k, v in d.items():
        pad = "  " * indent
        if isinstance(v, dict):
            out.append("%s%s:" % (pad, k))
            out.append(to_yaml(v, indent + 1))
        elif isinstance(v, (list, tuple)):
            out.append("%s%s: [%s]" % (pad, k, ", ".join(json.dumps(x) for x in v)))
        elif isinstance(v, bool):
            out.append("%s%s: %s" % (pad, k, "true" if v else "false"))
        elif isinstance(v, int):
            out.append("%s%s: %d" % (pad, k, v))
        else:
            out.append("%s%s: %s" % (pad, k, json.dumps(v)))
    return "\n".join(x for x in out if x)


def merge(base, over):
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            merge(base[k], v)
        else:
            base[k] = v
    return base


class Daemon:
    def __init__(self, cfg=None, env=None, start=True, d=None):
        require_root()
        require_binary()
        if d is None:
            d = tempfile.mkdtemp(prefix="ward-daemon-")
            later_rmtree(d)
        self.dir = os.path.realpath(d)
        self.sock = os.path.join(self.dir, "ward.sock")
        self.log_dir = os.path.join(self.dir, "log")
        self.db = os.path.join(self.dir, "footprints.db")
        self.config_path = os.path.join(self.dir, "ward.yaml")
        self.cfg = merge({
            "daemon": {"stats_interval": "1s"},
            "sensor": {"flush_ms": 20},
            "socket": {"path": self.sock},
            "log": {"dir": self.log_dir, "flush_interval": "100ms"},
            "footprints": {"database": self.db, "flush_interval": "200ms"},
            "detection": {"rules": {"files": []},
                          "profiles": {"dir": os.path.join(self.dir, "profiles")}},
        }, cfg or {})
        self.env = env
        self.write_config()
        self.proc = None
        self.rc = None
        self.stderr_lines = []
        self.all_stderr = []       # every run's stderr, for dumps
        self.cond = threading.Condition()
        self.marker_dir = os.path.join(self.dir, "markers")
        os.makedirs(self.marker_dir, exist_ok=True)
        self.clients = []
        if start:
            self.start()

    def write_config(self, text=None):
        with open(self.config_path, "w") as f:
            f.write(text if text is not None else to_yaml(self.cfg) + "\n")

    # -- process
    def start(self, expect_ready=True):
        penv = dict(os.environ)
        penv.update(self.env or {})
        self.rc = None
        with self.cond:
            self.stderr_lines = []
        self.proc = subprocess.Popen([WARD, "daemon", "--config", self.config_path],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, cwd=REPO, env=penv)
        self.pid = self.proc.pid
        self._t_err = threading.Thread(target=self._read_stderr, args=(self.proc,), daemon=True)
        self._t_err.start()
        if expect_ready:
            self.wait_stderr(r"^ward: ready$", READY_TIMEOUT, what="'ward: ready'")
        return self

    def _read_stderr(self, proc):
        for raw in iter(proc.stderr.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self.cond:
                if proc is self.proc:
                    self.stderr_lines.append(line)
                self.all_stderr.append(line)
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def stderr_text(self):
        with self.cond:
            return "\n".join(self.stderr_lines)

    def dump(self):
        with self.cond:
            return "daemon stderr (every run):\n" + "\n".join(self.all_stderr[-200:])

    def wait_stderr(self, regex, timeout=10.0, what=None, since=0):
        """First stderr line (of this run, from index since) matching regex."""
        rx = re.compile(regex)
        deadline = time.monotonic() + timeout
        i = since
        with self.cond:
            while True:
                while i < len(self.stderr_lines):
                    m = rx.search(self.stderr_lines[i])
                    i += 1
                    if m:
                        return m
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self._t_err.is_alive()):
                    break
                self.cond.wait(min(left, 0.1))
        pytest.fail("daemon stderr has no line matching %s within %.1f s (daemon %s)\n%s"
                    % (what or regex, timeout,
                       "exited rc=%s" % self.proc.poll() if self.proc.poll() is not None
                       else "running", self.dump()))

    def stderr_pos(self):
        with self.cond:
            return len(self.stderr_lines)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, expect=0):
        if self.proc is None or self.rc is not None:
            return self.rc
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.rc = self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            pytest.fail("daemon did not exit within %.0f s of %s\n%s"
                        % (STOP_TIMEOUT, signal.Signals(sig).name, self.dump()))
        self._t_err.join(5)
        if expect is not None and self.rc != expect:
            pytest.fail("daemon exited %s, expected %s\n%s" % (self.rc, expect, self.dump()))
        return self.rc

    def kill9(self):
        self.proc.kill()
        self.rc = self.proc.wait(10)
        self._t_err.join(5)
        return self.rc

    def hup(self):
        self.proc.send_signal(signal.SIGHUP)

    def close(self):
        for c in self.clients:
            c.kill()
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.stop()
            finally:
                if self.proc.poll() is None:
                    self.proc.kill()
                    self.proc.wait()

    # -- activity
    def marker_path(self, tag="marker"):
        path = os.path.join(self.marker_dir, "%s-%s" % (tag, uuid.uuid4().hex))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.close(fd)
        return path

    def open_marker(self, tag="marker"):
        """A FILE_OPEN by this process of a new unique file; returns its path."""
        path = self.marker_path(tag)
        os.close(os.open(path, os.O_RDONLY))
        return path

    # -- clients and commands
    def events(self, *args, ready=True):
        c = Events(self, *args, ready=False)
        self.clients.append(c)
        if ready:
            c.wait_subscribed()
        return c

    def status_json(self):
        r = run_ward("status", "--socket", self.sock, "--json")
        assert r.returncode == 0, "ward status --json: rc %d\n%s\n%s\n%s" % (
            r.returncode, r.stdout, r.stderr, self.dump())
        lines = r.stdout.split("\n")
        assert len(lines) == 3 and lines[2] == "", "not two JSON lines: %r" % r.stdout[:3000]
        return [json.loads(l) for l in lines[:2]]


class Events(Ward):
    """`ward events --json --socket SOCK ARGS...`: records in .records, and the
    Ward class's wait_for / wait_count / assert_absent / stop."""

    def __init__(self, daemon, *args, ready=True):  # pylint: disable=super-init-not-called
        self.daemon = daemon
        self.args = list(args)
        self.name = "events"
        self.cmd = [WARD, "events", "--socket", daemon.sock, "--json"] + self.args
        self.records, self.bad_lines, self.stderr_lines = [], [], []
        self.cond = threading.Condition()
        self.ready = threading.Event()
        self.stdout_eof = threading.Event()
        self.stderr_eof = threading.Event()
        self.rc = None
        self.final = None
        self._marker_dir = daemon.marker_dir
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, cwd=REPO)
        self.pid = self.proc.pid
        self._t_out = threading.Thread(target=self._read_stdout, daemon=True)
        self._t_err = threading.Thread(target=self._read_stderr, daemon=True)
        self._t_out.start()
        self._t_err.start()
        if ready:
            self.wait_subscribed()

    def wait_subscribed(self, timeout=15.0):
        """The client sees events once a marker opened after connecting arrives:
        open a new marker every 100 ms until one does."""
        deadline = time.monotonic() + timeout
        mine = os.getpid()
        while time.monotonic() < deadline:
            path = self.daemon.open_marker("sub")
            if self.wait_for(ev("FILE_OPEN", pid=mine, path=path), timeout=0.3, fail=False):
                return
            if self.proc.poll() is not None:
                break
        pytest.fail("`%s` did not receive a marker within %.0f s (rc %s)\nstderr: %s\n%s"
                    % (" ".join(self.cmd), timeout, self.proc.poll(), "\n".join(self.stderr_lines),
                       self.daemon.dump()))

    def dump(self, n=30):
        return Ward.dump(self, n) + "\n" + self.daemon.dump()

    def stop(self, sig=signal.SIGINT, timeout=10.0):
        return Ward.stop(self, sig, timeout)


@pytest.fixture
def daemon_factory():
    started = []

    def start(cfg=None, env=None, start=True, d=None):
        dm = Daemon(cfg, env=env, start=start, d=d)
        started.append(dm)
        return dm

    yield start
    for dm in started:
        print(dm.dump())
        dm.close()


def stats_records(recs):
    return [r for r in recs if r.get("kind") == "stats" and not r.get("startup")]


def sink(rec, name):
    for s in rec.get("sinks", []):
        if s["name"] == name:
            return s
    return None
