"""`ward footprints`: the query command against a database this test writes.

No root and no BPF: the database is built here with the documented schema
(docs/footprints.md), so these tests also pin the reader to that contract.
"""

import json
import os
import sqlite3
import subprocess
import time

import pytest

from conftest import WARD, require_binary

T0 = 1795435200 * 10**9          # 2026-11-23T12:00:00Z
SEC = 10**9

SCHEMA = """
CREATE TABLE footprints (
 kind INTEGER NOT NULL, hash_id INTEGER NOT NULL, name TEXT NOT NULL,
 first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, count INTEGER NOT NULL,
 access_mask INTEGER NOT NULL DEFAULT 0, access_mask_hi INTEGER NOT NULL DEFAULT 0,
 size INTEGER, btime INTEGER, mtime INTEGER, mode INTEGER,
 uid INTEGER, gid INTEGER, owner_name TEXT, group_name TEXT,
 sha256 TEXT, sha256_skipped TEXT,
 pid INTEGER, ppid INTEGER, proc_uid INTEGER, cmdline TEXT, start_time INTEGER,
 protocol INTEGER, remote_ip TEXT, remote_port INTEGER, outbound INTEGER, inbound INTEGER,
 PRIMARY KEY (kind, hash_id));
CREATE INDEX footprints_kind_name ON footprints (kind, name);
CREATE INDEX footprints_last_seen ON footprints (last_seen);
PRAGMA user_version = 1;
"""

SHA = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
BIT = {"FILE_OPEN": 18, "FILE_MODIFY": 25, "PROCESS_EXECUTE": 5,
       "CONNECTION_CONNECT_OUTBOUND": 36, "DNS_QUERY": 45}


def signed(u):
    return u - (1 << 64) if u >= 1 << 63 else u


def row(kind, hash_id, name, first, last, count, accesses=(), **attrs):
    r = dict(kind=kind, hash_id=signed(hash_id), name=name, first_seen=first, last_seen=last,
             count=count, access_mask=sum(1 << BIT[a] for a in accesses))
    r.update(attrs)
    return r


ROWS = [
    row(1, 0x7b6558161c6edf78, "/etc/passwd", T0, T0 + 10 * SEC, 3, ["FILE_OPEN", "FILE_MODIFY"],
        size=1234, btime=T0 - SEC, mtime=T0 - 2 * SEC, mode=0o100644, uid=0, gid=0,
        owner_name="root", group_name="root"),
    row(3, 0x8000000000000001, "/usr/bin/ls", T0, T0 + 20 * SEC, 5, ["PROCESS_EXECUTE"],
        size=6, mtime=T0, mode=0o100755, uid=0, gid=0, sha256=SHA),
    row(2, 0xabc, "/bin/sh", T0, T0 + 30 * SEC, 7, ["FILE_OPEN"], pid=10, ppid=1,
        proc_uid=1000, cmdline="sh -c ls", start_time=T0 - SEC),
    row(4, 0xac82e9d33fd7447a, "TCP 93.184.216.34:443", T0, T0 + 40 * SEC, 2,
        ["CONNECTION_CONNECT_OUTBOUND"], protocol=1, remote_ip="93.184.216.34",
        remote_port=443, outbound=1, inbound=0),
    row(5, 0x7f85de6bbc85ea4d, "example.com", T0, T0 + 50 * SEC, 1, ["DNS_QUERY"]),
]


def make_db(path, rows=ROWS, version=1):
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(SCHEMA)
    if version != 1:
        db.execute("PRAGMA user_version = %d" % version)
    for r in rows:
        cols = ",".join(r)
        db.execute("INSERT INTO footprints (%s) VALUES (%s)" % (cols, ",".join("?" * len(r))),
                   list(r.values()))
    db.commit()
    db.close()


def run(*args):
    require_binary()
    return subprocess.run([WARD, "footprints"] + list(args), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=10)


def lines(*args):
    p = run(*args)
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""
    return [json.loads(l) for l in p.stdout.splitlines()]


@pytest.fixture
def db(tmp_path):
    path = str(tmp_path / "fp.db")
    make_db(path)
    return path


