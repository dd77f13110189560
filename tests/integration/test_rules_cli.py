"""`ward rules check` and `ward watch --rules`: errors name FILE:LINE:COL, a
bad file stops the sensor from starting, and an override file changes what
fires for real."""
import os
import subprocess

from conftest import REPO, WARD, get

RULE = """- rule: Test rule
  desc: d
  condition: {cond}
  output: "o %process.exe"
  priority: WARNING
"""

BAD = {
    # name: (condition, column of the error, message)
    "unbalanced": ("access_type = FILE_OPEN and (file.path = /a", 42,
                   "unbalanced parenthesis: '(' is not closed"),
    "unknown-field": ("access_type = FILE_OPEN and proces.exe = /a", 42,
                      "unknown field 'proces.exe'"),
    "type-mismatch": ("process.pid startswith 12", 26,
                      "operator 'startswith' does not apply to number field 'process.pid'"),
}


def write(d, name, text):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def ward(*args, timeout=30):
    return subprocess.run([WARD] + list(args), capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, cwd=REPO)


def test_check_reports_file_line_col_and_watch_refuses(tmpd):
    for name, (cond, col, msg) in BAD.items():
        path = write(tmpd, name + ".yaml", RULE.format(cond=cond))
        want = "%s:3:%d: %s" % (path, col, msg)
        for args in (["rules", "check", path], ["rules", "check", "--no-defaults", path]):
            p = ward(*args)
            assert p.returncode == 1, (args, p.stdout, p.stderr)
            assert want in (p.stdout + p.stderr).splitlines(), (want, p.stdout, p.stderr)
        p = ward("watch", "--json", "--rules", path)
        assert p.returncode == 2, (p.returncode, p.stderr)
        assert p.stdout == ""
        assert p.stderr.splitlines()[-1] == "ward: error: " + want, p.stderr
        assert "ward: ready" not in p.stderr


def test_unknown_field_in_output_is_an_error(tmpd):
    path = write(tmpd, "out.yaml", RULE.format(cond="access_type = FILE_OPEN").replace(
        "%process.exe", "%process.exee"))
    p = ward("rules", "check", "--no-defaults", path)
    assert p.returncode == 1
    lines = (p.stdout + p.stderr).splitlines()
    assert path + ":4:14: output: unknown field 'process.exee'" in lines, lines


def test_yaml_syntax_error_and_every_error_reported(tmpd):
    bad = write(tmpd, "syntax.yaml", "- rule: x\n  desc: [d\n")
    p = ward("rules", "check", "--no-defaults", bad)
    assert p.returncode == 1
    assert (p.stdout + p.stderr).startswith(bad + ":3:1: invalid YAML: "), p.stdout + p.stderr
    two = write(tmpd, "two.yaml", RULE.format(cond="proces.exe = /a") +
                RULE.replace("Test rule", "Other").format(cond="file.pth = /b"))
    p = ward("rules", "check", "--no-defaults", two)
    assert p.returncode == 1
    lines = (p.stdout + p.stderr).splitlines()
    assert two + ":3:14: unknown field 'proces.exe'" in lines, lines
    assert two + ":8:14: unknown field 'file.pth'" in lines, lines


def test_good_file_counts(tmpd):
    path = write(tmpd, "good.yaml", RULE.format(cond="access_type = FILE_OPEN and file.path = /a"))
    p = ward("rules", "check", path)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "25 rules, 8 macros, 23 lists: ok"
    p = ward("rules", "check")
    assert p.stdout.strip() == "24 rules, 8 macros, 23 lists: ok"


def test_override_file_changes_what_fires(ward_factory, tmpd):
    """append to credential_readers: that copy of cat no longer alerts, cat still does."""
    allowed = os.path.join(tmpd, "vault")
    subprocess.run(["cp", "/usr/bin/cat", allowed], check=True)
    rules = write(tmpd, "local.yaml", "- list: credential_readers\n  items: [%s]\n  append: true\n"
                  "- rule: New listening port\n  enabled: false\n" % allowed)
    w = ward_factory("--rules", rules)
    a = subprocess.Popen([allowed, "/etc/shadow"], stdout=subprocess.DEVNULL)
    assert a.wait(10) == 0
    c = subprocess.Popen(["cat", "/etc/shadow"], stdout=subprocess.DEVNULL)
    assert c.wait(10) == 0

    def cred(pid):
        def p(r):
            return (r.get("rule") == "Credential file read by an unexpected program"
                    and get(r, "event.process.pid") == pid)
        p.desc = "credential alert of pid %d" % pid
        return p
    w.wait_for(cred(c.pid), kind="alert")
    w.marker()
    assert not [r for r in w.snapshot() if cred(a.pid)(r)]
