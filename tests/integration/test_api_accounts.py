"""BM (libcrypto API uprobes, io_uring), ACCOUNT_ADD/DELETE/MODIFY derived from
the account files, and /proc/PID/mem accesses, against the real kernel."""
import os
import subprocess

import pytest

from conftest import REPO, ev

HELPERS = os.path.join(REPO, "tests", "integration", "helpers")


def build_helper(name, tmp_path_factory):
    out = str(tmp_path_factory.mktemp("helpers") / name)
    subprocess.run(["gcc", "-O2", "-o", out, os.path.join(HELPERS, name + ".c")], check=True)
    return out


# ---------------------------------------------------------------- BM

def test_openssl_enc_calls_the_cipher_api(ward, tmpd):
    plain = os.path.join(tmpd, "plain.txt")
    with open(plain, "w") as f:
        f.write("secret\n")
    p = subprocess.Popen(["openssl", "enc", "-aes-256-cbc", "-pbkdf2", "-pass", "pass:x",
                          "-in", plain, "-out", plain + ".enc"])
    assert p.wait() == 0
    r = ward.wait_for(ev("BM_INVOKE_API", pid=p.pid))
    assert r["event_type"] == "BM" and r["access_type_id"] == 1102
    assert r["api"]["name"] in ("EVP_CipherInit_ex", "EVP_EncryptInit_ex")
    libcrypto = subprocess.run(["sh", "-c", "ldd $(command -v openssl) | awk '/libcrypto/{print $3}'"],
                               capture_output=True, text=True).stdout.strip()
    assert r["api"]["library"] == os.path.realpath(libcrypto)
    assert r["process"]["exe"] == os.path.realpath("/usr/bin/openssl")
    assert r["count"] >= 1


