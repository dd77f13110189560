#!/usr/bin/python3
"""Driver behind bench/run.sh: runs every workload bare and under each monitor,
interleaved (bare, monitored, bare, monitored, ...), and writes results.json,
RESULTS.md and results.png.

Only run.sh is meant to call this (it builds the workloads, installs the
comparison monitors, mounts tracefs and cleans up auditd even on failure).
Environment (set by run.sh): BENCH_SCRATCH, BENCH_WARD, PAIRS, QUICK,
BENCH_MONITORS, BENCH_WORKLOADS, BENCH_COMMAND, BENCH_STATE.
"""
import datetime
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(BENCH)
BIN = os.path.join(BENCH, "build")
SCRATCH = os.environ["BENCH_SCRATCH"]
STATE = os.environ.get("BENCH_STATE", os.path.join(SCRATCH, "state"))
WARD = os.environ.get("BENCH_WARD", os.path.join(REPO, "build", "ward"))
QUICK = os.environ.get("QUICK", "0") not in ("", "0")
PAIRS = int(os.environ.get("PAIRS") or (2 if QUICK else 5))
CLK_TCK = os.sysconf("SC_CLK_TCK")
START_TIMEOUT = 60
STOP_TIMEOUT = 120


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def median(xs):
    return statistics.median(xs) if xs else None


# ---------------------------------------------------------------- workloads

WORKDIR = os.environ.get("BENCH_WORKDIR", os.path.join(SCRATCH, "wl"))


def wl_dir(name):
    return os.path.join(WORKDIR, name)


