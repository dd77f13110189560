"""Every default rule (rules/default.yaml) against the real kernel: one real
trigger that must raise the rule's alert, with its exact fields, and one
look-alike that must not (asserted after a later marker event).

Root actions clean up after themselves (finally): a throw-away user, scratch
files below /etc, /usr/local/bin, /etc/cron.d, /etc/systemd/system,
/etc/sudoers.d and /root/.ssh, a scratch "service" below /usr/lib/jvm.
"""
import ctypes
import mmap
import os
import re
import shutil
import socket
import struct
import subprocess
import uuid

import pytest

from conftest import PYTHON_EXE, WARD, ev, fork_child, get, short

ME = os.getpid
WARD_ARGS = ()

# name -> (severity, tags), exactly as rules/default.yaml gives them
RULES = {
    "Credential file read by an unexpected program":
        ("WARNING", ["credential_access", "T1003.008", "T1552.004"]),
    "Write below a binary directory":
        ("ERROR", ["persistence", "defense_evasion", "T1543", "T1574"]),
    "Write below /etc": ("WARNING", ["persistence", "T1546"]),
    "Cron configuration changed": ("ERROR", ["persistence", "T1053.003"]),
    "Systemd unit changed": ("ERROR", ["persistence", "T1543.002"]),
    "Sudoers changed": ("CRITICAL", ["privilege_escalation", "T1548.003"]),
    "SSH authorized_keys changed": ("WARNING", ["persistence", "T1098.004"]),
    "Account added": ("NOTICE", ["persistence", "T1136.001"]),
    "Account deleted": ("NOTICE", ["impact", "T1531"]),
    "Account modified": ("NOTICE", ["persistence", "T1098"]),
    "Setuid to root by an unexpected program": ("CRITICAL", ["privilege_escalation", "T1548.001"]),
    "Execution from a temporary directory":
        ("WARNING", ["execution", "defense_evasion", "T1059", "T1036"]),
    "Temporary program run by the dynamic loader":
        ("WARNING", ["execution", "defense_evasion", "T1059", "T1036"]),
    "Fileless execution from memory": ("CRITICAL", ["defense_evasion", "T1620", "T1027.011"]),
    "Execution of a deleted file": ("CRITICAL", ["defense_evasion", "T1070.004"]),
    "Shell spawned by a network service":
        ("CRITICAL", ["execution", "initial_access", "T1059.004", "T1190", "T1505.003"]),
    "Memory of another process written":
        ("ERROR", ["defense_evasion", "privilege_escalation", "T1055"]),
    "Process attached with ptrace":
        ("WARNING", ["defense_evasion", "privilege_escalation", "T1055.008"]),
    "Writable and executable memory": ("WARNING", ["defense_evasion", "T1055", "T1620"]),
    "New listening port": ("NOTICE", ["command_and_control", "T1571"]),
    "Outbound connection to a suspicious port": ("WARNING", ["command_and_control", "T1571"]),
    "Outbound connection to a blocked network":
        ("ERROR", ["command_and_control", "exfiltration", "T1071"]),
    "Web proxy request": ("NOTICE", ["command_and_control", "T1090"]),
    "DNS query for a bad domain": ("ERROR", ["command_and_control", "impact", "T1071.004", "T1496"]),
}

# ---------------------------------------------------------------- alert helpers


def alert(rule, pid=None, path=None, **fields):
    """Predicate over alert records of `rule`; pid / path / dotted fields
    ('__' for '.') are those of the alert's event."""

    def pred(r):
        if r.get("kind") != "alert" or r.get("rule") != rule:
            return False
        e = r.get("event") or {}
        if pid is not None and get(e, "process.pid") != pid:
            return False
        if path is not None and get(e, "file.path") != path:
            return False
        for k, v in fields.items():
            if get(e, k.replace("__", ".")) != v:
                return False
        return True

    pred.desc = "alert(%r, pid=%r, path=%r, %r)" % (rule, pid, path, fields)
    return pred


