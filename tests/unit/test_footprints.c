/*
 * The footprint store end to end: synthetic events in, flush, rows read back
 * from a database in a temporary directory, every field exact.
 */
#include <fcntl.h>
#include <ftw.h>
#include <pwd.h>
#include <grp.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/footprints.h"
#include "store/footprints_query.h"
#include "unit.h"
#include "ward/abi.h"
#include "ward/xdr_types.h"

#define REF(x) ((struct ward_str_ref){ (x), strlen(x) })
#define T0 1795435200000000000ULL /* 2026-11-23T12:00:00Z */
#define SEC 1000000000ULL

/* ---- a scratch directory ---- */

static char dir[64];
static char db[128];

static void scratch(void)
{
	strcpy(dir, "/tmp/ward-fp-test-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(2);
	}
	snprintf(db, sizeof(db), "%s/fp.db", dir);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

static void cleanup(void)
{
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void path_in(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
}

static void write_file(const char *path, const char *content)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, content, strlen(content)) != (ssize_t)strlen(content)) {
		perror(path);
		exit(2);
	}
	close(fd);
}

/* ---- rows read back, with their strings copied ---- */

#define MAX_ROWS 64

struct rows {
	int n;
	struct ward_footprint fp[MAX_ROWS];
};

static const char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int collect(const struct ward_footprint *fp, void *arg)
{
	struct rows *r = arg;
	if (r->n == MAX_ROWS)
		return -ENOSPC;
	struct ward_footprint *c = &r->fp[r->n++];
	*c = *fp;
	c->name = dup_or_null(fp->name);
	c->owner = dup_or_null(fp->owner);
	c->group = dup_or_null(fp->group);
	c->sha256 = dup_or_null(fp->sha256);
	c->sha256_skipped = dup_or_null(fp->sha256_skipped);
	c->cmdline = dup_or_null(fp->cmdline);
	c->remote_ip = dup_or_null(fp->remote_ip);
	return 0;
}

static void rows_free(struct rows *r)
{
	for (int i = 0; i < r->n; i++) {
		struct ward_footprint *c = &r->fp[i];
		free((char *)c->name);
		free((char *)c->owner);
		free((char *)c->group);
		free((char *)c->sha256);
		free((char *)c->sha256_skipped);
		free((char *)c->cmdline);
		free((char *)c->remote_ip);
	}
	r->n = 0;
}

static int query_all(struct rows *r, unsigned int kinds)
{
	struct ward_footprints_query q = { .kinds = kinds };
	rows_free(r);
	return ward_footprints_query(db, &q, collect, r, NULL);
}

static const struct ward_footprint *find(const struct rows *r, enum ward_footprint_kind k,
					 const char *name)
{
	for (int i = 0; i < r->n; i++)
		if (r->fp[i].kind == k && !strcmp(r->fp[i].name, name))
			return &r->fp[i];
	fprintf(stderr, "    no %s row named '%s'\n", ward_footprint_kind_name(k), name);
	return NULL;
}

static bool seen(const struct ward_footprint *fp, unsigned int access)
{
	int bit = ward_access_bit(access);
	return ((bit < 64 ? fp->access_mask : fp->access_mask_hi) >> (bit & 63)) & 1;
}

/* ---- events ---- */

static struct ward_event file_ev(uint16_t access, const char *path, uint64_t t, uint64_t count)
{
	struct ward_event ev = { 0 };
	ev.time_ns = t;
	ev.event_type = XDR_EVENT_FILE;
	ev.access_type = access;
	ev.count = count;
	ev.file.path = REF(path);
	return ev;
}

static struct ward_footprints *store(uint32_t max_pending, bool hash, uint64_t hash_max)
{
	struct ward_footprints_opts o = {
		.db_path = db, .max_pending = max_pending, .hash_executables = hash,
		.hash_max_size = hash_max,
	};
	struct ward_footprints *f = ward_footprints_new(&o);
	if (!f)
		fprintf(stderr, "    ward_footprints_new: %s\n", strerror(errno));
	return f;
}

