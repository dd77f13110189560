/* Ransomware behaviour: encryption runs reach minor and major; the benign
 * look-alikes (compiler, tar, rsync, logrotate), modelled on what
 * `ward watch --json` showed them doing, stay below major. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detect/ransomware.h"
#include "unit.h"
#include "ward/xdr_types.h"

#define T0 1795435200000000000ULL
#define MS 1000000ULL
#define SEC 1000000000ULL

/* ---- a fake process cache ---- */

struct procs {
	struct ward_proc p[64];
	size_t n;
};

static void add_proc(struct procs *ps, uint32_t pid, uint32_t ppid, const char *exe,
		     const char *cmdline)
{
	struct ward_proc *p = &ps->p[ps->n++];
	memset(p, 0, sizeof(*p));
	p->tgid = pid;
	p->ppid = ppid;
	p->hash_id = 0x1000 + pid;
	p->exe = (char *)exe;
	p->exe_len = strlen(exe);
	p->cmdline = (char *)cmdline;
	p->cmdline_len = strlen(cmdline);
}

static const struct ward_proc *get_proc(void *ctx, uint32_t tgid)
{
	struct procs *ps = ctx;
	for (size_t i = 0; i < ps->n; i++)
		if (ps->p[i].tgid == tgid)
			return &ps->p[i];
	return NULL;
}

/* ---- what the detector said ---- */

struct seen {
	char level[8];
	int severity;
	uint32_t pid;
	uint64_t total;
	size_t nfiles;
	char files[WARD_ALERT_MAX_FILES][256];
	char output[512];
	int response, response_error;
	uint32_t response_pid, response_count;
	bool crypto_tag;
};

struct alerts {
	int minor, major;
	struct seen first_minor, first_major;
	int order[8]; /* 1 minor, 2 major, in arrival order */
	int norder;
};

static void keep(struct seen *s, const struct ward_alert *a)
{
	snprintf(s->level, sizeof(s->level), "%s", a->level);
	s->severity = a->severity;
	s->pid = a->event ? a->event->process.pid : 0;
	s->total = a->files_total;
	s->nfiles = a->nfiles;
	for (size_t i = 0; i < a->nfiles; i++)
		snprintf(s->files[i], sizeof(s->files[i]), "%s", a->files[i]);
	snprintf(s->output, sizeof(s->output), "%s", a->output);
	s->response = a->response;
	s->response_pid = a->response_pid;
	s->response_count = a->response_count;
	s->response_error = a->response_error;
	for (size_t i = 0; i < a->ntags; i++)
		if (!strcmp(a->tags[i], "encryption-api"))
			s->crypto_tag = true;
}

static void on_alert(void *ctx, const struct ward_alert *a)
{
	struct alerts *al = ctx;
	bool major = !strcmp(a->level, "major");
	if (major && !al->major++)
		keep(&al->first_major, a);
	if (!major && !al->minor++)
		keep(&al->first_minor, a);
	if (al->norder < 8)
		al->order[al->norder++] = major ? 2 : 1;
}

/* ---- events ---- */

struct world {
	struct ward_ransomware *r;
	struct alerts al;
	uint64_t now;
};

static void ev_file(struct world *w, uint32_t pid, uint32_t ppid, uint16_t access,
		    const char *path, const char *new_path, uint32_t flags, uint32_t mode)
{
	struct ward_event ev = { 0 };
	ev.time_ns = w->now;
	ev.event_type = XDR_EVENT_FILE;
	ev.access_type = access;
	ev.count = 1;
	ev.process.pid = ev.process.tid = pid;
	ev.process.ppid = ppid;
	ev.process.comm = "proc";
	ev.process.exe = (struct ward_str_ref){ "/usr/bin/enc", 12 };
	ev.process.hash_id = 0x1000 + pid;
	ev.file.path = (struct ward_str_ref){ path, strlen(path) };
	if (new_path)
		ev.file.new_path = (struct ward_str_ref){ new_path, strlen(new_path) };
	ev.file.flags = flags;
	ev.file.mode = mode;
	ward_ransomware_observe(w->r, &ev, on_alert, &w->al);
}

static void ev_api(struct world *w, uint32_t pid, uint32_t ppid, const char *api)
{
	struct ward_event ev = { 0 };
	ev.time_ns = w->now;
	ev.event_type = XDR_EVENT_BM;
	ev.access_type = XDR_BM_INVOKE_API;
	ev.count = 1;
	ev.process.pid = ev.process.tid = pid;
	ev.process.ppid = ppid;
	ev.process.hash_id = 0x1000 + pid;
	ev.act.api_name = api;
	ev.act.api_library = "/usr/lib/x86_64-linux-gnu/libcrypto.so.3";
	ward_ransomware_observe(w->r, &ev, on_alert, &w->al);
}

