"""Every FILE access type, made by this process, with exact fields."""

import ctypes
import errno
import os
import sys
import subprocess
import time
import stat

import pytest

from conftest import (check_event_common, check_self_process, ev, fork_child, kernel_dev, syscall,
                      touch)

AT_FDCWD = -100

# x86_64 syscall numbers for the calls Python has no direct wrapper for
NR_OPEN = 2
NR_CREAT = 85
NR_OPENAT = 257
NR_OPENAT2 = 437
NR_RENAMEAT2 = 316
NR_UTIME = 132
NR_UTIMES = 235
NR_FUTIMESAT = 261

ME = os.getpid


def c(s):
    return ctypes.c_char_p(os.fsencode(s))


def check_fd_fields(r, path):
    st = os.stat(path)
    f = r["file"]
    assert f["inode"] == st.st_ino
    assert f["dev"] == kernel_dev(st.st_dev)
    assert f["mode"] == st.st_mode
    assert "path_truncated" not in f
    assert "deleted" not in f


def check_path_only(r):
    """For FILE_MOVE-only fields: absent on other access types."""
    assert "new_path" not in r["file"] and "requested_new_path" not in r["file"]


# ---------------------------------------------------------------- FILE_OPEN

class OpenHow(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64), ("resolve", ctypes.c_uint64)]


def sys_open(path, flags):
    return syscall(NR_OPEN, c(path), ctypes.c_int(flags), ctypes.c_int(0))


def sys_openat(path, flags):
    return syscall(NR_OPENAT, ctypes.c_int(AT_FDCWD), c(path), ctypes.c_int(flags), ctypes.c_int(0))


def sys_openat2(path, flags):
    how = OpenHow(flags, 0, 0)
    return syscall(NR_OPENAT2, ctypes.c_int(AT_FDCWD), c(path), ctypes.byref(how),
                   ctypes.c_size_t(ctypes.sizeof(how)))


@pytest.mark.parametrize("opener", [sys_open, sys_openat, sys_openat2], ids=["open", "openat", "openat2"])
def test_open_existing_file(ward, tmpd, opener):
    path = os.path.join(tmpd, "existing")
    touch(path, b"hello")
    flags = os.O_RDONLY | os.O_NOCTTY
    fd = opener(path, flags)
    os.close(fd)
    r = ward.wait_for(ev("FILE_OPEN", pid=ME(), path=path))
    check_event_common(r, "FILE_OPEN")
    check_self_process(r)
    assert r["count"] == 1
    assert r["file"]["requested_path"] == path
    assert r["file"]["flags"] == flags
    check_fd_fields(r, path)
    check_path_only(r)


def test_open_with_os_open_reports_cloexec_flag(ward, tmpd):
    path = os.path.join(tmpd, "f")
    touch(path)
    os.close(os.open(path, os.O_RDWR))
    r = ward.wait_for(ev("FILE_OPEN", pid=ME(), path=path))
    # Python adds O_CLOEXEC to what it passes to openat
    assert r["file"]["flags"] == os.O_RDWR | os.O_CLOEXEC


def test_creat_new_file_is_file_create(ward, tmpd):
    path = os.path.join(tmpd, "creat-new")
    fd = syscall(NR_CREAT, c(path), ctypes.c_int(0o640))
    os.close(fd)
    r = ward.wait_for(ev("FILE_CREATE", pid=ME(), path=path))
    check_event_common(r, "FILE_CREATE")
    check_self_process(r)
    assert r["file"]["requested_path"] == path
    assert r["file"]["flags"] == os.O_CREAT | os.O_WRONLY | os.O_TRUNC
    check_fd_fields(r, path)


def test_ocreat_on_new_file_is_create_not_open(ward, tmpd):
    path = os.path.join(tmpd, "new")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(fd)
    r = ward.wait_for(ev("FILE_CREATE", pid=ME(), path=path))
    check_event_common(r, "FILE_CREATE")
    assert r["file"]["requested_path"] == path
    assert r["file"]["flags"] == os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC
    check_fd_fields(r, path)
    ward.assert_absent(ev("FILE_OPEN", pid=ME(), path=path))