/* ---- tests ---- */

UNIT_TEST(hash_id_is_fnv1a_of_kind_and_name)
{
	CHECK_EQ_INT(ward_footprint_hash_id(WARD_FP_FILE, "/etc/passwd", 11), 0x7b6558161c6edf78ULL);
	CHECK_EQ_INT(ward_footprint_hash_id(WARD_FP_DNS, "example.com", 11), 0x7f85de6bbc85ea4dULL);
	CHECK(ward_footprint_hash_id(WARD_FP_FILE, "x", 1) !=
	      ward_footprint_hash_id(WARD_FP_EXECUTABLE, "x", 1));
}

UNIT_TEST(file_counts_times_and_attributes)
{
	char path[128];
	struct rows r = { 0 };
	struct ward_footprints *f;
	struct statx sx;
	struct ward_event ev;

	scratch();
	path_in(path, sizeof(path), "data.txt");
	write_file(path, "hello world");
	chmod(path, 0640);
	struct timespec times[2] = { { 1700000000, 0 }, { 1700000000, 500000000 } };
	utimensat(AT_FDCWD, path, times, 0);
	if (!CHECK(statx(AT_FDCWD, path, 0, STATX_BTIME, &sx) == 0))
		goto out;
	if (!CHECK((f = store(0, true, 0)) != NULL))
		goto out;

	ev = file_ev(XDR_FILE_OPEN, path, T0 + 5 * SEC, 1);
	ward_footprints_observe(f, &ev);
	ev = file_ev(XDR_FILE_MODIFY, path, T0 + 9 * SEC, 3); /* 3 folded writes */
	ward_footprints_observe(f, &ev);
	ev = file_ev(XDR_FILE_OPEN, path, T0 + 2 * SEC, 1);  /* arrives late: earlier */
	ward_footprints_observe(f, &ev);
	CHECK_EQ_INT(ward_footprints_flush(f), 0);
	struct ward_footprints_stats s;
	ward_footprints_get_stats(f, &s);
	CHECK_EQ_INT(s.objects_written, 1);
	CHECK_EQ_INT(s.pending, 0);
	CHECK_EQ_INT(s.dropped, 0);
	CHECK_EQ_INT(s.flushes, 1);

	if (!CHECK_EQ_INT(query_all(&r, 0), 0) || !CHECK_EQ_INT(r.n, 1))
		goto out_free;
	const struct ward_footprint *fp = &r.fp[0];
	CHECK_EQ_INT(fp->kind, WARD_FP_FILE);
	CHECK_EQ_STR(fp->name, path);
	CHECK_EQ_INT(fp->hash_id, ward_footprint_hash_id(WARD_FP_FILE, path, strlen(path)));
	CHECK_EQ_INT(fp->count, 5);
	CHECK_EQ_INT(fp->first_seen_ns, T0 + 2 * SEC);
	CHECK_EQ_INT(fp->last_seen_ns, T0 + 9 * SEC);
	CHECK_EQ_INT(fp->access_mask, (1ULL << ward_access_bit(XDR_FILE_OPEN)) |
					      (1ULL << ward_access_bit(XDR_FILE_MODIFY)));
	CHECK(fp->has_stat);
	CHECK_EQ_INT(fp->size, 11);
	CHECK_EQ_INT(fp->mode, S_IFREG | 0640);
	CHECK_EQ_INT(fp->mtime_ns, 1700000000500000000ULL);
	if (sx.stx_mask & STATX_BTIME)
		CHECK_EQ_INT(fp->btime_ns, (uint64_t)sx.stx_btime.tv_sec * SEC + sx.stx_btime.tv_nsec);
	else
		CHECK_EQ_INT(fp->btime_ns, 0);
	CHECK_EQ_INT(fp->uid, getuid());
	CHECK_EQ_INT(fp->gid, getgid());
	struct passwd *pw = getpwuid(getuid());
	struct group *gr = getgrgid(getgid());
	if (pw)
		CHECK_EQ_STR(fp->owner, pw->pw_name);
	if (gr)
		CHECK_EQ_STR(fp->group, gr->gr_name);
	CHECK(fp->sha256 == NULL); /* files are not hashed, executables are */

	/* a second flush adds up and widens the window in the database */
	ev = file_ev(XDR_FILE_CLOSE, path, T0 + 20 * SEC, 1);
	ward_footprints_observe(f, &ev);
	ev = file_ev(XDR_FILE_OPEN, path, T0 + 1 * SEC, 2);
	ward_footprints_observe(f, &ev);
	CHECK_EQ_INT(ward_footprints_flush(f), 0);
	/* the file is gone by the third flush: its last known attributes stay */
	unlink(path);
	ev = file_ev(XDR_FILE_DELETE, path, T0 + 30 * SEC, 1);
	ward_footprints_observe(f, &ev);
	CHECK_EQ_INT(ward_footprints_flush(f), 0);
	if (!CHECK_EQ_INT(query_all(&r, 0), 0) || !CHECK_EQ_INT(r.n, 1))
		goto out_free;
	fp = &r.fp[0];
	CHECK_EQ_INT(fp->count, 9);
	CHECK_EQ_INT(fp->first_seen_ns, T0 + 1 * SEC);
	CHECK_EQ_INT(fp->last_seen_ns, T0 + 30 * SEC);
	CHECK(seen(fp, XDR_FILE_CLOSE) && seen(fp, XDR_FILE_DELETE) && seen(fp, XDR_FILE_OPEN));
	CHECK(fp->has_stat);
	CHECK_EQ_INT(fp->size, 11);
	CHECK_EQ_INT(fp->mtime_ns, 1700000000500000000ULL);
out_free:
	ward_footprints_free(f);
out:
	rows_free(&r);
	cleanup();
}