#define REG 0100644

/* open X, create X.enc, write it, delete X: what file-encrypting ransomware does */
static void encrypt_one(struct world *w, uint32_t reader, uint32_t writer, uint32_t deleter,
			uint32_t ppid, const char *dir, int i)
{
	char x[128], y[128];
	snprintf(x, sizeof(x), "%s/f%d.txt", dir, i);
	snprintf(y, sizeof(y), "%s/f%d.txt.enc", dir, i);
	ev_file(w, reader, ppid, XDR_FILE_OPEN, x, NULL, O_RDONLY, REG);
	ev_file(w, writer, ppid, XDR_FILE_CREATE, y, NULL, O_WRONLY | O_CREAT, REG);
	ev_file(w, writer, ppid, XDR_FILE_MODIFY, y, NULL, O_WRONLY, REG);
	ev_file(w, deleter, ppid, XDR_FILE_DELETE, x, NULL, 0, 0);
	w->now += 10 * MS;
}

static struct ward_ransomware *mk(struct ward_ransomware_opts *o)
{
	struct ward_ransomware *r = ward_ransomware_new(o);
	CHECK(r != NULL);
	return r;
}

UNIT_TEST(encryption_minor_then_major)
{
	struct ward_ransomware_opts o = { .sequence_threshold = 60 };
	struct world w = { .r = mk(&o), .now = T0 };
	if (!w.r)
		return;
	for (int i = 0; i < 300; i++)
		encrypt_one(&w, 500, 500, 500, 1, "/home/u/docs", i);
	CHECK_EQ_INT(w.al.minor, 1);
	CHECK_EQ_INT(w.al.major, 1);
	CHECK_EQ_INT(w.al.norder, 2);
	CHECK_EQ_INT(w.al.order[0], 1);
	CHECK_EQ_INT(w.al.order[1], 2);
	/* minor: the 50th open (f49) */
	CHECK_EQ_STR(w.al.first_minor.level, "minor");
	CHECK_EQ_INT(w.al.first_minor.severity, WARD_SEV_WARNING);
	CHECK_EQ_INT(w.al.first_minor.total, 50);
	CHECK_EQ_INT(w.al.first_minor.nfiles, 8);
	CHECK_EQ_STR(w.al.first_minor.files[7], "/home/u/docs/f49.txt");
	CHECK_EQ_STR(w.al.first_minor.files[6], "/home/u/docs/f48.txt");
	CHECK_EQ_STR(w.al.first_minor.files[5], "/home/u/docs/f48.txt.enc");
	CHECK_EQ_STR(w.al.first_minor.output,
		     "ransomware behaviour (minor): 50 file opens within 30 s by /usr/bin/enc "
		     "(pid 500, tree 500)");
	/* major: the 60th confirmed sequence (delete of f59), naming the originals */
	CHECK_EQ_INT(w.al.first_major.severity, WARD_SEV_CRITICAL);
	CHECK_EQ_INT(w.al.first_major.total, 60);
	CHECK_EQ_INT(w.al.first_major.nfiles, 8);
	CHECK_EQ_STR(w.al.first_major.files[0], "/home/u/docs/f52.txt");
	CHECK_EQ_STR(w.al.first_major.files[7], "/home/u/docs/f59.txt");
	CHECK_EQ_INT(w.al.first_major.pid, 500);
	CHECK_EQ_INT(w.al.first_major.response, WARD_RESPONSE_NONE);
	CHECK(!w.al.first_major.crypto_tag);
	CHECK_EQ_STR(w.al.first_major.output,
		     "ransomware behaviour (major): 60 files read and then replaced or destroyed "
		     "within 30 s by /usr/bin/enc (pid 500, tree 500)");
	struct ward_ransomware_counters c;
	ward_ransomware_counters(w.r, &c);
	CHECK_EQ_INT(c.sequences, 300);
	CHECK_EQ_INT(c.counted, 1200);
	CHECK_EQ_INT(c.alerts_minor, 1);
	CHECK_EQ_INT(c.alerts_major, 1);
	ward_ransomware_free(w.r);
}

UNIT_TEST(default_thresholds_major_first_and_no_minor_after)
{
	struct ward_ransomware_opts o = { 0 };
	struct world w = { .r = mk(&o), .now = T0 };
	if (!w.r)
		return;
	for (int i = 0; i < 300; i++) {
		encrypt_one(&w, 500, 500, 500, 1, "/srv/share", i);
		if (i == 8)
			CHECK_EQ_INT(w.al.major, 0);
		if (i == 9)
			CHECK_EQ_INT(w.al.major, 1);
	}
	CHECK_EQ_INT(w.al.major, 1);
	CHECK_EQ_INT(w.al.minor, 0);
	CHECK_EQ_INT(w.al.first_major.total, 10);
	CHECK_EQ_STR(w.al.first_major.files[7], "/srv/share/f9.txt");
	ward_ransomware_free(w.r);
}