def test_ocreat_on_existing_file_is_open_not_create(ward, tmpd):
    path = os.path.join(tmpd, "exists")
    touch(path)
    since = ward.sync()  # the creation by touch() is before this point
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(fd)
    r = ward.wait_for(ev("FILE_OPEN", pid=ME(), path=path))
    assert r["file"]["flags"] == os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC
    check_fd_fields(r, path)
    ward.assert_absent(ev("FILE_CREATE", pid=ME(), path=path), since=since)


def test_failed_open_of_missing_file_not_reported(ward, tmpd):
    path = os.path.join(tmpd, "missing")
    with pytest.raises(FileNotFoundError):
        os.open(path, os.O_RDONLY)
    ward.assert_absent(lambda r: r.get("kind") == "event" and r["process"]["pid"] == ME()
                       and (r.get("file") or {}).get("requested_path") == path,
                       what="event for the failed open of %s" % path)


def test_failed_exclusive_create_not_reported(ward, tmpd):
    path = os.path.join(tmpd, "excl")
    touch(path)
    since = ward.sync()
    with pytest.raises(FileExistsError):
        os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    ward.assert_absent(ev(pid=ME(), path=path), what="event for failed O_EXCL create", since=since)


def test_other_failed_syscalls_not_reported(ward, tmpd):
    missing = os.path.join(tmpd, "nope")
    existing = os.path.join(tmpd, "dir")
    os.mkdir(existing)
    since = ward.sync()  # the mkdir above is before this point
    for fn in (lambda: os.unlink(missing), lambda: os.rmdir(missing), lambda: os.mkdir(existing),
               lambda: os.rename(missing, missing + "2"), lambda: os.chmod(missing, 0o600),
               lambda: os.chown(missing, 1, 1), lambda: os.utime(missing),
               lambda: os.truncate(missing, 0), lambda: os.link(missing, missing + "3"),
               lambda: os.setxattr(missing, "security.ward", b"x")):
        with pytest.raises(OSError):
            fn()
    ward.assert_absent(lambda r: r.get("kind") == "event" and r["process"]["pid"] == ME()
                       and (r.get("file") or {}).get("requested_path") in (missing, existing),
                       what="event for a failed syscall", since=since)


# ---------------------------------------------------------------- FILE_CREATE (non-open)

def check_mkdir_mode(mode, arg):
    """docs/output.md: `mode` is "the mode argument for mkdir". ward adds the
    S_IFDIR type bits to it (bpf/file.bpf.c: S_IFDIR_ | (A2 & 07777)); both are
    accepted here. What must hold: the permission bits are the argument as
    passed, not the inode's mode after the umask."""
    assert mode & 0o7777 == arg, "mode %o, the mkdir argument was %o" % (mode, arg)
    assert stat.S_IFMT(mode) in (0, stat.S_IFDIR), "mode %o has type bits other than S_IFDIR" % mode


def test_mkdir_is_file_create_with_mode_argument(ward, tmpd):
    path = os.path.join(tmpd, "newdir")
    old = os.umask(0o027)
    try:
        os.mkdir(path, 0o777)   # the directory gets 0750: the argument is 0777
    finally:
        os.umask(old)
    r = ward.wait_for(ev("FILE_CREATE", pid=ME(), path=path))
    check_event_common(r, "FILE_CREATE")
    check_self_process(r)
    assert r["file"]["requested_path"] == path
    check_mkdir_mode(r["file"]["mode"], 0o777)


