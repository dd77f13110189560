/* Profiles: loading (errors with exact line and column), globs, matching
 * of files, exec and connect, and the once-per-window rule. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "detect/profile.h"
#include "detect/profile_detect.h"
#include "unit.h"
#include "ward/xdr_types.h"

#define T0 1795435200000000000ULL
#define SEC 1000000000ULL

/* tests/data/profiles, found from this file's own path */
static void data_dir(char *buf, size_t len)
{
	const char *f = __FILE__;
	const char *u = strstr(f, "unit/test_profile.c");
	snprintf(buf, len, "%.*sdata/profiles", u ? (int)(u - f) : 0, f);
}

static int load(struct ward_profiles *ps, const char *text, struct ward_profile_error *e)
{
	memset(e, 0, sizeof(*e));
	return ward_profiles_load_buf(ps, "t.yaml", text, strlen(text), e);
}

/* Expect a load error at line:col whose message contains what. */
static bool load_fails(const char *text, unsigned int line, unsigned int col, const char *what)
{
	struct ward_profiles *ps = ward_profiles_new();
	struct ward_profile_error e;
	bool ok = CHECK_EQ_INT(load(ps, text, &e), -EINVAL);
	ok &= CHECK_EQ_STR(e.file, "t.yaml");
	ok &= CHECK_EQ_INT(e.line, line);
	ok &= CHECK_EQ_INT(e.column, col);
	if (!CHECK(strstr(e.what, what) != NULL)) {
		fprintf(stderr, "    what: %s\n", e.what);
		ok = false;
	}
	CHECK_EQ_INT(ward_profiles_count(ps), 0);
	ward_profiles_free(ps);
	return ok;
}

UNIT_TEST(load_errors_exact_place)
{
	load_fails("application: /usr/bin/x\nfiles: [/etc/a]\nports: [80]\n", 3, 1,
		   "unknown key 'ports' (expected application, severity, files, exec, connect)");
	load_fails("application: /usr/bin/x\nconnect: [80, 99999]\n", 2, 15,
		   "port out of range (1-65535): '99999'");
	load_fails("application: /usr/bin/x\nconnect:\n  - 80\n  - http\n", 4, 5,
		   "bad port 'http'");
	load_fails("application: /usr/bin/x\nfiles:\n  - /etc/a\n  - etc/b\n", 4, 5,
		   "files entry must be an absolute path or glob: 'etc/b'");
	load_fails("application: /usr/bin/x\nexec: /usr/bin/id\n", 2, 7,
		   "'exec' must be a list, not a scalar");
	load_fails("files: [/etc/a]\n", 1, 1, "missing key 'application'");
	load_fails("application: nginx\n", 1, 14, "application must be an absolute executable path");
	load_fails("application: /usr/bin/x\nseverity: loud\n", 2, 11, "unknown severity 'loud'");
	load_fails("application: /usr/bin/x\nfiles: [/a]\nfiles: [/b]\n", 3, 1,
		   "duplicate key 'files'");
	load_fails("application: /usr/bin/x\nfiles: [/a, [/b]]\n", 2, 13,
		   "list entries must be scalars, not a list");
	load_fails("- /usr/bin/x\n", 1, 1, "a profile is a mapping");
	/* libyaml's own errors carry its mark */
	load_fails("application: /usr/bin/x\nfiles: [/a\n", 3, 1, "did not find expected");
	load_fails("application: /usr/bin/x\n---\napplication: /usr/bin/y\n", 2, 1,
		   "one profile per file");
}

UNIT_TEST(load_ok_and_duplicates)
{
	struct ward_profiles *ps = ward_profiles_new();
	struct ward_profile_error e;
	CHECK_EQ_INT(load(ps, "application: /usr/bin/x\nexec:\nconnect: ~\n", &e), 0);
	const struct ward_profile *p = ward_profiles_find(ps, "/usr/bin/x", 10);
	if (CHECK(p != NULL)) {
		CHECK_EQ_INT(p->severity, WARD_SEV_WARNING);
		CHECK_EQ_INT(p->nfiles + p->nexec + p->nports, 0);
	}
	CHECK_EQ_INT(load(ps, "application: /usr/bin/x\n", &e), -EEXIST);
	CHECK(strstr(e.what, "a second profile for /usr/bin/x") != NULL);
	CHECK(ward_profiles_find(ps, "/usr/bin/xy", 11) == NULL);
	CHECK(ward_profiles_find(ps, "/usr/bin/x", 9) == NULL);
	char buf[600];
	struct ward_profile_error fe = { .line = 3, .column = 7 };
	snprintf(fe.file, sizeof(fe.file), "p.yaml");
	snprintf(fe.what, sizeof(fe.what), "bad");
	ward_profile_error_format(&fe, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "p.yaml:3:7: bad");
	ward_profiles_free(ps);
}