class Workload:
    """name; n (ops); argv(n); setup(); ward_count(events, root, tree) -> (expected, captured_by_type)."""

    def __init__(self, name, title, n, qn, argv, setup=None, expected=None, note=""):
        self.name, self.title = name, title
        self.n = qn if QUICK else n
        self._argv, self._setup, self._expected, self.note = argv, setup, expected, note

    def argv(self):
        return self._argv(self.n)

    def setup(self):
        d = wl_dir(self.name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        if self._setup:
            self._setup(self.n)

    def expected(self):
        return self._expected(self.n) if self._expected else None


def P(*parts):
    return os.path.join(*parts)


def _setup_openmany(n):
    subprocess.run([P(BIN, "openmany"), "setup", str(n), P(wl_dir("openmany"), "f")], check=True)


def _setup_mixed(n):
    subprocess.run([P(BENCH, "workloads", "mixed.sh"), "setup", P(wl_dir("mixed"), "m")], check=True)


WORKLOADS = [
    Workload("open", "open+close of one file", 300000, 60000,
             lambda n: [P(BIN, "open1"), str(n), wl_dir("open")],
             expected=lambda n: {"FILE_OPEN": n}),
    Workload("openmany", "open of distinct files (each once)", 100000, 20000,
             lambda n: [P(BIN, "openmany"), "run", str(n), P(wl_dir("openmany"), "f")],
             setup=_setup_openmany, expected=lambda n: {"FILE_OPEN": n}),
    Workload("exec", "fork+exec /bin/true", 2000, 200,
             lambda n: [P(BIN, "execloop"), str(n)],
             expected=lambda n: {"PROCESS_CREATE": n, "PROCESS_EXECUTE": n, "PROCESS_TERMINATE": n}),
    Workload("connect", "loopback TCP connect+accept+close", 40000, 4000,
             lambda n: [P(BIN, "tcpconn"), str(n)],
             expected=lambda n: {"CONNECTION_CONNECT_OUTBOUND": n, "CONNECTION_CONNECT_INBOUND": n},
             note="ward's CONNECTION_CONNECT_OUTBOUND (connect) and CONNECTION_CONNECT_INBOUND (accept) are counted; "
                  "a ward build without network events sees only the process/file side here (expected then shows n/a); "
                  "auditd and bpftrace watch connect() only"),
    Workload("churn", "create+write 4 KiB+rename+unlink", 40000, 4000,
             lambda n: [P(BIN, "churn"), str(n), P(wl_dir("churn"), "c")],
             expected=lambda n: {t: n for t in ("FILE_CREATE", "FILE_MODIFY", "FILE_CLOSE",
                                                  "FILE_MOVE", "FILE_DELETE")}),
    Workload("mixed", "build-like: untar, grep, gcc -O0 x5, link, run", 15, 3,
             lambda n: [P(BENCH, "workloads", "mixed.sh"), "run", str(n), P(wl_dir("mixed"), "m")],
             setup=_setup_mixed,
             note="no exact expected count (tar, grep, gcc); captured = every event of the script's process tree"),
]


def ward_relevant(wl, ev, root, children):
    """Is this event one of the workload's own counted accesses? Returns the access type or None."""
    at = ev.get("access_type")
    f = ev.get("file") or {}
    pid = ev["process"]["pid"]
    if wl.name == "open":
        return at if at == "FILE_OPEN" and pid == root and f.get("path") == P(wl_dir("open"), "one") else None
    if wl.name == "openmany":
        return at if at == "FILE_OPEN" and pid == root and f.get("path", "").startswith(P(wl_dir("openmany"), "f") + "/") else None
    if wl.name == "exec":
        tp = (ev.get("target_process") or {}).get("pid")
        if at == "PROCESS_CREATE" and pid == root and tp in children:
            return at
        if at in ("PROCESS_EXECUTE", "PROCESS_TERMINATE") and tp in children:
            return at
        return None
    if wl.name == "connect":
        return at if pid == root and at in ("CONNECTION_CONNECT_OUTBOUND", "CONNECTION_CONNECT_INBOUND") else None
    if wl.name == "churn":
        return at if pid == root and f.get("path", "").startswith(P(wl_dir("churn"), "c") + "/") else None
    return None


# ---------------------------------------------------------------- running things

def run_workload(wl, on_pid=None):
    """Runs the workload; returns dict(ops_per_s, elapsed, pid). Raises on failure."""
    p = subprocess.Popen(wl.argv(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if on_pid:
        on_pid(p.pid)
    out, err = p.communicate()
    if p.returncode != 0:
        raise RuntimeError(f"workload {wl.name} exited {p.returncode}: {err.strip()[-500:]}")
    m = re.search(r"ops=(\d+) elapsed_s=([\d.]+) ops_per_s=([\d.]+)", out)
    if not m:
        raise RuntimeError(f"workload {wl.name}: no result line in {out!r}")
    return {"pid": p.pid, "ops": int(m.group(1)), "elapsed": float(m.group(2)), "ops_per_s": float(m.group(3))}


def proc_status(pid, key):
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])  # kB
    except OSError:
        pass
    return None


def proc_cpu_s(pid):
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime
    except (OSError, IndexError, ValueError):
        return None


OUR_PIDS = set()
FOREIGN_COMMS = {"ward", "bpftrace", "auditd", "opensnoop", "execsnoop", "fatrace", "forkstat", "falco", "tetragon"}


def foreign_monitors():
    """Monitors on this machine that this bench did not start (they watch our workloads too)."""
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) in OUR_PIDS:
            continue
        try:
            comm = open(f"/proc/{d}/comm").read().strip()
        except OSError:
            continue
        if comm in FOREIGN_COMMS:
            found.append(f"{comm}({d})")
    return found


QUIET_WAIT = float(os.environ.get("QUIET_WAIT", "10"))
QUIET_BUDGET = [float(os.environ.get("QUIET_BUDGET", "10" if QUICK else "60"))]


def wait_quiet():
    """Before a round: wait (bounded) until no foreign monitor runs. Returns what was still there."""
    t0 = time.time()
    limit = min(QUIET_WAIT, QUIET_BUDGET[0])
    while True:
        f = foreign_monitors()
        if not f or time.time() - t0 >= limit:
            QUIET_BUDGET[0] -= time.time() - t0
            if f:
                log(f"bench: foreign monitors still running, going on: {', '.join(f)}")
            return f
        time.sleep(0.5)


