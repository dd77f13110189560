"""The durable event log (docs/log.md) with real processes: SIGKILL at random moments, a full
file system (1 MiB tmpfs), and a corrupted byte, checked with `ward log verify|cat` and with an
independent parser of the on-disk format written here from docs/log.md.

The writer is tests/integration/helpers/log_writer.c, built here against src/store/log_*.c. Its
records carry a counter, so every record read back can be matched with one the writer wrote.
"""
import os
import random
import re
import select
import signal
import struct
import subprocess
import time

import pytest

from conftest import REPO, WARD, require_binary, require_root

HELPER_SRC = os.path.join(REPO, "tests", "integration", "helpers", "log_writer.c")
STORE_SRCS = ["src/store/log_writer.c", "src/store/log_reader.c", "src/store/log_format.c",
              "src/store/log_dir.c", "src/lib/crc32c.c"]
SEG_HDR = 64
BLK_HDR = struct.Struct("<4sBBHIIIIQQII")  # docs/log.md, block header


@pytest.fixture(scope="module")
def helper(tmp_path_factory):
    require_binary()
    out = str(tmp_path_factory.mktemp("helpers") / "log_writer")
    subprocess.run(["gcc", "-O2", "-Wall", "-Werror", "-D_GNU_SOURCE", "-I" + os.path.join(REPO, "src"),
                    "-I" + os.path.join(REPO, "include"), "-o", out, HELPER_SRC]
                   + [os.path.join(REPO, s) for s in STORE_SRCS] + ["-lzstd"], check=True)
    return out


