"""PROCESS_CREATE, PROCESS_EXECUTE, PROCESS_TERMINATE and the `process` object."""

import calendar
import os
import signal
import subprocess
import threading
import time

from conftest import (PYTHON_EXE, HASH_RE, TIME_RE, check_event_common, check_self_process, ev,
                      fork_child, gated_child, own_cmdline)


def parse_rfc3339(s):
    assert TIME_RE.match(s), s
    secs = calendar.timegm(time.strptime(s[:19], "%Y-%m-%dT%H:%M:%S"))
    return secs + int(s[20:29]) / 1e9


def test_fork_reports_process_create(ward):
    child = fork_child(lambda: 0)
    os.waitpid(child, 0)
    r = ward.wait_for(ev("PROCESS_CREATE", pid=os.getpid(), target_pid=child))
    check_event_common(r, "PROCESS_CREATE")
    check_self_process(r)
    assert r["count"] == 1
    assert HASH_RE.match(r["target_process"]["hash_id"])
    assert r["target_process"]["hash_id"] != r["process"]["hash_id"]


def test_exec_reports_process_execute(ward):
    argv = ["true", "ward-exec-test", "two words", "--x=1"]
    child, go = gated_child(lambda: os.execv("/bin/true", argv))
    go()
    os.waitpid(child, 0)
    r = ward.wait_for(ev("PROCESS_EXECUTE", pid=child))
    check_event_common(r, "PROCESS_EXECUTE")
    p, t = r["process"], r["target_process"]
    # the process as it was before the exec: a fork of this python
    assert p["pid"] == child
    assert p["tid"] == child
    assert p["ppid"] == os.getpid()
    assert p["exe"] == PYTHON_EXE
    assert p["cmdline"] == own_cmdline()
    with open("/proc/self/comm") as f:
        assert p["comm"] == f.read().rstrip("\n")
    # the new image
    assert t["pid"] == child
    assert t["exe"] == os.path.realpath("/bin/true") == "/usr/bin/true"
    assert t["argv"] == argv
    assert t["cmdline"] == " ".join(argv)
    assert HASH_RE.match(t["hash_id"])


def test_exec_then_events_carry_new_image(ward, tmpd):
    """After exec, the process's own events show the new exe and cmdline."""
    path = os.path.join(tmpd, "catme")
    with open(path, "w") as f:
        f.write("x")
    argv = ["cat", path]

    def run():
        os.dup2(os.open("/dev/null", os.O_WRONLY), 1)
        os.execv("/bin/cat", argv)

    child, go = gated_child(run)
    go()
    os.waitpid(child, 0)
    r = ward.wait_for(ev("FILE_OPEN", pid=child, path=path))
    assert r["process"]["exe"] == "/usr/bin/cat"
    assert r["process"]["cmdline"] == " ".join(argv)
    assert r["process"]["comm"] == "cat"
    assert r["process"]["ppid"] == os.getpid()


def test_exit_code_3(ward):
    child = fork_child(lambda: 3)
    _, status = os.waitpid(child, 0)
    assert status == 768
    r = ward.wait_for(ev("PROCESS_TERMINATE", pid=child))
    check_event_common(r, "PROCESS_TERMINATE")
    assert r["process"]["pid"] == child
    assert r["target_process"]["pid"] == child
    assert r["target_process"]["exit_code"] == 768


def test_killed_by_sigkill_exit_code_9(ward):
    child, _go = gated_child(lambda: 0)   # blocks reading the pipe until killed
    os.kill(child, signal.SIGKILL)
    _, status = os.waitpid(child, 0)
    assert status == 9
    r = ward.wait_for(ev("PROCESS_TERMINATE", pid=child))
    check_event_common(r, "PROCESS_TERMINATE")
    assert r["target_process"]["pid"] == child
    assert r["target_process"]["exit_code"] == 9


def test_hash_id_stable_per_process_and_distinct_between_processes(ward, tmpd):
    a = os.path.join(tmpd, "a")
    b = os.path.join(tmpd, "b")
    for p in (a, b):
        with open(p, "w"):
            pass
    os.close(os.open(a, os.O_RDONLY))
    os.close(os.open(b, os.O_RDONLY))
    child = fork_child(lambda: os.close(os.open(a, os.O_RDONLY)))
    os.waitpid(child, 0)
    ra = ward.wait_for(ev("FILE_OPEN", pid=os.getpid(), path=a))
    rb = ward.wait_for(ev("FILE_OPEN", pid=os.getpid(), path=b))
    rc = ward.wait_for(ev("FILE_OPEN", pid=child, path=a))
    fork_ev = ward.wait_for(ev("PROCESS_CREATE", pid=os.getpid(), target_pid=child))
    assert ra["process"]["hash_id"] == rb["process"]["hash_id"]
    assert ra["process"]["start_time"] == rb["process"]["start_time"]
    assert rc["process"]["hash_id"] != ra["process"]["hash_id"]
    # the child's hash_id announced in PROCESS_CREATE is the one its own events carry
    assert fork_ev["target_process"]["hash_id"] == rc["process"]["hash_id"]


def test_cwd_follows_chdir(ward, tmpd):
    sub = os.path.join(tmpd, "sub")
    os.mkdir(sub)
    with open(os.path.join(sub, "f"), "w"):
        pass
    old = os.getcwd()
    os.chdir(sub)
    try:
        os.close(os.open("f", os.O_RDONLY))
    finally:
        os.chdir(old)
    r = ward.wait_for(ev("FILE_OPEN", pid=os.getpid(), path=os.path.join(sub, "f")))
    assert r["process"]["cwd"] == sub
    assert r["file"]["requested_path"] == "f"


