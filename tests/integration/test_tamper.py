"""MODIFIED_PROCESS (ptrace, process_vm_readv/writev, prctl renames),
PROCESS_TRACME, MEMORY (rwx mmap, mprotect with PROT_EXEC), PROCESS_LOAD_IMAGE,
ACCOUNT_IMPERSONATE (the setuid family) and fileless execution, against the
real kernel.

Every action is the exact syscall, made by this test process or by a forked
child with a known pid, and every field of the record is asserted. ward folds
a process's repeats of one action within --fold-ms (1 s by default), so each
test acts from a fresh child, on a fresh target, or under its own ward.
"""
import ctypes
import json
import mmap
import os
import signal
import time
import uuid

import pytest

from conftest import (HASH_RE, PYTHON_EXE, TIME_RE, check_self_process, ev, kernel_dev, own_cmdline,
                      touch)

WARD_ARGS = ()

ME = os.getpid

with open("/proc/self/comm") as _f:
    MY_COMM = _f.read().rstrip("\n")

# XDR numbers: access type -> (access_type_id, event_type, event_type_id)
ACCESS = {
    "PROCESS_LOAD_IMAGE": (4, "PROCESS", 1),
    "PROCESS_EXECUTE": (5, "PROCESS", 1),
    "PROCESS_TRACME": (7, "PROCESS", 1),
    "ACCOUNT_IMPERSONATE": (503, "ACCOUNT", 6),
    "MODIFIED_PROCESS_WRITE_MEMORY": (702, "MODIFIED_PROCESS", 8),
    "MODIFIED_PROCESS_WRITE_PROCESS": (703, "MODIFIED_PROCESS", 8),
    "MODIFIED_PROCESS_READ_PROCESS": (704, "MODIFIED_PROCESS", 8),
    "MODIFIED_PROCESS_WRITE_PROCESS_NAME": (705, "MODIFIED_PROCESS", 8),
    "MEMORY_MODIFY": (1001, "MEMORY", 13),
    "MEMORY_MODIFY_PERMISSION": (1002, "MEMORY", 13),
}
COMMON_KEYS = {"kind", "time", "seq", "event_type", "event_type_id", "access_type",
               "access_type_id", "count", "process"}
PROCESS_KEYS = {"pid", "tid", "ppid", "uid", "euid", "gid", "comm", "exe", "cmdline", "cwd",
                "start_time", "hash_id"}

# x86_64 syscall numbers
NR_MMAP, NR_MPROTECT, NR_PTRACE, NR_SETFSUID, NR_PRCTL = 9, 10, 101, 122, 157
NR_PROCESS_VM_READV, NR_PROCESS_VM_WRITEV, NR_EXECVEAT, NR_PKEY_MPROTECT = 310, 311, 322, 329

PROT_NONE, PROT_R, PROT_W, PROT_X = 0, 1, 2, 4
MAP_SHARED, MAP_PRIVATE, MAP_ANONYMOUS = 0x01, 0x02, 0x20
PAGE = mmap.PAGESIZE

PTRACE = {
    "PTRACE_TRACEME": 0, "PTRACE_PEEKTEXT": 1, "PTRACE_PEEKDATA": 2, "PTRACE_PEEKUSER": 3,
    "PTRACE_POKETEXT": 4, "PTRACE_POKEDATA": 5, "PTRACE_POKEUSER": 6, "PTRACE_CONT": 7,
    "PTRACE_KILL": 8, "PTRACE_GETREGS": 12, "PTRACE_SETREGS": 13, "PTRACE_GETFPREGS": 14,
    "PTRACE_SETFPREGS": 15, "PTRACE_ATTACH": 16, "PTRACE_DETACH": 17,
    "PTRACE_GETSIGINFO": 0x4202, "PTRACE_SETSIGINFO": 0x4203, "PTRACE_GETREGSET": 0x4204,
    "PTRACE_SETREGSET": 0x4205, "PTRACE_SEIZE": 0x4206, "PTRACE_INTERRUPT": 0x4207,
    "PTRACE_PEEKSIGINFO": 0x4209,
}
NT_PRSTATUS = 1
PR_SET_NAME, PR_GET_NAME, PR_SET_DUMPABLE = 15, 16, 4
AT_EMPTY_PATH = 0x1000

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_libc.dlopen.restype = ctypes.c_void_p
_libc.dlopen.argtypes = [ctypes.c_char_p, ctypes.c_int]
_libc.dlclose.argtypes = [ctypes.c_void_p]
RTLD_NOW = 2


def sys_call(nr, *args):
    """Raw syscall with every argument passed as a 64-bit long; OSError on failure."""
    ctypes.set_errno(0)
    r = _libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
    if r == -1:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return r


def ptrace(req, pid, addr=0, data=0):
    return sys_call(NR_PTRACE, PTRACE[req] if isinstance(req, str) else req, pid, addr, data)


class IOVec(ctypes.Structure):
    _fields_ = [("iov_base", ctypes.c_void_p), ("iov_len", ctypes.c_size_t)]


def iovecs(*pairs):
    arr = (IOVec * len(pairs))()
    for i, (base, n) in enumerate(pairs):
        arr[i].iov_base = base
        arr[i].iov_len = n
    return arr


def anon_map(length, prot, flags=MAP_PRIVATE | MAP_ANONYMOUS):
    return sys_call(NR_MMAP, 0, length, prot, flags, -1, 0)


def file_map(fd, length, prot, flags=MAP_PRIVATE):
    return sys_call(NR_MMAP, 0, length, prot, flags, fd, 0)


def hexaddr(a):
    return "0x%x" % a


def prot_str(p):
    return ("r" if p & PROT_R else "-") + ("w" if p & PROT_W else "-") + ("x" if p & PROT_X else "-")


def cwd():
    return os.path.realpath(os.getcwd())


# ---------------------------------------------------------------- children

class Kid:
    """A forked child with a known pid: it blocks reading a pipe until go(),
    then runs fn() and sends its (JSON) return value back; result() reaps it
    and returns that value (an exception in the child fails the test)."""

    def __init__(self, fn=None):
        go_r, go_w = os.pipe()
        res_r, res_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                os.close(go_w)
                os.close(res_r)
                os.read(go_r, 1)
                data = json.dumps({"ok": fn() if fn else None})
            except BaseException as e:  # reported to the parent
                data = json.dumps({"error": "%s: %s" % (type(e).__name__, e)})
                code = 99
            try:
                os.write(res_w, data.encode())
            finally:
                os._exit(code)
        os.close(go_r)
        os.close(res_w)
        self.pid = pid
        self._go_w, self._res_r = go_w, res_r
        self.reaped = False

    def go(self):
        os.write(self._go_w, b"x")
        os.close(self._go_w)
        self._go_w = None

    def result(self):
        if self._go_w is not None:
            self.go()
        chunks = []
        while True:
            b = os.read(self._res_r, 65536)
            if not b:
                break
            chunks.append(b)
        os.close(self._res_r)
        _, status = os.waitpid(self.pid, 0)
        self.reaped = True
        out = json.loads(b"".join(chunks).decode() or "{}")   # {} after an exec
        assert "error" not in out, "child %d failed: %s" % (self.pid, out["error"])
        assert status == 0, "child %d exit status %#x" % (self.pid, status)
        return out.get("ok")

    def kill(self):
        if not self.reaped:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(self.pid, 0)
            self.reaped = True


