"""Footprints the daemon records (docs/footprints.md), read with `ward footprints --db`."""

import hashlib
import json
import os
import shutil
import socket
import struct
import subprocess

from conftest import ev
from daemon_util import daemon_factory, run_ward, wait_until  # noqa: F401

ME = os.getpid()


def fnv(kind, name):
    h = 0xcbf29ce484222325
    for b in bytes([kind]) + name.encode():
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def footprints(db, *args):
    r = run_ward("footprints", "--db", db, "--json", *args)
    assert r.returncode == 0, r.stdout + r.stderr
    return [json.loads(l) for l in r.stdout.splitlines()]


def test_file_exec_connection_dns_footprints(daemon_factory, tmpd):
    dm = daemon_factory()
    cl = dm.events()
    # a file opened 3 times (fold_ms 0 is not needed: three different opens
    # at least 1 s apart are not folded; use distinct flags instead)
    f = os.path.join(tmpd, "fp-file")
    with open(f, "w") as fh:
        fh.write("hello")
    for flags in (os.O_RDONLY, os.O_RDONLY | os.O_NOATIME, os.O_RDONLY | os.O_NOFOLLOW):
        os.close(os.open(f, flags))
    opens = cl.wait_count(ev("FILE_OPEN", pid=ME, path=f), 3)
    # a binary of our own, executed
    exe = os.path.join(tmpd, "fp-true")
    shutil.copyfile("/bin/true", exe)
    os.chmod(exe, 0o755)
    subprocess.run([exe], check=True)
    cl.wait_for(ev("PROCESS_EXECUTE", target_process__exe=exe), kind="event")
    # a TCP connection to a local listener
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    c = socket.create_connection(("127.0.0.1", port))
    c.close()
    srv.close()
    cl.wait_for(ev("CONNECTION_CONNECT_OUTBOUND", pid=ME, connection__remote_port=port))
    # a DNS query (nobody needs to answer)
    name = "fp-%s.example.com" % os.urandom(4).hex()
    q = struct.pack(">HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0) + b"".join(
        bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0" + struct.pack(">HH", 1, 1)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(q, ("127.0.0.1", 53))
    u.close()
    dq = cl.wait_for(ev("DNS_QUERY", pid=ME, dns__query=name))

    dm.stop()   # flushes the footprints
    fps = footprints(dm.db)

    def one(obj, nm):
        got = [x for x in fps if x["object"] == obj and x["name"] == nm]
        assert len(got) == 1, "%s %s: %s" % (obj, nm, got)
        return got[0]

    ff = one("file", f)
    assert ff["hash_id"] == fnv(1, f)
    assert ff["count"] >= 4            # the create (open with O_CREAT) + 3 opens
    assert "FILE_OPEN" in ff["accesses"]
    assert ff["first_seen"] <= opens[0]["time"] and ff["last_seen"] >= opens[-1]["time"]
    st = os.stat(f)
    assert (ff["size"], ff["mode"], ff["uid"], ff["gid"]) == (5, st.st_mode, 0, 0)
    assert ff["owner"] == "root"

    fe = one("executable", exe)
    assert fe["hash_id"] == fnv(3, exe)
    with open(exe, "rb") as fh:
        assert fe["sha256"] == hashlib.sha256(fh.read()).hexdigest()
    assert fe["count"] >= 1 and "PROCESS_EXECUTE" in fe["accesses"]
    assert fe["size"] == os.path.getsize(exe)

    conn = one("connection", "TCP 127.0.0.1:%d" % port)
    assert conn["hash_id"] == fnv(4, conn["name"])
    assert (conn["protocol"], conn["remote_ip"], conn["remote_port"], conn["outbound"]) == (
        "TCP", "127.0.0.1", port, True)

    dns = one("dns", name)
    assert dns["hash_id"] == fnv(5, name)
    assert dns["count"] == 1 and dns["accesses"] == ["DNS_QUERY"]
    assert dns["first_seen"] == dns["last_seen"] == dq["time"]

    me = [x for x in fps if x["object"] == "process" and x.get("pid") == ME]
    assert me and me[0]["hash_id"] == opens[0]["process"]["hash_id"]


def test_footprints_flush_while_running(daemon_factory, tmpd):
    dm = daemon_factory()
    cl = dm.events()
    path = dm.open_marker("fp-live")
    cl.wait_for(ev("FILE_OPEN", pid=ME, path=path))
    got = wait_until(lambda: footprints(dm.db, "--type", "file", "--name", path), 10,
                     "the file's footprint while the daemon runs", dump=dm.dump)
    assert got[0]["name"] == path and got[0]["count"] >= 2   # create + open