def remember_pid(kind, pid):
    """run.sh's trap stops whatever is listed here if we die."""
    OUR_PIDS.add(pid)
    os.makedirs(STATE, exist_ok=True)
    with open(P(STATE, kind + ".pid"), "w") as fh:
        fh.write(str(pid))


def forget_pid(kind):
    try:
        os.unlink(P(STATE, kind + ".pid"))
    except OSError:
        pass


def wait_with_timeout(proc, timeout):
    """wait4 with a deadline: returns (status, rusage) or (None, None) on timeout."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return status, ru
        time.sleep(0.02)
    return None, None


class MonitorError(Exception):
    pass


class Ward:
    name = "ward"
    desc = "ward watch --json > file (default settings)"

    def __init__(self):
        self.proc = None

    def start(self, tag):
        self.out = P(SCRATCH, f"ward-{tag}.jsonl")
        self.spawn([WARD, "watch", "--json"], open(self.out, "wb"))

    def spawn(self, argv, stdout):
        """Starts ward, waits for its readiness line, notes CPU and memory at ready."""
        self.errlines = []
        self.ready = threading.Event()
        self.proc = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.PIPE, text=True)
        remember_pid("ward", self.proc.pid)

        def reader():
            for line in self.proc.stderr:
                self.errlines.append(line.rstrip("\n"))
                if line.startswith("ward: ready"):
                    self.ready.set()
        self.reader = threading.Thread(target=reader, daemon=True)
        self.reader.start()
        deadline = time.time() + START_TIMEOUT
        while not self.ready.wait(0.05):
            if self.proc.poll() is not None or time.time() > deadline:
                self.kill()
                raise MonitorError(f"{self.name} did not become ready: " + " | ".join(self.errlines[-5:]))
        self.cpu0 = proc_cpu_s(self.proc.pid)
        self.hwm0 = proc_status(self.proc.pid, "VmHWM")

    def stop(self):
        pid = self.proc.pid
        hwm = proc_status(pid, "VmHWM")
        rss = proc_status(pid, "VmRSS")
        cpu_before_sigint = proc_cpu_s(pid)
        self.proc.send_signal(signal.SIGINT)
        status, ru = wait_with_timeout(self.proc, STOP_TIMEOUT)
        r = {"hwm_kb": hwm, "rss_kb": rss, "hwm_at_ready_kb": self.hwm0}
        if status is None:
            stack = ""
            try:
                stack = open(f"/proc/{pid}/stack").read()
            except OSError:
                pass
            r["error"] = f"ward did not exit {STOP_TIMEOUT}s after SIGINT (kernel stack: {stack.strip()!r}); killed"
            self.kill()
        else:
            self.reader.join(5)
            r["exit_code"] = self.proc.returncode
            r["cpu_s"] = ru.ru_utime + ru.ru_stime - (self.cpu0 or 0)
            r["cpu_s_drain"] = ru.ru_utime + ru.ru_stime - (cpu_before_sigint or 0)
            r["maxrss_kb"] = ru.ru_maxrss
            if self.proc.returncode != 0:
                r["error"] = f"ward exited {self.proc.returncode}: " + " | ".join(self.errlines[-3:])
        forget_pid("ward")
        for line in self.errlines:
            m = re.match(r"ward: (\d+) events captured, (\d+) dropped .*?, (\d+) repeats folded, (\d+) malformed", line)
            if m:
                r.update(events=int(m.group(1)), dropped_stderr=int(m.group(2)),
                         folded_stderr=int(m.group(3)), malformed_stderr=int(m.group(4)))
        r["stderr_tail"] = self.errlines[-3:]
        return r

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        forget_pid("ward")

    def analyse(self, wl, root):
        """Counts the workload's events in ward's output, then deletes the output."""
        final = None
        children = set()
        # pass 1: the process tree rooted at the workload (from PROCESS_CREATE events)
        tree = {root}
        creates = []
        with open(self.out, "rb") as fh:
            for raw in fh:
                if raw.startswith(b'{"kind":"event"') and b'"access_type":"PROCESS_CREATE"' in raw:
                    ev = json.loads(raw)
                    creates.append((ev["process"]["pid"], ev["target_process"]["pid"]))
                elif raw.startswith(b'{"kind":"stats"') and b'"final":true' in raw:
                    final = json.loads(raw)
        for parent, child in creates:  # in stream order, parents are created before children
            if parent in tree:
                tree.add(child)
                if parent == root:
                    children.add(child)
        pid_re = re.compile(rb'"process":\{"pid":(\d+),')
        captured, records, tree_events, tree_records, seqs = {}, {}, 0, 0, []
        events_total = 0
        with open(self.out, "rb") as fh:
            for raw in fh:
                if not raw.startswith(b'{"kind":"event"'):
                    continue
                events_total += 1
                m = pid_re.search(raw)
                pid = int(m.group(1)) if m else -1
                tp = re.search(rb'"target_process":\{"pid":(\d+),', raw)
                if pid not in tree and not (tp and int(tp.group(1)) in tree):
                    continue
                ev = json.loads(raw)
                tree_records += 1
                tree_events += ev.get("count", 1)
                at = ward_relevant(wl, ev, root, children)
                if at:
                    captured[at] = captured.get(at, 0) + ev.get("count", 1)
                    records[at] = records.get(at, 0) + 1
        size = os.path.getsize(self.out)
        os.unlink(self.out)
        return {"captured": captured, "records": records, "tree_events": tree_events,
                "tree_records": tree_records, "events_in_file": events_total, "output_bytes": size,
                "final": final}


class WardDaemon(Ward):
    """ward daemon with its default configuration (rules, ransomware, footprints, the
    durable zstd log, the socket), only its paths moved to scratch space; the log is
    decoded with `ward log cat --json` after the run and counted like watch's output."""
    name = "ward-daemon"
    desc = ("ward daemon, default configuration: rules, ransomware, footprints, durable "
            "zstd log (fsync per block), socket; counted from `ward log cat --json`")

    def start(self, tag):
        self.dir = P(SCRATCH, f"daemon-{tag}")
        os.makedirs(self.dir, exist_ok=True)
        self.conf = P(self.dir, "ward.yaml")
        with open(self.conf, "w") as fh:
            fh.write(f"socket:\n  path: {self.dir}/ward.sock\n"
                     f"log:\n  dir: {self.dir}/log\n"
                     f"footprints:\n  database: {self.dir}/footprints.db\n")
        self.out = P(SCRATCH, f"ward-daemon-{tag}.jsonl")
        self.spawn([WARD, "daemon", "--config", self.conf], subprocess.DEVNULL)

    def stop(self):
        r = super().stop()
        for line in self.errlines:
            m = re.match(r"ward: (\d+) events, (\d+) alerts, (\d+) dropped in the kernel", line)
            if m:
                r.update(events=int(m.group(1)), alerts=int(m.group(2)),
                         dropped_stderr=int(m.group(3)))
        log_dir = P(self.dir, "log")
        r["log_bytes"] = sum(os.path.getsize(P(log_dir, f)) for f in os.listdir(log_dir)) \
            if os.path.isdir(log_dir) else 0
        with open(self.out, "wb") as fh:
            cat = subprocess.run([WARD, "log", "cat", "--json", log_dir], stdout=fh,
                                 stderr=subprocess.PIPE, text=True)
        if cat.returncode != 0:
            r["error"] = f"ward log cat exited {cat.returncode}: {cat.stderr.strip()[-300:]}"
        shutil.rmtree(self.dir, ignore_errors=True)
        return r