def wait_alert(ward, rule, timeout=10.0, **kw):
    return ward.wait_for(alert(rule, **kw), kind="alert", timeout=timeout)


def check_rule_alert(r, rule, pid, exe, path=None):
    """The alert's own fields, exact, and the event's acting process / file."""
    sev, tags = RULES[rule]
    assert r["kind"] == "alert"
    assert (r["rule"], r["source"], r["severity"], r["tags"]) == (rule, "rule", sev, tags), short(r)
    assert "level" not in r and "response" not in r
    assert isinstance(r["output"], str) and r["output"]
    e = r["event"]
    assert e["kind"] == "event"
    assert e["process"]["pid"] == pid
    assert e["process"]["exe"] == exe
    if path is not None:
        assert e["file"]["path"] == path
    return e


def assert_no_alert(ward, pred, since=0, what=None):
    """Make a marker event after the look-alike was done, wait for it, and
    assert no alert matching pred was printed before it."""
    ward.marker()
    bad = [r for r in ward.snapshot()[since:] if r.get("kind") == "alert" and pred(r)]
    assert not bad, "unexpected %s:\n%s" % (what or pred.desc, "\n".join(short(r) for r in bad[:5]))


def run_child(fn):
    """fork; the child runs fn(); returns its pid once it exited 0."""
    pid = fork_child(fn)
    _, st = os.waitpid(pid, 0)
    assert st == 0, "child %d failed: status %#x" % (pid, st)
    return pid


def write_file(path, data=b"x\n"):
    def run():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
        os.write(fd, data)
        os.close(fd)
    return run_child(run)


def read_file(path):
    return run_child(lambda: os.close(os.open(path, os.O_RDONLY | os.O_CLOEXEC)))


def run(argv, **kw):
    """Run a program to completion; returns its pid."""
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, **kw)
    assert p.wait(30) == 0, argv
    return p.pid


def scratch(prefix):
    return "%sward-rtest-%s" % (prefix, uuid.uuid4().hex[:12])


def rm(path):
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)
    except FileNotFoundError:
        pass


# ---------------------------------------------------------------- the table


def test_every_default_rule_has_a_test():
    """A rule added to rules/default.yaml without an entry here fails."""
    out = subprocess.run([WARD, "rules", "list"], capture_output=True, text=True, check=True).stdout
    names = []
    for line in out.splitlines()[1:]:
        m = re.match(r"^(.+?)\s+(EMERGENCY|ALERT|CRITICAL|ERROR|WARNING|NOTICE|INFORMATIONAL|DEBUG)\s",
                     line)
        assert m, line
        names.append((m.group(1), m.group(2)))
    assert sorted(n for n, _ in names) == sorted(RULES)
    for n, prio in names:
        assert RULES[n][0] == prio, n


# ---------------------------------------------------------------- files


def test_credential_file_read(ward):
    p = subprocess.Popen(["cat", "/etc/shadow"], stdout=subprocess.DEVNULL)
    assert p.wait(10) == 0
    r = wait_alert(ward, "Credential file read by an unexpected program", pid=p.pid, path="/etc/shadow")
    e = check_rule_alert(r, "Credential file read by an unexpected program", p.pid, "/usr/bin/cat",
                         "/etc/shadow")
    assert e["access_type"] == "FILE_OPEN"
    assert r["output"] == ("Credential file /etc/shadow opened by /usr/bin/cat (pid %d, uid 0, "
                           "cmdline cat /etc/shadow)" % p.pid)
    # look-alike: the same program reading /etc/passwd
    since = ward.position()
    q = subprocess.Popen(["cat", "/etc/passwd"], stdout=subprocess.DEVNULL)
    assert q.wait(10) == 0
    ward.wait_for(ev("FILE_OPEN", pid=q.pid, path="/etc/passwd"))
    assert_no_alert(ward, alert("Credential file read by an unexpected program", pid=q.pid), since)