class Writer:
    """One running `log_writer write`, with its stdout read line by line under deadlines."""

    def __init__(self, helper, d, *opts):
        self.p = subprocess.Popen([helper, "write", d] + list(opts), stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.buf = b""
        self.lines = []
        self.recovered = self.expect(r"^recovered ")
        self.ready = self.expect(r"^ready start=(\d+)")
        self.start = int(self.ready.group(1))

    def _fill(self, deadline):
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            r, _, _ = select.select([self.p.stdout], [], [], left)
            if not r:
                return False
            chunk = os.read(self.p.stdout.fileno(), 65536)
            if not chunk:
                return False
            self.buf += chunk
        return True

    def line(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        if not self._fill(deadline):
            return None
        line, self.buf = self.buf.split(b"\n", 1)
        s = line.decode()
        self.lines.append(s)
        return s

    def expect(self, pattern, timeout=10.0, pred=None):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            s = self.line(max(left, 0.01)) if left > 0 else None
            if s is None:
                self.p.kill()
                raise AssertionError("log_writer: no line matching %r in %.0fs; last lines: %s; stderr: %s"
                                     % (pattern, timeout, self.lines[-5:], self.p.stderr.read().decode()))
            m = re.search(pattern, s)
            if m and (pred is None or pred(m)):
                return m

    def kill(self):
        self.p.kill()
        self.p.wait()
        self.p.stdout.close()
        self.p.stderr.close()
        self.p.stdin.close()


def stats(m):
    return {k: int(v) for k, v in re.findall(r"(\w+)=(-?\d+)", m.group(0))}


def recover(helper, d):
    p = subprocess.run([helper, "recover", d], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout


def read_back(helper, d):
    """The records in d as ('rec', n) or ('loss', count, first, last, reason)."""
    p = subprocess.run([helper, "read", d], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    out = []
    for line in p.stdout.splitlines():
        if line.startswith("rec "):
            out.append(("rec", int(line[4:])))
        elif line.startswith("LOSS "):
            v = dict(kv.split("=") for kv in line[5:].split())
            out.append(("loss", int(v["count"]), int(v["first"]), int(v["last"]), int(v["reason"])))
        else:
            raise AssertionError("a record the writer did not write: %r" % line)
    return out, p.stderr


def verify(*paths):
    return subprocess.run([WARD, "log", "verify"] + list(paths), capture_output=True, text=True,
                          timeout=120)


def segments(d):
    return sorted((f for f in os.listdir(d) if f.startswith("ward-") and f.endswith(".wlog")),
                  key=lambda f: int(f.rsplit("-", 1)[1].split(".")[0]))


def blocks_prefix(data):
    """The good blocks from the start of a segment's bytes, up to the first that is not whole."""
    off, out = SEG_HDR, []
    while off + 48 <= len(data):
        magic, _, _, hlen, clen, _, count = BLK_HDR.unpack_from(data, off)[:7]
        if magic != b"WBLK" or off + hlen + clen > len(data):
            break
        out.append((off, hlen + clen, count))
        off += hlen + clen
    return out


def blocks(path):
    """(offset, total length, record count) of every block, parsed from docs/log.md's layout."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"WARDLOG\0"
    off, out = SEG_HDR, []
    while off < len(data):
        magic, codec, _, hlen, clen, rawlen, count, _, first, last, _, _ = BLK_HDR.unpack_from(data, off)
        assert magic == b"WBLK" and codec == 1 and hlen == 48 and first <= last
        out.append((off, hlen + clen, count))
        off += hlen + clen
    assert off == len(data)
    return out


# ---------------------------------------------------------------- SIGKILL

def test_sigkill_at_random_moments_never_leaves_a_bad_record(helper, tmpd):
    require_root()
    d = os.path.join(tmpd, "log")
    rng = random.Random(1234)
    expected_next = 0
    cuts = 0
    for i in range(32):
        # vary the policies so kills land in every phase: block writes, fsyncs, rotation
        fsync = ("none", "block", "segment")[i % 3]
        w = Writer(helper, d, "--block", "16384", "--segment", "262144", "--retain", "8388608",
                   "--fsync", fsync, "--flush-every", str(rng.choice([7, 50, 400])),
                   *(["--noise"] if i % 2 else []))
        # every run continues right after the last record on disk
        assert w.start == expected_next, (i, w.start, expected_next, w.recovered.string)
        time.sleep(rng.uniform(0.02, 0.4))  # the random moment of the kill, not a wait for anything
        w.kill()
        segs = segments(d)
        torn = 0
        if i % 4 == 3:
            # A kill rarely lands inside the one pwrite() of a block; make every fourth run look
            # exactly as if it had: part of a block (header whole, payload cut) at the end.
            newest = os.path.join(d, segs[-1])
            with open(newest, "rb") as f:
                data = f.read()
            good = [b for b in blocks_prefix(data)]
            if good:
                off, length, _ = good[-1]
                torn = rng.randrange(1, length)
                with open(newest, "ab") as f:
                    f.write(data[off:off + torn])

        # Before recovery only the tail of the newest segment may be damaged (a torn write).
        v = verify(d)
        if torn:
            assert v.returncode == 1
        if v.returncode != 0:
            bad = [l for l in v.stdout.splitlines() if l.startswith("  ")]
            assert bad and all(os.path.join(d, segs[-1]) in l for l in bad), v.stdout
            assert all("end of the file" in l or "cut short" in l or "magic" in l for l in bad), v.stdout

        out = recover(helper, d)
        m = re.search(r"cut=(\d+)", out)
        if torn:
            assert int(m.group(1)) == torn, out
            assert "blocks_cut=1 " in out, out
        else:
            cuts += int(m.group(1)) > 0

        # After recovery every segment decodes from its first to its last byte.
        v = verify(d)
        assert v.returncode == 0, v.stdout + v.stderr
        assert re.search(r"^total: \d+ segments, \d+ blocks, \d+ records, \d+ bytes, 0 problems$",
                         v.stdout, re.M), v.stdout
        for s in segments(d):
            blocks(os.path.join(d, s))  # the independent parser agrees, to the last byte

        # Every record is one the writer wrote, whole, in order, without gaps (retention may
        # have removed the oldest segments: what is left is one contiguous run).
        recs, problems = read_back(helper, d)
        assert problems == ""
        nums = [r[1] for r in recs if r[0] == "rec"]
        assert all(r[0] == "rec" for r in recs), "no loss marker expected: nothing was dropped"
        assert nums, "the writer wrote nothing in %s" % out
        assert nums == list(range(nums[0], nums[0] + len(nums))), "gap or duplicate"
        assert nums[-1] + 1 >= expected_next
        expected_next = nums[-1] + 1
    assert expected_next > 1000
    # The point of the exercise: some kills did tear a block, and recovery cut it.
    print("runs where the kill itself tore a write: %d of 24" % cuts)


# ---------------------------------------------------------------- full disk

@pytest.fixture
def tiny_fs(tmpd):
    require_root()
    d = os.path.join(tmpd, "tiny")
    os.mkdir(d)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "ward-log-test", d], check=True)
    yield d
    subprocess.run(["umount", "-l", d], check=False)


def test_full_disk_counts_drops_keeps_running_and_marks_the_loss(helper, tiny_fs):
    filler = os.path.join(tiny_fs, "filler")
    with open(filler, "wb") as f:
        f.write(b"\0" * (640 << 10))
    logdir = os.path.join(tiny_fs, "log")
    w = Writer(helper, logdir, "--block", "8192", "--segment", "4194304", "--noise",
               "--flush-every", "20", "--stats", "--fsync", "none")
    try:
        # the file system fills: blocks are dropped and counted, the writer goes on
        full = stats(w.expect(r"^stats .*", timeout=30, pred=lambda m: stats(m)["dropped"] > 0))
        assert full["last_error"] == 28  # ENOSPC
        later = stats(w.expect(r"^stats .*", timeout=30,
                               pred=lambda m: stats(m)["dropped"] > full["dropped"] + 1000))
        # (a small block may still squeeze into the last free page now and then)
        assert later["errors"] > full["errors"] + 20
        assert later["written"] - full["written"] < later["dropped"] - full["dropped"]
        # space returns: writing resumes, and a loss marker goes in first
        os.unlink(filler)
        back = stats(w.expect(r"^stats .*", timeout=30,
                              pred=lambda m: stats(m)["markers"] > later["markers"]
                              and stats(m)["written"] > later["written"] + 1000))
        w.p.stdin.write(b"stop\n")
        w.p.stdin.flush()
        final = stats(w.expect(r"^next=.* final .*", timeout=30))
        assert w.p.wait(timeout=10) == 0
    finally:
        if w.p.poll() is None:
            w.kill()
    recs, problems = read_back(helper, logdir)
    assert problems == ""
    # Walk the log: records in order, each marker standing exactly for the records it replaces.
    expect = w.start
    marked = 0
    markers = 0
    for r in recs:
        if r[0] == "loss":
            assert r[4] == 2, "reason: the disk"
            assert r[1] > 0 and r[2] <= r[3]
            expect += r[1]
            marked += r[1]
            markers += 1
        else:
            assert r[1] == expect, "record %d where %d was expected" % (r[1], expect)
            expect += 1
    assert markers >= 1
    assert marked >= full["dropped"]
    # What is neither on disk nor marked was dropped at the very end, with no space left to say
    # so; usually nothing.
    assert final["next"] - expect == final["dropped"] - marked
    assert final["written"] == len([r for r in recs if r[0] == "rec"])
    v = verify(logdir)
    assert v.returncode == 0, v.stdout


# ---------------------------------------------------------------- corruption

def test_corrupt_byte_costs_one_block_and_verify_names_it(helper, tmpd):
    require_root()
    d = os.path.join(tmpd, "log")
    w = Writer(helper, d, "--block", "4096", "--flush-every", "1000000", "--fsync", "none")
    time.sleep(0.3)  # let it write some thousands of records; the amount does not matter
    w.p.send_signal(signal.SIGTERM)
    w.expect(r" final ", timeout=10)
    w.p.wait(timeout=10)
    segs = segments(d)
    assert len(segs) == 1
    path = os.path.join(d, segs[0])
    bl = blocks(path)
    assert len(bl) >= 10, bl
    total = sum(b[2] for b in bl)
    v = verify(d)
    assert v.returncode == 0, v.stdout
    assert "%s: %d blocks, %d records, %d bytes," % (path, len(bl), total, os.path.getsize(path)) in v.stdout

    # flip one byte in the payload of the middle block
    off, length, count = bl[len(bl) // 2]
    with open(path, "r+b") as f:
        f.seek(off + 48 + length // 3)
        b = f.read(1)
        f.seek(off + 48 + length // 3)
        f.write(bytes([b[0] ^ 0x20]))

    v = verify(d)
    assert v.returncode == 1, v.stdout
    assert "%s: %d blocks, %d records, %d bytes," % (path, len(bl) - 1, total - count,
                                                      os.path.getsize(path)) in v.stdout
    problems = [l for l in v.stdout.splitlines() if l.startswith("  ")]
    assert problems == ["  %s: block at offset %d: payload CRC mismatch: %s; %d bytes skipped"
                        % (path, off, problems[0].split("mismatch: ")[1].split(";")[0], length)], v.stdout
    assert v.stdout.rstrip().endswith("1 problems")

    # cat still prints every record of the other blocks
    c = subprocess.run([WARD, "log", "cat", "--json", d], capture_output=True, text=True, timeout=60)
    assert c.returncode == 1
    assert "block at offset %d: payload CRC mismatch" % off in c.stderr
    undecodable = re.search(r"(\d+) records could not be decoded", c.stderr)
    printed = len(c.stdout.splitlines())
    unknown = re.search(r"(\d+) records are of a kind this ward does not know", c.stderr)
    assert printed + (int(undecodable.group(1)) if undecodable else 0) + \
        (int(unknown.group(1)) if unknown else 0) == total - count

    # and the helper's reader: exactly the records outside that block, in order
    recs, stderr = read_back(helper, d)
    assert "offset=%d payload CRC mismatch" % off in stderr
    before = sum(b[2] for b in bl[:len(bl) // 2])
    nums = [r[1] for r in recs]
    assert nums == list(range(w.start, w.start + before)) + \
        list(range(w.start + before + count, w.start + total))


def test_cli_usage(tmpd):
    require_binary()
    p = subprocess.run([WARD, "log", "--help"], capture_output=True, text=True)
    assert p.returncode == 0 and "EXAMPLES" in p.stdout and p.stdout.startswith("usage: ward log cat")
    for args, msg in [(["log"], "cat or verify"), (["log", "tail"], "unknown subcommand 'tail'"),
                      (["log", "cat", "--since", "yesterday", tmpd], "--since: 'yesterday' is not a time"),
                      (["log", "cat", "--type", "NOPE", tmpd], "--type: 'NOPE' is not an event or access type"),
                      (["log", "verify", "--bogus"], "unknown option '--bogus'")]:
        p = subprocess.run([WARD] + args, capture_output=True, text=True)
        assert p.returncode == 2, (args, p.stderr)
        assert msg in p.stderr, (args, p.stderr)
        assert len(p.stderr.strip().splitlines()) == 1
    p = subprocess.run([WARD, "log", "verify", os.path.join(tmpd, "missing")], capture_output=True, text=True)
    assert p.returncode == 1 and "No such file or directory" in p.stderr


def test_cli_time_uses_the_shared_grammar(tmpd):
    """--since/--until are ward_time_parse (src/lib/timefmt.h): the epoch is a hard edge, and a
    day the month does not have is no time."""
    require_binary()
    for args, msg in [(["--until", "1969-12-31"],
                       "--until: '1969-12-31' is before the epoch, 1970-01-01T00:00:00Z"),
                      (["--since", "2026-02-30"],
                       "--since: '2026-02-30' is not a time (RFC 3339 such as 2026-11-23T12:00:00Z"
                       " or 2026-11-23T13:00:00.5+01:00, a date such as 2026-11-23, now,"
                       " or -30s, -10m, -2h, -7d)")]:
        p = subprocess.run([WARD, "log", "cat"] + args + [tmpd], capture_output=True, text=True)
        assert (p.returncode, p.stdout) == (2, ""), (args, p.stderr)
        assert p.stderr == "ward: error: " + msg + "\n"
