/* Profile learning: generalisation, the exact YAML written, and the round
 * trip learn -> write -> load -> the same activity raises nothing, new
 * activity does. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/profile.h"
#include "detect/profile_detect.h"
#include "detect/profile_learn.h"
#include "unit.h"
#include "ward/xdr_types.h"

#define T0 1795435200000000000ULL
#define REF(x) ((struct ward_str_ref){ (x), strlen(x) })

static bool gen_is(const char *in, const char *want)
{
	char out[256];
	size_t n = ward_profile_generalize(in, strlen(in), out, sizeof(out));
	bool ok = CHECK_EQ_STR(out, want);
	return ok && CHECK_EQ_INT(n, strlen(want));
}

UNIT_TEST(generalize)
{
	gen_is("/etc/nginx/nginx.conf", "/etc/nginx/nginx.conf");
	gen_is("/proc/1234/status", "/proc/*/status");
	gen_is("/proc/1234/task/1240/stat", "/proc/*/task/*/stat");
	gen_is("/proc/sys/net/core/somaxconn", "/proc/sys/net/core/somaxconn");
	gen_is("/proc/self/fd", "/proc/self/fd");
	gen_is("/tmp/cco2pTEn.s", "/tmp/*");
	gen_is("/tmp/build-1/x/y.o", "/tmp/**");
	gen_is("/dev/shm/sem.x", "/dev/shm/*");
	gen_is("/srv/dst/.f1.dat.ByGygJ", "/srv/dst/*");
	gen_is("/var/lib/nginx/body/0000000012", "/var/lib/nginx/body/*");
	gen_is("/var/lib/php/sessions/sess_4f9a0c1e2b", "/var/lib/php/sessions/*");
	/* ordinary names stay */
	gen_is("/usr/lib/x86_64-linux-gnu/libssl.so.3", "/usr/lib/x86_64-linux-gnu/libssl.so.3");
	gen_is("/usr/share/zoneinfo/Europe/Berlin", "/usr/share/zoneinfo/Europe/Berlin");
	gen_is("/home/u/Makefile", "/home/u/Makefile");
	gen_is("/var/log/nginx/access.log.1", "/var/log/nginx/access.log.1");
	/* too small a buffer: snprintf-like */
	char small[8];
	CHECK_EQ_INT(ward_profile_generalize("/proc/1/status", 14, small, sizeof(small)), 14);
	CHECK_EQ_STR(small, "/proc/*");
}

/* ---- a synthetic nginx ---- */

static struct ward_event base(uint32_t pid, const char *exe)
{
	struct ward_event ev = { 0 };
	ev.time_ns = T0;
	ev.count = 1;
	ev.process.pid = ev.process.tid = pid;
	ev.process.exe = REF(exe);
	ev.process.hash_id = 0x700 + pid;
	return ev;
}

static struct ward_event fev(uint32_t pid, const char *exe, uint16_t access, const char *path)
{
	struct ward_event ev = base(pid, exe);
	ev.event_type = XDR_EVENT_FILE;
	ev.access_type = access;
	ev.file.path = REF(path);
	return ev;
}

static struct ward_event xev(uint32_t pid, const char *exe, const char *target)
{
	struct ward_event ev = base(pid, exe);
	ev.event_type = XDR_EVENT_PROCESS;
	ev.access_type = XDR_PROCESS_EXECUTE;
	ev.target.exe = REF(target);
	return ev;
}

static struct ward_event cev(uint32_t pid, const char *exe, const char *ip, uint16_t port,
			     uint8_t proto)
{
	struct ward_event ev = base(pid, exe);
	ev.event_type = XDR_EVENT_CONNECTION;
	ev.access_type = XDR_CONNECTION_CONNECT_OUTBOUND;
	snprintf(ev.conn.remote_ip, sizeof(ev.conn.remote_ip), "%s", ip);
	ev.conn.remote_port = port;
	ev.conn.protocol = proto;
	return ev;
}

#define NGINX "/usr/sbin/nginx"