def test_write_below_binary_dir(ward):
    path = scratch("/usr/local/bin/")
    try:
        pid = write_file(path)
        r = wait_alert(ward, "Write below a binary directory", pid=pid, path=path)
        e = check_rule_alert(r, "Write below a binary directory", pid, PYTHON_EXE, path)
        assert e["access_type"] == "FILE_CREATE"
        # look-alike: reading an executable there
        since = ward.position()
        pid2 = read_file(path)
        ward.wait_for(ev("FILE_OPEN", pid=pid2, path=path))
        assert_no_alert(ward, alert("Write below a binary directory", pid=pid2), since)
    finally:
        rm(path)


def test_write_below_etc(ward):
    path = scratch("/etc/")
    try:
        pid = write_file(path)
        r = wait_alert(ward, "Write below /etc", pid=pid, path=path)
        check_rule_alert(r, "Write below /etc", pid, PYTHON_EXE, path)
        assert r["output"] == "FILE_CREATE of %s (new path <NA>) by %s (pid %d, uid 0)" % (
            path, PYTHON_EXE, pid)
        since = ward.position()
        pid2 = read_file("/etc/hostname")
        ward.wait_for(ev("FILE_OPEN", pid=pid2, path="/etc/hostname"))
        assert_no_alert(ward, alert("Write below /etc", pid=pid2), since)
    finally:
        rm(path)


def _persistence(ward, rule, path, cleanup=()):
    """A file created at path raises rule and not the generic 'Write below /etc'."""
    try:
        pid = write_file(path)
        r = wait_alert(ward, rule, pid=pid, path=path)
        check_rule_alert(r, rule, pid, PYTHON_EXE, path)
        assert_no_alert(ward, alert("Write below /etc", pid=pid))
        # look-alike: reading it
        since = ward.position()
        pid2 = read_file(path)
        ward.wait_for(ev("FILE_OPEN", pid=pid2, path=path))
        assert_no_alert(ward, lambda x: x.get("rule") in (rule, "Write below /etc") and
                        get(x, "event.process.pid") == pid2, since,
                        what="a write alert for reading %s" % path)
    finally:
        rm(path)
        for d in cleanup:
            rm(d)


def test_cron_changed(ward):
    _persistence(ward, "Cron configuration changed", scratch("/etc/cron.d/"))


def test_systemd_unit_changed(ward):
    _persistence(ward, "Systemd unit changed", scratch("/etc/systemd/system/") + ".service")


def test_sudoers_changed(ward):
    made = not os.path.isdir("/etc/sudoers.d")
    if made:
        os.mkdir("/etc/sudoers.d", 0o750)
    _persistence(ward, "Sudoers changed", scratch("/etc/sudoers.d/"),
                 cleanup=["/etc/sudoers.d"] if made else [])


def test_sudoers_lookalike_name_is_only_write_below_etc(ward):
    path = scratch("/etc/sudoers-")           # not /etc/sudoers, not below /etc/sudoers.d/
    try:
        pid = write_file(path)
        wait_alert(ward, "Write below /etc", pid=pid, path=path)
        assert_no_alert(ward, alert("Sudoers changed", pid=pid))
    finally:
        rm(path)


def test_authorized_keys_changed(ward):
    made = not os.path.isdir("/root/.ssh")
    if made:
        os.mkdir("/root/.ssh", 0o700)
    try:
        path = scratch("/root/.ssh/authorized_keys.")
        pid = write_file(path, b"ssh-ed25519 AAAA test\n")
        r = wait_alert(ward, "SSH authorized_keys changed", pid=pid, path=path)
        check_rule_alert(r, "SSH authorized_keys changed", pid, PYTHON_EXE, path)
        rm(path)
        # look-alike: another file in .ssh
        other = "/root/.ssh/known_hosts.ward-rtest"
        pid2 = write_file(other)
        ward.wait_for(ev("FILE_CREATE", pid=pid2, path=other))
        assert_no_alert(ward, alert("SSH authorized_keys changed", pid=pid2))
        rm(other)
    finally:
        if made:
            rm("/root/.ssh")