def test_json_every_kind_exact(db):
    recs = lines("--db", db, "--json")
    assert [r["name"] for r in recs] == ["example.com", "TCP 93.184.216.34:443", "/bin/sh",
                                         "/usr/bin/ls", "/etc/passwd"]
    by = {r["object"]: r for r in recs}
    assert by["file"] == {
        "kind": "footprint", "object": "file", "hash_id": "7b6558161c6edf78",
        "name": "/etc/passwd", "first_seen": "2026-11-23T12:00:00.000000000Z",
        "last_seen": "2026-11-23T12:00:10.000000000Z", "count": 3,
        "accesses": ["FILE_OPEN", "FILE_MODIFY"], "size": 1234,
        "btime": "2026-11-23T11:59:59.000000000Z", "mtime": "2026-11-23T11:59:58.000000000Z",
        "mode": 0o100644, "uid": 0, "gid": 0, "owner": "root", "group": "root"}
    assert by["executable"] == {
        "kind": "footprint", "object": "executable", "hash_id": "8000000000000001",
        "name": "/usr/bin/ls", "first_seen": "2026-11-23T12:00:00.000000000Z",
        "last_seen": "2026-11-23T12:00:20.000000000Z", "count": 5,
        "accesses": ["PROCESS_EXECUTE"], "sha256": SHA, "sha256_skipped": None, "size": 6,
        "mtime": "2026-11-23T12:00:00.000000000Z"}
    assert by["process"] == {
        "kind": "footprint", "object": "process", "hash_id": "0000000000000abc",
        "name": "/bin/sh", "first_seen": "2026-11-23T12:00:00.000000000Z",
        "last_seen": "2026-11-23T12:00:30.000000000Z", "count": 7, "accesses": ["FILE_OPEN"],
        "pid": 10, "ppid": 1, "uid": 1000, "cmdline": "sh -c ls",
        "start_time": "2026-11-23T11:59:59.000000000Z"}
    assert by["connection"] == {
        "kind": "footprint", "object": "connection", "hash_id": "ac82e9d33fd7447a",
        "name": "TCP 93.184.216.34:443", "first_seen": "2026-11-23T12:00:00.000000000Z",
        "last_seen": "2026-11-23T12:00:40.000000000Z", "count": 2,
        "accesses": ["CONNECTION_CONNECT_OUTBOUND"], "protocol": "TCP",
        "remote_ip": "93.184.216.34", "remote_port": 443, "outbound": True, "inbound": False}
    assert by["dns"] == {
        "kind": "footprint", "object": "dns", "hash_id": "7f85de6bbc85ea4d",
        "name": "example.com", "first_seen": "2026-11-23T12:00:00.000000000Z",
        "last_seen": "2026-11-23T12:00:50.000000000Z", "count": 1, "accesses": ["DNS_QUERY"]}


def names(*args):
    return [r["name"] for r in lines("--json", *args)]


def test_type_filter(db):
    assert names("--db", db, "--type", "file") == ["/etc/passwd"]
    assert names("--db", db, "--type", "dns", "--type", "executable") == ["example.com",
                                                                          "/usr/bin/ls"]
    assert names("--db", db, "-t", "connection") == ["TCP 93.184.216.34:443"]


def test_name_glob(db):
    assert names("--db", db, "--name", "/etc/*") == ["/etc/passwd"]
    assert names("--db", db, "--name", "*/ls") == ["/usr/bin/ls"]
    assert names("--db", db, "--name", "TCP *:443") == ["TCP 93.184.216.34:443"]
    assert names("--db", db, "--name", "/ETC/*") == []      # case-sensitive
    assert names("--db", db, "--name", "/etc/*", "--type", "dns") == []


def test_since_rfc3339_and_limit(db):
    assert names("--db", db, "--since", "2026-11-23T12:00:30Z") == [
        "example.com", "TCP 93.184.216.34:443", "/bin/sh"]
    assert names("--db", db, "--since", "2026-11-23T14:00:30.000000001+02:00") == [
        "example.com", "TCP 93.184.216.34:443"]
    assert names("--db", db, "--limit", "2") == ["example.com", "TCP 93.184.216.34:443"]


def test_since_relative(tmp_path):
    now = time.time_ns()
    path = str(tmp_path / "fp.db")
    make_db(path, [row(5, 1, "recent.example", now - 60 * SEC, now - 60 * SEC, 1),
                   row(5, 2, "old.example", now - 3 * 3600 * SEC, now - 3 * 3600 * SEC, 1)])
    assert names("--db", path, "--since", "-10m") == ["recent.example"]
    assert names("--db", path, "--since", "-2h") == ["recent.example"]
    assert names("--db", path, "--since", "-1d") == ["recent.example", "old.example"]
    assert names("--db", path, "--since", "-30s") == []