UNIT_TEST(file_move_records_both_names)
{
	struct rows r = { 0 };
	struct ward_footprints *f;

	scratch();
	if (!CHECK((f = store(0, false, 0)) != NULL))
		goto out;
	struct ward_event ev = file_ev(XDR_FILE_MOVE, "/tmp/nope-a", T0, 1);
	ev.file.new_path = REF("/tmp/nope-b");
	ward_footprints_observe(f, &ev);
	ward_footprints_free(f); /* free flushes */
	if (!CHECK_EQ_INT(query_all(&r, 0), 0) || !CHECK_EQ_INT(r.n, 2))
		goto out;
	for (int i = 0; i < 2; i++) {
		CHECK_EQ_INT(r.fp[i].count, 1);
		CHECK(seen(&r.fp[i], XDR_FILE_MOVE));
		CHECK(!r.fp[i].has_stat); /* never existed */
	}
	CHECK(find(&r, WARD_FP_FILE, "/tmp/nope-a") && find(&r, WARD_FP_FILE, "/tmp/nope-b"));
out:
	rows_free(&r);
	cleanup();
}

UNIT_TEST(process_and_executables)
{
	struct rows r = { 0 };
	struct ward_footprints *f;
	struct ward_event ev = { 0 };

	scratch();
	if (!CHECK((f = store(0, false, 0)) != NULL))
		goto out;
	ev.process = (struct ward_process_info){
		.pid = 100, .ppid = 1, .uid = 1000, .comm = "sh", .exe = REF("/bin/sh"),
		.cmdline = REF("sh -c ls"), .start_time_ns = T0, .hash_id = 0xabc,
	};
	/* the shell opens a file, then execs ls (same process, new image) */
	ev.time_ns = T0 + SEC;
	ev.event_type = XDR_EVENT_FILE;
	ev.access_type = XDR_FILE_OPEN;
	ev.count = 1;
	ev.file.path = REF("/etc/ld.so.cache");
	ward_footprints_observe(f, &ev);
	ev.time_ns = T0 + 2 * SEC;
	ev.event_type = XDR_EVENT_PROCESS;
	ev.access_type = XDR_PROCESS_EXECUTE;
	ev.file.path = (struct ward_str_ref){ 0 };
	ev.target = (struct ward_target_process){
		.pid = 100, .exe = REF("/usr/bin/ls"), .cmdline = REF("ls -l"), .hash_id = 0xabc,
	};
	ward_footprints_observe(f, &ev);
	/* a kernel thread: no executable */
	struct ward_event kt = { .time_ns = T0 + 3 * SEC, .event_type = XDR_EVENT_FILE,
				 .access_type = XDR_FILE_OPEN, .count = 1 };
	kt.process = (struct ward_process_info){ .pid = 9, .ppid = 2, .comm = "kworker/0:1",
						 .hash_id = 0x99 };
	ward_footprints_observe(f, &kt);
	CHECK_EQ_INT(ward_footprints_flush(f), 0);

	if (!CHECK_EQ_INT(query_all(&r, WARD_FP_KIND_BIT(WARD_FP_PROCESS)), 0) ||
	    !CHECK_EQ_INT(r.n, 2))
		goto out_free;
	const struct ward_footprint *p = find(&r, WARD_FP_PROCESS, "/usr/bin/ls");
	if (CHECK(p != NULL)) {
		CHECK_EQ_INT(p->hash_id, 0xabc);
		CHECK_EQ_INT(p->count, 2);
		CHECK_EQ_INT(p->first_seen_ns, T0 + SEC);
		CHECK_EQ_INT(p->last_seen_ns, T0 + 2 * SEC);
		CHECK_EQ_INT(p->pid, 100);
		CHECK_EQ_INT(p->ppid, 1);
		CHECK_EQ_INT(p->proc_uid, 1000);
		CHECK_EQ_STR(p->cmdline, "ls -l");
		CHECK_EQ_INT(p->start_time_ns, T0);
		CHECK_EQ_INT(p->access_mask, (1ULL << ward_access_bit(XDR_FILE_OPEN)) |
						     (1ULL << ward_access_bit(XDR_PROCESS_EXECUTE)));
	}
	p = find(&r, WARD_FP_PROCESS, "[kworker/0:1]");
	if (CHECK(p != NULL)) {
		CHECK_EQ_INT(p->pid, 9);
		CHECK(p->cmdline == NULL);
	}

	if (!CHECK_EQ_INT(query_all(&r, WARD_FP_KIND_BIT(WARD_FP_EXECUTABLE)), 0) ||
	    !CHECK_EQ_INT(r.n, 2))
		goto out_free;
	p = find(&r, WARD_FP_EXECUTABLE, "/bin/sh");
	if (CHECK(p != NULL)) {
		CHECK_EQ_INT(p->count, 2); /* both events were the shell's */
		CHECK_EQ_INT(p->hash_id, ward_footprint_hash_id(WARD_FP_EXECUTABLE, "/bin/sh", 7));
	}
	p = find(&r, WARD_FP_EXECUTABLE, "/usr/bin/ls");
	if (CHECK(p != NULL)) {
		CHECK_EQ_INT(p->count, 1);
		CHECK_EQ_INT(p->access_mask, 1ULL << ward_access_bit(XDR_PROCESS_EXECUTE));
		CHECK(p->sha256 == NULL);
		CHECK_EQ_STR(p->sha256_skipped, "disabled");
	}
out_free:
	ward_footprints_free(f);
out:
	rows_free(&r);
	cleanup();
}