UNIT_TEST(load_dir)
{
	char dir[512];
	data_dir(dir, sizeof(dir));
	struct ward_profiles *ps = ward_profiles_new();
	struct ward_profile_error e = { .line = 0 };
	CHECK_EQ_INT(ward_profiles_load_dir(ps, dir, &e), 0);
	if (e.what[0])
		fprintf(stderr, "    %s:%u:%u: %s\n", e.file, e.line, e.column, e.what);
	CHECK_EQ_INT(ward_profiles_count(ps), 2);
	const struct ward_profile *p = ward_profiles_find(ps, "/usr/sbin/nginx", 15);
	if (CHECK(p != NULL)) {
		CHECK_EQ_INT(p->severity, WARD_SEV_ERROR);
		CHECK_EQ_INT(p->nfiles, 6);
		CHECK_EQ_INT(p->nports, 4);
		CHECK_EQ_INT(p->ports[3].lo, 8000);
		CHECK_EQ_INT(p->ports[3].hi, 8099);
	}
	p = ward_profiles_find(ps, "/usr/local/bin/backup", 21);
	if (CHECK(p != NULL)) {
		CHECK_EQ_INT(p->nexec, 3);
		CHECK_EQ_INT(p->nports, 0);
	}
	CHECK_EQ_INT(ward_profiles_load_dir(ps, "/nonexistent-ward", &e), -ENOENT);
	ward_profiles_free(ps);
}

UNIT_TEST(globs)
{
#define G(p, s) ward_glob_match(p, s, strlen(s))
	CHECK(G("/etc/nginx/**", "/etc/nginx/nginx.conf"));
	CHECK(G("/etc/nginx/**", "/etc/nginx/sites/a/b.conf"));
	CHECK(!G("/etc/nginx/**", "/etc/nginx2/x"));
	CHECK(G("/var/log/nginx/*", "/var/log/nginx/access.log"));
	CHECK(!G("/var/log/nginx/*", "/var/log/nginx/old/access.log"));
	CHECK(G("/proc/*/status", "/proc/123/status"));
	CHECK(!G("/proc/*/status", "/proc/123/task/5/status"));
	CHECK(G("/proc/**/status", "/proc/123/task/5/status"));
	CHECK(G("/tmp/backup-??????", "/tmp/backup-aB3dE9"));
	CHECK(!G("/tmp/backup-??????", "/tmp/backup-aB3dE"));
	CHECK(!G("/tmp/a?c", "/tmp/a/c"));
	CHECK(G("/**/*.so", "/usr/lib/x/libc.so"));
	CHECK(G("/a/*b*c*d", "/a/xbycd"));
	CHECK(!G("/a/*b*c*d", "/a/xbycdx"));
	CHECK(G("/exact", "/exact"));
	CHECK(!G("/exact", "/exactly"));
	/* many stars stay linear: no exponential backtracking */
	char pat[200], s[4096];
	snprintf(pat, sizeof(pat), "/%s", "**a**a**a**a**a**a**a**a**a**a**a**a**b");
	memset(s, 'a', sizeof(s) - 1);
	s[0] = '/';
	s[sizeof(s) - 1] = '\0';
	CHECK(!G(pat, s));
#undef G
}

/* ---- the detector ---- */

struct got {
	int n;
	char out[8][256];
	int sev[8];
	char file0[256];
};

static void on_alert(void *ctx, const struct ward_alert *a)
{
	struct got *g = ctx;
	if (g->n < 8) {
		snprintf(g->out[g->n], sizeof(g->out[0]), "%s", a->output);
		g->sev[g->n] = a->severity;
		if (a->nfiles)
			snprintf(g->file0, sizeof(g->file0), "%s", a->files[0]);
	}
	g->n++;
}

#define REF(x) ((struct ward_str_ref){ (x), strlen(x) })

static struct ward_event base_ev(uint32_t pid, const char *exe, uint64_t t)
{
	struct ward_event ev = { 0 };
	ev.time_ns = t;
	ev.count = 1;
	ev.process.pid = ev.process.tid = pid;
	ev.process.comm = "nginx";
	ev.process.exe = REF(exe);
	ev.process.hash_id = 0x500 + pid;
	return ev;
}

static struct ward_event file_ev(uint32_t pid, const char *exe, uint16_t access, const char *path,
				 uint64_t t)
{
	struct ward_event ev = base_ev(pid, exe, t);
	ev.event_type = XDR_EVENT_FILE;
	ev.access_type = access;
	ev.file.path = REF(path);
	return ev;
}