def run_kid(fn):
    k = Kid(fn)
    return k.pid, k.result()


@pytest.fixture
def kids():
    made = []

    def make(fn=None):
        k = Kid(fn)
        made.append(k)
        return k

    yield make
    for k in made:
        k.kill()


# ---------------------------------------------------------------- expectations

def check_event(r, access, keys, count=1):
    """The common fields, exact, and the exact set of top-level keys."""
    aid, etype, eid = ACCESS[access]
    assert set(r) == COMMON_KEYS | set(keys), "keys of %s" % json.dumps(r)
    assert r["kind"] == "event"
    assert TIME_RE.match(r["time"]), r["time"]
    assert isinstance(r["seq"], int) and r["seq"] >= 0
    assert (r["access_type"], r["access_type_id"], r["event_type"], r["event_type_id"]) == \
        (access, aid, etype, eid)
    assert r["count"] == count
    p = r["process"]
    assert set(p) == PROCESS_KEYS, "process keys of %s" % json.dumps(r)
    assert HASH_RE.match(p["hash_id"]), p["hash_id"]
    assert TIME_RE.match(p["start_time"]), p["start_time"]


def check_child_process(r, pid, hash_id, comm=None, uid=0, euid=None, gid=0, exe=PYTHON_EXE,
                        cmdline=None):
    """`process` is the forked child pid of this test process."""
    p = r["process"]
    want = {"pid": pid, "tid": pid, "ppid": ME(), "uid": uid, "euid": uid if euid is None else euid,
            "gid": gid, "comm": MY_COMM if comm is None else comm, "exe": exe,
            "cmdline": own_cmdline() if cmdline is None else cmdline, "cwd": cwd(),
            "hash_id": hash_id}
    assert {k: p[k] for k in want} == want


def child_hash(ward, pid):
    """hash_id of a child of this process, as announced by its PROCESS_CREATE."""
    return ward.wait_for(ev("PROCESS_CREATE", pid=ME(), target_pid=pid))["target_process"]["hash_id"]


def my_hash(ward):
    return ward.marker()["process"]["hash_id"]


def target_of_child(ward, pid):
    """target_process as printed for a (not exec'd) forked child of this process."""
    return {"pid": pid, "comm": MY_COMM, "exe": PYTHON_EXE, "cmdline": own_cmdline(),
            "hash_id": child_hash(ward, pid)}


# ================================================================ ptrace

def attach(pid):
    ptrace("PTRACE_ATTACH", pid)
    _, st = os.waitpid(pid, 0)
    assert os.WIFSTOPPED(st) and os.WSTOPSIG(st) == signal.SIGSTOP, st


def detach(pid):
    ptrace("PTRACE_DETACH", pid, 0, 0)


def ptrace_keys(memory=False):
    return {"target_process", "syscall", "ptrace_request"} | ({"memory"} if memory else set())


def test_ptrace_attach_is_write_process(ward, kids):
    tracee = kids()
    attach(tracee.pid)
    detach(tracee.pid)
    assert tracee.result() is None
    r = ward.wait_for(ev("MODIFIED_PROCESS_WRITE_PROCESS", pid=ME(), target_pid=tracee.pid))
    check_event(r, "MODIFIED_PROCESS_WRITE_PROCESS", ptrace_keys())
    check_self_process(r)
    assert r["process"]["hash_id"] == my_hash(ward)
    assert r["target_process"] == target_of_child(ward, tracee.pid)
    assert r["syscall"] == "ptrace"
    assert r["ptrace_request"] == "PTRACE_ATTACH"


def test_ptrace_seize_is_write_process(ward, kids):
    tracee = kids()
    ptrace("PTRACE_SEIZE", tracee.pid, 0, 0)
    assert tracee.result() is None   # a seized tracee is not stopped: it runs on and exits
    r = ward.wait_for(ev("MODIFIED_PROCESS_WRITE_PROCESS", pid=ME(), target_pid=tracee.pid))
    check_event(r, "MODIFIED_PROCESS_WRITE_PROCESS", ptrace_keys())
    check_self_process(r)
    assert r["target_process"] == target_of_child(ward, tracee.pid)
    assert r["syscall"] == "ptrace"
    assert r["ptrace_request"] == "PTRACE_SEIZE"


def test_ptrace_by_a_child_tracer_is_the_childs(ward, kids):
    """The tracer is a forked child attaching to its sibling: process is the tracer."""
    tracee = kids()
    tracer = kids(lambda: (attach(tracee.pid), detach(tracee.pid)) and None)
    tracer.result()
    tracee.result()
    r = ward.wait_for(ev("MODIFIED_PROCESS_WRITE_PROCESS", pid=tracer.pid, target_pid=tracee.pid))
    check_event(r, "MODIFIED_PROCESS_WRITE_PROCESS", ptrace_keys())
    check_child_process(r, tracer.pid, child_hash(ward, tracer.pid))
    assert r["target_process"] == target_of_child(ward, tracee.pid)
    assert r["ptrace_request"] == "PTRACE_ATTACH"
    assert not ward.events(ev("MODIFIED_PROCESS_WRITE_PROCESS", pid=ME(), target_pid=tracee.pid))


def test_ptrace_target_that_renamed_itself_shows_its_current_name(ward, kids):
    hold_r, hold_w = os.pipe()

    def run():
        set_name(b"ward-hidden")
        os.read(hold_r, 1)

    tracee = kids(run)
    tracee.go()
    ward.wait_for(ev("MODIFIED_PROCESS_WRITE_PROCESS_NAME", pid=tracee.pid))
    attach(tracee.pid)
    detach(tracee.pid)
    os.write(hold_w, b"x")
    tracee.result()
    r = ward.wait_for(ev("MODIFIED_PROCESS_WRITE_PROCESS", pid=ME(), target_pid=tracee.pid))
    assert r["target_process"] == dict(target_of_child(ward, tracee.pid), comm="ward-hidden")


def test_ptrace_target_after_exec_shows_new_image(ward, kids):
    tracee = kids(lambda: os.execv("/bin/sleep", ["sleep", "30"]))
    tracee.go()
    ward.wait_for(ev("PROCESS_EXECUTE", pid=tracee.pid))
    attach(tracee.pid)
    detach(tracee.pid)
    r = ward.wait_for(ev("MODIFIED_PROCESS_WRITE_PROCESS", pid=ME(), target_pid=tracee.pid))
    assert r["target_process"] == {"pid": tracee.pid, "comm": "sleep", "exe": "/usr/bin/sleep",
                                   "cmdline": "sleep 30", "hash_id": child_hash(ward, tracee.pid)}


WORD = 0x5741524457415244  # "DRAWDRAW"

# request -> how to make it on a stopped tracee: fn(pid, word_address) -> None
def _peek(req):
    def do(pid, addr):
        out = ctypes.c_ulong(0)
        ptrace(req, pid, addr, ctypes.addressof(out))
        assert out.value == WORD
    return do


def _peekuser(pid, addr):
    out = ctypes.c_ulong(0)
    ptrace("PTRACE_PEEKUSER", pid, 0, ctypes.addressof(out))  # offset 0: r15


def _buf_req(req, size, addr=0):
    def do(pid, _addr):
        buf = ctypes.create_string_buffer(size)
        ptrace(req, pid, addr, ctypes.addressof(buf))
    return do