UNIT_TEST(encryption_api_raises_severity)
{
	struct ward_ransomware_opts o = { .sequence_threshold = 60 };
	struct world w = { .r = mk(&o), .now = T0 };
	if (!w.r)
		return;
	ev_api(&w, 500, 1, "EVP_EncryptUpdate");
	for (int i = 0; i < 300; i++)
		encrypt_one(&w, 500, 500, 500, 1, "/home/u/docs", i);
	CHECK_EQ_INT(w.al.minor, 1);
	CHECK_EQ_INT(w.al.major, 1);
	CHECK_EQ_INT(w.al.first_minor.severity, WARD_SEV_ERROR);
	CHECK_EQ_INT(w.al.first_major.severity, WARD_SEV_ALERT);
	CHECK(w.al.first_major.crypto_tag);
	CHECK(strstr(w.al.first_major.output, ", encryption API used") != NULL);
	ward_ransomware_free(w.r);

	/* an API that is not encryption changes nothing */
	w = (struct world){ .r = mk(&o), .now = T0 };
	if (!w.r)
		return;
	ev_api(&w, 500, 1, "EVP_DigestUpdate");
	for (int i = 0; i < 300; i++)
		encrypt_one(&w, 500, 500, 500, 1, "/home/u/docs", i);
	CHECK_EQ_INT(w.al.first_major.severity, WARD_SEV_CRITICAL);
	ward_ransomware_free(w.r);
}

UNIT_TEST(window_expiry_and_realert)
{
	struct ward_ransomware_opts o = { 0 };
	struct world w = { .r = mk(&o), .now = T0 };
	if (!w.r)
		return;
	for (int i = 0; i < 9; i++)
		encrypt_one(&w, 500, 500, 500, 1, "/d", i);
	w.now += 40 * SEC; /* the first nine fall out of the window */
	for (int i = 9; i < 18; i++)
		encrypt_one(&w, 500, 500, 500, 1, "/d", i);
	CHECK_EQ_INT(w.al.major, 0);
	encrypt_one(&w, 500, 500, 500, 1, "/d", 18);
	CHECK_EQ_INT(w.al.major, 1);
	CHECK_EQ_INT(w.al.first_major.total, 10);
	/* once per window: a hundred more within it raise nothing */
	for (int i = 19; i < 119; i++)
		encrypt_one(&w, 500, 500, 500, 1, "/d", i);
	CHECK_EQ_INT(w.al.major, 1);
	/* a read older than the window does not confirm a sequence */
	char x[64];
	snprintf(x, sizeof(x), "/old/f.txt");
	ev_file(&w, 500, 1, XDR_FILE_OPEN, x, NULL, O_RDONLY, REG);
	w.now += 31 * SEC;
	ev_file(&w, 500, 1, XDR_FILE_CREATE, "/old/f.txt.enc", NULL, O_WRONLY | O_CREAT, REG);
	ev_file(&w, 500, 1, XDR_FILE_DELETE, x, NULL, 0, 0);
	struct ward_ransomware_counters c;
	ward_ransomware_counters(w.r, &c);
	CHECK_EQ_INT(c.sequences, 119);
	/* after the window, the same tree can raise major again */
	w.now += 31 * SEC;
	for (int i = 200; i < 210; i++)
		encrypt_one(&w, 500, 500, 500, 1, "/d", i);
	CHECK_EQ_INT(w.al.major, 2);
	ward_ransomware_free(w.r);
}

UNIT_TEST(tree_aggregation_ten_children)
{
	struct procs ps = { .n = 0 };
	add_proc(&ps, 100, 1, "/usr/bin/python3", "python3 enc.py");
	for (uint32_t c = 101; c <= 110; c++)
		add_proc(&ps, c, 100, "/usr/bin/python3", "python3 enc.py --worker");
	struct ward_ransomware_opts o = { .get = get_proc, .get_ctx = &ps };
	struct world w = { .r = mk(&o), .now = T0 };
	if (!w.r)
		return;
	/* each worker encrypts 5 files: no worker alone reaches 10 */
	for (int i = 0; i < 50; i++) {
		uint32_t c = 101 + (uint32_t)(i / 5);
		encrypt_one(&w, c, c, c, 100, "/data", i);
	}
	CHECK_EQ_INT(w.al.major, 1);
	CHECK_EQ_INT(w.al.first_major.total, 10);
	CHECK_EQ_INT(w.al.first_major.pid, 102); /* the event that completed the 10th */
	CHECK(strstr(w.al.first_major.output, "(pid 102, tree 100)") != NULL);
	ward_ransomware_free(w.r);

	/* steps of one file split over three workers: still one sequence per file */
	w = (struct world){ .r = mk(&o), .now = T0 };
	if (!w.r)
		return;
	for (int i = 0; i < 10; i++)
		encrypt_one(&w, 101 + (uint32_t)(i % 10), 101 + (uint32_t)((i + 3) % 10),
			    101 + (uint32_t)((i + 7) % 10), 100, "/data", i);
	CHECK_EQ_INT(w.al.major, 1);
	ward_ransomware_free(w.r);

	/* without the parent lookup the workers are separate trees: no major */
	o.get = NULL;
	w = (struct world){ .r = mk(&o), .now = T0 };
	if (!w.r)
		return;
	for (int i = 0; i < 50; i++) {
		uint32_t c = 101 + (uint32_t)(i / 5);
		encrypt_one(&w, c, c, c, 1, "/data", i);
	}
	CHECK_EQ_INT(w.al.major, 0);
	ward_ransomware_free(w.r);
}