static void exec_of(struct ward_footprints *f, const char *exe, uint64_t t)
{
	struct ward_event ev = { .time_ns = t, .event_type = XDR_EVENT_PROCESS,
				 .access_type = XDR_PROCESS_EXECUTE, .count = 1 };
	ev.target.exe = REF(exe);
	ward_footprints_observe(f, &ev);
}

static const char *sha_of(struct rows *r, const char *exe)
{
	if (query_all(r, WARD_FP_KIND_BIT(WARD_FP_EXECUTABLE)))
		return NULL;
	const struct ward_footprint *fp = find(r, WARD_FP_EXECUTABLE, exe);
	return fp ? fp->sha256 : NULL;
}

UNIT_TEST(executable_sha256_cached_until_the_file_changes)
{
	char exe[128];
	struct rows r = { 0 };
	struct ward_footprints *f;
	struct ward_footprints_stats s;

	scratch();
	path_in(exe, sizeof(exe), "tool");
	write_file(exe, "hello\n");
	if (!CHECK((f = store(0, true, 0)) != NULL))
		goto out;
	exec_of(f, exe, T0);
	CHECK_EQ_INT(ward_footprints_flush(f), 0);
	CHECK_EQ_STR(sha_of(&r, exe),
		     "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
	if (r.n == 1) {
		CHECK_EQ_INT(r.fp[0].size, 6);
		CHECK(r.fp[0].sha256_skipped == NULL);
	}
	ward_footprints_get_stats(f, &s);
	CHECK_EQ_INT(s.hash_computed, 1);
	CHECK_EQ_INT(s.hash_cache_hits, 0);

	/* unchanged: from the cache */
	exec_of(f, exe, T0 + SEC);
	CHECK_EQ_INT(ward_footprints_flush(f), 0);
	ward_footprints_get_stats(f, &s);
	CHECK_EQ_INT(s.hash_computed, 1);
	CHECK_EQ_INT(s.hash_cache_hits, 1);

	/* rewritten (same size, and mtime put back: ctime still moves): hashed again */
	struct stat before;
	stat(exe, &before);
	write_file(exe, "bye!\n\n");
	struct timespec times[2] = { before.st_atim, before.st_mtim };
	utimensat(AT_FDCWD, exe, times, 0);
	exec_of(f, exe, T0 + 2 * SEC);
	CHECK_EQ_INT(ward_footprints_flush(f), 0);
	ward_footprints_get_stats(f, &s);
	CHECK_EQ_INT(s.hash_computed, 2);
	CHECK_EQ_INT(s.hash_cache_hits, 1);
	CHECK_EQ_STR(sha_of(&r, exe),
		     "7f79500891050de96d879db1483617dda4eca821a3c11f1e3377cd9659924e4a");
	ward_footprints_free(f);
out:
	rows_free(&r);
	cleanup();
}

UNIT_TEST(executable_over_hash_max_size_is_not_hashed)
{
	char exe[128];
	struct rows r = { 0 };
	struct ward_footprints *f;
	struct ward_footprints_stats s;

	scratch();
	path_in(exe, sizeof(exe), "big");
	write_file(exe, "hello\n");
	if (!CHECK((f = store(0, true, 5)) != NULL)) /* 6 bytes > 5 */
		goto out;
	exec_of(f, exe, T0);
	CHECK_EQ_INT(ward_footprints_flush(f), 0);
	if (CHECK_EQ_INT(query_all(&r, 0), 0) && CHECK_EQ_INT(r.n, 1)) {
		CHECK(r.fp[0].sha256 == NULL);
		CHECK_EQ_STR(r.fp[0].sha256_skipped, "too_large");
		CHECK_EQ_INT(r.fp[0].size, 6);
	}
	ward_footprints_get_stats(f, &s);
	CHECK_EQ_INT(s.hash_computed, 0);
	CHECK_EQ_INT(s.hash_too_large, 1);
	ward_footprints_free(f);
out:
	rows_free(&r);
	cleanup();
}

static struct ward_event conn_ev(uint16_t event_type, uint16_t access, uint8_t proto,
				 const char *ip, uint16_t port, uint64_t t)
{
	struct ward_event ev = { .time_ns = t, .event_type = event_type, .access_type = access,
				 .count = 1 };
	ev.conn.protocol = proto;
	strcpy(ev.conn.remote_ip, ip);
	ev.conn.remote_port = port;
	strcpy(ev.conn.local_ip, "10.0.0.1");
	ev.conn.local_port = 40000;
	return ev;
}

UNIT_TEST(connections_and_dns)
{
	struct rows r = { 0 };
	struct ward_footprints *f;
	struct ward_event ev;

	scratch();
	if (!CHECK((f = store(0, false, 0)) != NULL))
		goto out;
	ev = conn_ev(XDR_EVENT_CONNECTION, XDR_CONNECTION_CONNECT_OUTBOUND, XDR_CONNECTION_TCP,
		     "93.184.216.34", 443, T0);
	ward_footprints_observe(f, &ev);
	ev.time_ns = T0 + SEC;
	ward_footprints_observe(f, &ev);
	ev = conn_ev(XDR_EVENT_INTERNET, XDR_INTERNET_CONNECT, XDR_CONNECTION_TCP,
		     "93.184.216.34", 443, T0 + 2 * SEC);
	ward_footprints_observe(f, &ev);
	/* two clients' connections from one address: one object, port 0 */
	ev = conn_ev(XDR_EVENT_CONNECTION, XDR_CONNECTION_CONNECT_INBOUND, XDR_CONNECTION_TCP,
		     "10.0.0.5", 51000, T0);
	ward_footprints_observe(f, &ev);
	ev.conn.remote_port = 51001;
	ward_footprints_observe(f, &ev);
	/* listen has no remote end */
	ev = conn_ev(XDR_EVENT_CONNECTION, XDR_CONNECTION_LISTEN, XDR_CONNECTION_TCP, "0.0.0.0",
		     0, T0);
	ward_footprints_observe(f, &ev);
	/* DNS: the server and the name, case folded; a malformed query has no name */
	ev = conn_ev(XDR_EVENT_DNS, XDR_DNS_QUERY, XDR_CONNECTION_UDP, "2001:db8::1", 53, T0);
	ev.dns.query = "Example.COM";
	ward_footprints_observe(f, &ev);
	ev.dns.query = "example.com";
	ev.time_ns = T0 + 4 * SEC;
	ward_footprints_observe(f, &ev);
	ev.dns.query = NULL;
	ev.dns.malformed = true;
	ward_footprints_observe(f, &ev);
	CHECK_EQ_INT(ward_footprints_flush(f), 0);

	if (!CHECK_EQ_INT(query_all(&r, 0), 0) || !CHECK_EQ_INT(r.n, 4))
		goto out_free;
	const struct ward_footprint *c = find(&r, WARD_FP_CONNECTION, "TCP 93.184.216.34:443");
	if (CHECK(c != NULL)) {
		CHECK_EQ_INT(c->hash_id, 0xac82e9d33fd7447aULL);
		CHECK_EQ_INT(c->count, 3);
		CHECK_EQ_INT(c->protocol, XDR_CONNECTION_TCP);
		CHECK_EQ_STR(c->remote_ip, "93.184.216.34");
		CHECK_EQ_INT(c->remote_port, 443);
		CHECK(c->outbound && !c->inbound);
		CHECK_EQ_INT(c->access_mask_hi, 1ULL << (ward_access_bit(XDR_INTERNET_CONNECT) - 64));
		CHECK_EQ_INT(c->first_seen_ns, T0);
		CHECK_EQ_INT(c->last_seen_ns, T0 + 2 * SEC);
	}
	c = find(&r, WARD_FP_CONNECTION, "TCP 10.0.0.5:*");
	if (CHECK(c != NULL)) {
		CHECK_EQ_INT(c->count, 2);
		CHECK_EQ_INT(c->remote_port, 0);
		CHECK(c->inbound && !c->outbound);
	}
	c = find(&r, WARD_FP_CONNECTION, "UDP [2001:db8::1]:53");
	if (CHECK(c != NULL)) {
		CHECK_EQ_INT(c->count, 3);
		CHECK_EQ_STR(c->remote_ip, "2001:db8::1");
		CHECK(c->outbound);
	}
	c = find(&r, WARD_FP_DNS, "example.com");
	if (CHECK(c != NULL)) {
		CHECK_EQ_INT(c->hash_id, 0x7f85de6bbc85ea4dULL);
		CHECK_EQ_INT(c->count, 2);
		CHECK_EQ_INT(c->first_seen_ns, T0);
		CHECK_EQ_INT(c->last_seen_ns, T0 + 4 * SEC);
		CHECK_EQ_INT(c->access_mask, 1ULL << ward_access_bit(XDR_DNS_QUERY));
	}
out_free:
	ward_footprints_free(f);
out:
	rows_free(&r);
	cleanup();
}

UNIT_TEST(max_pending_overflow_counted_exactly)
{
	struct rows r = { 0 };
	struct ward_footprints *f;
	struct ward_footprints_stats s;
	char path[32];
	struct ward_event ev;

	scratch();
	if (!CHECK((f = store(3, false, 0)) != NULL))
		goto out;
	for (int i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "/nonexistent/%d", i);
		ev = file_ev(XDR_FILE_OPEN, path, T0 + i, i == 4 ? 7 : 1);
		ward_footprints_observe(f, &ev);
	}
	/* an object already pending is still counted when the table is full */
	ev = file_ev(XDR_FILE_OPEN, "/nonexistent/0", T0 + 9, 1);
	ward_footprints_observe(f, &ev);
	ward_footprints_get_stats(f, &s);
	CHECK_EQ_INT(s.pending, 3);
	CHECK_EQ_INT(s.dropped, 1 + 7); /* /nonexistent/3 once, /nonexistent/4 with count 7 */
	CHECK_EQ_INT(ward_footprints_flush(f), 0);
	ward_footprints_get_stats(f, &s);
	CHECK_EQ_INT(s.pending, 0);
	CHECK_EQ_INT(s.objects_written, 3);
	/* room again after the flush */
	ev = file_ev(XDR_FILE_OPEN, "/nonexistent/4", T0 + 10, 1);
	ward_footprints_observe(f, &ev);
	CHECK_EQ_INT(ward_footprints_flush(f), 0);
	ward_footprints_get_stats(f, &s);
	CHECK_EQ_INT(s.dropped, 8);
	CHECK_EQ_INT(s.objects_written, 4);
	if (CHECK_EQ_INT(query_all(&r, 0), 0) && CHECK_EQ_INT(r.n, 4)) {
		const struct ward_footprint *fp = find(&r, WARD_FP_FILE, "/nonexistent/0");
		if (CHECK(fp != NULL))
			CHECK_EQ_INT(fp->count, 2);
		CHECK(find(&r, WARD_FP_FILE, "/nonexistent/4") != NULL);
	}
	ward_footprints_free(f);
out:
	rows_free(&r);
	cleanup();
}