def test_mkdirat_relative_to_dirfd(ward, tmpd):
    dfd = os.open(tmpd, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.mkdir("sub", 0o700, dir_fd=dfd)
    finally:
        os.close(dfd)
    r = ward.wait_for(ev("FILE_CREATE", pid=ME(), path=os.path.join(tmpd, "sub")))
    assert r["file"]["requested_path"] == "sub"
    check_mkdir_mode(r["file"]["mode"], 0o700)


def test_mknod_fifo_is_file_create(ward, tmpd):
    path = os.path.join(tmpd, "fifo")
    os.mkfifo(path, 0o640)
    r = ward.wait_for(ev("FILE_CREATE", pid=ME(), path=path))
    check_event_common(r, "FILE_CREATE")
    assert r["file"]["requested_path"] == path
    assert r["file"]["mode"] == stat.S_IFIFO | 0o640


def test_symlink_is_file_create_of_the_link(ward, tmpd):
    target = os.path.join(tmpd, "target")
    touch(target)
    link = os.path.join(tmpd, "link")
    os.symlink(target, link)
    # the new name is the link itself, not what it points to
    r = ward.wait_for(ev("FILE_CREATE", pid=ME(), file__requested_path=link))
    check_event_common(r, "FILE_CREATE")
    assert r["file"]["path"] == link


def test_hard_link_is_file_create_of_new_name(ward, tmpd):
    src = os.path.join(tmpd, "src")
    touch(src)
    dst = os.path.join(tmpd, "dst")
    os.link(src, dst)
    r = ward.wait_for(ev("FILE_CREATE", pid=ME(), path=dst))
    check_event_common(r, "FILE_CREATE")
    assert r["file"]["requested_path"] == dst


# ---------------------------------------------------------------- FILE_MODIFY / FILE_CLOSE

def _write(fd, path):
    os.write(fd, b"x")


def _pwrite(fd, path):
    os.pwrite(fd, b"x", 10)


def _writev(fd, path):
    os.writev(fd, [b"a", b"b"])


def _ftruncate(fd, path):
    os.ftruncate(fd, 0)


def _fallocate(fd, path):
    os.posix_fallocate(fd, 0, 8192)


@pytest.mark.parametrize("op", [_write, _pwrite, _writev, _ftruncate, _fallocate],
                         ids=["write", "pwrite", "writev", "ftruncate", "fallocate"])
def test_fd_modification_is_file_modify_then_close(ward, tmpd, op):
    path = os.path.join(tmpd, "m")
    touch(path, b"0123456789")
    fd = os.open(path, os.O_WRONLY)
    op(fd, path)
    os.close(fd)
    r = ward.wait_for(ev("FILE_MODIFY", pid=ME(), path=path))
    check_event_common(r, "FILE_MODIFY")
    check_self_process(r)
    assert r["count"] == 1
    assert r["file"]["requested_path"] is None
    assert r["file"]["flags"] & os.O_ACCMODE == os.O_WRONLY
    check_fd_fields(r, path)
    cl = ward.wait_for(ev("FILE_CLOSE", pid=ME(), path=path))
    check_event_common(cl, "FILE_CLOSE")
    assert cl["count"] == 1
    assert cl["file"]["requested_path"] is None
    assert cl["file"]["inode"] == os.stat(path).st_ino
    assert cl["seq"] > r["seq"]


def test_exit_with_modified_file_open_gives_file_close_at_exit(ward, tmpd):
    path = os.path.join(tmpd, "left-open")
    touch(path)

    def run():
        fd = os.open(path, os.O_WRONLY)
        for _ in range(3):
            os.write(fd, b"z")
        return 0          # _exit without closing fd

    child = fork_child(run)
    os.waitpid(child, 0)
    m = ward.wait_for(ev("FILE_MODIFY", pid=child, path=path))
    cl = ward.wait_for(ev("FILE_CLOSE", pid=child, path=path))
    check_event_common(cl, "FILE_CLOSE")
    assert cl["count"] == 3
    assert cl["seq"] > m["seq"]
    assert cl["file"].get("at_exit") is True


def test_dup2_over_modified_fd_gives_file_close(ward, tmpd):
    path = os.path.join(tmpd, "dupped")
    touch(path)
    fd = os.open(path, os.O_WRONLY)
    os.write(fd, b"1")
    os.write(fd, b"2")
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, fd)       # closes the file behind fd
    cl = ward.wait_for(ev("FILE_CLOSE", pid=ME(), path=path))
    assert cl["count"] == 2
    assert "at_exit" not in cl["file"]
    os.close(fd)
    os.close(null)


def test_truncate_by_path_is_file_modify(ward, tmpd):
    path = os.path.join(tmpd, "t")
    touch(path, b"0123456789")
    os.truncate(path, 3)
    r = ward.wait_for(ev("FILE_MODIFY", pid=ME(), path=path))
    assert os.stat(path).st_size == 3
    check_event_common(r, "FILE_MODIFY")
    assert r["file"]["requested_path"] == path
    assert r["count"] == 1


def test_otrunc_open_of_nonempty_file_is_file_modify(ward, tmpd):
    path = os.path.join(tmpd, "trunc")
    touch(path, b"data" * 100)
    fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
    os.close(fd)
    r = ward.wait_for(ev("FILE_MODIFY", pid=ME(), path=path))
    check_event_common(r, "FILE_MODIFY")
    assert r["count"] == 1
    assert r["file"]["inode"] == os.stat(path).st_ino