# ---------------------------------------------------------------- accounts


def test_account_added_modified_deleted(ward):
    name = "wrt%s" % uuid.uuid4().hex[:8]
    try:
        add = run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name])
        r = wait_alert(ward, "Account added", account__name=name, account__file="/etc/passwd")
        check_rule_alert(r, "Account added", r["event"]["process"]["pid"], "/usr/sbin/useradd")
        assert r["event"]["process"]["pid"] == add
        assert r["output"].startswith("Account %s added to /etc/passwd by /usr/sbin/useradd (pid %d"
                                      % (name, add)), r["output"]
        mod = run(["usermod", "--comment", "ward test", name])
        r = wait_alert(ward, "Account modified", account__name=name, account__file="/etc/passwd")
        check_rule_alert(r, "Account modified", mod, "/usr/sbin/usermod")
    finally:
        dele = subprocess.run(["userdel", name], capture_output=True)
    assert dele.returncode == 0, dele.stderr
    r = wait_alert(ward, "Account deleted", account__name=name, account__file="/etc/passwd")
    assert r["event"]["process"]["exe"] == "/usr/sbin/userdel"
    sev, tags = RULES["Account deleted"]
    assert (r["severity"], r["tags"]) == (sev, tags)
    # look-alike: reading the account files changes no account
    since = ward.position()
    g = run(["getent", "passwd", "root"])
    ward.wait_for(ev("FILE_OPEN", pid=g, path="/etc/passwd"))
    assert_no_alert(ward, lambda x: x.get("rule", "").startswith("Account ")
                    and get(x, "event.process.pid") == g, since, what="account alert for getent")


# ---------------------------------------------------------------- privilege


def test_setuid_to_root_by_unexpected_program(ward):
    def up():
        os.setresuid(65534, 65534, 0)       # saved uid stays 0
        os.setresuid(0, 0, 0)               # back to root: allowed through the saved uid
    pid = run_child(up)
    r = wait_alert(ward, "Setuid to root by an unexpected program", pid=pid)
    e = check_rule_alert(r, "Setuid to root by an unexpected program", pid, PYTHON_EXE)
    a = e["account"]
    assert (a["from_uid"], a["from_euid"], a["to_uid"], a["to_euid"]) == (65534, 65534, 0, 0)
    # look-alikes: root changing to root, and root dropping to nobody
    since = ward.position()
    pid2 = run_child(lambda: (os.setresuid(0, 0, 0), os.setresuid(65534, 65534, 65534)))
    ward.wait_for(ev("ACCOUNT_IMPERSONATE", pid=pid2, account__to_euid=65534))
    assert_no_alert(ward, alert("Setuid to root by an unexpected program", pid=pid2), since)


# ---------------------------------------------------------------- execution


@pytest.fixture
def tmpx(tmpd):
    """A copy of /usr/bin/true in a temporary directory."""
    path = os.path.join(tmpd, "x")
    shutil.copy("/usr/bin/true", path)
    return path


def test_exec_from_temp_dir(ward, tmpx):
    pid = run([tmpx])
    r = wait_alert(ward, "Execution from a temporary directory", pid=pid, target_process__exe=tmpx)
    check_rule_alert(r, "Execution from a temporary directory", pid, PYTHON_EXE)
    assert r["event"]["access_type"] == "PROCESS_EXECUTE"
    assert r["event"]["target_process"]["pid"] == pid
    since = ward.position()
    pid2 = run(["/usr/bin/true"])
    ward.wait_for(ev("PROCESS_EXECUTE", pid=pid2))
    assert_no_alert(ward, alert("Execution from a temporary directory", pid=pid2), since)


LDSO = "/lib64/ld-linux-x86-64.so.2"
LDSO_RULE = "Temporary program run by the dynamic loader"