UNIT_TEST(tree_stops_at_login_shell_and_boundary)
{
	struct procs ps = { .n = 0 };
	add_proc(&ps, 50, 1, "/usr/sbin/sshd", "sshd: u [priv]");
	add_proc(&ps, 60, 50, "/usr/bin/bash", "-bash");
	add_proc(&ps, 70, 60, "/usr/bin/enc", "enc /data");
	add_proc(&ps, 80, 50, "/usr/bin/enc", "enc /data");
	struct ward_ransomware_opts o = { .get = get_proc, .get_ctx = &ps };
	struct world w = { .r = mk(&o), .now = T0 };
	if (!w.r)
		return;
	for (int i = 0; i < 10; i++)
		encrypt_one(&w, 70, 70, 70, 60, "/data", i);
	CHECK_EQ_INT(w.al.major, 1);
	CHECK(strstr(w.al.first_major.output, "(pid 70, tree 70)") != NULL);
	for (int i = 0; i < 10; i++)
		encrypt_one(&w, 80, 80, 80, 50, "/data2", i);
	CHECK_EQ_INT(w.al.major, 2); /* sshd is a boundary: 80 is its own tree */
	ward_ransomware_free(w.r);
}

UNIT_TEST(in_place_and_rename_over_are_sequences)
{
	struct ward_ransomware_opts o = { 0 };
	struct world w = { .r = mk(&o), .now = T0 };
	char x[64], tmp[64];
	if (!w.r)
		return;
	/* read-write in place */
	for (int i = 0; i < 10; i++) {
		snprintf(x, sizeof(x), "/a/f%d", i);
		ev_file(&w, 500, 1, XDR_FILE_OPEN, x, NULL, O_RDWR, REG);
		ev_file(&w, 500, 1, XDR_FILE_MODIFY, x, NULL, O_RDWR, REG);
	}
	CHECK_EQ_INT(w.al.major, 1);
	ward_ransomware_free(w.r);

	/* write a temporary, rename it over the original */
	w = (struct world){ .r = mk(&o), .now = T0 };
	if (!w.r)
		return;
	for (int i = 0; i < 10; i++) {
		snprintf(x, sizeof(x), "/a/f%d", i);
		snprintf(tmp, sizeof(tmp), "/a/f%d.tmp", i);
		ev_file(&w, 500, 1, XDR_FILE_OPEN, x, NULL, O_RDONLY, REG);
		ev_file(&w, 500, 1, XDR_FILE_CREATE, tmp, NULL, O_WRONLY | O_CREAT, REG);
		ev_file(&w, 500, 1, XDR_FILE_MODIFY, tmp, NULL, O_WRONLY, REG);
		ev_file(&w, 500, 1, XDR_FILE_MOVE, tmp, x, 0, 0);
	}
	CHECK_EQ_INT(w.al.major, 1);
	CHECK_EQ_STR(w.al.first_major.files[7], "/a/f9");
	/* appends are not rewrites */
	struct ward_ransomware_counters c;
	ward_ransomware_counters(w.r, &c);
	uint64_t before = c.sequences;
	ev_file(&w, 500, 1, XDR_FILE_OPEN, "/a/log", NULL, O_RDWR | O_APPEND, REG);
	ev_file(&w, 500, 1, XDR_FILE_MODIFY, "/a/log", NULL, O_RDWR | O_APPEND, REG);
	ward_ransomware_counters(w.r, &c);
	CHECK_EQ_INT(c.sequences, before);
	ward_ransomware_free(w.r);
}

/* ---- benign look-alikes, as `ward watch --json` showed them ---- */

/* make -> gcc -> cc1, as: cc1 reads a.c and writes /tmp/ccX.s (made by gcc),
 * as reads the .s and creates a.o, gcc deletes the .s. */