def test_repeated_writes_reported_once_and_counted_at_close(ward, tmpd):
    path = os.path.join(tmpd, "many")
    touch(path)
    fd = os.open(path, os.O_WRONLY)
    for _ in range(100):
        os.write(fd, b"y")
    os.close(fd)
    cl = ward.wait_for(ev("FILE_CLOSE", pid=ME(), path=path))
    assert cl["count"] == 100
    mods = ward.events(ev("FILE_MODIFY", pid=ME(), path=path))
    assert len(mods) == 1, "expected exactly one FILE_MODIFY, got %d" % len(mods)
    assert mods[0]["count"] == 1
    assert mods[0]["seq"] < cl["seq"]


def test_close_of_unmodified_file_not_reported(ward, tmpd):
    path = os.path.join(tmpd, "ro")
    touch(path, b"x")
    since = ward.sync()  # touch() wrote and closed it: that FILE_CLOSE is before this point
    fd = os.open(path, os.O_RDWR)
    os.read(fd, 1)
    os.close(fd)
    ward.wait_for(ev("FILE_OPEN", pid=ME(), path=path))
    ward.assert_absent(lambda r: r["access_type"] in ("FILE_CLOSE", "FILE_MODIFY")
                       and r["process"]["pid"] == ME() and r["file"]["path"] == path,
                       what="FILE_CLOSE/FILE_MODIFY of a file only read", since=since)


def test_write_after_close_and_reopen_reported_again(ward, tmpd):
    path = os.path.join(tmpd, "again")
    touch(path)
    for _ in range(2):
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        os.write(fd, b"1")
        os.write(fd, b"2")
        os.close(fd)
    closes = ward.wait_count(ev("FILE_CLOSE", pid=ME(), path=path), 2)
    assert [c["count"] for c in closes] == [2, 2]
    mods = ward.events(ev("FILE_MODIFY", pid=ME(), path=path))
    assert len(mods) == 2


def test_rename_makes_next_write_report_again(ward, tmpd):
    a = os.path.join(tmpd, "before")
    b = os.path.join(tmpd, "after")
    touch(a)
    fd = os.open(a, os.O_WRONLY)
    os.write(fd, b"1")
    os.write(fd, b"1")
    os.rename(a, b)
    os.write(fd, b"2")
    os.close(fd)
    m1 = ward.wait_for(ev("FILE_MODIFY", pid=ME(), path=a))
    mv = ward.wait_for(ev("FILE_MOVE", pid=ME(), path=a, new_path=b))
    m2 = ward.wait_for(ev("FILE_MODIFY", pid=ME(), path=b))
    assert m1["seq"] < mv["seq"] < m2["seq"]
    ward.wait_for(ev("FILE_CLOSE", pid=ME(), path=b))
    assert len(ward.events(ev("FILE_MODIFY", pid=ME(), path=a))) == 1


# ---------------------------------------------------------------- FILE_DELETE

def test_unlink_is_file_delete(ward, tmpd):
    path = os.path.join(tmpd, "gone")
    touch(path)
    os.unlink(path)
    r = ward.wait_for(ev("FILE_DELETE", pid=ME(), path=path))
    check_event_common(r, "FILE_DELETE")
    check_self_process(r)
    assert r["file"]["requested_path"] == path
    check_path_only(r)


def test_rmdir_is_file_delete(ward, tmpd):
    path = os.path.join(tmpd, "gonedir")
    os.mkdir(path)
    os.rmdir(path)
    r = ward.wait_for(ev("FILE_DELETE", pid=ME(), path=path))
    check_event_common(r, "FILE_DELETE")
    assert r["file"]["requested_path"] == path