def test_exec_from_temp_dir_through_the_dynamic_loader(ward, tmpx):
    """`ld.so /tmp/x`: the exec is of the loader, the program is only mapped."""
    if not os.path.exists(LDSO):
        pytest.skip("no %s here" % LDSO)
    pid = run([LDSO, tmpx])
    r = wait_alert(ward, LDSO_RULE, pid=pid, path=tmpx)
    e = check_rule_alert(r, LDSO_RULE, pid, os.path.realpath(LDSO), tmpx)
    assert e["access_type"] == "PROCESS_LOAD_IMAGE"
    assert r["output"].startswith("%s run by the dynamic loader %s (pid %d, parent %s, cmdline %s %s)"
                                  % (tmpx, os.path.realpath(LDSO), pid, PYTHON_EXE, LDSO, tmpx))
    # look-alike: the loader running a program from /usr/bin
    since = ward.position()
    pid2 = run([LDSO, "/usr/bin/true"])
    ward.wait_for(ev("PROCESS_LOAD_IMAGE", pid=pid2, path="/usr/bin/true"))
    assert_no_alert(ward, alert(LDSO_RULE, pid=pid2), since)


def _exec_fd(fd):
    os.execve("/proc/self/fd/%d" % fd, ["payload"], {})


def test_fileless_memfd_exec(ward):
    with open("/usr/bin/true", "rb") as f:
        image = f.read()

    def child():
        fd = os.memfd_create("wardpayload", 0)
        os.write(fd, image)
        _exec_fd(fd)
    pid = run_child(child)
    r = wait_alert(ward, "Fileless execution from memory", pid=pid)
    e = check_rule_alert(r, "Fileless execution from memory", pid, PYTHON_EXE)
    assert e["target_process"]["exe"].startswith("/memfd:wardpayload"), e["target_process"]
    assert_no_alert(ward, alert("Execution of a deleted file", pid=pid))
    # look-alike: the same fexecve of a file on disk
    since = ward.position()

    def child2():
        _exec_fd(os.open("/usr/bin/true", os.O_RDONLY))
    pid2 = run_child(child2)
    ward.wait_for(ev("PROCESS_EXECUTE", pid=pid2, target_process__exe="/usr/bin/true"))
    assert_no_alert(ward, lambda x: x.get("source") == "rule" and get(x, "event.process.pid") == pid2,
                    since, what="a rule alert for fexecve of /usr/bin/true")


def test_deleted_file_exec(ward, tmpx):
    def child():
        fd = os.open(tmpx, os.O_RDONLY)
        os.unlink(tmpx)
        _exec_fd(fd)
    pid = run_child(child)
    r = wait_alert(ward, "Execution of a deleted file", pid=pid)
    e = check_rule_alert(r, "Execution of a deleted file", pid, PYTHON_EXE)
    assert e["target_process"]["exe"].startswith(tmpx), e["target_process"]
    assert e["target_process"].get("exe_deleted") is True
    assert_no_alert(ward, alert("Execution from a temporary directory", pid=pid))


def test_deleted_file_lookalike_not_deleted(ward, tmpx):
    pid = run_child(lambda: _exec_fd(os.open(tmpx, os.O_RDONLY)))
    wait_alert(ward, "Execution from a temporary directory", pid=pid)
    assert_no_alert(ward, alert("Execution of a deleted file", pid=pid))


@pytest.fixture
def fake_service():
    """A copy of dash installed as a JVM: /usr/lib/jvm/ward-rtest-X/bin/java
    (network_services has "/usr/lib/jvm/**/bin/java")."""
    top = scratch("/usr/lib/jvm/")
    os.makedirs(top + "/bin")
    path = top + "/bin/java"
    shutil.copy("/usr/bin/dash", path)
    yield path
    rm(top)


