"""`ward daemon --config`: errors at start, SIGHUP reloads (docs/config.md), rules reload."""

import os
import subprocess

from conftest import WARD, ev, get
from daemon_util import daemon_factory, run_ward, stats_records, to_yaml  # noqa: F401

ME = os.getpid()


def rule_yaml(name, path_prefix, priority="WARNING"):
    return """- rule: %s
  desc: the dtest marker was opened
  condition: access_type = FILE_OPEN and file.path startswith %s
  output: "dtest marker %%file.path opened by pid %%process.pid"
  priority: %s
  tags: [dtest, T0000]
""" % (name, path_prefix, priority)


def test_bad_config_exits_2_with_file_line_col(tmpd):
    bad = os.path.join(tmpd, "bad.yaml")
    with open(bad, "w") as f:
        f.write("daemon:\n  stats_interval: 10\nlog:\n  segment_sise: 1M\n")
    r = run_ward("daemon", "--config", bad)
    assert r.returncode == 2
    lines = r.stderr.splitlines()
    assert "ward: error: %s:2:19: daemon.stats_interval: " % bad in r.stderr, r.stderr
    assert ("ward: error: %s:4:3: log.segment_sise: unknown key (did you mean 'segment_size'?)"
            % bad) in lines, r.stderr
    assert "ward: ready" not in r.stderr


def test_syntax_error_exits_2(tmpd):
    bad = os.path.join(tmpd, "syntax.yaml")
    with open(bad, "w") as f:
        f.write("log:\n  dir: [unclosed\n")
    r = run_ward("daemon", "--config", bad)
    assert r.returncode == 2
    assert r.stderr.startswith("ward: error: %s:" % bad), r.stderr


def test_sighup_applies_reloadable_and_warns_about_the_rest(daemon_factory):
    dm = daemon_factory({"daemon": {"stats_interval": "1h"}})
    cl = dm.events("--stats")
    base = len(stats_records(cl.snapshot()))
    dm.cfg["daemon"]["stats_interval"] = "1s"
    dm.cfg["log"]["compression_level"] = 5
    dm.write_config()
    pos = dm.stderr_pos()
    dm.hup()
    dm.wait_stderr(r"^ward: warning: SIGHUP: log.compression_level changed; restart to apply$",
                   since=pos)
    dm.wait_stderr(r"^ward: SIGHUP: configuration reloaded$", since=pos)
    # stats_interval 1h -> 1s: stats records start to flow, a second apart
    start = cl.position()
    cl.wait_for(lambda r: not r.get("startup"), kind="stats", since=start, timeout=5)
    s = [r for r in cl.snapshot()[start:] if r.get("kind") == "stats"]
    second = cl.wait_for(lambda r: r is not s[0], kind="stats",
                         since=cl.snapshot().index(s[0]) + 1, timeout=5)
    assert 0.9 <= second["interval_s"] <= 2.0, second
    assert base <= 1
    assert not any("stats_interval changed" in l for l in dm.stderr_lines)


def test_sighup_with_a_broken_file_keeps_running(daemon_factory):
    dm = daemon_factory()
    dm.write_config("daemon:\n  stats_interval: forever\nnot_a_section: 1\n")
    pos = dm.stderr_pos()
    dm.hup()
    dm.wait_stderr(r"^ward: error: SIGHUP: %s has errors; the running configuration is kept$"
                   % dm.config_path, since=pos)
    dm.wait_stderr(r"^ward: error: %s:2:19: daemon.stats_interval: " % dm.config_path, since=pos)
    dm.wait_stderr(r"^ward: error: %s:3:1: not_a_section: unknown key" % dm.config_path, since=pos)
    assert dm.running()
    dm.events().marker()
    # still the old stats interval (1 s)
    cl = dm.events("--stats")
    start = cl.position()
    st = cl.wait_for(lambda r: not r.get("startup"), kind="stats", since=start, timeout=5)
    st = cl.wait_for(lambda r: r is not st and not r.get("startup"), kind="stats",
                     since=cl.snapshot().index(st) + 1, timeout=5)
    assert 0.9 <= st["interval_s"] <= 2.0, st


def test_sighup_reloads_rules(daemon_factory):
    dm = daemon_factory(start=False)
    rules_dir = os.path.join(dm.dir, "rules.d")
    os.mkdir(rules_dir)
    dm.cfg["detection"]["rules"]["files"] = [rules_dir]
    dm.write_config()
    dm.start()
    cl = dm.events()
    prefix = os.path.join(dm.marker_dir, "rulemark-")
    # no rule yet: a marker opened now raises nothing
    path0 = dm.open_marker("rulemark")
    cl.wait_for(ev("FILE_OPEN", pid=ME, path=path0))
    with open(os.path.join(rules_dir, "dtest.yaml"), "w") as f:
        f.write(rule_yaml("dtest marker opened", prefix))
    pos = dm.stderr_pos()
    dm.hup()
    dm.wait_stderr(r"^ward: SIGHUP: configuration reloaded$", since=pos)
    path = dm.open_marker("rulemark")
    a = cl.wait_for(lambda r: r.get("rule") == "dtest marker opened"
                    and get(r, "event.file.path") == path, kind="alert")
    assert a["source"] == "rule"
    assert a["severity"] == "WARNING"
    assert a["tags"] == ["dtest", "T0000"]
    assert a["output"] == "dtest marker %s opened by pid %d" % (path, ME)
    assert a["event"]["kind"] == "event" and a["event"]["access_type"] == "FILE_OPEN"
    assert a["event"]["process"]["pid"] == ME
    assert not [r for r in cl.snapshot() if r.get("kind") == "alert"
                and get(r, "event.file.path") == path0]


def test_config_check_agrees_with_the_daemon(tmpd):
    cfg = os.path.join(tmpd, "ok.yaml")
    with open(cfg, "w") as f:
        f.write(to_yaml({"daemon": {"stats_interval": "2s"}}) + "\n")
    r = subprocess.run([WARD, "config", "check", cfg], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