def test_process_started_before_ward(ward_factory):
    """A process running before ward started is known from /proc."""
    sh = subprocess.Popen(["/bin/sh", "-c", "read x; cat /etc/hostname"], stdin=subprocess.PIPE,
                          stdout=subprocess.DEVNULL)
    try:
        w = ward_factory()
        sh.stdin.write(b"go\n")
        sh.stdin.close()
        sh.wait(10)
        r = w.wait_for(lambda r: r["process"]["pid"] == sh.pid, what="any event from pid %d" % sh.pid)
        p = r["process"]
        assert r["access_type"] in ("PROCESS_CREATE", "PROCESS_EXECUTE"), r
        assert p["exe"] == os.path.realpath("/bin/sh")
        assert p["cmdline"] == "/bin/sh -c read x; cat /etc/hostname"
        assert p["comm"] == "sh"
        assert p["ppid"] == os.getpid()
        assert p["cwd"] == os.path.realpath(os.getcwd())
        # start_time agrees with /proc/<pid>/stat (10 ms ticks) within a second
        with open("/proc/stat") as f:
            btime = int(next(l for l in f if l.startswith("btime")).split()[1])
        # sh already exited; its start is between our Popen and ward's start: bound loosely
        st = parse_rfc3339(p["start_time"])
        assert btime < st <= time.time()
        o = w.wait_for(ev("FILE_OPEN", path=os.path.realpath("/etc/hostname"),
                          process__exe="/usr/bin/cat"))
        assert o["process"]["pid"] == sh.pid or o["process"]["ppid"] == sh.pid
        assert o["process"]["cmdline"] == "cat /etc/hostname"
    finally:
        if sh.poll() is None:
            sh.kill()
            sh.wait()


def test_start_time_of_preexisting_process_matches_proc(ward_factory):
    """start_time of a process seeded from /proc equals its kernel start time."""
    sl = subprocess.Popen(["/bin/sleep", "30"])
    try:
        with open("/proc/%d/stat" % sl.pid) as f:
            ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/stat") as f:
            btime = int(next(l for l in f if l.startswith("btime")).split()[1])
        expect = btime + ticks / os.sysconf("SC_CLK_TCK")
        w = ward_factory()
        sl.kill()
        sl.wait()
        r = w.wait_for(ev("PROCESS_TERMINATE", pid=sl.pid))
        assert r["target_process"]["exit_code"] == 9
        assert r["process"]["exe"] == "/usr/bin/sleep"
        assert r["process"]["cmdline"] == "/bin/sleep 30"
        # btime is whole seconds, so allow 1 s
        assert abs(parse_rfc3339(r["process"]["start_time"]) - expect) <= 1.0, r["process"]["start_time"]
    finally:
        if sl.poll() is None:
            sl.kill()
            sl.wait()


def test_failed_exec_not_reported(ward):
    def run():
        try:
            os.execv("/nonexistent/ward-test-binary", ["x"])
        except OSError:
            return 7
        return 8

    child = fork_child(run)
    _, status = os.waitpid(child, 0)
    assert status == 7 << 8
    # the child's exit comes after its failed exec
    ward.assert_absent(ev("PROCESS_EXECUTE", pid=child), marker=lambda: ev("PROCESS_TERMINATE", pid=child))
    r = ward.wait_for(ev("PROCESS_TERMINATE", pid=child))
    assert r["target_process"]["exit_code"] == 7 << 8


def test_thread_is_not_a_process_and_reports_its_tid(ward, tmpd):
    path = os.path.join(tmpd, "from-thread")
    with open(path, "w"):
        pass
    tids = []

    def body():
        tids.append(threading.get_native_id())
        os.close(os.open(path, os.O_RDONLY))

    t = threading.Thread(target=body)
    t.start()
    t.join()
    r = ward.wait_for(ev("FILE_OPEN", pid=os.getpid(), path=path))
    assert r["process"]["tid"] == tids[0] != os.getpid()
    assert r["process"]["pid"] == os.getpid()
    ward.assert_absent(ev("PROCESS_CREATE", target_pid=tids[0]), what="PROCESS_CREATE for a thread")
    ward.assert_absent(ev("PROCESS_TERMINATE", pid=os.getpid()), what="PROCESS_TERMINATE for a thread exit")


def test_uid_euid_gid_at_event_time(ward, tmpd):
    path = os.path.join(tmpd, "as-other-user")
    with open(path, "w"):
        pass
    os.chmod(path, 0o644)
    os.chmod(tmpd, 0o755)

    def run():
        os.setresgid(1234, 1234, 1234)
        os.setresuid(0, 4321, 0)        # uid 0, euid 4321
        os.close(os.open(path, os.O_RDONLY))
        os.setresuid(4321, 4321, 4321)  # now uid too
        os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
        return 0

    child = fork_child(run)
    _, status = os.waitpid(child, 0)
    assert status == 0
    first, second = ward.wait_count(ev("FILE_OPEN", pid=child, path=path), 2)
    assert (first["process"]["uid"], first["process"]["euid"], first["process"]["gid"]) == (0, 4321, 1234)
    assert (second["process"]["uid"], second["process"]["euid"], second["process"]["gid"]) == (4321, 4321, 1234)