def test_shell_spawned_by_network_service(ward, fake_service, tmpd):
    # "sh -c true; true": the service forks, and the child execs the shell
    p = subprocess.Popen([fake_service, "-c", "/bin/sh -c true; true"])
    assert p.wait(10) == 0
    r = wait_alert(ward, "Shell spawned by a network service", process__ppid=p.pid)
    e = check_rule_alert(r, "Shell spawned by a network service", r["event"]["process"]["pid"],
                         fake_service)
    assert e["target_process"]["exe"] == "/usr/bin/dash"
    assert e["target_process"]["argv"] == ["/bin/sh", "-c", "true"]
    # look-alikes: the service starting a non-shell; the same copy outside a service path
    since = ward.position()
    p2 = subprocess.Popen([fake_service, "-c", "/usr/bin/true; true"])
    assert p2.wait(10) == 0
    ward.wait_for(ev("PROCESS_EXECUTE", process__ppid=p2.pid, target_process__exe="/usr/bin/true"))
    other = os.path.join(tmpd, "java")
    shutil.copy("/usr/bin/dash", other)
    p3 = subprocess.Popen([other, "-c", "/bin/sh -c true; true"])
    assert p3.wait(10) == 0
    ward.wait_for(ev("PROCESS_EXECUTE", process__ppid=p3.pid, target_process__exe="/usr/bin/dash"))
    assert_no_alert(ward, lambda x: x.get("rule") == "Shell spawned by a network service"
                    and get(x, "event.process.ppid") in (p2.pid, p3.pid), since,
                    what="shell alert for a non-shell or a non-service parent")


# ---------------------------------------------------------------- other processes

NR_PTRACE, NR_PROCESS_VM_READV, NR_PROCESS_VM_WRITEV, NR_MMAP, NR_MPROTECT = 101, 310, 311, 9, 10
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def sysc(nr, *args):
    ctypes.set_errno(0)
    r = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
    if r == -1:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return r


class IOVec(ctypes.Structure):
    _fields_ = [("iov_base", ctypes.c_void_p), ("iov_len", ctypes.c_size_t)]