UNIT_TEST(reopen_existing_database_adds_up)
{
	struct rows r = { 0 };
	struct ward_footprints *f;
	struct ward_event ev = file_ev(XDR_FILE_OPEN, "/nonexistent/a", T0, 1);

	scratch();
	for (int round = 0; round < 3; round++) {
		if (!CHECK((f = store(0, false, 0)) != NULL))
			goto out;
		ev.time_ns = T0 + (uint64_t)round * SEC;
		ward_footprints_observe(f, &ev);
		ward_footprints_free(f);
	}
	if (CHECK_EQ_INT(query_all(&r, 0), 0) && CHECK_EQ_INT(r.n, 1)) {
		CHECK_EQ_INT(r.fp[0].count, 3);
		CHECK_EQ_INT(r.fp[0].first_seen_ns, T0);
		CHECK_EQ_INT(r.fp[0].last_seen_ns, T0 + 2 * SEC);
	}
out:
	rows_free(&r);
	cleanup();
}

static void make_db(const char *sql)
{
	sqlite3 *h;
	if (sqlite3_open(db, &h) != SQLITE_OK || sqlite3_exec(h, sql, NULL, NULL, NULL)) {
		fprintf(stderr, "make_db: %s\n", sqlite3_errmsg(h));
		exit(2);
	}
	sqlite3_close(h);
}