static void compile_tree(struct world *w, const char *srcdir, int nfiles)
{
	char c[128], s[128], o[128];
	for (int i = 0; i < nfiles; i++) {
		uint32_t gcc = 1000 + (uint32_t)i * 3, cc1 = gcc + 1, as = gcc + 2;
		snprintf(c, sizeof(c), "%s/a%d.c", srcdir, i);
		snprintf(o, sizeof(o), "%s/a%d.o", srcdir, i);
		snprintf(s, sizeof(s), "/tmp/cco2p%04d.s", i);
		ev_file(w, gcc, 200, XDR_FILE_CREATE, s, NULL, 0302, REG);
		ev_file(w, cc1, gcc, XDR_FILE_OPEN, "/etc/locale.alias", NULL, O_CLOEXEC, REG);
		ev_file(w, cc1, gcc, XDR_FILE_OPEN, c, NULL, O_NOCTTY, REG);
		ev_file(w, cc1, gcc, XDR_FILE_OPEN, s, NULL, O_WRONLY | O_CREAT | O_TRUNC, REG);
		ev_file(w, cc1, gcc, XDR_FILE_MODIFY, s, NULL, O_WRONLY | O_CREAT | O_TRUNC, REG);
		ev_file(w, cc1, gcc, XDR_FILE_CLOSE, s, NULL, O_WRONLY, REG);
		ev_file(w, as, gcc, XDR_FILE_CREATE, o, NULL, O_RDWR | O_CREAT | O_TRUNC, REG);
		ev_file(w, as, gcc, XDR_FILE_OPEN, s, NULL, O_RDONLY, REG);
		ev_file(w, as, gcc, XDR_FILE_MODIFY, o, NULL, O_RDWR, REG);
		ev_file(w, as, gcc, XDR_FILE_CLOSE, o, NULL, O_RDWR, REG);
		ev_file(w, gcc, 200, XDR_FILE_DELETE, s, NULL, 0, 0);
		w->now += 20 * MS;
	}
}

static const struct ward_proc *get_build(void *ctx, uint32_t tgid)
{
	/* make (200) -> gcc (1000+3i) -> cc1, as */
	static __thread struct ward_proc p;
	(void)ctx;
	memset(&p, 0, sizeof(p));
	p.tgid = tgid;
	p.hash_id = 0x1000 + tgid;
	p.exe = tgid == 200 ? "/usr/bin/make" : "/usr/bin/gcc";
	p.cmdline = tgid == 200 ? "make -j2" : "gcc -c";
	if (tgid == 200)
		p.ppid = 1;
	else if (tgid >= 1000)
		p.ppid = (tgid - 1000) % 3 == 0 ? 200 : tgid - (tgid - 1000) % 3;
	else
		return NULL;
	return &p;
}

UNIT_TEST(benign_compiler)
{
	struct ward_ransomware_opts o = { .get = get_build };
	const char *dirs[] = { "/home/u/proj/src", "/tmp" }; /* building in /tmp too */
	for (int d = 0; d < 2; d++) {
		struct world w = { .r = mk(&o), .now = T0 };
		if (!w.r)
			return;
		compile_tree(&w, dirs[d], 300);
		struct ward_ransomware_counters c;
		ward_ransomware_counters(w.r, &c);
		CHECK_EQ_INT(c.sequences, 0);
		CHECK_EQ_INT(w.al.major, 0);
		CHECK_EQ_INT(w.al.minor, 1); /* 600 creations in a window are worth a note */
		ward_ransomware_free(w.r);
	}
}

UNIT_TEST(benign_tar_extract)
{
	struct ward_ransomware_opts o = { 0 };
	char p[128];
	for (int over = 0; over < 2; over++) {
		struct world w = { .r = mk(&o), .now = T0 };
		if (!w.r)
			return;
		ev_file(&w, 300, 1, XDR_FILE_OPEN, "/tmp/rw/a.tar", NULL, O_RDONLY, REG);
		ev_file(&w, 300, 1, XDR_FILE_CREATE, "/tmp/rw/x/src", NULL, 0, 040755);
		for (int i = 0; i < 300; i++) {
			snprintf(p, sizeof(p), "/tmp/rw/x/src/f%d.dat", i);
			if (over) /* extracting over existing files: unlink, then create */
				ev_file(&w, 300, 1, XDR_FILE_DELETE, p, NULL, 0, 0);
			ev_file(&w, 300, 1, XDR_FILE_CREATE, p, NULL, 02004701, REG);
			ev_file(&w, 300, 1, XDR_FILE_MODIFY, p, NULL, 0104001, REG);
			ev_file(&w, 300, 1, XDR_FILE_MODIFY_TIMESTAMP, p, NULL, 0104001, REG);
			ev_file(&w, 300, 1, XDR_FILE_SET_SECURITY, p, NULL, 0104001, REG);
			ev_file(&w, 300, 1, XDR_FILE_CLOSE, p, NULL, 0104001, REG);
			w.now += 2 * MS;
		}
		struct ward_ransomware_counters c;
		ward_ransomware_counters(w.r, &c);
		CHECK_EQ_INT(c.sequences, 0);
		CHECK_EQ_INT(w.al.major, 0);
		CHECK_EQ_INT(w.al.minor, 1);
		ward_ransomware_free(w.r);
	}
}