def test_unlinkat_removedir_is_file_delete(ward, tmpd):
    os.mkdir(os.path.join(tmpd, "d"))
    dfd = os.open(tmpd, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.rmdir("d", dir_fd=dfd)  # unlinkat(dfd, "d", AT_REMOVEDIR)
    finally:
        os.close(dfd)
    r = ward.wait_for(ev("FILE_DELETE", pid=ME(), path=os.path.join(tmpd, "d")))
    assert r["file"]["requested_path"] == "d"


def test_write_to_unlinked_file_marked_deleted(ward, tmpd):
    path = os.path.join(tmpd, "ghost")
    touch(path)
    os.link(path, os.path.join(tmpd, "keep"))  # keeps the inode number in use (see conftest)
    fd = os.open(path, os.O_WRONLY)
    os.unlink(path)
    os.write(fd, b"boo")
    os.close(fd)
    r = ward.wait_for(lambda r: r["access_type"] == "FILE_MODIFY" and r["process"]["pid"] == ME()
                      and r["file"]["path"].startswith(path), what="FILE_MODIFY of unlinked %s" % path)
    assert r["file"].get("deleted") is True
    assert r["file"]["path"] == path  # no " (deleted)" suffix: the flag says it


# ---------------------------------------------------------------- FILE_MOVE

def _rename(a, b, tmpd):
    os.rename(a, b)
    return a, b


def _renameat(a, b, tmpd):
    dfd = os.open(tmpd, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.rename(os.path.basename(a), os.path.basename(b), src_dir_fd=dfd, dst_dir_fd=dfd)
    finally:
        os.close(dfd)
    return os.path.basename(a), os.path.basename(b)


def _renameat2(a, b, tmpd):
    RENAME_NOREPLACE = 1
    syscall(NR_RENAMEAT2, ctypes.c_int(AT_FDCWD), c(a), ctypes.c_int(AT_FDCWD), c(b),
            ctypes.c_uint(RENAME_NOREPLACE))
    return a, b


@pytest.mark.parametrize("mover", [_rename, _renameat, _renameat2], ids=["rename", "renameat", "renameat2"])
def test_rename_is_file_move(ward, tmpd, mover):
    a = os.path.join(tmpd, "old-name")
    b = os.path.join(tmpd, "new-name")
    touch(a)
    req_a, req_b = mover(a, b, tmpd)
    r = ward.wait_for(ev("FILE_MOVE", pid=ME(), path=a))
    check_event_common(r, "FILE_MOVE")
    check_self_process(r)
    f = r["file"]
    assert f["new_path"] == b
    assert f["requested_path"] == req_a
    assert f["requested_new_path"] == req_b


def test_rename_directory_across_directories(ward, tmpd):
    os.makedirs(os.path.join(tmpd, "x", "src"))
    os.mkdir(os.path.join(tmpd, "y"))
    a = os.path.join(tmpd, "x", "src")
    b = os.path.join(tmpd, "y", "dst")
    os.rename(a, b)
    r = ward.wait_for(ev("FILE_MOVE", pid=ME(), path=a))
    assert r["file"]["new_path"] == b


# ---------------------------------------------------------------- FILE_SET_SECURITY

def test_chmod_is_set_security_with_mode_argument(ward, tmpd):
    path = os.path.join(tmpd, "perm")
    touch(path)
    os.chmod(path, 0o600)
    r = ward.wait_for(ev("FILE_SET_SECURITY", pid=ME(), path=path))
    check_event_common(r, "FILE_SET_SECURITY")
    check_self_process(r)
    assert r["file"]["requested_path"] == path
    assert r["file"]["mode"] == 0o600


def test_fchmod_is_set_security(ward, tmpd):
    path = os.path.join(tmpd, "fperm")
    touch(path)
    fd = os.open(path, os.O_RDONLY)
    os.fchmod(fd, 0o640)
    os.close(fd)
    r = ward.wait_for(ev("FILE_SET_SECURITY", pid=ME(), path=path))
    assert r["file"]["requested_path"] is None
    assert r["file"]["mode"] & 0o7777 == 0o640
    assert r["file"]["inode"] == os.stat(path).st_ino


def test_fchmodat_is_set_security(ward, tmpd):
    touch(os.path.join(tmpd, "atperm"))
    dfd = os.open(tmpd, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.chmod("atperm", 0o604, dir_fd=dfd)
    finally:
        os.close(dfd)
    r = ward.wait_for(ev("FILE_SET_SECURITY", pid=ME(), path=os.path.join(tmpd, "atperm")))
    assert r["file"]["requested_path"] == "atperm"
    assert r["file"]["mode"] == 0o604


@pytest.mark.parametrize("how", ["chown", "lchown", "fchown", "fchownat"])
def test_chown_family_is_set_security(ward, tmpd, how):
    path = os.path.join(tmpd, "own")
    touch(path)
    req = path
    if how == "chown":
        os.chown(path, 1, 1)
    elif how == "lchown":
        os.lchown(path, 1, 1)
    elif how == "fchown":
        fd = os.open(path, os.O_RDONLY)
        os.fchown(fd, 1, 1)
        os.close(fd)
        req = None
    else:
        dfd = os.open(tmpd, os.O_RDONLY | os.O_DIRECTORY)
        os.chown("own", 1, 1, dir_fd=dfd)
        os.close(dfd)
        req = "own"
    r = ward.wait_for(ev("FILE_SET_SECURITY", pid=ME(), path=path))
    check_event_common(r, "FILE_SET_SECURITY")
    assert r["file"]["requested_path"] == req


def _need_security_xattr(path):
    try:
        os.setxattr(path, "security.ward_probe", b"x")
        os.removexattr(path, "security.ward_probe")
    except OSError as e:
        if e.errno in (errno.ENOTSUP, errno.EOPNOTSUPP):
            pytest.skip("filesystem of %s has no security.* xattrs" % path)
        raise


def test_security_xattr_set_and_remove_are_set_security(ward, tmpd):
    path = os.path.join(tmpd, "xattr")
    touch(path)
    _need_security_xattr(path)
    ward.marker()
    before = len(ward.events(ev("FILE_SET_SECURITY", pid=ME(), path=path)))
    os.setxattr(path, "security.ward_test", b"value")
    ward.wait_count(ev("FILE_SET_SECURITY", pid=ME(), path=path), before + 1)
    os.removexattr(path, "security.ward_test")
    got = ward.wait_count(ev("FILE_SET_SECURITY", pid=ME(), path=path), before + 2)
    for r in got[before:]:
        check_event_common(r, "FILE_SET_SECURITY")
        assert r["file"]["requested_path"] == path


def test_fsetxattr_security_is_set_security(ward, tmpd):
    path = os.path.join(tmpd, "fxattr")
    touch(path)
    _need_security_xattr(path)
    ward.marker()
    before = len(ward.events(ev("FILE_SET_SECURITY", pid=ME(), path=path)))
    fd = os.open(path, os.O_RDONLY)
    os.setxattr(fd, "security.ward_test", b"v")
    os.close(fd)
    r = ward.wait_count(ev("FILE_SET_SECURITY", pid=ME(), path=path), before + 1)[-1]
    assert r["file"]["requested_path"] is None


def test_user_xattr_not_reported(ward, tmpd):
    path = os.path.join(tmpd, "uxattr")
    touch(path)
    os.setxattr(path, "user.ward_test", b"value")
    os.removexattr(path, "user.ward_test")
    ward.assert_absent(ev("FILE_SET_SECURITY", pid=ME(), path=path))


# ---------------------------------------------------------------- FILE_MODIFY_TIMESTAMP

def _utimensat(path):
    os.utime(path, (1, 2))
    return path


def _futimens(path):
    fd = os.open(path, os.O_RDONLY)
    os.utime(fd, (1, 2))
    os.close(fd)
    return None


def _utime(path):
    syscall(NR_UTIME, c(path), ctypes.c_void_p(None))
    return path


def _utimes(path):
    syscall(NR_UTIMES, c(path), ctypes.c_void_p(None))
    return path


def _futimesat(path):
    dfd = os.open(os.path.dirname(path), os.O_RDONLY | os.O_DIRECTORY)
    try:
        syscall(NR_FUTIMESAT, ctypes.c_int(dfd), c(os.path.basename(path)), ctypes.c_void_p(None))
    finally:
        os.close(dfd)
    return os.path.basename(path)


@pytest.mark.parametrize("op", [_utimensat, _futimens, _utime, _utimes, _futimesat],
                         ids=["utimensat", "futimens", "utime", "utimes", "futimesat"])
def test_timestamp_change_is_file_modify_timestamp(ward, tmpd, op):
    path = os.path.join(tmpd, "ts")
    touch(path)
    req = op(path)
    r = ward.wait_for(ev("FILE_MODIFY_TIMESTAMP", pid=ME(), path=path))
    check_event_common(r, "FILE_MODIFY_TIMESTAMP")
    check_self_process(r)
    assert r["file"]["requested_path"] == req


# ---------------------------------------------------------------- repeated opens (--fold-ms)

def test_repeated_opens_folded_and_counted(ward_factory, tmpd):
    """A process's repeated opens of one file with the same flags within
    --fold-ms are one record; the next report after the window carries the
    count of the opens it stands for."""
    w = ward_factory("--fold-ms", "300")
    path = os.path.join(tmpd, "often")
    touch(path)
    for _ in range(5):
        os.close(os.open(path, os.O_RDONLY))
    first = w.wait_for(ev("FILE_OPEN", pid=ME(), path=path))
    assert first["count"] == 1
    w.marker()
    assert len(w.events(ev("FILE_OPEN", pid=ME(), path=path))) == 1
    time.sleep(0.4)  # past the fold window: the window itself is what is tested
    os.close(os.open(path, os.O_RDONLY))
    got = w.wait_count(ev("FILE_OPEN", pid=ME(), path=path), 2)
    assert got[1]["count"] == 5, "4 folded opens + this one"
    assert len(got) == 2


def test_repeats_of_a_last_window_are_reported_at_exit(ward_factory, tmpd):
    """A process that opens a file 300 times and exits inside the fold window
    never reopens it after the window: its exit reports the 299 folded opens
    (FILE_OPEN with that count, the path of the first, no requested_path),
    before its PROCESS_TERMINATE, so the counts add up to what it did."""
    w = ward_factory("--fold-ms", "60000")
    path = os.path.join(tmpd, "loop")
    touch(path)
    code = ("import os,sys\n"
            "for _ in range(300): os.close(os.open(sys.argv[1], os.O_RDONLY))\n"
            "print(os.getpid())")
    pid = int(subprocess.run([sys.executable, "-c", code, path], check=True,
                             capture_output=True, text=True).stdout)
    got = w.wait_count(ev("FILE_OPEN", pid=pid, path=path), 2)
    assert [e["count"] for e in got] == [1, 299]
    first, rest = got
    assert rest["file"]["path"] == path
    assert rest["file"]["requested_path"] is None
    assert rest["file"]["inode"] == first["file"]["inode"]
    assert rest["file"]["dev"] == first["file"]["dev"]
    assert rest["file"]["flags"] == first["file"]["flags"]
    assert rest["file"]["mode"] == first["file"]["mode"]
    end = w.wait_for(ev("PROCESS_TERMINATE", pid=pid))
    assert first["seq"] < rest["seq"] < end["seq"]


def test_open_with_other_flags_not_folded(ward, tmpd):
    path = os.path.join(tmpd, "flags")
    touch(path)
    os.close(os.open(path, os.O_RDONLY))
    os.close(os.open(path, os.O_RDWR))
    got = ward.wait_count(ev("FILE_OPEN", pid=ME(), path=path), 2)
    assert [g["file"]["flags"] & os.O_ACCMODE for g in got] == [os.O_RDONLY, os.O_RDWR]


def test_fold_ms_zero_reports_every_open(ward_factory, tmpd):
    w = ward_factory("--fold-ms", "0")
    path = os.path.join(tmpd, "every")
    touch(path)
    for _ in range(5):
        os.close(os.open(path, os.O_RDONLY))
    got = w.wait_count(ev("FILE_OPEN", pid=ME(), path=path), 5)
    assert [g["count"] for g in got] == [1] * 5


def test_new_file_reusing_inode_number_reported(ward_factory, tmpd):
    """Open a file, delete it, create another file (ext4 and tmpfs hand out the
    freed inode number again at once) and open it with the same flags: that is
    another file, and its open must be reported."""
    w = ward_factory()
    a = os.path.join(tmpd, "first")
    b = os.path.join(tmpd, "second")
    touch(a)
    ino_a = os.stat(a).st_ino
    os.close(os.open(a, os.O_RDONLY))
    os.unlink(a)
    touch(b)
    ino_b = os.stat(b).st_ino
    if ino_a != ino_b:
        pytest.skip("the filesystem did not reuse the inode number")
    os.close(os.open(b, os.O_RDONLY))
    w.wait_for(ev("FILE_OPEN", pid=ME(), path=a))
    w.wait_for(ev("FILE_OPEN", pid=ME(), path=b),
               what="FILE_OPEN of %s (a new file with the inode number %d of the deleted %s)" % (b, ino_b, a))