class Auditd:
    name = "auditd"
    desc = "auditd, rules: execve; open,openat,openat2,creat; unlink,unlinkat,rename,renameat,renameat2; connect (b64), log to disk"
    RULES = [
        "-a always,exit -F arch=b64 -S execve -k wardbench",
        "-a always,exit -F arch=b64 -S open,openat,openat2,creat -k wardbench",
        "-a always,exit -F arch=b64 -S unlink,unlinkat,rename,renameat,renameat2 -k wardbench",
        "-a always,exit -F arch=b64 -S connect -k wardbench",
    ]

    def __init__(self):
        self.proc = None
        self.dir = P(SCRATCH, "auditd")
        os.makedirs(P(self.dir, "log"), exist_ok=True)
        os.makedirs(P(self.dir, "plugins.d"), exist_ok=True)
        conf = P(self.dir, "auditd.conf")
        with open(conf, "w") as fh:
            fh.write(f"""local_events = yes
write_logs = yes
log_file = {self.dir}/log/audit.log
log_format = ENRICHED
flush = INCREMENTAL_ASYNC
freq = 50
max_log_file = 8192
num_logs = 2
max_log_file_action = IGNORE
space_left = 100
space_left_action = IGNORE
admin_space_left = 50
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = IGNORE
priority_boost = 4
name_format = NONE
q_depth = 2000
overflow_action = SYSLOG
max_restarts = 10
plugin_dir = {self.dir}/plugins.d
end_of_event_timeout = 2
""")
        os.chmod(conf, 0o600)
        with open(P(self.dir, "rules"), "w") as fh:
            fh.write("-b 8192\n" + "\n".join(self.RULES) + "\n")

    @staticmethod
    def status():
        out = subprocess.run(["auditctl", "-s"], capture_output=True, text=True).stdout
        return {k: v for k, v in (line.split(" ", 1) for line in out.splitlines() if " " in line)}

    def start(self, tag):
        st = self.status()
        if st.get("pid", "0") != "0":
            raise MonitorError(f"another auditd (pid {st['pid']}) is already running; not touching it")
        log_file = P(self.dir, "log", "audit.log")
        if os.path.exists(log_file):
            os.unlink(log_file)
        self.proc = subprocess.Popen(["/usr/sbin/auditd", "-n", "-c", self.dir],
                                     stdout=subprocess.DEVNULL, stderr=open(P(self.dir, "auditd.err"), "w"))
        remember_pid("auditd", self.proc.pid)
        deadline = time.time() + START_TIMEOUT
        while self.status().get("pid") != str(self.proc.pid):
            if self.proc.poll() is not None or time.time() > deadline:
                err = open(P(self.dir, "auditd.err")).read().strip()[-300:]
                self.kill()
                raise MonitorError(f"auditd did not register with the kernel: {err}")
            time.sleep(0.05)
        r = subprocess.run(["auditctl", "-R", P(self.dir, "rules")], capture_output=True, text=True)
        if r.returncode != 0:
            self.kill()
            raise MonitorError("auditctl -R failed: " + (r.stderr or r.stdout).strip()[-300:])
        subprocess.run(["auditctl", "-e", "1"], capture_output=True)
        self.lost0 = int(self.status().get("lost", 0))

    def delete_rules(self):
        for rule in self.RULES:
            subprocess.run(["auditctl", "-d"] + rule.split()[1:], capture_output=True)

    def stop(self):
        lost1 = int(self.status().get("lost", 0))
        self.delete_rules()
        time.sleep(0.2)  # let auditd write what the kernel queued
        self.proc.terminate()
        status, ru = wait_with_timeout(self.proc, STOP_TIMEOUT)
        r = {"lost": lost1 - self.lost0}
        if status is None:
            r["error"] = "auditd did not exit after SIGTERM; killed"
            self.kill()
        forget_pid("auditd")
        log_file = P(self.dir, "log", "audit.log")
        if os.path.exists(log_file):
            r["output_bytes"] = os.path.getsize(log_file)
            r["records"] = int(subprocess.run(["grep", "-c", "type=SYSCALL", log_file],
                                              capture_output=True, text=True).stdout.strip() or 0)
            os.unlink(log_file)
        if ru:
            r["cpu_s"] = ru.ru_utime + ru.ru_stime
        return r

    def kill(self):
        self.delete_rules()
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        forget_pid("auditd")

    def analyse(self, wl, root):
        return {}


