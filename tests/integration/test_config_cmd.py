"""`ward config check` and `ward config show`: output, exit codes, round trip. No root needed."""

import os
import subprocess

import pytest

from conftest import REPO, WARD, require_binary

DATA = os.path.join(REPO, "tests", "data", "config")
SHIPPED = os.path.join(REPO, "etc", "ward.yaml")


def config(*args):
    require_binary()
    return subprocess.run([WARD, "config"] + list(args), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=10)


def test_check_ok():
    r = config("check", SHIPPED)
    assert (r.returncode, r.stdout, r.stderr) == (0, SHIPPED + ": ok\n", "")


def test_check_prints_every_error(tmp_path):
    f = tmp_path / "w.yaml"
    f.write_text("log:\n  segment_sise: 4M\n  sync: sometimes\nsensor:\n  ring_size: 3M\n")
    r = config("check", str(f))
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr.splitlines() == [
        "%s:2:3: log.segment_sise: unknown key (did you mean 'segment_size'?)" % f,
        "%s:3:9: log.sync: unknown value 'sometimes' (interval, block, segment, none)" % f,
        "%s:5:14: sensor.ring_size: 3M is not a power of two" % f,
    ]


def test_check_missing_file_named_is_an_error(tmp_path):
    f = tmp_path / "absent.yaml"
    r = config("check", str(f))
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == "%s: cannot open: No such file or directory\n" % f


@pytest.mark.skipif(os.path.exists("/etc/ward/ward.yaml"), reason="this host has /etc/ward/ward.yaml")
def test_missing_default_file_means_defaults():
    r = config("check")
    assert (r.returncode, r.stdout) == (0, "/etc/ward/ward.yaml: no config file, using defaults\n")
    shown = config("show")
    assert shown.returncode == 0
    assert shown.stdout == config("show", os.path.join(DATA, "empty.yaml")).stdout


def test_show_loads_back(tmp_path):
    first = config("show", os.path.join(DATA, "all_types.yaml"))
    assert first.returncode == 0, first.stderr
    assert "  ring_size: 16M\n" in first.stdout
    assert '  types: ["FILE_OPEN", "DNS", "DNS_QUERY"]\n' in first.stdout
    f = tmp_path / "shown.yaml"
    f.write_text(first.stdout)
    assert config("check", str(f)).returncode == 0
    assert config("show", str(f)).stdout == first.stdout


def test_show_comments_is_the_shipped_file():
    r = config("show", "--comments", os.path.join(DATA, "empty.yaml"))
    assert r.returncode == 0
    with open(SHIPPED) as f:
        assert f.read().endswith(r.stdout)


@pytest.mark.parametrize("args,message", [
    ([], "ward: config: which action? 'check' or 'show'\n"),
    (["lint"], "ward: config: unknown action 'lint' (check or show)\n"),
    (["check", "a", "b"], "ward: config check: one FILE at most, got 'b' too\n"),
    (["check", "--comments"], "ward: config: --comments is an option of 'show'\n"),
])
def test_bad_usage(args, message):
    r = config(*args)
    assert (r.returncode, r.stderr) == (2, message)


def test_help():
    r = config("--help")
    assert r.returncode == 0
    assert r.stdout.startswith("usage: ward config check [FILE]\n")
    assert "EXAMPLES\n" in r.stdout
