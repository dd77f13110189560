"""Canonical paths: what the kernel object is, not what the caller typed."""

import os

import pytest

from conftest import ev, touch

ME = os.getpid

# These tests open /etc/passwd and /etc/shadow several times within a second
# through different names. ward folds a process's repeated opens of one file
# (same flags) within --fold-ms (default 1000) into one record, which would
# hide all but the first; the canonical path of every open is what is tested
# here, so folding is off. Folding itself is tested in test_file.py.
WARD_ARGS = ["--fold-ms", "0"]


def open_close(path, **kw):
    os.close(os.open(path, os.O_RDONLY, **kw))


@pytest.fixture
def in_dir():
    """chdir for the duration of a test, restored afterwards."""
    old = os.getcwd()
    yield os.chdir
    os.chdir(old)


def test_proc_self_root_is_resolved(ward):
    req = "/proc/self/root/etc/passwd"
    open_close(req)
    r = ward.wait_for(ev("FILE_OPEN", pid=ME(), file__requested_path=req))
    assert r["file"]["path"] == "/etc/passwd"
    assert r["file"]["inode"] == os.stat("/etc/passwd").st_ino


def test_openat_dirfd_joins_directory(ward):
    dfd = os.open("/etc", os.O_RDONLY | os.O_DIRECTORY)
    try:
        open_close("shadow", dir_fd=dfd)
    finally:
        os.close(dfd)
    r = ward.wait_for(ev("FILE_OPEN", pid=ME(), path="/etc/shadow", file__requested_path="shadow"))
    assert r["file"]["inode"] == os.stat("/etc/shadow").st_ino


def test_relative_open_uses_cwd(ward, in_dir):
    in_dir("/etc")
    open_close("./passwd")
    r = ward.wait_for(ev("FILE_OPEN", pid=ME(), file__requested_path="./passwd"))
    assert r["file"]["path"] == "/etc/passwd"
    assert r["process"]["cwd"] == "/etc"


def test_dotdot_is_resolved(ward, tmpd):
    os.mkdir(os.path.join(tmpd, "a"))
    os.mkdir(os.path.join(tmpd, "a", "b"))
    touch(os.path.join(tmpd, "f"))
    req = os.path.join(tmpd, "a", "b", "..", "..", "f")
    open_close(req)
    r = ward.wait_for(ev("FILE_OPEN", pid=ME(), file__requested_path=req))
    assert r["file"]["path"] == os.path.join(tmpd, "f")


def test_dotdot_is_resolved_for_path_events(ward, tmpd):
    os.mkdir(os.path.join(tmpd, "a"))
    touch(os.path.join(tmpd, "f"))
    req = os.path.join(tmpd, "a", "..", ".", "f")
    os.unlink(req)
    r = ward.wait_for(ev("FILE_DELETE", pid=ME(), file__requested_path=req))
    assert r["file"]["path"] == os.path.join(tmpd, "f")


def test_symlink_to_shadow_shows_target(ward, tmpd):
    link = os.path.join(tmpd, "innocent.txt")
    os.symlink("/etc/shadow", link)
    open_close(link)
    r = ward.wait_for(ev("FILE_OPEN", pid=ME(), file__requested_path=link))
    assert r["file"]["path"] == "/etc/shadow"
    assert r["file"]["inode"] == os.stat("/etc/shadow").st_ino


def test_relative_symlink_chain_resolved(ward, tmpd):
    os.mkdir(os.path.join(tmpd, "real"))
    touch(os.path.join(tmpd, "real", "target"))
    os.symlink("real/target", os.path.join(tmpd, "l1"))
    os.symlink("l1", os.path.join(tmpd, "l2"))
    req = os.path.join(tmpd, "l2")
    open_close(req)
    r = ward.wait_for(ev("FILE_OPEN", pid=ME(), file__requested_path=req))
    assert r["file"]["path"] == os.path.join(tmpd, "real", "target")


def test_open_through_symlinked_directory_shows_real_directory(ward, tmpd):
    real = os.path.join(tmpd, "realdir")
    os.mkdir(real)
    touch(os.path.join(real, "f"))
    os.symlink(real, os.path.join(tmpd, "linkdir"))
    req = os.path.join(tmpd, "linkdir", "f")
    open_close(req)
    r = ward.wait_for(ev("FILE_OPEN", pid=ME(), file__requested_path=req))
    assert r["file"]["path"] == os.path.join(real, "f")