static struct ward_event exec_ev(uint32_t pid, const char *exe, const char *target, uint64_t t)
{
	struct ward_event ev = base_ev(pid, exe, t);
	ev.event_type = XDR_EVENT_PROCESS;
	ev.access_type = XDR_PROCESS_EXECUTE;
	ev.target.pid = pid;
	ev.target.exe = REF(target);
	return ev;
}

static struct ward_event conn_ev(uint32_t pid, const char *exe, const char *ip, uint16_t port,
				 uint8_t proto, uint64_t t)
{
	struct ward_event ev = base_ev(pid, exe, t);
	ev.event_type = XDR_EVENT_CONNECTION;
	ev.access_type = XDR_CONNECTION_CONNECT_OUTBOUND;
	ev.conn.protocol = proto;
	snprintf(ev.conn.remote_ip, sizeof(ev.conn.remote_ip), "%s", ip);
	ev.conn.remote_port = port;
	return ev;
}

static const char *const NGINX =
	"application: /usr/sbin/nginx\n"
	"files: [/etc/nginx/**, /var/log/nginx/*, /usr/share/nginx/**]\n"
	"exec: [/usr/sbin/nginx]\n"
	"connect: [53/udp, 80, 443/tcp, 8000-8099]\n";

struct fixture {
	struct ward_profiles *ps;
	struct ward_profile_detector *d;
	struct got g;
};

static bool setup(struct fixture *f, const char *text, uint64_t window)
{
	struct ward_profile_error e;
	memset(f, 0, sizeof(*f));
	f->ps = ward_profiles_new();
	if (!CHECK_EQ_INT(load(f->ps, text, &e), 0))
		return false;
	struct ward_profile_detector_opts o = { .profiles = f->ps, .window_ns = window };
	f->d = ward_profile_detector_new(&o);
	return CHECK(f->d != NULL);
}

static void teardown(struct fixture *f)
{
	ward_profile_detector_free(f->d);
	ward_profiles_free(f->ps);
}

static void see(struct fixture *f, const struct ward_event *ev)
{
	ward_profile_detector_observe(f->d, ev, on_alert, &f->g);
}

UNIT_TEST(files_allowed_and_unexpected)
{
	struct fixture f;
	if (!setup(&f, NGINX, 0))
		goto out;
	struct ward_event ev = file_ev(10, "/usr/sbin/nginx", XDR_FILE_OPEN, "/etc/nginx/nginx.conf", T0);
	see(&f, &ev);
	ev = file_ev(10, "/usr/sbin/nginx", XDR_FILE_CREATE, "/var/log/nginx/access.log", T0);
	see(&f, &ev);
	CHECK_EQ_INT(f.g.n, 0);
	ev = file_ev(10, "/usr/sbin/nginx", XDR_FILE_OPEN, "/etc/passwd", T0);
	see(&f, &ev);
	CHECK_EQ_INT(f.g.n, 1);
	CHECK_EQ_STR(f.g.out[0], "unexpected file open: /etc/passwd");
	CHECK_EQ_INT(f.g.sev[0], WARD_SEV_WARNING);
	CHECK_EQ_STR(f.g.file0, "/etc/passwd");
	ev = file_ev(10, "/usr/sbin/nginx", XDR_FILE_DELETE, "/var/log/nginx/old/x.log", T0);
	see(&f, &ev);
	CHECK_EQ_STR(f.g.out[1], "unexpected file delete: /var/log/nginx/old/x.log");
	ev = file_ev(10, "/usr/sbin/nginx", XDR_FILE_MOVE, "/var/log/nginx/a", T0);
	ev.file.new_path = REF("/tmp/a");
	see(&f, &ev);
	CHECK_EQ_STR(f.g.out[2], "unexpected file move: /var/log/nginx/a -> /tmp/a");
	/* another program opening the same file: not nginx's business */
	ev = file_ev(11, "/usr/bin/cat", XDR_FILE_OPEN, "/etc/passwd", T0);
	see(&f, &ev);
	/* writes and closes are judged by their open */
	ev = file_ev(10, "/usr/sbin/nginx", XDR_FILE_MODIFY, "/etc/shadow", T0);
	see(&f, &ev);
	CHECK_EQ_INT(f.g.n, 3);
out:
	teardown(&f);
}