BPFTRACE_SCRIPT = r"""
BEGIN { printf("READY\n"); }
tracepoint:syscalls:sys_enter_open { printf("%d %s open %s\n", pid, comm, str(args->filename)); }
tracepoint:syscalls:sys_enter_openat { printf("%d %s openat %s\n", pid, comm, str(args->filename)); }
tracepoint:syscalls:sys_enter_openat2 { printf("%d %s openat2 %s\n", pid, comm, str(args->filename)); }
tracepoint:syscalls:sys_enter_creat { printf("%d %s creat %s\n", pid, comm, str(args->pathname)); }
tracepoint:syscalls:sys_enter_execve { printf("%d %s execve %s\n", pid, comm, str(args->filename)); }
tracepoint:syscalls:sys_enter_unlink { printf("%d %s unlink %s\n", pid, comm, str(args->pathname)); }
tracepoint:syscalls:sys_enter_unlinkat { printf("%d %s unlinkat %s\n", pid, comm, str(args->pathname)); }
tracepoint:syscalls:sys_enter_rename { printf("%d %s rename %s %s\n", pid, comm, str(args->oldname), str(args->newname)); }
tracepoint:syscalls:sys_enter_renameat { printf("%d %s renameat %s %s\n", pid, comm, str(args->oldname), str(args->newname)); }
tracepoint:syscalls:sys_enter_renameat2 { printf("%d %s renameat2 %s %s\n", pid, comm, str(args->oldname), str(args->newname)); }
tracepoint:syscalls:sys_enter_connect { printf("%d %s connect fd=%d\n", pid, comm, args->fd); }
"""