/* rsync -a src/ dst/ over older copies: the sender (400) reads src/X; the
 * receiver (402, under the generator 401) opens the basis dst/X, writes
 * dst/.X.XXXXXX and renames it over dst/X. */
UNIT_TEST(benign_rsync)
{
	struct procs ps = { .n = 0 };
	add_proc(&ps, 400, 1, "/usr/bin/rsync", "rsync -a src/ dst/");
	add_proc(&ps, 401, 400, "/usr/bin/rsync", "rsync -a src/ dst/");
	add_proc(&ps, 402, 401, "/usr/bin/rsync", "rsync -a src/ dst/");
	struct ward_ransomware_opts o = { .get = get_proc, .get_ctx = &ps };
	struct world w = { .r = mk(&o), .now = T0 };
	char s[128], d[128], t[128];
	if (!w.r)
		return;
	ev_file(&w, 400, 1, XDR_FILE_OPEN, "/tmp/rw/src", NULL, O_DIRECTORY, 040755);
	ev_file(&w, 402, 401, XDR_FILE_OPEN, "/tmp/rw/dst", NULL, O_DIRECTORY, 040755);
	for (int i = 0; i < 300; i++) {
		snprintf(s, sizeof(s), "/tmp/rw/src/f%d.dat", i);
		snprintf(d, sizeof(d), "/tmp/rw/dst/f%d.dat", i);
		snprintf(t, sizeof(t), "/tmp/rw/dst/.f%d.dat.ByGy%02d", i, i % 100);
		ev_file(&w, 400, 1, XDR_FILE_OPEN, s, NULL, O_RDONLY | O_NOATIME, REG);
		ev_file(&w, 402, 401, XDR_FILE_OPEN, d, NULL, O_RDONLY | O_NOFOLLOW, REG);
		ev_file(&w, 402, 401, XDR_FILE_CREATE, t, NULL, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, REG);
		ev_file(&w, 402, 401, XDR_FILE_SET_SECURITY, t, NULL, 0, REG);
		ev_file(&w, 402, 401, XDR_FILE_MODIFY, t, NULL, O_RDWR, REG);
		ev_file(&w, 402, 401, XDR_FILE_CLOSE, t, NULL, O_RDWR, REG);
		ev_file(&w, 402, 401, XDR_FILE_MODIFY_TIMESTAMP, t, NULL, 0, 0);
		ev_file(&w, 402, 401, XDR_FILE_OPEN, t, NULL, O_PATH | O_NOFOLLOW | O_CLOEXEC, REG);
		ev_file(&w, 402, 401, XDR_FILE_MOVE, t, d, 0, 0);
		w.now += 3 * MS;
	}
	struct ward_ransomware_counters c;
	ward_ransomware_counters(w.r, &c);
	CHECK_EQ_INT(c.sequences, 0);
	CHECK_EQ_INT(w.al.major, 0);
	ward_ransomware_free(w.r);

	/* control: without the sender's reads (a pull from a remote host) the
	 * receiver alone is indistinguishable from encrypt-and-replace
	 * (docs/detection.md, limits) */
	w = (struct world){ .r = mk(&o), .now = T0 };
	if (!w.r)
		return;
	for (int i = 0; i < 20; i++) {
		snprintf(d, sizeof(d), "/tmp/rw/dst/f%d.dat", i);
		snprintf(t, sizeof(t), "/tmp/rw/dst/.f%d.dat.ByGy%02d", i, i % 100);
		ev_file(&w, 402, 401, XDR_FILE_OPEN, d, NULL, O_RDONLY | O_NOFOLLOW, REG);
		ev_file(&w, 402, 401, XDR_FILE_CREATE, t, NULL, O_RDWR | O_CREAT | O_EXCL, REG);
		ev_file(&w, 402, 401, XDR_FILE_MOVE, t, d, 0, 0);
	}
	ward_ransomware_counters(w.r, &c);
	CHECK_EQ_INT(c.sequences, 20);
	ward_ransomware_free(w.r);
}

/* logrotate with compress and create: per log, rename log.1.gz -> log.2.gz
 * and log -> log.1, create log, read log.1 into log.1.gz (gzip child),
 * delete log.1; then rewrite its state file through state.tmp. */