def _getregset(pid, _addr):
    buf = ctypes.create_string_buffer(27 * 8)
    iov = iovecs((ctypes.addressof(buf), len(buf)))
    ptrace("PTRACE_GETREGSET", pid, NT_PRSTATUS, ctypes.addressof(iov))


def _peeksiginfo(pid, _addr):
    args = (ctypes.c_uint64 * 2)(0, 1 << 32)  # off 0, flags 0, nr 1
    buf = ctypes.create_string_buffer(128)
    ptrace("PTRACE_PEEKSIGINFO", pid, ctypes.addressof(args), ctypes.addressof(buf))


READ_REQUESTS = {
    "PTRACE_PEEKTEXT": _peek("PTRACE_PEEKTEXT"),
    "PTRACE_PEEKDATA": _peek("PTRACE_PEEKDATA"),
    "PTRACE_PEEKUSER": _peekuser,
    "PTRACE_GETREGS": _buf_req("PTRACE_GETREGS", 27 * 8),
    "PTRACE_GETFPREGS": _buf_req("PTRACE_GETFPREGS", 512),
    "PTRACE_GETSIGINFO": _buf_req("PTRACE_GETSIGINFO", 128),
    "PTRACE_GETREGSET": _getregset,
    "PTRACE_PEEKSIGINFO": _peeksiginfo,
}


@pytest.mark.parametrize("req", list(READ_REQUESTS))
def test_ptrace_read_requests_are_read_process(ward, kids, req):
    word = ctypes.c_ulong(WORD)   # at the same address in the forked tracee
    tracee = kids()
    attach(tracee.pid)
    READ_REQUESTS[req](tracee.pid, ctypes.addressof(word))
    detach(tracee.pid)
    tracee.result()
    r = ward.wait_for(ev("MODIFIED_PROCESS_READ_PROCESS", pid=ME(), target_pid=tracee.pid,
                         ptrace_request=req))
    check_event(r, "MODIFIED_PROCESS_READ_PROCESS", ptrace_keys())
    check_self_process(r)
    assert r["target_process"] == target_of_child(ward, tracee.pid)
    assert r["syscall"] == "ptrace"
    ward.marker()
    got = ward.events(ev(pid=ME(), target_pid=tracee.pid, event_type="MODIFIED_PROCESS"))
    assert sorted(g["ptrace_request"] for g in got) == sorted(["PTRACE_ATTACH", req])


def _pokeuser(pid, _addr):
    out = ctypes.c_ulong(0)
    ptrace("PTRACE_PEEKUSER", pid, 0, ctypes.addressof(out))
    ptrace("PTRACE_POKEUSER", pid, 0, out.value)   # r15 back as it was


def _get_set(get, put, size):
    def do(pid, _addr):
        buf = ctypes.create_string_buffer(size)
        ptrace(get, pid, 0, ctypes.addressof(buf))
        ptrace(put, pid, 0, ctypes.addressof(buf))
    return do


def _setregset(pid, _addr):
    buf = ctypes.create_string_buffer(27 * 8)
    iov = iovecs((ctypes.addressof(buf), len(buf)))
    ptrace("PTRACE_GETREGSET", pid, NT_PRSTATUS, ctypes.addressof(iov))
    ptrace("PTRACE_SETREGSET", pid, NT_PRSTATUS, ctypes.addressof(iov))


WRITE_REQUESTS = {
    "PTRACE_POKEUSER": (_pokeuser, ["PTRACE_PEEKUSER"]),
    "PTRACE_SETREGS": (_get_set("PTRACE_GETREGS", "PTRACE_SETREGS", 27 * 8), ["PTRACE_GETREGS"]),
    "PTRACE_SETFPREGS": (_get_set("PTRACE_GETFPREGS", "PTRACE_SETFPREGS", 512),
                         ["PTRACE_GETFPREGS"]),
    "PTRACE_SETSIGINFO": (_get_set("PTRACE_GETSIGINFO", "PTRACE_SETSIGINFO", 128),
                          ["PTRACE_GETSIGINFO"]),
    "PTRACE_SETREGSET": (_setregset, ["PTRACE_GETREGSET"]),
}


@pytest.mark.parametrize("req", list(WRITE_REQUESTS))
def test_ptrace_register_writes_are_write_process(ward, kids, req):
    do, reads = WRITE_REQUESTS[req]
    tracee = kids()
    attach(tracee.pid)
    do(tracee.pid, 0)
    detach(tracee.pid)
    tracee.result()
    r = ward.wait_for(ev("MODIFIED_PROCESS_WRITE_PROCESS", pid=ME(), target_pid=tracee.pid,
                         ptrace_request=req))
    check_event(r, "MODIFIED_PROCESS_WRITE_PROCESS", ptrace_keys())
    check_self_process(r)
    assert r["target_process"] == target_of_child(ward, tracee.pid)
    assert r["syscall"] == "ptrace"
    ward.marker()
    got = ward.events(ev(pid=ME(), target_pid=tracee.pid, event_type="MODIFIED_PROCESS"))
    assert sorted((g["access_type"], g["ptrace_request"]) for g in got) == sorted(
        [("MODIFIED_PROCESS_WRITE_PROCESS", "PTRACE_ATTACH"), ("MODIFIED_PROCESS_WRITE_PROCESS", req)]
        + [("MODIFIED_PROCESS_READ_PROCESS", q) for q in reads])


@pytest.mark.parametrize("req", ["PTRACE_POKETEXT", "PTRACE_POKEDATA"])
def test_ptrace_poke_is_write_memory(ward, kids, req):
    words = (ctypes.c_ulong * 2)(1, 2)
    tracee = kids(lambda: list(words))
    addr = ctypes.addressof(words) + 8
    attach(tracee.pid)
    ptrace(req, tracee.pid, addr, WORD)
    detach(tracee.pid)
    assert tracee.result() == [1, WORD]   # the tracee's memory was written
    r = ward.wait_for(ev("MODIFIED_PROCESS_WRITE_MEMORY", pid=ME(), target_pid=tracee.pid))
    check_event(r, "MODIFIED_PROCESS_WRITE_MEMORY", ptrace_keys(memory=True))
    check_self_process(r)
    assert r["target_process"] == target_of_child(ward, tracee.pid)
    assert r["memory"] == {"address": hexaddr(addr), "length": 8}
    assert r["syscall"] == "ptrace"
    assert r["ptrace_request"] == req


def test_ptrace_peeks_folded_with_count(ward_factory, kids):
    """A debugger peeking word after word: one record per window, with the count."""
    w = ward_factory("--fold-ms", "300")
    words = (ctypes.c_ulong * 8)(*range(8))
    base = ctypes.addressof(words)
    tracee = kids()
    attach(tracee.pid)
    out = ctypes.c_ulong()
    for i in range(5):
        ptrace("PTRACE_PEEKDATA", tracee.pid, base + 8 * i, ctypes.addressof(out))
        assert out.value == i
    time.sleep(0.4)   # past the window
    ptrace("PTRACE_PEEKDATA", tracee.pid, base + 40, ctypes.addressof(out))
    detach(tracee.pid)
    tracee.result()
    w.wait_count(ev("MODIFIED_PROCESS_READ_PROCESS", pid=ME(), target_pid=tracee.pid), 2)
    w.marker()
    got = w.events(ev("MODIFIED_PROCESS_READ_PROCESS", pid=ME(), target_pid=tracee.pid))
    assert [(g["ptrace_request"], g["count"]) for g in got] == [("PTRACE_PEEKDATA", 1),
                                                                ("PTRACE_PEEKDATA", 5)]