UNIT_TEST(exec_allowed_and_unexpected)
{
	struct fixture f;
	if (!setup(&f, NGINX, 0))
		goto out;
	struct ward_event ev = exec_ev(10, "/usr/sbin/nginx", "/usr/sbin/nginx", T0);
	see(&f, &ev); /* re-exec for an upgrade */
	CHECK_EQ_INT(f.g.n, 0);
	ev = exec_ev(10, "/usr/sbin/nginx", "/usr/bin/id", T0);
	see(&f, &ev);
	CHECK_EQ_INT(f.g.n, 1);
	CHECK_EQ_STR(f.g.out[0], "unexpected command execution: /usr/bin/id");
	/* the shell it started is judged by the shell's exe: no nginx profile */
	ev = file_ev(12, "/usr/bin/dash", XDR_FILE_OPEN, "/etc/shadow", T0);
	see(&f, &ev);
	CHECK_EQ_INT(f.g.n, 1);
out:
	teardown(&f);
}

UNIT_TEST(connect_allowed_and_unexpected)
{
	struct fixture f;
	if (!setup(&f, "application: /usr/sbin/nginx\nseverity: critical\n"
		       "connect: [53/udp, 80, 443/tcp, 8000-8099]\n", 0))
		goto out;
	struct ward_event ev = conn_ev(10, "/usr/sbin/nginx", "10.0.0.2", 8042, XDR_CONNECTION_TCP, T0);
	see(&f, &ev);
	ev = conn_ev(10, "/usr/sbin/nginx", "10.0.0.2", 80, XDR_CONNECTION_UDP, T0);
	see(&f, &ev);
	ev = conn_ev(10, "/usr/sbin/nginx", "10.0.0.53", 53, XDR_CONNECTION_UDP, T0);
	see(&f, &ev);
	CHECK_EQ_INT(f.g.n, 0);
	ev = conn_ev(10, "/usr/sbin/nginx", "10.0.0.1", 25, XDR_CONNECTION_TCP, T0);
	see(&f, &ev);
	ev = conn_ev(10, "/usr/sbin/nginx", "10.0.0.53", 53, XDR_CONNECTION_TCP, T0);
	see(&f, &ev);
	ev = conn_ev(10, "/usr/sbin/nginx", "fe80::1", 443, XDR_CONNECTION_UDP, T0);
	see(&f, &ev);
	CHECK_EQ_INT(f.g.n, 3);
	CHECK_EQ_STR(f.g.out[0], "unexpected connection: 10.0.0.1:25/TCP");
	CHECK_EQ_STR(f.g.out[1], "unexpected connection: 10.0.0.53:53/TCP");
	CHECK_EQ_STR(f.g.out[2], "unexpected connection: [fe80::1]:443/UDP");
	CHECK_EQ_INT(f.g.sev[0], WARD_SEV_CRITICAL);
	/* inbound connections are not what `connect` lists */
	ev = conn_ev(10, "/usr/sbin/nginx", "10.0.0.9", 5555, XDR_CONNECTION_TCP, T0);
	ev.access_type = XDR_CONNECTION_CONNECT_INBOUND;
	see(&f, &ev);
	CHECK_EQ_INT(f.g.n, 3);
out:
	teardown(&f);
}

UNIT_TEST(once_per_process_and_object_per_window)
{
	struct fixture f;
	if (!setup(&f, NGINX, 10 * SEC))
		goto out;
	struct ward_event ev;
	for (int i = 0; i < 1000; i++) {
		ev = file_ev(10, "/usr/sbin/nginx", XDR_FILE_OPEN, "/etc/passwd", T0 + (uint64_t)i * 1000000);
		see(&f, &ev);
	}
	CHECK_EQ_INT(f.g.n, 1);
	/* another process of the same application: its own alert */
	ev = file_ev(20, "/usr/sbin/nginx", XDR_FILE_OPEN, "/etc/passwd", T0 + SEC);
	see(&f, &ev);
	CHECK_EQ_INT(f.g.n, 2);
	/* another object: its own alert */
	ev = file_ev(10, "/usr/sbin/nginx", XDR_FILE_OPEN, "/etc/group", T0 + SEC);
	see(&f, &ev);
	CHECK_EQ_INT(f.g.n, 3);
	/* the window has passed: once more */
	ev = file_ev(10, "/usr/sbin/nginx", XDR_FILE_OPEN, "/etc/passwd", T0 + 11 * SEC);
	see(&f, &ev);
	CHECK_EQ_INT(f.g.n, 4);
	struct ward_profile_detector_counters c;
	ward_profile_detector_counters(f.d, &c);
	CHECK_EQ_INT(c.alerts, 4);
	CHECK_EQ_INT(c.suppressed, 999);
	CHECK_EQ_INT(c.checked, 1003);
out:
	teardown(&f);
}

UNIT_TEST(detector_bad_options)
{
	struct ward_profile_detector_opts o = { 0 };
	errno = 0;
	CHECK(ward_profile_detector_new(&o) == NULL);
	CHECK_EQ_INT(errno, EINVAL);
	ward_profile_detector_free(NULL);
	ward_profiles_free(NULL);
}

UNIT_MAIN()