class Bpftrace:
    name = "bpftrace"
    desc = "bpftrace: sys_enter tracepoints of the same syscalls as auditd, one printf per event, -o file"

    def __init__(self):
        self.proc = None
        self.script = P(SCRATCH, "bench.bt")
        with open(self.script, "w") as fh:
            fh.write(BPFTRACE_SCRIPT)

    def start(self, tag):
        self.out = P(SCRATCH, f"bpftrace-{tag}.out")
        self.errf = P(SCRATCH, f"bpftrace-{tag}.err")
        self.proc = subprocess.Popen(["bpftrace", "-o", self.out, self.script],
                                     stdout=subprocess.DEVNULL, stderr=open(self.errf, "w"))
        remember_pid("bpftrace", self.proc.pid)
        deadline = time.time() + START_TIMEOUT
        while True:
            try:
                with open(self.out, "rb") as fh:
                    if b"READY" in fh.read(4096):
                        break
            except OSError:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                self.kill()
                raise MonitorError("bpftrace did not start: " + self._err())
            time.sleep(0.05)
        # BEGIN's output is no proof that every probe is attached: also wait for one
        # perf_event fd per tracepoint probe
        want = BPFTRACE_SCRIPT.count("tracepoint:")
        while self.perf_fds() < want and time.time() < deadline:
            time.sleep(0.05)

    def perf_fds(self):
        n = 0
        try:
            for fd in os.listdir(f"/proc/{self.proc.pid}/fd"):
                try:
                    n += "perf_event" in os.readlink(f"/proc/{self.proc.pid}/fd/{fd}")
                except OSError:
                    pass
        except OSError:
            pass
        return n

    def _err(self):
        try:
            lines = [l for l in open(self.errf).read().splitlines() if "RLIMIT_MEMLOCK" not in l]
            return " | ".join(lines[-3:])
        except OSError:
            return ""

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        status, ru = wait_with_timeout(self.proc, STOP_TIMEOUT)
        r = {}
        if status is None:
            r["error"] = "bpftrace did not exit after SIGINT; killed"
            self.kill()
        forget_pid("bpftrace")
        if ru:
            r["cpu_s"] = ru.ru_utime + ru.ru_stime
        lost = 0
        lines = 0
        with open(self.out, "rb") as fh:
            for raw in fh:
                lines += 1
                m = re.match(rb"Lost (\d+) events", raw)
                if m:
                    lost += int(m.group(1))
        r.update(records=lines, lost=lost, output_bytes=os.path.getsize(self.out))
        os.unlink(self.out)
        return r

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        forget_pid("bpftrace")

    def analyse(self, wl, root):
        return {}