def test_unlink_through_symlinked_directory_shows_real_directory(ward, tmpd):
    real = os.path.join(tmpd, "realdir")
    os.mkdir(real)
    touch(os.path.join(real, "f"))
    os.symlink("realdir", os.path.join(tmpd, "linkdir"))
    req = os.path.join(tmpd, "linkdir", "f")
    os.unlink(req)
    r = ward.wait_for(ev("FILE_DELETE", pid=ME(), file__requested_path=req))
    assert r["file"]["path"] == os.path.join(real, "f")


def test_mkdir_through_symlinked_directory_shows_real_directory(ward, tmpd):
    real = os.path.join(tmpd, "realdir")
    os.mkdir(real)
    os.symlink(real, os.path.join(tmpd, "linkdir"))
    req = os.path.join(tmpd, "linkdir", "newsub")
    os.mkdir(req)
    r = ward.wait_for(ev("FILE_CREATE", pid=ME(), file__requested_path=req))
    assert r["file"]["path"] == os.path.join(real, "newsub")


def test_rename_through_symlinked_directory_shows_real_paths(ward, tmpd):
    real = os.path.join(tmpd, "realdir")
    os.mkdir(real)
    touch(os.path.join(real, "a"))
    os.symlink(real, os.path.join(tmpd, "linkdir"))
    src = os.path.join(tmpd, "linkdir", "a")
    dst = os.path.join(tmpd, "linkdir", "b")
    os.rename(src, dst)
    r = ward.wait_for(ev("FILE_MOVE", pid=ME(), file__requested_path=src))
    assert r["file"]["path"] == os.path.join(real, "a")
    assert r["file"]["new_path"] == os.path.join(real, "b")
    assert r["file"]["requested_new_path"] == dst


def test_unlink_of_symlink_reports_the_link_not_its_target(ward, tmpd):
    target = os.path.join(tmpd, "target")
    touch(target)
    link = os.path.join(tmpd, "link")
    os.symlink(target, link)
    os.unlink(link)
    r = ward.wait_for(ev("FILE_DELETE", pid=ME(), file__requested_path=link))
    assert r["file"]["path"] == link


def test_rename_of_symlink_reports_the_link_not_its_target(ward, tmpd):
    target = os.path.join(tmpd, "target")
    touch(target)
    link = os.path.join(tmpd, "link")
    os.symlink(target, link)
    os.rename(link, os.path.join(tmpd, "link2"))
    r = ward.wait_for(ev("FILE_MOVE", pid=ME(), file__requested_path=link))
    assert r["file"]["path"] == link
    assert r["file"]["new_path"] == os.path.join(tmpd, "link2")


def test_chmod_through_symlink_reports_target(ward, tmpd):
    target = os.path.join(tmpd, "target")
    touch(target)
    link = os.path.join(tmpd, "link")
    os.symlink("target", link)
    os.chmod(link, 0o600)   # chmod follows symlinks
    r = ward.wait_for(ev("FILE_SET_SECURITY", pid=ME(), file__requested_path=link))
    assert r["file"]["path"] == target