def _sleeper():
    """A child blocked on a pipe; returns (pid, release)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(w)
        os.read(r, 1)
        os._exit(0)
    os.close(r)

    def release():
        os.close(w)
        os.waitpid(pid, 0)
    return pid, release


def test_memory_of_another_process_written(ward):
    buf = ctypes.create_string_buffer(16)        # same address in the forked child
    pid, release = _sleeper()
    try:
        data = ctypes.create_string_buffer(b"INJECT", 8)
        loc, rem = IOVec(ctypes.addressof(data), 8), IOVec(ctypes.addressof(buf), 8)
        assert sysc(NR_PROCESS_VM_WRITEV, pid, ctypes.addressof(loc), 1, ctypes.addressof(rem), 1, 0) == 8
        r = wait_alert(ward, "Memory of another process written", pid=ME(), target_process__pid=pid)
        e = check_rule_alert(r, "Memory of another process written", ME(), PYTHON_EXE)
        assert e["syscall"] == "process_vm_writev"
        assert e["memory"] == {"address": "0x%x" % ctypes.addressof(buf), "length": 8}
        # look-alike: reading it
        since = ward.position()
        loc2 = IOVec(ctypes.addressof(data), 8)
        assert sysc(NR_PROCESS_VM_READV, pid, ctypes.addressof(loc2), 1, ctypes.addressof(rem), 1, 0) == 8
        ward.wait_for(ev("MODIFIED_PROCESS_READ_PROCESS", pid=ME(), target_pid=pid))
        assert_no_alert(ward, lambda x: x.get("source") == "rule" and
                        get(x, "event.target_process.pid") == pid, since)
    finally:
        release()


def test_process_attached_with_ptrace(ward):
    pid, release = _sleeper()
    try:
        sysc(NR_PTRACE, 16, pid, 0, 0)                   # PTRACE_ATTACH
        os.waitpid(pid, os.WUNTRACED if hasattr(os, "WUNTRACED") else 0)
        sysc(NR_PTRACE, 17, pid, 0, 0)                   # PTRACE_DETACH
        r = wait_alert(ward, "Process attached with ptrace", pid=ME(), target_process__pid=pid)
        e = check_rule_alert(r, "Process attached with ptrace", ME(), PYTHON_EXE)
        assert e["ptrace_request"] == "PTRACE_ATTACH"
        assert r["output"] == "%s (pid %d) used PTRACE_ATTACH on %s (pid %d)" % (
            PYTHON_EXE, ME(), PYTHON_EXE, pid)
    finally:
        release()
    # look-alike: a debugger (strace seizes its child: also a write-process event)
    since = ward.position()
    p = subprocess.Popen(["/usr/bin/strace", "-o", "/dev/null", "/usr/bin/true"])
    assert p.wait(20) == 0
    ward.wait_for(ev("MODIFIED_PROCESS_WRITE_PROCESS", pid=p.pid))
    assert_no_alert(ward, alert("Process attached with ptrace", pid=p.pid), since)


def test_writable_executable_memory(ward):
    PAGE = mmap.PAGESIZE

    def rwx_mprotect():
        a = sysc(NR_MMAP, 0, 2 * PAGE, 3, 0x22, -1, 0)     # rw-, private anonymous
        sysc(NR_MPROTECT, a, 2 * PAGE, 7)                   # rwx
    pid = run_child(rwx_mprotect)
    r = wait_alert(ward, "Writable and executable memory", pid=pid)
    e = check_rule_alert(r, "Writable and executable memory", pid, PYTHON_EXE)
    assert e["access_type"] == "MEMORY_MODIFY_PERMISSION"
    assert (e["syscall"], e["memory"]["prot"], e["memory"]["length"]) == ("mprotect", "rwx", 2 * PAGE)
    # look-alike: r-x then rw-, never both
    since = ward.position()

    def rx():
        a = sysc(NR_MMAP, 0, PAGE, 3, 0x22, -1, 0)
        sysc(NR_MPROTECT, a, PAGE, 5)
        sysc(NR_MPROTECT, a, PAGE, 3)
    pid2 = run_child(rx)
    ward.wait_for(ev("PROCESS_TERMINATE", pid=pid2))
    assert_no_alert(ward, alert("Writable and executable memory", pid=pid2), since)


# ---------------------------------------------------------------- network


def test_new_listening_port(ward):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.listen(1)
    try:
        r = wait_alert(ward, "New listening port", pid=ME(), connection__local_port=port)
        check_rule_alert(r, "New listening port", ME(), PYTHON_EXE)
        assert r["output"] == "%s (pid %d, uid 0) listens on TCP 127.0.0.1 port %d" % (
            PYTHON_EXE, ME(), port)
        # look-alike: a client connection to it
        since = ward.position()
        c = socket.create_connection(("127.0.0.1", port))
        cport = c.getsockname()[1]
        ward.wait_for(ev("CONNECTION_CONNECT_OUTBOUND", pid=ME(), connection__local_port=cport))
        c.close()
        assert_no_alert(ward, alert("New listening port", pid=ME(), connection__local_port=cport),
                        since)
        assert_no_alert(ward, lambda x: x.get("rule") == "New listening port"
                        and get(x, "event.access_type") != "CONNECTION_LISTEN", since)
    finally:
        s.close()


def _listener(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
    except OSError as e:
        pytest.skip("127.0.0.1:%d is taken: %s" % (port, e))
    s.listen(4)
    return s


def test_outbound_suspicious_port(ward):
    srv, ok = _listener(4444), _listener(4443)
    try:
        c = socket.create_connection(("127.0.0.1", 4444))
        r = wait_alert(ward, "Outbound connection to a suspicious port", pid=ME(),
                       connection__remote_port=4444)
        e = check_rule_alert(r, "Outbound connection to a suspicious port", ME(), PYTHON_EXE)
        assert e["connection"]["remote_ip"] == "127.0.0.1"
        c.close()
        since = ward.position()
        c2 = socket.create_connection(("127.0.0.1", 4443))
        ward.wait_for(ev("CONNECTION_CONNECT_OUTBOUND", pid=ME(), connection__remote_port=4443))
        c2.close()
        assert_no_alert(ward, alert("Outbound connection to a suspicious port", pid=ME()), since)
    finally:
        srv.close()
        ok.close()


def test_outbound_blocked_network(ward):
    # a UDP connect sends nothing: it only picks a route (192.0.2.0/24, RFC 5737)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("192.0.2.77", 9))
    except OSError as e:
        pytest.skip("no route to 192.0.2.77 here: %s" % e)
    lport = s.getsockname()[1]
    s.close()
    r = wait_alert(ward, "Outbound connection to a blocked network", pid=ME(),
                   connection__local_port=lport)
    e = check_rule_alert(r, "Outbound connection to a blocked network", ME(), PYTHON_EXE)
    assert (e["connection"]["remote_ip"], e["connection"]["remote_port"]) == ("192.0.2.77", 9)
    # look-alike: the address just outside the /24
    since = ward.position()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("192.0.3.77", 9))
    except OSError as e:
        pytest.skip("no route to 192.0.3.77 here: %s" % e)
    lport = s.getsockname()[1]
    s.close()
    ward.wait_for(ev("CONNECTION_CONNECT_OUTBOUND", pid=ME(), connection__local_port=lport))
    assert_no_alert(ward, alert("Outbound connection to a blocked network", pid=ME()), since)


@pytest.fixture
def http_server():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    yield srv.getsockname()[1]
    srv.close()


def test_web_proxy_request(ward, http_server):
    c = socket.create_connection(("127.0.0.1", http_server))
    c.sendall(b"GET http://example.com/x HTTP/1.1\r\nHost: example.com\r\n\r\n")
    lport = c.getsockname()[1]
    r = wait_alert(ward, "Web proxy request", pid=ME(), connection__local_port=lport)
    e = check_rule_alert(r, "Web proxy request", ME(), PYTHON_EXE)
    assert e["http"]["url"] == "http://example.com/x" and e["http"]["proxy"] is True
    assert r["output"] == "%s (pid %d) sent GET http://example.com/x to proxy 127.0.0.1 port %d" % (
        PYTHON_EXE, ME(), http_server)
    c.close()
    since = ward.position()
    c = socket.create_connection(("127.0.0.1", http_server))
    c.sendall(b"GET /x HTTP/1.1\r\nHost: example.com\r\n\r\n")
    lport = c.getsockname()[1]
    ward.wait_for(ev("INTERNET_CONNECT", pid=ME(), connection__local_port=lport))
    c.close()
    assert_no_alert(ward, alert("Web proxy request", pid=ME()), since)


def dns_query(name):
    q = b"".join(bytes([len(label)]) + label.encode() for label in name.split(".")) + b"\0"
    return struct.pack(">HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0) + q + struct.pack(">HH", 1, 1)


def test_dns_query_bad_domain(ward):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", 53))
    except OSError as e:
        pytest.skip("127.0.0.1:53 is taken: %s" % e)
    try:
        c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        c.sendto(dns_query("pool.supportXMR.com"), ("127.0.0.1", 53))
        r = wait_alert(ward, "DNS query for a bad domain", pid=ME(), dns__query="pool.supportXMR.com")
        check_rule_alert(r, "DNS query for a bad domain", ME(), PYTHON_EXE)
        assert r["output"] == "%s (pid %d) looked up pool.supportXMR.com (A)" % (PYTHON_EXE, ME())
        since = ward.position()
        for name in ("notsupportxmr.com", "supportxmr.com.example.org"):
            c.sendto(dns_query(name), ("127.0.0.1", 53))
            ward.wait_for(ev("DNS_QUERY", pid=ME(), dns__query=name))
        c.close()
        assert_no_alert(ward, alert("DNS query for a bad domain", pid=ME()), since)
    finally:
        u.close()