def test_ptrace_traceme_is_process_tracme(ward):
    pid, _ = run_kid(lambda: ptrace("PTRACE_TRACEME", 0) and None)
    r = ward.wait_for(ev("PROCESS_TRACME", pid=pid))
    check_event(r, "PROCESS_TRACME", ptrace_keys())
    check_child_process(r, pid, child_hash(ward, pid))
    # the tracer-to-be is the parent: this test process
    assert r["target_process"] == {"pid": ME(), "comm": MY_COMM, "exe": PYTHON_EXE,
                                   "cmdline": own_cmdline(), "hash_id": my_hash(ward)}
    assert r["syscall"] == "ptrace"
    assert r["ptrace_request"] == "PTRACE_TRACEME"


def test_failed_ptrace_not_reported(ward, kids):
    untraced = kids()
    with pytest.raises(OSError) as e:          # not our tracee: ESRCH
        ptrace("PTRACE_PEEKDATA", untraced.pid, 0, ctypes.addressof(ctypes.c_ulong()))
    assert e.value.errno == 3
    gone = Kid()
    gone.result()                               # exited and reaped
    with pytest.raises(OSError) as e:
        ptrace("PTRACE_ATTACH", gone.pid)
    assert e.value.errno == 3
    traced = kids()
    attach(traced.pid)
    with pytest.raises(OSError) as e:          # an unmapped address: EIO
        ptrace("PTRACE_POKEDATA", traced.pid, 0x10, WORD)
    with pytest.raises(OSError):
        ptrace("PTRACE_PEEKDATA", traced.pid, 0x10, ctypes.addressof(ctypes.c_ulong()))
    detach(traced.pid)
    traced.result()
    untraced.result()
    ward.wait_for(ev("MODIFIED_PROCESS_WRITE_PROCESS", pid=ME(), target_pid=traced.pid,
                     ptrace_request="PTRACE_ATTACH"))

    def bad(r):
        if (r["event_type"] != "MODIFIED_PROCESS" or r["process"]["pid"] != ME()
                or get_target(r) not in (untraced.pid, gone.pid, traced.pid)):
            return False
        return not (get_target(r) == traced.pid and r.get("ptrace_request") == "PTRACE_ATTACH")
    bad.desc = "a MODIFIED_PROCESS event for a failed ptrace call"
    ward.assert_absent(bad)


def get_target(r):
    t = r.get("target_process")
    return t.get("pid") if isinstance(t, dict) else None


def test_ptrace_cont_detach_kill_not_reported(ward, kids):
    a = kids()
    attach(a.pid)
    ptrace("PTRACE_CONT", a.pid, 0, 0)
    os.kill(a.pid, signal.SIGSTOP)              # back into a stop, to be detached
    _, st = os.waitpid(a.pid, 0)
    assert os.WIFSTOPPED(st)
    detach(a.pid)
    a.result()
    b = kids()
    attach(b.pid)
    ptrace("PTRACE_KILL", b.pid, 0, 0)
    _, st = os.waitpid(b.pid, 0)
    assert os.WIFSIGNALED(st) and os.WTERMSIG(st) == signal.SIGKILL
    b.reaped = True
    for k in (a, b):
        ward.wait_for(ev("MODIFIED_PROCESS_WRITE_PROCESS", pid=ME(), target_pid=k.pid,
                         ptrace_request="PTRACE_ATTACH"))

    def other(r):
        return (r["event_type"] == "MODIFIED_PROCESS" and r["process"]["pid"] == ME()
                and get_target(r) in (a.pid, b.pid)
                and r.get("ptrace_request") != "PTRACE_ATTACH")
    other.desc = "an event for PTRACE_CONT, PTRACE_DETACH or PTRACE_KILL"
    ward.assert_absent(other)


# ================================================================ process_vm_readv / writev

def vm_call(nr, pid, local, remote, flags=0):
    return sys_call(nr, pid, ctypes.addressof(local), len(local), ctypes.addressof(remote),
                    len(remote), flags)


def test_process_vm_readv_is_read_process(ward, kids):
    secret = ctypes.create_string_buffer(b"ward-secret-0123456789abcdef", 32)
    addr = ctypes.addressof(secret)
    target = kids()
    local = ctypes.create_string_buffer(32)
    n = vm_call(NR_PROCESS_VM_READV, target.pid, iovecs((ctypes.addressof(local), 32)),
                iovecs((addr, 32)))
    assert n == 32 and local.raw == secret.raw
    target.result()
    r = ward.wait_for(ev("MODIFIED_PROCESS_READ_PROCESS", pid=ME(), target_pid=target.pid))
    check_event(r, "MODIFIED_PROCESS_READ_PROCESS", {"target_process", "memory", "syscall"})
    check_self_process(r)
    assert r["target_process"] == target_of_child(ward, target.pid)
    assert r["memory"] == {"address": hexaddr(addr), "length": 32}
    assert r["syscall"] == "process_vm_readv"


def test_process_vm_readv_several_iovecs(ward, kids):
    """address: the first remote iovec's base; length: every byte transferred."""
    secret = ctypes.create_string_buffer(b"0123456789abcdefghij", 24)
    addr = ctypes.addressof(secret)
    target = kids()
    l1, l2 = ctypes.create_string_buffer(8), ctypes.create_string_buffer(8)
    n = vm_call(NR_PROCESS_VM_READV, target.pid,
                iovecs((ctypes.addressof(l1), 8), (ctypes.addressof(l2), 8)),
                iovecs((addr + 10, 6), (addr, 4), (addr + 16, 3)))
    assert n == 13
    assert l1.raw + l2.raw[:5] == b"abcdef0123ghi"
    target.result()
    r = ward.wait_for(ev("MODIFIED_PROCESS_READ_PROCESS", pid=ME(), target_pid=target.pid))
    check_event(r, "MODIFIED_PROCESS_READ_PROCESS", {"target_process", "memory", "syscall"})
    assert r["memory"] == {"address": hexaddr(addr + 10), "length": 13}
    assert r["syscall"] == "process_vm_readv"


def test_process_vm_writev_is_write_memory(ward, kids):
    buf = ctypes.create_string_buffer(b"original-content", 16)
    addr = ctypes.addressof(buf)
    target = kids(lambda: buf.raw.decode())
    payload = ctypes.create_string_buffer(b"INJECTED!!!!", 12)
    n = vm_call(NR_PROCESS_VM_WRITEV, target.pid, iovecs((ctypes.addressof(payload), 12)),
                iovecs((addr + 2, 12)))
    assert n == 12
    assert target.result() == "orINJECTED!!!!nt"
    r = ward.wait_for(ev("MODIFIED_PROCESS_WRITE_MEMORY", pid=ME(), target_pid=target.pid))
    check_event(r, "MODIFIED_PROCESS_WRITE_MEMORY", {"target_process", "memory", "syscall"})
    check_self_process(r)
    assert r["target_process"] == target_of_child(ward, target.pid)
    assert r["memory"] == {"address": hexaddr(addr + 2), "length": 12}
    assert r["syscall"] == "process_vm_writev"