/* What nginx did while it was learned: pids 10 and 11. */
static size_t training(struct ward_event *v)
{
	size_t n = 0;
	for (int i = 0; i < 3; i++)
		v[n++] = fev(10, NGINX, XDR_FILE_OPEN, "/etc/nginx/nginx.conf");
	v[n++] = fev(10, NGINX, XDR_FILE_OPEN, "/etc/nginx/mime.types");
	v[n++] = fev(10, NGINX, XDR_FILE_OPEN, "/proc/10/status");
	v[n++] = fev(11, NGINX, XDR_FILE_OPEN, "/proc/11/status");
	v[n++] = fev(10, NGINX, XDR_FILE_OPEN, "/tmp/nginx-cache.AbC9xZ");
	v[n++] = fev(11, NGINX, XDR_FILE_CREATE, "/var/lib/nginx/body/0000000012");
	v[n++] = fev(11, NGINX, XDR_FILE_DELETE, "/var/lib/nginx/body/0000000012");
	v[n++] = fev(10, NGINX, XDR_FILE_CREATE, "/var/log/nginx/access.log");
	v[n] = fev(10, NGINX, XDR_FILE_MOVE, "/var/log/nginx/error.log");
	v[n++].file.new_path = REF("/var/log/nginx/error \"old\".log");
	v[n++] = xev(10, NGINX, NGINX);
	v[n++] = cev(11, NGINX, "10.0.0.1", 8080, XDR_CONNECTION_TCP);
	v[n++] = cev(11, NGINX, "10.0.0.2", 443, XDR_CONNECTION_TCP);
	v[n++] = cev(11, NGINX, "10.0.0.2", 443, XDR_CONNECTION_TCP);
	v[n++] = cev(10, NGINX, "10.0.0.53", 53, XDR_CONNECTION_UDP);
	/* someone else: not learned */
	v[n++] = fev(12, "/usr/bin/cat", XDR_FILE_OPEN, "/etc/shadow");
	return n;
}

static const char *const EXPECTED =
	"# ward profile for /usr/sbin/nginx\n"
	"# learned on test-host\n"
	"# from 2026-11-23T12:00:00Z for 3600 s\n"
	"# learned from 16 events; the number after each entry is how often it was seen.\n"
	"# Review before use: everything not listed raises an alert.\n"
	"application: \"/usr/sbin/nginx\"\n"
	"severity: WARNING\n"
	"files:\n"
	"  - \"/etc/nginx/mime.types\"  # 1\n"
	"  - \"/etc/nginx/nginx.conf\"  # 3\n"
	"  - \"/proc/*/status\"  # 2\n"
	"  - \"/tmp/*\"  # 1\n"
	"  - \"/var/lib/nginx/body/*\"  # 2\n"
	"  - \"/var/log/nginx/access.log\"  # 1\n"
	"  - \"/var/log/nginx/error \\\"old\\\".log\"  # 1\n"
	"  - \"/var/log/nginx/error.log\"  # 1\n"
	"exec:\n"
	"  - \"/usr/sbin/nginx\"  # 1\n"
	"connect:\n"
	"  - 53/udp  # 1\n"
	"  - 443/tcp  # 2\n"
	"  - 8080/tcp  # 1\n";

struct got {
	int n;
	char out[8][128];
};

static void on_alert(void *ctx, const struct ward_alert *a)
{
	struct got *g = ctx;
	if (g->n < 8)
		snprintf(g->out[g->n], sizeof(g->out[0]), "%s", a->output);
	g->n++;
}