def test_io_uring_open_is_visible(ward, tmp_path_factory):
    helper = build_helper("uring_open", tmp_path_factory)
    p = subprocess.run([helper, "/etc/hostname"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert int(p.stdout) >= 0, "the ring's OPENAT failed: %s" % p.stdout
    # the pid is the helper's: find it through its exe
    r = ward.wait_for(lambda r: r.get("kind") == "event" and r.get("access_type") == "BM_INVOKE"
                      and r["process"]["exe"] == os.path.realpath(helper)
                      and r["api"]["name"] == "io_uring:OPENAT")
    assert r["api"] == {"name": "io_uring:OPENAT", "library": "io_uring"}
    assert r["access_type_id"] == 1101
    pid = r["process"]["pid"]
    ward.wait_for(ev("BM_INVOKE", pid=pid, api__name="io_uring_setup"))


# ---------------------------------------------------------------- ACCOUNT

@pytest.fixture
def test_account():
    name = "wardit%d" % os.getpid()
    subprocess.run(["userdel", name], capture_output=True)
    yield name
    subprocess.run(["userdel", name], capture_output=True)
    subprocess.run(["groupdel", name], capture_output=True)


def test_useradd_usermod_userdel(ward, test_account):
    name = test_account
    add = subprocess.run(["useradd", "-M", "-s", "/usr/sbin/nologin", name])
    assert add.returncode == 0
    uid = int(subprocess.run(["id", "-u", name], capture_output=True, text=True).stdout)
    r = ward.wait_for(ev("ACCOUNT_ADD", account__name=name, account__file="/etc/passwd"))
    assert r["account"] == {"name": name, "uid": uid, "file": "/etc/passwd"}
    assert r["event_type"] == "ACCOUNT" and r["access_type_id"] == 501
    assert r["process"]["exe"] == "/usr/sbin/useradd"
    ward.wait_for(ev("ACCOUNT_ADD", account__name=name, account__file="/etc/shadow"))
    ward.wait_for(ev("ACCOUNT_ADD", account__name=name, account__file="/etc/group"))

    assert subprocess.run(["usermod", "-c", "ward test", name]).returncode == 0
    r = ward.wait_for(ev("ACCOUNT_MODIFY", account__name=name, account__file="/etc/passwd"))
    assert r["access_type_id"] == 504 and r["process"]["exe"] == "/usr/sbin/usermod"

    assert subprocess.run(["userdel", name]).returncode == 0
    r = ward.wait_for(ev("ACCOUNT_DELETE", account__name=name, account__file="/etc/passwd"))
    assert r["account"]["uid"] == uid and r["access_type_id"] == 502
    assert r["process"]["exe"] == "/usr/sbin/userdel"


def test_direct_append_to_passwd_is_an_account_add(ward, test_account):
    name = test_account
    with open("/etc/passwd") as f:
        before = f.read()
    try:
        with open("/etc/passwd", "a") as f:
            f.write("%s:x:64999:64999::/nonexistent:/usr/sbin/nologin\n" % name)
        r = ward.wait_for(ev("ACCOUNT_ADD", pid=os.getpid(), account__name=name))
        assert r["account"] == {"name": name, "uid": 64999, "file": "/etc/passwd"}
    finally:
        with open("/etc/passwd", "w") as f:
            f.write(before)
    ward.wait_for(ev("ACCOUNT_DELETE", pid=os.getpid(), account__name=name))


# ---------------------------------------------------------------- /proc/PID/mem

def test_proc_pid_mem_of_another_process(ward):
    r_fd, w_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(w_fd)
        os.read(r_fd, 1)
        os._exit(0)
    os.close(r_fd)
    try:
        fd = os.open("/proc/%d/mem" % pid, os.O_RDONLY)
        os.close(fd)
        r = ward.wait_for(ev("MODIFIED_PROCESS_READ_PROCESS", pid=os.getpid(), target_pid=pid))
        assert r["syscall"] == "open"
        with open("/proc/%d/maps" % pid) as f:
            first = f.readline()
        addr = int(first.split("-")[0], 16)
        fd = os.open("/proc/%d/mem" % pid, os.O_RDWR)
        try:
            os.pwrite(fd, os.pread(fd, 1, addr), addr)
        except OSError:
            pass  # a read-only page may refuse the write; the open is the fact
        os.close(fd)
    finally:
        os.write(w_fd, b"x")
        os.waitpid(pid, 0)
    w = ward.events(ev("MODIFIED_PROCESS_WRITE_MEMORY", pid=os.getpid(), target_pid=pid))
    if w:
        assert w[0]["syscall"] == "write"


def test_prctl_and_proc_comm_rename(ward):
    import ctypes
    libc = ctypes.CDLL(None)
    pid = os.fork()
    if pid == 0:
        libc.prctl(15, b"ward-renamed", 0, 0, 0)
        with open("/proc/self/comm", "w") as f:
            f.write("ward-again")
        os._exit(0)
    os.waitpid(pid, 0)
    r = ward.wait_for(ev("MODIFIED_PROCESS_WRITE_PROCESS_NAME", pid=pid, syscall="prctl"))
    assert r["new_name"] == "ward-renamed" and r["target_process"]["pid"] == pid
    r = ward.wait_for(ev("MODIFIED_PROCESS_WRITE_PROCESS_NAME", pid=pid, new_name="ward-again"))
    assert r["old_name"] == "ward-renamed"


def test_libcrypto_loaded_later_gets_its_uprobes(ward, tmpd):
    """A libcrypto that was not on the system when ward started (a copy in a
    temporary directory) is probed once a process maps it."""
    import ctypes
    import shutil
    import time
    src = os.path.realpath("/usr/lib/x86_64-linux-gnu/libcrypto.so.3")
    copy = os.path.join(tmpd, "libcrypto.so.3")
    shutil.copy(src, copy)
    r_fd, w_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r_fd)
        lib = ctypes.CDLL(copy)
        os.write(w_fd, b"l")       # loaded
        lib.EVP_CIPHER_CTX_new.restype = ctypes.c_void_p
        lib.EVP_aes_128_cbc.restype = ctypes.c_void_p
        lib.EVP_EncryptInit_ex.argtypes = [ctypes.c_void_p] * 5
        # call the API only once the parent saw ward attach to this copy
        while not os.path.exists(copy + ".go"):
            time.sleep(0.01)
        ctx = lib.EVP_CIPHER_CTX_new()
        key = ctypes.create_string_buffer(16)
        lib.EVP_EncryptInit_ex(ctx, lib.EVP_aes_128_cbc(), None, key, key)
        os._exit(0)
    os.close(w_fd)
    assert os.read(r_fd, 1) == b"l"
    ward.wait_for(ev("PROCESS_LOAD_IMAGE", pid=pid, path=copy))
    deadline = time.monotonic() + 10
    while not any(copy in l and "uprobes attached" in l for l in ward.stderr_lines):
        assert time.monotonic() < deadline, ward.stderr_text()
        time.sleep(0.05)
    open(copy + ".go", "w").close()
    os.waitpid(pid, 0)
    r = ward.wait_for(ev("BM_INVOKE_API", pid=pid))
    assert r["api"] == {"name": "EVP_EncryptInit_ex", "library": copy}