def test_failed_process_vm_not_reported(ward, kids):
    target = kids()
    local = ctypes.create_string_buffer(16)
    for nr in (NR_PROCESS_VM_READV, NR_PROCESS_VM_WRITEV):
        with pytest.raises(OSError) as e:      # nothing mapped at 0x1000 in the target
            vm_call(nr, target.pid, iovecs((ctypes.addressof(local), 16)), iovecs((0x1000, 16)))
        assert e.value.errno == 14
    target.result()
    ward.assert_absent(ev(pid=ME(), target_pid=target.pid, event_type="MODIFIED_PROCESS"))


# ================================================================ prctl(PR_SET_NAME)

def set_name(name):
    buf = ctypes.create_string_buffer(name)
    sys_call(NR_PRCTL, PR_SET_NAME, ctypes.addressof(buf), 0, 0, 0)


def rename_keys():
    return {"target_process", "new_name", "old_name", "syscall"}


def test_prctl_set_name_is_write_process_name(ward):
    pid, _ = run_kid(lambda: set_name(b"ward-renamed"))
    h = child_hash(ward, pid)
    r = ward.wait_for(ev("MODIFIED_PROCESS_WRITE_PROCESS_NAME", pid=pid))
    check_event(r, "MODIFIED_PROCESS_WRITE_PROCESS_NAME", rename_keys())
    check_child_process(r, pid, h, comm="ward-renamed")
    assert r["target_process"] == {"pid": pid, "comm": "ward-renamed", "exe": PYTHON_EXE,
                                   "cmdline": own_cmdline(), "hash_id": h}
    assert r["new_name"] == "ward-renamed"
    assert r["old_name"] == MY_COMM
    assert r["syscall"] == "prctl"


def test_prctl_rename_twice_and_later_events_carry_new_name(ward, tmpd):
    path = os.path.join(tmpd, "after-rename")
    touch(path)

    def run():
        set_name(b"ward-first")
        set_name(b"ward-second")
        os.close(os.open(path, os.O_RDONLY))

    pid, _ = run_kid(run)
    got = ward.wait_count(ev("MODIFIED_PROCESS_WRITE_PROCESS_NAME", pid=pid), 2)
    o = ward.wait_for(ev("FILE_OPEN", pid=pid, path=path))
    t = ward.wait_for(ev("PROCESS_TERMINATE", pid=pid))
    seen = {"renames": [(g["old_name"], g["new_name"], g["process"]["comm"],
                         g["target_process"]["comm"]) for g in got],
            "open_comm": o["process"]["comm"], "exit_comm": t["process"]["comm"]}
    assert seen == {"renames": [(MY_COMM, "ward-first", "ward-first", "ward-first"),
                                ("ward-first", "ward-second", "ward-second", "ward-second")],
                    "open_comm": "ward-second", "exit_comm": "ward-second"}


def test_prctl_long_name_is_cut_like_the_kernel(ward):
    pid, _ = run_kid(lambda: set_name(b"ward-a-very-long-process-name"))
    r = ward.wait_for(ev("MODIFIED_PROCESS_WRITE_PROCESS_NAME", pid=pid))
    assert r["new_name"] == "ward-a-very-lon"      # TASK_COMM_LEN - 1 bytes
    assert r["target_process"]["comm"] == "ward-a-very-lon"
    assert r["old_name"] == MY_COMM


def test_prctl_other_options_and_failed_rename_not_reported(ward):
    def run():
        out = ctypes.create_string_buffer(16)
        sys_call(NR_PRCTL, PR_GET_NAME, ctypes.addressof(out), 0, 0, 0)
        sys_call(NR_PRCTL, PR_SET_DUMPABLE, 1, 0, 0, 0)
        try:
            sys_call(NR_PRCTL, PR_SET_NAME, 0x10, 0, 0, 0)   # EFAULT
        except OSError as e:
            return e.errno
        return 0

    pid, err = run_kid(run)
    assert err == 14
    ward.wait_for(ev("PROCESS_TERMINATE", pid=pid))
    ward.assert_absent(ev("MODIFIED_PROCESS_WRITE_PROCESS_NAME", pid=pid))


# ================================================================ MEMORY: mmap

MEM_KEYS = {"memory", "syscall"}