UNIT_TEST(benign_logrotate)
{
	struct procs ps = { .n = 0 };
	add_proc(&ps, 600, 1, "/usr/sbin/logrotate", "logrotate /etc/logrotate.conf");
	struct ward_ransomware_opts o = { .get = get_proc, .get_ctx = &ps };
	struct world w = { .r = mk(&o), .now = T0 };
	const char *logs[] = { "syslog", "auth.log", "kern.log", "dpkg.log", "nginx/access.log" };
	char a[128], b[128], c1[128], gz[128], gz2[128];
	if (!w.r)
		return;
	ev_file(&w, 600, 1, XDR_FILE_OPEN, "/etc/logrotate.conf", NULL, O_RDONLY, REG);
	ev_file(&w, 600, 1, XDR_FILE_OPEN, "/var/lib/logrotate/status", NULL, O_RDONLY, REG);
	for (int i = 0; i < 5; i++) {
		uint32_t gzip = 601 + (uint32_t)i;
		add_proc(&ps, gzip, 600, "/usr/bin/gzip", "/bin/gzip");
		snprintf(a, sizeof(a), "/var/log/%s", logs[i]);
		snprintf(c1, sizeof(c1), "/var/log/%s.1", logs[i]);
		snprintf(gz, sizeof(gz), "/var/log/%s.1.gz", logs[i]);
		snprintf(gz2, sizeof(gz2), "/var/log/%s.2.gz", logs[i]);
		snprintf(b, sizeof(b), "%s", a);
		ev_file(&w, 600, 1, XDR_FILE_MOVE, gz, gz2, 0, 0);
		ev_file(&w, 600, 1, XDR_FILE_MOVE, a, c1, 0, 0);
		ev_file(&w, 600, 1, XDR_FILE_CREATE, b, NULL, O_RDWR | O_CREAT | O_EXCL, REG);
		ev_file(&w, 600, 1, XDR_FILE_SET_SECURITY, b, NULL, 0, REG);
		ev_file(&w, 600, 1, XDR_FILE_OPEN, c1, NULL, O_RDONLY | O_NOFOLLOW, REG);
		ev_file(&w, 600, 1, XDR_FILE_CREATE, gz, NULL, O_RDWR | O_CREAT | O_EXCL, REG);
		ev_file(&w, gzip, 600, XDR_FILE_MODIFY, gz, NULL, O_RDWR, REG);
		ev_file(&w, gzip, 600, XDR_FILE_CLOSE, gz, NULL, O_RDWR, REG);
		ev_file(&w, 600, 1, XDR_FILE_MODIFY_TIMESTAMP, gz, NULL, 0, REG);
		ev_file(&w, 600, 1, XDR_FILE_DELETE, c1, NULL, 0, 0);
		w.now += 30 * MS;
	}
	ev_file(&w, 600, 1, XDR_FILE_CREATE, "/var/lib/logrotate/status.tmp", NULL,
		O_RDWR | O_CREAT | O_EXCL, REG);
	ev_file(&w, 600, 1, XDR_FILE_MODIFY, "/var/lib/logrotate/status.tmp", NULL, O_RDWR, REG);
	ev_file(&w, 600, 1, XDR_FILE_MOVE, "/var/lib/logrotate/status.tmp",
		"/var/lib/logrotate/status", 0, 0);
	struct ward_ransomware_counters c;
	ward_ransomware_counters(w.r, &c);
	/* each compressed log and the state file look like one sequence: a
	 * handful, below the threshold of 10 */
	CHECK_EQ_INT(c.sequences, 6);
	CHECK_EQ_INT(w.al.major, 0);
	CHECK_EQ_INT(w.al.minor, 0);
	ward_ransomware_free(w.r);
}

UNIT_TEST(lru_bounded)
{
	struct ward_ransomware_opts o = { .max_procs = 64, .max_files = 64 };
	struct world w = { .r = mk(&o), .now = T0 };
	char p[64];
	if (!w.r)
		return;
	for (uint32_t i = 0; i < 1000; i++)
		ev_file(&w, 10000 + i, 1, XDR_FILE_OPEN, "/etc/hosts", NULL, O_RDONLY, REG);
	struct ward_ransomware_counters c;
	ward_ransomware_counters(w.r, &c);
	CHECK_EQ_INT(c.procs, 64);
	CHECK_EQ_INT(c.procs_evicted, 936);
	/* one process, a thousand files: a file and a name entry each */
	struct ward_ransomware *r2 = mk(&o);
	if (!r2)
		goto out;
	ward_ransomware_free(w.r);
	w.r = r2;
	for (int i = 0; i < 1000; i++) {
		snprintf(p, sizeof(p), "/d/f%d", i);
		ev_file(&w, 7, 1, XDR_FILE_OPEN, p, NULL, O_RDONLY, REG);
	}
	ward_ransomware_counters(w.r, &c);
	CHECK_EQ_INT(c.files, 64);
	CHECK_EQ_INT(c.files_evicted, 2000 - 64);
	/* the survivors are the most recent: f999 read, then created next to, then deleted */
	ev_file(&w, 7, 1, XDR_FILE_CREATE, "/d/f999.enc", NULL, O_WRONLY | O_CREAT, REG);
	ev_file(&w, 7, 1, XDR_FILE_DELETE, "/d/f999", NULL, 0, 0);
	ward_ransomware_counters(w.r, &c);
	CHECK_EQ_INT(c.sequences, 1);
out:
	ward_ransomware_free(w.r);
}