UNIT_TEST(newer_schema_and_foreign_databases_refused)
{
	struct rows r = { 0 };
	struct ward_footprints_query q = { 0 };
	int version = 0;

	scratch();
	make_db("CREATE TABLE footprints (x); PRAGMA user_version = 2;");
	errno = 0;
	CHECK(store(0, false, 0) == NULL);
	CHECK_EQ_INT(errno, EPROTONOSUPPORT);
	CHECK_EQ_INT(ward_footprints_query(db, &q, collect, &r, &version), -EPROTONOSUPPORT);
	CHECK_EQ_INT(version, 2);
	cleanup();

	scratch();
	make_db("CREATE TABLE other (x);");
	errno = 0;
	CHECK(store(0, false, 0) == NULL);
	CHECK_EQ_INT(errno, EBADMSG);
	CHECK_EQ_INT(ward_footprints_query(db, &q, collect, &r, NULL), -EBADMSG);
	cleanup();

	scratch();
	write_file(db, "this is not a database, it is text long enough to be a header..");
	errno = 0;
	CHECK(store(0, false, 0) == NULL);
	CHECK_EQ_INT(errno, EBADMSG);
	CHECK_EQ_INT(ward_footprints_query(db, &q, collect, &r, NULL), -EBADMSG);
	cleanup();

	scratch();
	CHECK_EQ_INT(ward_footprints_query(db, &q, collect, &r, NULL), -ENOENT);
	cleanup();
}