# ---------------------------------------------------------------- the run

def probe(mon):
    """Start and stop the monitor once; returns None or the reason it cannot run."""
    try:
        mon.start("probe")
        mon.stop()
        if isinstance(mon, Ward):
            os.unlink(mon.out)
        return None
    except Exception as e:  # noqa: BLE001 - any failure means: cannot run here
        try:
            mon.kill()
        except Exception:  # noqa: BLE001
            pass
        return f"{type(e).__name__}: {e}"


def machine_info():
    cpu = "?"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    git = lambda *a: subprocess.run(["git", "-C", REPO] + list(a), capture_output=True, text=True).stdout.rstrip()
    dirty = "\n".join(l.split(None, 1)[-1] for l in git("status", "--porcelain", "--untracked-files=no").splitlines())
    ward_st = os.stat(WARD)
    sha = subprocess.run(["sha256sum", WARD], capture_output=True, text=True).stdout.split()[0][:16]
    others = subprocess.run(["ps", "-eo", "pcpu,comm", "--sort=-pcpu"], capture_output=True, text=True).stdout.splitlines()[1:6]
    tools = {}
    for t, cmd in (("bpftrace", ["bpftrace", "--version"]), ("auditd", ["dpkg-query", "-W", "-f=${Version}", "auditd"]),
                   ("gcc", ["gcc", "-dumpfullversion"])):
        try:
            tools[t] = subprocess.run(cmd, capture_output=True, text=True).stdout.strip()
        except OSError:
            tools[t] = "not installed"
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "commit": git("rev-parse", "HEAD"), "commit_subject": git("log", "-1", "--format=%s"),
        "dirty_files": dirty.splitlines(),
        "ward_binary": {"path": WARD, "sha256_16": sha, "desc": os.environ.get("BENCH_WARD_DESC", ""),
                        "mtime": datetime.datetime.fromtimestamp(ward_st.st_mtime).strftime("%Y-%m-%d %H:%M:%S")},
        "cores": os.cpu_count(), "kernel": os.uname().release, "cpu": cpu,
        "mem_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "loadavg_start": open("/proc/loadavg").read().split()[:3],
        "top_processes_start": [l.strip() for l in others],
        "tools": tools,
        "workdir_fs": fs_type(WORKDIR), "logdir_fs": fs_type(SCRATCH),
    }


def fs_type(path):
    """File system type of the mount holding path (from /proc/mounts)."""
    best, kind = "", "?"
    path = os.path.realpath(path)
    for line in open("/proc/mounts"):
        dev, mnt, typ = line.split()[:3]
        if (path == mnt or path.startswith(mnt.rstrip("/") + "/")) and len(mnt) >= len(best):
            best, kind = mnt, f"{typ} ({dev} on {mnt})"
    return kind