UNIT_TEST(bad_options)
{
	struct ward_ransomware_opts o = { .max_procs = 3 };
	errno = 0;
	CHECK(ward_ransomware_new(&o) == NULL);
	CHECK_EQ_INT(errno, EINVAL);
	CHECK(ward_ransomware_new(NULL) == NULL);
	CHECK_EQ_INT(ward_ransom_type_parse("Delete"), WARD_RANSOM_DELETE);
	CHECK_EQ_INT(ward_ransom_type_parse("chmod"), -EINVAL);
	ward_ransomware_free(NULL);
}

/* The response runs inside the alert path: against a fake procfs, with a
 * recording signal function. */
struct sigrec {
	uint32_t pid[16];
	int sig[16];
	int n;
};

static int rec_signal(void *ctx, uint32_t pid, int sig)
{
	struct sigrec *s = ctx;
	if (s->n < 16) {
		s->pid[s->n] = pid;
		s->sig[s->n++] = sig;
	}
	return 0;
}

static void fake_proc(const char *root, uint32_t pid, uint32_t ppid, const char *exe)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%u", root, pid);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/%u/stat", root, pid);
	FILE *f = fopen(p, "we");
	if (f) {
		fprintf(f, "%u (x) S %u 1 1 0 -1\n", pid, ppid);
		fclose(f);
	}
	snprintf(p, sizeof(p), "%s/%u/exe", root, pid);
	if (symlink(exe, p))
		perror("symlink");
}

UNIT_TEST(major_runs_response_before_emit)
{
	char root[] = "/tmp/ward-ransom-procXXXXXX";
	if (!CHECK(mkdtemp(root) != NULL))
		return;
	fake_proc(root, 1, 0, "/usr/lib/systemd/systemd");
	fake_proc(root, 100, 1, "/usr/bin/python3");
	fake_proc(root, 101, 100, "/usr/bin/python3");
	fake_proc(root, 102, 100, "/usr/bin/python3");
	fake_proc(root, 200, 1, "/usr/bin/other");
	struct procs ps = { .n = 0 };
	add_proc(&ps, 100, 1, "/usr/bin/python3", "python3 enc.py");
	add_proc(&ps, 101, 100, "/usr/bin/python3", "python3 enc.py");
	add_proc(&ps, 102, 100, "/usr/bin/python3", "python3 enc.py");
	struct sigrec rec = { .n = 0 };
	struct ward_ransomware_opts o = {
		.get = get_proc, .get_ctx = &ps,
		.response = { .action = WARD_RESPONSE_KILL, .procfs_root = root,
			      .signal_fn = rec_signal, .signal_ctx = &rec, .self_pid = 99999 },
	};
	struct world w = { .r = mk(&o), .now = T0 };
	if (!w.r)
		goto out;
	for (int i = 0; i < 10; i++)
		encrypt_one(&w, 101, 101, 101, 100, "/data", i);
	CHECK_EQ_INT(w.al.major, 1);
	CHECK_EQ_INT(w.al.first_major.response, WARD_RESPONSE_KILL);
	CHECK_EQ_INT(w.al.first_major.response_pid, 100);
	CHECK_EQ_INT(w.al.first_major.response_count, 3);
	CHECK_EQ_INT(w.al.first_major.response_error, 0);
	/* stop all three (root first), then kill them */
	CHECK_EQ_INT(rec.n, 6);
	CHECK_EQ_INT(rec.pid[0], 100);
	CHECK_EQ_INT(rec.sig[0], SIGSTOP);
	CHECK_EQ_INT(rec.sig[2], SIGSTOP);
	CHECK_EQ_INT(rec.sig[3], SIGKILL);
	CHECK_EQ_INT(rec.sig[5], SIGKILL);
	for (int i = 0; i < rec.n; i++)
		CHECK(rec.pid[i] == 100 || rec.pid[i] == 101 || rec.pid[i] == 102);
	ward_ransomware_free(w.r);
out:;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		fprintf(stderr, "cleanup of %s failed\n", root);
}

UNIT_MAIN()