UNIT_TEST(schema_version_and_wal_mode)
{
	struct ward_footprints *f;
	sqlite3 *h = NULL;
	sqlite3_stmt *st;

	scratch();
	if (!CHECK((f = store(0, false, 0)) != NULL))
		goto out;
	if (!CHECK(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK))
		goto out_free;
	sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL);
	CHECK_EQ_INT(sqlite3_step(st), SQLITE_ROW);
	CHECK_EQ_INT(sqlite3_column_int(st, 0), 1);
	sqlite3_finalize(st);
	sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &st, NULL);
	CHECK_EQ_INT(sqlite3_step(st), SQLITE_ROW);
	CHECK_EQ_STR((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	sqlite3_prepare_v2(h, "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master"
			      " WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name)",
			   -1, &st, NULL);
	CHECK_EQ_INT(sqlite3_step(st), SQLITE_ROW);
	CHECK_EQ_STR((const char *)sqlite3_column_text(st, 0),
		     "footprints_kind_name,footprints_last_seen");
	sqlite3_finalize(st);
out_free:
	sqlite3_close(h);
	ward_footprints_free(f);
out:
	cleanup();
}

UNIT_TEST(background_thread_flushes)
{
	struct ward_footprints_opts o = { .flush_interval_ms = 10 };
	struct ward_footprints *f;
	struct ward_footprints_stats s = { 0 };
	struct ward_event ev = file_ev(XDR_FILE_OPEN, "/nonexistent/t", T0, 1);

	scratch();
	o.db_path = db;
	if (!CHECK((f = ward_footprints_new(&o)) != NULL))
		goto out;
	ward_footprints_observe(f, &ev);
	/* wait for the thread, with a deadline: 5 s is 500 intervals */
	for (int i = 0; i < 5000; i++) {
		ward_footprints_get_stats(f, &s);
		if (s.objects_written)
			break;
		usleep(1000);
	}
	CHECK_EQ_INT(s.objects_written, 1);
	CHECK_EQ_INT(s.pending, 0);
	CHECK(s.flushes >= 1);
	CHECK(s.max_flush_ns >= s.last_flush_ns);
	ward_footprints_free(f);
out:
	cleanup();
}

UNIT_TEST(bad_options)
{
	struct ward_footprints_opts o = { 0 };
	errno = 0;
	CHECK(ward_footprints_new(&o) == NULL);
	CHECK_EQ_INT(errno, EINVAL);
	o.db_path = "/nonexistent/x.db";
	o.max_pending = WARD_FP_MAX_PENDING_LIMIT + 1;
	errno = 0;
	CHECK(ward_footprints_new(&o) == NULL);
	CHECK_EQ_INT(errno, EINVAL);
	o.max_pending = 0;
	errno = 0;
	CHECK(ward_footprints_new(&o) == NULL); /* the directory does not exist */
	CHECK(errno != 0);
}

UNIT_MAIN()