def test_since_uses_the_shared_time_grammar(db):
    """--since is ward_time_parse (src/lib/timefmt.h): a bare date, the epoch a hard edge."""
    assert names("--db", db, "--since", "2026-11-23") == [
        "example.com", "TCP 93.184.216.34:443", "/bin/sh", "/usr/bin/ls", "/etc/passwd"]
    assert names("--db", db, "--since", "2026-11-24") == []
    p = run("--db", db, "--since", "-999999999d")
    assert (p.returncode, p.stdout) == (2, "")
    assert p.stderr == "ward: error: --since: '-999999999d' is before the epoch, " \
                       "1970-01-01T00:00:00Z\n"


def test_table(db):
    p = run("--db", db, "--type", "executable")
    assert p.returncode == 0, p.stderr
    assert p.stdout == (
        "OBJECT     COUNT     FIRST_SEEN           LAST_SEEN            NAME\n"
        "executable 5         2026-11-23T12:00:00Z 2026-11-23T12:00:20Z /usr/bin/ls"
        "  sha256:5891b5b522d5df08\n")


def test_reads_while_a_writer_holds_a_transaction(db):
    """WAL: an open write transaction neither blocks the reader nor shows to it."""
    w = sqlite3.connect(db, isolation_level=None)
    try:
        w.execute("BEGIN IMMEDIATE")
        w.execute("UPDATE footprints SET count = count + 100")
        w.execute("INSERT INTO footprints (kind, hash_id, name, first_seen, last_seen, count)"
                  " VALUES (5, 99, 'uncommitted.example', 1, 1, 1)")
        start = time.monotonic()
        recs = lines("--db", db, "--json")
        assert time.monotonic() - start < 4.0          # not the 5 s busy timeout
        assert [r["count"] for r in recs] == [1, 2, 7, 5, 3]
        assert "uncommitted.example" not in [r["name"] for r in recs]
    finally:
        w.execute("ROLLBACK")
        w.close()


def test_missing_db_is_exit_1(tmp_path):
    path = str(tmp_path / "none.db")
    p = run("--db", path)
    assert p.returncode == 1
    assert p.stdout == ""
    assert p.stderr == "ward: error: no footprint database at %s (the daemon writes it; " \
                       "--db names another)\n" % path
    assert not os.path.exists(path)                    # the reader creates nothing


def test_newer_schema_is_exit_1(tmp_path):
    path = str(tmp_path / "new.db")
    make_db(path, version=2)
    p = run("--db", path)
    assert p.returncode == 1
    assert p.stderr == "ward: error: %s has schema version 2, written by a newer ward " \
                       "(this one reads version 1)\n" % path


def test_not_a_footprint_db_is_exit_1(tmp_path):
    path = str(tmp_path / "other.db")
    sqlite3.connect(path).executescript("CREATE TABLE t (x);")
    p = run("--db", path)
    assert p.returncode == 1
    assert p.stderr == "ward: error: %s is not a ward footprint database\n" % path


@pytest.mark.parametrize("args,message", [
    (["--type", "socket"], "--type: unknown type 'socket'"),
    (["--limit", "0"], "--limit: '0' must be 1 to 1000000000"),
    (["--limit", "1x"], "--limit: '1x' must be 1 to 1000000000"),
    (["--since", "yesterday"], "--since: 'yesterday' is not a time"),
    (["--since", "-5y"], "--since: '-5y' is not a time"),
    (["--name", ""], "--name: the pattern must be 1 to 4096 bytes"),
    (["--bogus"], "unknown option '--bogus'"),
    (["--db"], "option '--db' needs a value"),
    (["extra"], "unexpected argument 'extra'"),
])
def test_bad_usage_is_exit_2(db, args, message):
    p = run("--db", db, *args)
    assert p.returncode == 2
    assert p.stdout == ""
    assert p.stderr.startswith("ward: error: " + message)
    assert p.stderr.count("\n") == 1


def test_help():
    p = run("--help")
    assert p.returncode == 0
    assert p.stdout.startswith("usage: ward footprints ")
    assert "\nEXAMPLES\n" in p.stdout