UNIT_TEST(learn_write_load_round_trip)
{
	struct ward_event v[32];
	size_t n = training(v);
	struct ward_profile_learner *l = ward_profile_learner_new(NGINX);
	struct ward_profiles *ps = ward_profiles_new();
	struct ward_profile_detector *d = NULL;
	char *text = NULL;
	size_t len = 0;
	if (!CHECK(l != NULL) || !CHECK(ps != NULL))
		goto out;
	for (size_t i = 0; i < n; i++)
		ward_profile_learner_observe(l, &v[i]);
	CHECK_EQ_INT(ward_profile_learner_events(l), 16);
	FILE *f = open_memstream(&text, &len);
	if (!CHECK(f != NULL))
		goto out;
	CHECK_EQ_INT(ward_profile_learner_write(l, f, "learned on test-host\n"
					       "from 2026-11-23T12:00:00Z for 3600 s"), 0);
	fclose(f);
	CHECK_EQ_STR(text, EXPECTED);

	struct ward_profile_error e = { .line = 0 };
	CHECK_EQ_INT(ward_profiles_load_buf(ps, "learned.yaml", text, len, &e), 0);
	if (e.what[0])
		fprintf(stderr, "    %u:%u: %s\n", e.line, e.column, e.what);
	struct ward_profile_detector_opts o = { .profiles = ps };
	d = ward_profile_detector_new(&o);
	if (!CHECK(d != NULL))
		goto out;
	struct got g = { .n = 0 };
	for (size_t i = 0; i < n; i++)
		ward_profile_detector_observe(d, &v[i], on_alert, &g);
	CHECK_EQ_INT(g.n, 0);
	/* the generalised names cover new pids and new temporary files */
	struct ward_event ok[] = {
		fev(13, NGINX, XDR_FILE_OPEN, "/proc/13/status"),
		fev(13, NGINX, XDR_FILE_OPEN, "/tmp/nginx-cache.Zz81Qq"),
		fev(13, NGINX, XDR_FILE_CREATE, "/var/lib/nginx/body/0000000099"),
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		ward_profile_detector_observe(d, &ok[i], on_alert, &g);
	CHECK_EQ_INT(g.n, 0);
	/* anything new is unexpected */
	struct ward_event bad[] = {
		fev(13, NGINX, XDR_FILE_OPEN, "/etc/passwd"),
		xev(13, NGINX, "/usr/bin/id"),
		cev(13, NGINX, "10.0.0.1", 25, XDR_CONNECTION_TCP),
		cev(13, NGINX, "10.0.0.53", 53, XDR_CONNECTION_TCP),
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ward_profile_detector_observe(d, &bad[i], on_alert, &g);
	CHECK_EQ_INT(g.n, 4);
	CHECK_EQ_STR(g.out[0], "unexpected file open: /etc/passwd");
	CHECK_EQ_STR(g.out[1], "unexpected command execution: /usr/bin/id");
	CHECK_EQ_STR(g.out[2], "unexpected connection: 10.0.0.1:25/TCP");
	CHECK_EQ_STR(g.out[3], "unexpected connection: 10.0.0.53:53/TCP");
out:
	free(text);
	ward_profile_detector_free(d);
	ward_profiles_free(ps);
	ward_profile_learner_free(l);
}

UNIT_TEST(learner_empty_and_bounded)
{
	struct ward_profile_learner *l = ward_profile_learner_new("/usr/bin/x");
	char *text = NULL;
	size_t len = 0;
	if (!CHECK(l != NULL))
		return;
	FILE *f = open_memstream(&text, &len);
	CHECK_EQ_INT(ward_profile_learner_write(l, f, NULL), 0);
	fclose(f);
	CHECK(strstr(text, "files: []\nexec: []\nconnect: []\n") != NULL);
	free(text);
	text = NULL;
	/* more distinct files than a list keeps */
	char p[64];
	for (int i = 0; i < WARD_PROFILE_MAX_ENTRIES + 10; i++) {
		snprintf(p, sizeof(p), "/data/f%d.txt", i);
		struct ward_event ev = fev(1, "/usr/bin/x", XDR_FILE_OPEN, p);
		ward_profile_learner_observe(l, &ev);
	}
	f = open_memstream(&text, &len);
	CHECK_EQ_INT(ward_profile_learner_write(l, f, NULL), 0);
	fclose(f);
	CHECK(strstr(text, "  # 10 more not kept") != NULL);
	struct ward_profiles *ps = ward_profiles_new();
	struct ward_profile_error e;
	CHECK_EQ_INT(ward_profiles_load_buf(ps, "big.yaml", text, len, &e), 0);
	ward_profiles_free(ps);
	free(text);
	ward_profile_learner_free(l);
	errno = 0;
	CHECK(ward_profile_learner_new("relative") == NULL);
	CHECK_EQ_INT(errno, EINVAL);
	ward_profile_learner_free(NULL);
}

UNIT_MAIN()