def test_unlink_via_dirfd_shows_full_path(ward, tmpd):
    os.mkdir(os.path.join(tmpd, "d"))
    touch(os.path.join(tmpd, "d", "name"))
    dfd = os.open(os.path.join(tmpd, "d"), os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.unlink("name", dir_fd=dfd)
    finally:
        os.close(dfd)
    r = ward.wait_for(ev("FILE_DELETE", pid=ME(), path=os.path.join(tmpd, "d", "name")))
    assert r["file"]["requested_path"] == "name"


def test_dirfd_of_renamed_directory_shows_current_name(ward, tmpd):
    """The directory of a dirfd is taken from the kernel object, not from the
    name it was opened under."""
    os.mkdir(os.path.join(tmpd, "old"))
    touch(os.path.join(tmpd, "old", "f"))
    dfd = os.open(os.path.join(tmpd, "old"), os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.rename(os.path.join(tmpd, "old"), os.path.join(tmpd, "new"))
        open_close("f", dir_fd=dfd)
    finally:
        os.close(dfd)
    r = ward.wait_for(ev("FILE_OPEN", pid=ME(), path=os.path.join(tmpd, "new", "f")))
    assert r["file"]["requested_path"] == "f"


def test_relative_path_event_uses_cwd(ward, tmpd, in_dir):
    touch(os.path.join(tmpd, "rel"))
    in_dir(tmpd)
    os.unlink("rel")
    r = ward.wait_for(ev("FILE_DELETE", pid=ME(), path=os.path.join(tmpd, "rel")))
    assert r["file"]["requested_path"] == "rel"
    assert r["process"]["cwd"] == tmpd


def test_proc_self_cwd_is_resolved(ward, tmpd, in_dir):
    touch(os.path.join(tmpd, "c"))
    in_dir(tmpd)
    open_close("/proc/self/cwd/c")
    r = ward.wait_for(ev("FILE_OPEN", pid=ME(), file__requested_path="/proc/self/cwd/c"))
    assert r["file"]["path"] == os.path.join(tmpd, "c")


def test_name_with_newline_quote_and_invalid_utf8(ward, tmpd):
    name = b'we"ird\n\\name\xff\xfe'
    full = os.fsencode(tmpd) + b"/" + name
    touch(full)
    open_close(full)
    r = ward.wait_for(lambda r: r["access_type"] == "FILE_OPEN" and r["process"]["pid"] == ME()
                      and r["file"]["path"].encode("utf-8", "surrogateescape") == full,
                      what="FILE_OPEN of %r" % full)
    assert r["file"]["requested_path"].encode("utf-8", "surrogateescape") == full


def _deep_dir(base, count, width):
    """Create count nested directories with names of `width` chars below base,
    using dirfds (the full path may exceed PATH_MAX). Returns (dirfd of the
    deepest, the full path)."""
    fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
    parts = [base]
    for i in range(count):
        name = ("%03d" % i) + "x" * (width - 3)
        os.mkdir(name, dir_fd=fd)
        nfd = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = nfd
        parts.append(name)
    return fd, "/".join(parts)


def _check_long(r, full):
    f = r["file"]
    if f.get("path_truncated"):
        assert f["path"] != full
        assert len(f["path"]) > 0
    else:
        assert f["path"] == full, "path cut silently: got %d chars, expected %d" % (len(f["path"]), len(full))


@pytest.mark.parametrize("count,width", [(45, 48), (100, 50), (200, 1)],
                         ids=["45x48-2200chars", "100x50-5000chars", "200-components"])
def test_long_path_full_or_marked_truncated(ward, tmpd, count, width):
    fd, full_dir = _deep_dir(tmpd, count, width)
    try:
        nfd = os.open("leaf", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644, dir_fd=fd)
        os.close(nfd)
        open_close("leaf", dir_fd=fd)
    finally:
        os.close(fd)
    full = full_dir + "/leaf"
    # the inode identifies the deep file without relying on the path
    ino = _stat_deep(tmpd, full_dir, "leaf").st_ino
    r = ward.wait_for(lambda r: r["access_type"] == "FILE_OPEN" and r["process"]["pid"] == ME()
                      and r["file"]["inode"] == ino and r["file"]["requested_path"] == "leaf",
                      what="FILE_OPEN of the deep leaf (inode %d)" % ino)
    _check_long(r, full)
    if count * (width + 1) < 4000 and count < 160:
        # within the documented limits (4096 bytes, 160 components): never truncated
        assert r["file"]["path"] == full and "path_truncated" not in r["file"]


def _stat_deep(base, full_dir, leaf):
    rel = os.path.relpath(full_dir, base).split("/")
    fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for name in rel:
            nfd = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = nfd
        return os.stat(leaf, dir_fd=fd)
    finally:
        os.close(fd)


def test_long_path_event_full_or_marked_truncated(ward, tmpd):
    """A path event (unlink) deep in a 2000+ character tree."""
    fd, full_dir = _deep_dir(tmpd, 45, 48)
    try:
        os.close(os.open("leaf", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
        os.unlink("leaf", dir_fd=fd)
    finally:
        os.close(fd)
    full = full_dir + "/leaf"
    assert len(full) > 2000
    r = ward.wait_for(lambda r: r["access_type"] == "FILE_DELETE" and r["process"]["pid"] == ME()
                      and r["file"]["requested_path"] == "leaf"
                      and (r["file"]["path"] == full or r["file"].get("path_truncated")),
                      what="FILE_DELETE of the deep leaf")
    _check_long(r, full)


def test_symlinked_directory_swapped_between_two_unlinks(ward, tmpd):
    """ward caches resolved directories: swapping the symlink must not leave
    the second delete reported under the first target."""
    real1 = os.path.join(tmpd, "real1")
    real2 = os.path.join(tmpd, "real2")
    os.mkdir(real1)
    os.mkdir(real2)
    link = os.path.join(tmpd, "link")
    os.symlink(real1, link)
    for d in (real1, real2):
        touch(os.path.join(d, "a"))
        touch(os.path.join(d, "b"))
    os.unlink(os.path.join(link, "a"))
    ward.wait_for(ev("FILE_DELETE", pid=os.getpid(), path=os.path.join(real1, "a")))
    tmp = os.path.join(tmpd, "link.new")
    os.symlink(real2, tmp)
    os.rename(tmp, link)
    os.unlink(os.path.join(link, "b"))
    ward.wait_for(ev("FILE_DELETE", pid=os.getpid(), path=os.path.join(real2, "b")))