def test_mmap_anonymous_rwx_is_memory_modify(ward_factory):
    w = ward_factory()   # its own fold state for this process
    m = mmap.mmap(-1, 3 * PAGE, flags=MAP_PRIVATE | MAP_ANONYMOUS,
                  prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    c = ctypes.c_char.from_buffer(m)
    addr = ctypes.addressof(c)
    del c
    m.close()
    r = w.wait_for(ev("MEMORY_MODIFY", pid=ME()))
    check_event(r, "MEMORY_MODIFY", MEM_KEYS)
    check_self_process(r)
    assert r["memory"] == {"address": hexaddr(addr), "length": 3 * PAGE, "prot": "rwx"}
    assert r["syscall"] == "mmap"


@pytest.mark.parametrize("prot,flags", [(PROT_R | PROT_W | PROT_X, MAP_SHARED | MAP_ANONYMOUS),
                                        (PROT_W | PROT_X, MAP_PRIVATE | MAP_ANONYMOUS)],
                         ids=["rwx-shared", "-wx-private"])
def test_mmap_anonymous_writable_executable_in_child(ward, prot, flags):
    pid, addr = run_kid(lambda: anon_map(5 * PAGE, prot, flags))
    r = ward.wait_for(ev("MEMORY_MODIFY", pid=pid))
    check_event(r, "MEMORY_MODIFY", MEM_KEYS)
    check_child_process(r, pid, child_hash(ward, pid))
    assert r["memory"] == {"address": hexaddr(addr), "length": 5 * PAGE, "prot": prot_str(prot)}
    assert r["syscall"] == "mmap"


def test_mmap_anonymous_not_both_writable_and_executable_not_reported(ward):
    def run():
        for prot in (PROT_R | PROT_X, PROT_X, PROT_R | PROT_W, PROT_R, PROT_NONE):
            anon_map(PAGE, prot)
        try:
            anon_map(0, PROT_R | PROT_W | PROT_X)          # EINVAL: failed, not reported
        except OSError as e:
            return e.errno
        return 0

    pid, err = run_kid(run)
    assert err == 22
    ward.wait_for(ev("PROCESS_TERMINATE", pid=pid))
    bad = ev(pid=pid, event_type="MEMORY")
    ward.assert_absent(lambda r: bad(r) or (r["process"]["pid"] == pid and
                                           r["access_type"] == "PROCESS_LOAD_IMAGE"),
                       what="MEMORY or PROCESS_LOAD_IMAGE event from pid %d" % pid)


def test_mmap_rwx_repeats_folded(ward):
    """Default --fold-ms 1000: a process's repeated rwx mappings are one record;
    another prot value is another record."""
    pid, addrs = run_kid(lambda: [anon_map(PAGE, 7) for _ in range(3)] + [anon_map(PAGE, 6)])
    got = ward.wait_count(ev("MEMORY_MODIFY", pid=pid), 2)
    ward.marker()
    got = ward.events(ev("MEMORY_MODIFY", pid=pid))
    assert [(g["memory"], g["count"]) for g in got] == [
        ({"address": hexaddr(addrs[0]), "length": PAGE, "prot": "rwx"}, 1),
        ({"address": hexaddr(addrs[3]), "length": PAGE, "prot": "-wx"}, 1)]


def test_mmap_rwx_fold_window_count(ward_factory):
    w = ward_factory("--fold-ms", "300")

    def run():
        a = [anon_map(PAGE, 7) for _ in range(3)]
        time.sleep(0.4)   # past the window: the window itself is what is tested
        return a + [anon_map(2 * PAGE, 7)]

    pid, addrs = run_kid(run)
    got = w.wait_count(ev("MEMORY_MODIFY", pid=pid), 2)
    w.marker()
    got = w.events(ev("MEMORY_MODIFY", pid=pid))
    assert [(g["memory"], g["count"]) for g in got] == [
        ({"address": hexaddr(addrs[0]), "length": PAGE, "prot": "rwx"}, 1),
        ({"address": hexaddr(addrs[3]), "length": 2 * PAGE, "prot": "rwx"}, 3)], \
        "2 folded mappings + this one"


def test_mmap_rwx_fold_ms_zero_reports_each(ward_factory):
    w = ward_factory("--fold-ms", "0")
    pid, addrs = run_kid(lambda: [anon_map(PAGE, 7) for _ in range(3)])
    got = w.wait_count(ev("MEMORY_MODIFY", pid=pid), 3)
    w.marker()
    got = w.events(ev("MEMORY_MODIFY", pid=pid))
    assert [(g["memory"]["address"], g["count"]) for g in got] == [(hexaddr(a), 1) for a in addrs]


# ================================================================ MEMORY: mprotect

def test_mprotect_exec_is_memory_modify_permission(ward_factory):
    w = ward_factory()
    addr = anon_map(4 * PAGE, PROT_R | PROT_W)
    try:
        sys_call(NR_MPROTECT, addr + PAGE, 2 * PAGE, PROT_R | PROT_X)
    finally:
        mmap_unmap(addr, 4 * PAGE)
    r = w.wait_for(ev("MEMORY_MODIFY_PERMISSION", pid=ME()))
    check_event(r, "MEMORY_MODIFY_PERMISSION", MEM_KEYS)
    check_self_process(r)
    assert r["memory"] == {"address": hexaddr(addr + PAGE), "length": 2 * PAGE, "prot": "r-x"}
    assert r["syscall"] == "mprotect"
    w.assert_absent(ev("MEMORY_MODIFY", pid=ME()))   # the rw- mapping itself is not reported


def mmap_unmap(addr, length):
    sys_call(11, addr, length)   # munmap


@pytest.mark.parametrize("prot", [PROT_R | PROT_X, PROT_R | PROT_W | PROT_X, PROT_X, PROT_W | PROT_X],
                         ids=prot_str)
def test_mprotect_exec_prot_values(ward, prot):
    def run():
        addr = anon_map(2 * PAGE, PROT_R | PROT_W)
        sys_call(NR_MPROTECT, addr, PAGE, prot)
        return addr

    pid, addr = run_kid(run)
    r = ward.wait_for(ev("MEMORY_MODIFY_PERMISSION", pid=pid))
    check_event(r, "MEMORY_MODIFY_PERMISSION", MEM_KEYS)
    check_child_process(r, pid, child_hash(ward, pid))
    assert r["memory"] == {"address": hexaddr(addr), "length": PAGE, "prot": prot_str(prot)}
    assert r["syscall"] == "mprotect"


def test_pkey_mprotect_exec(ward):
    def run():
        addr = anon_map(PAGE, PROT_R | PROT_W)
        try:
            sys_call(NR_PKEY_MPROTECT, addr, PAGE, PROT_R | PROT_X, -1)
        except OSError as e:
            return ["errno", e.errno]
        return addr

    pid, addr = run_kid(run)
    if isinstance(addr, list):
        pytest.skip("pkey_mprotect failed with errno %d" % addr[1])
    r = ward.wait_for(ev("MEMORY_MODIFY_PERMISSION", pid=pid))
    check_event(r, "MEMORY_MODIFY_PERMISSION", MEM_KEYS)
    check_child_process(r, pid, child_hash(ward, pid))
    assert r["memory"] == {"address": hexaddr(addr), "length": PAGE, "prot": "r-x"}
    assert r["syscall"] == "pkey_mprotect"


def test_mprotect_without_exec_or_failed_not_reported(ward):
    def run():
        addr = anon_map(2 * PAGE, PROT_R | PROT_W | 0)
        for prot in (PROT_R, PROT_R | PROT_W, PROT_NONE, PROT_W):
            sys_call(NR_MPROTECT, addr, PAGE, prot)
        errs = []
        for a in (addr + 1, 0x1000):            # unaligned: EINVAL; unmapped: ENOMEM
            try:
                sys_call(NR_MPROTECT, a, PAGE, PROT_R | PROT_X)
            except OSError as e:
                errs.append(e.errno)
        return errs

    pid, errs = run_kid(run)
    assert errs == [22, 12]
    ward.wait_for(ev("PROCESS_TERMINATE", pid=pid))
    ward.assert_absent(ev(pid=pid, event_type="MEMORY"))


def test_mprotect_repeats_folded_with_count(ward_factory):
    w = ward_factory("--fold-ms", "300")

    def run():
        addr = anon_map(8 * PAGE, PROT_R | PROT_W)
        for i in range(3):
            sys_call(NR_MPROTECT, addr + i * PAGE, PAGE, PROT_R | PROT_X)
        sys_call(NR_MPROTECT, addr + 3 * PAGE, PAGE, PROT_R | PROT_W | PROT_X)  # another prot
        time.sleep(0.4)
        sys_call(NR_MPROTECT, addr + 4 * PAGE, 2 * PAGE, PROT_R | PROT_X)
        return addr

    pid, addr = run_kid(run)
    w.wait_count(ev("MEMORY_MODIFY_PERMISSION", pid=pid), 3)
    w.marker()
    got = w.events(ev("MEMORY_MODIFY_PERMISSION", pid=pid))
    assert [(g["memory"], g["count"]) for g in got] == [
        ({"address": hexaddr(addr), "length": PAGE, "prot": "r-x"}, 1),
        ({"address": hexaddr(addr + 3 * PAGE), "length": PAGE, "prot": "rwx"}, 1),
        ({"address": hexaddr(addr + 4 * PAGE), "length": 2 * PAGE, "prot": "r-x"}, 3)]


# ================================================================ PROCESS_LOAD_IMAGE

# Small libraries with no dependencies beyond libc, in Debian 12 base packages.
LIB_CANDIDATES = ["libBrokenLocale.so.1", "libanl.so.1", "libutil.so.1", "libXau.so.6",
                  "libogg.so.0", "libjbig.so.0"]
LIBDIR = "/usr/lib/x86_64-linux-gnu"
_used_libs = set()


def maps(pid="self"):
    """[(start, end, perms, path)] of /proc/PID/maps."""
    out = []
    with open("/proc/%s/maps" % pid) as f:
        for line in f:
            parts = line.split(None, 5)
            lo, hi = (int(x, 16) for x in parts[0].split("-"))
            out.append((lo, hi, parts[1], parts[5].strip() if len(parts) > 5 else ""))
    return out


def exec_mapping(path, pid="self"):
    """(address, length) of the one executable mapping of path."""
    got = [(lo, hi - lo) for lo, hi, perms, p in maps(pid) if p == path and "x" in perms]
    assert len(got) == 1, "executable mappings of %s in %s: %s" % (path, pid, got)
    return got[0]


def fresh_lib():
    """A library that this process has not mapped and no other test used."""
    loaded = {p for _, _, _, p in maps()}
    for name in LIB_CANDIDATES:
        real = os.path.realpath(os.path.join(LIBDIR, name))
        if os.path.exists(real) and real not in loaded and real not in _used_libs:
            _used_libs.add(real)
            return name, real
    pytest.skip("no unloaded library left among %s" % LIB_CANDIDATES)


def file_obj(path):
    st = os.stat(path)
    return {"path": path, "inode": st.st_ino, "dev": kernel_dev(st.st_dev)}


def test_dlopen_is_load_image(ward):
    name, real = fresh_lib()
    lib = ctypes.CDLL(name)
    assert lib
    addr, length = exec_mapping(real)
    r = ward.wait_for(ev("PROCESS_LOAD_IMAGE", pid=ME(), path=real))
    check_event(r, "PROCESS_LOAD_IMAGE", {"file", "memory"})
    check_self_process(r)
    assert r["file"] == file_obj(real)
    assert r["memory"] == {"address": hexaddr(addr), "length": length, "prot": "r-x"}


def test_dlopen_again_after_dlclose_reported_once(ward):
    """Once per process and file: a reload after dlclose is not a new image."""
    name, real = fresh_lib()

    def run():
        h = _libc.dlopen(name.encode(), RTLD_NOW)
        assert h
        first = exec_mapping(real)
        assert _libc.dlclose(h) == 0
        unmapped = all(p != real for _, _, _, p in maps())
        h = _libc.dlopen(name.encode(), RTLD_NOW)
        assert h
        return [first, unmapped, exec_mapping(real)]

    pid, (first, unmapped, second) = run_kid(run)
    assert unmapped, "dlclose did not unmap %s: the test proves nothing" % real
    r = ward.wait_for(ev("PROCESS_LOAD_IMAGE", pid=pid, path=real))
    check_event(r, "PROCESS_LOAD_IMAGE", {"file", "memory"})
    check_child_process(r, pid, child_hash(ward, pid))
    assert r["file"] == file_obj(real)
    assert r["memory"] == {"address": hexaddr(first[0]), "length": first[1], "prot": "r-x"}
    ward.wait_for(ev("PROCESS_TERMINATE", pid=pid))
    ward.marker()
    assert len(ward.events(ev("PROCESS_LOAD_IMAGE", pid=pid, path=real))) == 1


def test_exec_reports_libc_load_for_the_new_image(ward, kids):
    libc_path = os.path.realpath(os.path.join(LIBDIR, "libc.so.6"))
    k = kids(lambda: os.execv("/bin/sleep", ["sleep", "30"]))
    k.go()
    r = ward.wait_for(ev("PROCESS_LOAD_IMAGE", pid=k.pid, path=libc_path))
    check_event(r, "PROCESS_LOAD_IMAGE", {"file", "memory"})
    check_child_process(r, k.pid, child_hash(ward, k.pid), comm="sleep", exe="/usr/bin/sleep",
                        cmdline="sleep 30")
    assert r["file"] == file_obj(libc_path)
    addr, length = exec_mapping(libc_path, k.pid)
    assert r["memory"] == {"address": hexaddr(addr), "length": length, "prot": "r-x"}


def _map_file_exec(path, unlink=False, prot=PROT_R | PROT_X):
    def run():
        fd = os.open(path, os.O_RDONLY)
        if unlink:
            os.unlink(path)
        addr = file_map(fd, 2 * PAGE, prot)
        os.close(fd)
        return addr
    return run


def test_exec_mapping_of_any_file_is_load_image(ward, tmpd):
    path = os.path.join(tmpd, "blob.bin")
    touch(path, b"\xc3" * (2 * PAGE))
    want = file_obj(path)
    pid, addr = run_kid(_map_file_exec(path))
    r = ward.wait_for(ev("PROCESS_LOAD_IMAGE", pid=pid))
    check_event(r, "PROCESS_LOAD_IMAGE", {"file", "memory"})
    check_child_process(r, pid, child_hash(ward, pid))
    assert r["file"] == want
    assert r["memory"] == {"address": hexaddr(addr), "length": 2 * PAGE, "prot": "r-x"}


def test_exec_mapping_of_deleted_file_flagged_deleted(ward, tmpd):
    path = os.path.join(tmpd, "gone.bin")
    touch(path, b"\xc3" * (2 * PAGE))
    want = dict(file_obj(path), deleted=True)
    pid, addr = run_kid(_map_file_exec(path, unlink=True))
    r = ward.wait_for(ev("PROCESS_LOAD_IMAGE", pid=pid))
    check_event(r, "PROCESS_LOAD_IMAGE", {"file", "memory"})
    assert r["file"] == want
    assert r["memory"] == {"address": hexaddr(addr), "length": 2 * PAGE, "prot": "r-x"}


def test_exec_mapping_of_memfd_is_load_image(ward):
    def run():
        fd = os.memfd_create("ward-blob")
        os.write(fd, b"\xc3" * PAGE)
        st = os.fstat(fd)
        addr = file_map(fd, PAGE, PROT_R | PROT_X)
        return [addr, st.st_ino, kernel_dev(st.st_dev)]

    pid, (addr, ino, dev) = run_kid(run)
    r = ward.wait_for(ev("PROCESS_LOAD_IMAGE", pid=pid))
    check_event(r, "PROCESS_LOAD_IMAGE", {"file", "memory"})
    assert r["file"] == {"path": "/memfd:ward-blob", "inode": ino, "dev": dev, "deleted": True}
    assert r["memory"] == {"address": hexaddr(addr), "length": PAGE, "prot": "r-x"}


def test_non_executable_file_mapping_not_reported(ward, tmpd):
    path = os.path.join(tmpd, "data.bin")
    touch(path, b"d" * (2 * PAGE))
    pid, _ = run_kid(_map_file_exec(path, prot=PROT_R))
    pid2, _ = run_kid(_map_file_exec(path, prot=PROT_R | PROT_W))
    for p in (pid, pid2):
        ward.wait_for(ev("PROCESS_TERMINATE", pid=p))
    ward.assert_absent(lambda r: r["process"]["pid"] in (pid, pid2) and
                       (r["access_type"] == "PROCESS_LOAD_IMAGE" or r["event_type"] == "MEMORY"),
                       what="a LOAD_IMAGE or MEMORY event for a non-executable file mapping")


# ================================================================ ACCOUNT_IMPERSONATE

def account(name, uid=0, euid=0, gid=0, egid=0, suid=0, fsuid=None, frm=(0, 0, 0)):
    return {"name": name, "uid": euid, "file": None,
            "from_uid": frm[0], "from_euid": frm[1], "from_gid": frm[2],
            "to_uid": uid, "to_euid": euid, "to_gid": gid, "to_egid": egid, "to_suid": suid,
            "to_fsuid": euid if fsuid is None else fsuid}


def no_user(uid):
    import pwd
    try:
        pwd.getpwuid(uid)
        return False
    except KeyError:
        return True


ACCOUNT_CASES = {
    # id: (action in the child, syscall, account, process (uid, euid, gid))
    "setuid": (lambda: os.setuid(65534), "setuid",
               account("nobody", uid=65534, euid=65534, suid=65534), (65534, 65534, 0)),
    "setgid": (lambda: os.setgid(65534), "setgid",
               account("root", gid=65534, egid=65534), (0, 0, 65534)),
    "setreuid": (lambda: os.setreuid(65534, 65534), "setreuid",
                 account("nobody", uid=65534, euid=65534, suid=65534), (65534, 65534, 0)),
    "setregid": (lambda: os.setregid(65534, 65534), "setregid",
                 account("root", gid=65534, egid=65534), (0, 0, 65534)),
    "setresuid": (lambda: os.setresuid(1000, 65534, 0), "setresuid",
                  account("nobody", uid=1000, euid=65534, suid=0), (1000, 65534, 0)),
    "setresgid": (lambda: os.setresgid(100, 200, 300), "setresgid",
                  account("root", gid=100, egid=200), (0, 0, 100)),
    "seteuid": (lambda: os.seteuid(65534), "setresuid",     # glibc: setresuid(-1, 65534, -1)
                account("nobody", euid=65534), (0, 65534, 0)),
    "setuid_unnamed": (lambda: os.setuid(54321), "setuid",
                       account(None, uid=54321, euid=54321, suid=54321), (54321, 54321, 0)),
    # only the effective gid changes: a change all the same
    "setegid": (lambda: os.setegid(65534), "setresgid",     # glibc: setresgid(-1, 65534, -1)
                account("root", egid=65534), (0, 0, 0)),
    # only the filesystem uid changes: file access as nobody
    "setfsuid": (lambda: sys_call(NR_SETFSUID, 65534) and None, "setfsuid",
                 account("root", fsuid=65534), (0, 0, 0)),
}


@pytest.mark.parametrize("case", list(ACCOUNT_CASES))
def test_credential_change_is_account_impersonate(ward, case):
    action, syscall_name, acct, (uid, euid, gid) = ACCOUNT_CASES[case]
    if case == "setuid_unnamed":
        assert no_user(54321)
    pid, _ = run_kid(action)
    r = ward.wait_for(ev("ACCOUNT_IMPERSONATE", pid=pid))
    check_event(r, "ACCOUNT_IMPERSONATE", {"account", "syscall"})
    check_child_process(r, pid, child_hash(ward, pid), uid=uid, euid=euid, gid=gid)
    assert r["account"] == acct
    assert r["syscall"] == syscall_name


def test_credential_noop_and_failed_calls_not_reported(ward):
    def run():
        os.setuid(0)
        os.setgid(0)
        os.setresuid(-1, -1, -1)
        os.setreuid(-1, -1)
        os.setresgid(0, 0, 0)
        os.setresuid(65534, 65534, 65534)   # reported: the one change
        try:
            os.setuid(0)                      # EPERM now
        except PermissionError:
            return 1
        return 0

    pid, denied = run_kid(run)
    assert denied == 1
    ward.wait_for(ev("PROCESS_TERMINATE", pid=pid))
    ward.marker()
    got = ward.events(ev("ACCOUNT_IMPERSONATE", pid=pid))
    assert [(g["syscall"], g["account"]) for g in got] == [
        ("setresuid", account("nobody", uid=65534, euid=65534, suid=65534))]


def test_credential_changes_tracked_from_one_to_the_next(ward, tmpd):
    """from_* is what the previous change left; later events carry the new ids."""
    os.chmod(tmpd, 0o755)   # reachable with fsuid nobody
    path = os.path.join(tmpd, "as-nobody")
    touch(path)

    def run():
        os.setresuid(0, 65534, 0)              # euid nobody, can come back
        os.close(os.open(path, os.O_RDONLY))
        os.seteuid(0)

    pid, _ = run_kid(run)
    got = ward.wait_count(ev("ACCOUNT_IMPERSONATE", pid=pid), 2)
    assert [g["account"] for g in got] == [
        account("nobody", uid=0, euid=65534, suid=0),
        account("root", uid=0, euid=0, suid=0, frm=(0, 65534, 0))]
    o = ward.wait_for(ev("FILE_OPEN", pid=pid, path=path))
    assert (o["process"]["uid"], o["process"]["euid"], o["process"]["gid"]) == (0, 65534, 0)
    t = ward.wait_for(ev("PROCESS_TERMINATE", pid=pid))
    assert (t["process"]["uid"], t["process"]["euid"]) == (0, 0)


# ================================================================ fileless execution

TRUE = os.path.realpath("/bin/true")


def true_bytes():
    with open(TRUE, "rb") as f:
        return f.read()


def exec_event(ward, pid):
    r = ward.wait_for(ev("PROCESS_EXECUTE", pid=pid))
    check_event(r, "PROCESS_EXECUTE", {"target_process"})
    check_child_process(r, pid, child_hash(ward, pid))   # the process before the exec
    return r


def test_exec_of_memfd_via_proc_fd(ward):
    data = true_bytes()

    def run():
        fd = os.memfd_create("payload", 0)
        os.write(fd, data)
        os.execve("/proc/self/fd/%d" % fd, ["payload", "--x"], {})

    pid, _ = run_kid(run)
    r = exec_event(ward, pid)
    t = ward.wait_for(ev("PROCESS_TERMINATE", pid=pid))
    assert (r["target_process"], t["process"]["exe"]) == (
        {"pid": pid, "exe": "/memfd:payload", "cmdline": "payload --x", "argv": ["payload", "--x"],
         "hash_id": child_hash(ward, pid), "exe_deleted": True},
        "/memfd:payload")


def test_exec_of_memfd_via_execveat_empty_path(ward):
    """fexecve(): execveat(fd, "", argv, envp, AT_EMPTY_PATH) of a close-on-exec memfd."""
    data = true_bytes()

    def run():
        fd = os.memfd_create("payload2", os.MFD_CLOEXEC)
        os.write(fd, data)
        argv = (ctypes.c_char_p * 3)(b"payload2", b"-v", None)
        envp = (ctypes.c_char_p * 1)(None)
        empty = ctypes.c_char_p(b"")
        sys_call(NR_EXECVEAT, fd, ctypes.cast(empty, ctypes.c_void_p).value,
                 ctypes.addressof(argv), ctypes.addressof(envp), AT_EMPTY_PATH)

    pid, _ = run_kid(run)
    r = exec_event(ward, pid)
    assert r["target_process"] == {"pid": pid, "exe": "/memfd:payload2", "cmdline": "payload2 -v",
                                   "argv": ["payload2", "-v"], "hash_id": child_hash(ward, pid),
                                   "exe_deleted": True}


def test_exec_of_deleted_file_via_proc_fd(ward, tmpd):
    path = os.path.join(tmpd, "vanish")
    touch(path, true_bytes(), mode=0o755)

    def run():
        fd = os.open(path, os.O_RDONLY)
        os.unlink(path)
        os.execve("/proc/self/fd/%d" % fd, ["vanish"], {})

    pid, _ = run_kid(run)
    r = exec_event(ward, pid)
    assert r["target_process"] == {"pid": pid, "exe": path, "cmdline": "vanish", "argv": ["vanish"],
                                   "hash_id": child_hash(ward, pid), "exe_deleted": True}


def test_exec_from_dev_shm(ward):
    path = "/dev/shm/ward-it-%s" % uuid.uuid4().hex[:12]
    touch(path, true_bytes(), mode=0o755)
    try:
        pid, _ = run_kid(lambda: os.execv(path, ["shm-true"]))
        r = exec_event(ward, pid)
        assert r["target_process"] == {"pid": pid, "exe": path, "cmdline": "shm-true",
                                       "argv": ["shm-true"], "hash_id": child_hash(ward, pid)}
    finally:
        os.unlink(path)