def main():
    want_mon = os.environ.get("BENCH_MONITORS", "ward,ward-daemon,auditd,bpftrace").split(",")
    want_wl = os.environ.get("BENCH_WORKLOADS", ",".join(w.name for w in WORKLOADS)).split(",")
    unavailable = {k: v for k, v in json.loads(os.environ.get("BENCH_UNAVAILABLE", "{}")).items()}
    info = machine_info()
    info.update(pairs=PAIRS, quick=QUICK, command=os.environ.get("BENCH_COMMAND", "bench/run.sh"))
    t_start = time.time()

    monitors = []
    ctor = {"ward": Ward, "ward-daemon": WardDaemon, "auditd": Auditd, "bpftrace": Bpftrace}
    for name in want_mon:
        if name in unavailable:
            continue
        if name not in ctor:
            unavailable[name] = "unknown monitor"
            continue
        try:
            mon = ctor[name]()
        except Exception as e:  # noqa: BLE001
            unavailable[name] = f"{type(e).__name__}: {e}"
            continue
        why = probe(mon)
        if why:
            unavailable[name] = why
            log(f"bench: {name} cannot run here: {why}")
        else:
            monitors.append(mon)
    log("bench: monitors: " + ", ".join(m.name for m in monitors) +
        (f"; not available: {', '.join(unavailable)}" if unavailable else ""))

    results = {"info": info, "unavailable": unavailable,
               "monitors": {m.name: m.desc for m in monitors}, "workloads": []}
    wls = [w for w in WORKLOADS if w.name in want_wl]
    for wl in wls:
        log(f"bench: {wl.name} ({wl.title}), {wl.n} ops: setup")
        wl.setup()
        entry = {"name": wl.name, "title": wl.title, "n": wl.n, "note": wl.note,
                 "expected": wl.expected(), "runs": []}
        results["workloads"].append(entry)
        try:
            run_workload(wl)  # warm-up, discarded
        except Exception as e:  # noqa: BLE001
            entry["error"] = str(e)
            log(f"bench: {wl.name}: {e}")
            continue
        for pair in range(PAIRS):
            order = monitors[pair % len(monitors):] + monitors[:pair % len(monitors)] if monitors else []
            for mon in order:
                run = {"pair": pair, "monitor": mon.name, "foreign": wait_quiet()}
                try:
                    run["bare"] = run_workload(wl)
                    mon.start(f"{wl.name}-{pair}")
                    try:
                        run["mon"] = run_workload(wl)
                    finally:
                        run["mon_stats"] = mon.stop()
                    run["foreign"] = sorted(set(run["foreign"]) | set(foreign_monitors()))
                    if "error" in run["mon_stats"]:
                        run["error"] = run["mon_stats"]["error"]
                    run["ward"] = mon.analyse(wl, run["mon"]["pid"])
                    run["ratio"] = run["bare"]["ops_per_s"] / run["mon"]["ops_per_s"]
                except Exception as e:  # noqa: BLE001
                    run["error"] = f"{type(e).__name__}: {e}"
                    try:
                        mon.kill()
                    except Exception:  # noqa: BLE001
                        pass
                entry["runs"].append(run)
                msg = f"ratio {run['ratio']:.2f}x" if "ratio" in run else f"ERROR {run.get('error')}"
                if mon.name.startswith("ward") and run.get("ward"):
                    cap = sum(run["ward"]["captured"].values())
                    exp = sum((wl.expected() or {}).values())
                    if not wl.expected():
                        cap = run["ward"]["tree_events"]
                    msg += (f", captured {cap}/{exp if wl.expected() else 'n/a (whole process tree)'}, "
                            f"dropped {run['ward'].get('final', {}).get('dropped') if run['ward'].get('final') else '?'}")
                log(f"bench: {wl.name} pair {pair + 1}/{PAIRS} {mon.name}: {msg}")
        with open(P(BENCH, "build", "results-partial.json"), "w") as fh:
            json.dump(results, fh, indent=1)

    info["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
    info["duration_s"] = round(time.time() - t_start, 1)
    out_json = os.environ.get("BENCH_JSON", P(BENCH, "results.json"))
    with open(out_json, "w") as fh:
        json.dump(results, fh, indent=1)
    import report  # noqa: E402  (same directory)
    report.write(results, os.environ.get("BENCH_RESULTS_MD", P(BENCH, "RESULTS.md")),
                 os.environ.get("BENCH_PNG", P(BENCH, "results.png")))


if __name__ == "__main__":
    # SIGTERM/SIGINT: unwind through the finally blocks that stop the running monitor
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(130))
    main()
