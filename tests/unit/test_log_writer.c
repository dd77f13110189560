/*
 * The event log writer and reader on a real directory: round trip, rotation, retention, crash
 * recovery at every byte of a torn block, corruption in the middle, loss markers, full disk.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/log_dir.h"
#include "store/log_reader.h"
#include "store/log_writer.h"
#include "unit.h"

#define MAXREC 40000

/* ---------------------------------------------------------------- fixtures */

struct env {
	char dir[64];
	uint64_t now;		/* the injected clock */
	int fail_errno;		/* pwrite fails with this while set */
	size_t fail_partial;	/* ... after writing this many bytes of the buffer */
	uint64_t pwrites;
};

static uint64_t env_clock(void *ctx)
{
	return ((struct env *)ctx)->now;
}

static ssize_t env_pwrite(int fd, const void *buf, size_t n, off_t off, void *ctx)
{
	struct env *e = ctx;

	e->pwrites++;
	if (e->fail_errno) {
		if (e->fail_partial && e->fail_partial < n) {
			ssize_t k = pwrite(fd, buf, e->fail_partial, off);
			e->fail_partial = 0;
			return k;
		}
		errno = e->fail_errno;
		return -1;
	}
	return pwrite(fd, buf, n, off);
}

static ssize_t enc_loss(uint64_t count, uint64_t first, uint64_t last, int reason, uint8_t *out,
			size_t cap, void *ctx)
{
	(void)ctx;
	return snprintf((char *)out, cap, "LOSS count=%" PRIu64 " first=%" PRIu64 " last=%" PRIu64
			" reason=%d", count, first, last, reason);
}

static const uint64_t T0 = 1795435200ull * 1000000000ull;	/* 2026-11-23T12:00:00Z */

static void env_init(struct env *e, struct ward_log_opts *o)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->dir, sizeof(e->dir), "/tmp/ward-unit-log-XXXXXX");
	if (!mkdtemp(e->dir))
		abort();
	e->now = T0;
	ward_log_opts_init(o);
	o->dir = e->dir;
	o->block_bytes = 4096;
	o->fsync = WARD_LOG_FSYNC_NONE;	/* tmpfs or not, the tests do not crash the machine */
	o->encode_loss = enc_loss;
	o->clock = env_clock;
	o->clock_ctx = e;
	o->pwrite = env_pwrite;
	o->pwrite_ctx = e;
	static const uint8_t boot[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	o->boot_id = boot;
}

static void env_cleanup(struct env *e)
{
	DIR *d = opendir(e->dir);
	struct dirent *de;

	if (d) {
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	rmdir(e->dir);
}

/* Record i: its counter, then filler whose length and bytes follow from i. */
static size_t make_rec(uint32_t i, char *out, size_t cap)
{
	int n = snprintf(out, cap, "rec-%06u-", i);
	size_t len = (size_t)n + i % 53;

	for (size_t k = (size_t)n; k < len && k < cap; k++)
		out[k] = (char)('a' + (i * 31 + k) % 26);
	return len;
}

/* Incompressible filler, so segment sizes are predictable. */
static size_t make_noise(uint32_t i, uint8_t *out, size_t len)
{
	uint32_t x = i * 2654435761u + 1;
	int n = snprintf((char *)out, len, "rec-%06u-", i);

	for (size_t k = (size_t)n; k < len; k++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		out[k] = (uint8_t)x;
	}
	return len;
}

static int append_n(struct ward_log *log, uint32_t from, uint32_t to)
{
	char rec[128];
	int err = 0;

	for (uint32_t i = from; i < to; i++) {
		int e = ward_log_append(log, rec, make_rec(i, rec, sizeof(rec)), 1000 + i);
		if (e && !err)
			err = e;
	}
	return err;
}

struct got {
	size_t n;
	char *rec[MAXREC];
	size_t len[MAXREC];
	uint64_t problems;
	struct ward_log_problem first_problem;
	char first_path[256];
	uint64_t problem_offsets[16];
};

static int got_rec(const uint8_t *rec, size_t len, uint64_t f, uint64_t l, void *ctx)
{
	struct got *g = ctx;

	(void)f;
	(void)l;
	if (g->n == MAXREC)
		return -E2BIG;
	g->rec[g->n] = malloc(len + 1);
	memcpy(g->rec[g->n], rec, len);
	g->rec[g->n][len] = 0;
	g->len[g->n++] = len;
	return 0;
}

static void got_problem(const struct ward_log_problem *p, void *ctx)
{
	struct got *g = ctx;

	if (!g->problems) {
		g->first_problem = *p;
		snprintf(g->first_path, sizeof(g->first_path), "%s", p->path);
	}
	if (g->problems < 16)
		g->problem_offsets[g->problems] = p->offset;
	g->problems++;
}

static void got_free(struct got *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->rec[i]);
	free(g);
}

/* Reads a whole directory (or one file) into a fresh struct got. */
static struct got *read_all(const char *path, struct ward_log_file_stats *total)
{
	struct got *g = calloc(1, sizeof(*g));
	struct ward_log_reader *r = ward_log_reader_new();
	struct ward_log_read_opts o = { .on_record = got_rec, .on_problem = got_problem, .ctx = g };
	char *arg = (char *)path, **paths;
	size_t n;
	const char *bad;

	if (total)
		memset(total, 0, sizeof(*total));
	if (ward_log_paths_expand(&arg, 1, &paths, &n, &bad))
		abort();
	for (size_t i = 0; i < n; i++) {
		struct ward_log_file_stats st;
		if (ward_log_read_file(r, paths[i], &o, &st))
			abort();
		if (total) {
			total->blocks += st.blocks;
			total->records += st.records;
			total->file_bytes += st.file_bytes;
		}
	}
	ward_log_paths_free(paths, n);
	ward_log_reader_free(r);
	return g;
}

/* Checks that g holds exactly records from..to-1 (as make_rec builds them) from index at. */
static bool expect_range(const struct got *g, size_t at, uint32_t from, uint32_t to)
{
	char rec[128];

	if (g->n < at + (to - from)) {
		CHECK_EQ_INT(g->n, at + (to - from));
		return false;
	}
	for (uint32_t i = from; i < to; i++) {
		size_t len = make_rec(i, rec, sizeof(rec));
		if (!CHECK_EQ_MEM(g->rec[at + i - from], g->len[at + i - from], rec, len))
			return false;
	}
	return true;
}

static size_t count_segments(const char *dir, struct ward_log_seg_name **names)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct ward_log_seg_name *v;
	size_t n = 0;

	if (fd < 0 || ward_log_dir_list(fd, &v, &n))
		abort();
	close(fd);
	if (names)
		*names = v;
	else
		free(v);
	return n;
}

static uint64_t file_size(const char *dir, const char *name)
{
	char p[256];
	struct stat sb;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return stat(p, &sb) ? UINT64_MAX : (uint64_t)sb.st_size;
}

static void copy_file(const char *from, const char *to, uint64_t len)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	ssize_t n;

	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (in < 0 || out < 0)
		abort();
	while (len && (n = read(in, buf, len < sizeof(buf) ? len : sizeof(buf))) > 0) {
		if (write(out, buf, (size_t)n) != n)
			abort();
		len -= (uint64_t)n;
	}
	close(in);
	close(out);
}

/* ---------------------------------------------------------------- tests */

UNIT_TEST(round_trip_and_reopen)
{
	struct env e;
	struct ward_log_opts o;
	struct ward_log_recovery rec;
	struct ward_log_stats st;
	struct ward_log_file_stats fs;
	struct got *g = NULL;

	env_init(&e, &o);
	struct ward_log *log = ward_log_open(&o, &rec);
	if (!CHECK(log != NULL))
		goto out;
	CHECK_EQ_STR(rec.segment, "");
	CHECK_EQ_INT(append_n(log, 0, 5000), 0);
	CHECK_EQ_INT(ward_log_flush(log), 0);
	ward_log_get_stats(log, &st);
	CHECK_EQ_INT(st.records_written, 5000);
	CHECK_EQ_INT(st.records_dropped, 0);
	CHECK_EQ_INT(st.segments_created, 1);
	CHECK_EQ_STR(ward_log_current_segment(log), "ward-20261123T120000Z-00000001.wlog");
	uint64_t blocks = st.blocks, bytes = st.bytes_written;
	CHECK(blocks > 10);	/* 4 KiB blocks */
	CHECK_EQ_INT(ward_log_close(log), 0);

	/* reopen: nothing to cut, writing continues in the same segment */
	log = ward_log_open(&o, &rec);
	if (!CHECK(log != NULL))
		goto out;
	CHECK_EQ_STR(rec.segment, "ward-20261123T120000Z-00000001.wlog");
	CHECK_EQ_INT(rec.bytes_cut, 0);
	CHECK_EQ_INT(rec.blocks_kept, blocks);
	CHECK_EQ_INT(rec.records_kept, 5000);
	CHECK(rec.appending);
	CHECK_EQ_INT(append_n(log, 5000, 6000), 0);
	CHECK_EQ_INT(ward_log_close(log), 0);

	g = read_all(e.dir, &fs);
	CHECK_EQ_INT(g->problems, 0);
	CHECK_EQ_INT(g->n, 6000);
	expect_range(g, 0, 0, 6000);
	CHECK_EQ_INT(fs.records, 6000);
	CHECK_EQ_INT(count_segments(e.dir, NULL), 1);
	CHECK(fs.file_bytes > bytes);
out:
	if (g)
		got_free(g);
	env_cleanup(&e);
}

UNIT_TEST(second_writer_is_refused)
{
	struct env e;
	struct ward_log_opts o;

	env_init(&e, &o);
	struct ward_log *a = ward_log_open(&o, NULL);
	CHECK(a != NULL);
	struct ward_log *b = ward_log_open(&o, NULL);
	CHECK(b == NULL);
	CHECK_EQ_INT(errno, EWOULDBLOCK);
	ward_log_close(a);
	ward_log_close(b);
	env_cleanup(&e);
}

UNIT_TEST(options_are_bounded)
{
	struct ward_log_opts o;
	const char *why = NULL;

	ward_log_opts_init(&o);
	CHECK_EQ_INT(ward_log_opts_check(&o, &why), 0);
	CHECK_EQ_INT(o.segment_bytes, 64ull << 20);
	CHECK_EQ_INT(o.block_bytes, 256u << 10);
	CHECK_EQ_INT(o.zstd_level, 3);
	CHECK_EQ_INT(o.fsync, WARD_LOG_FSYNC_BLOCK);
	o.block_bytes = 32u << 20;
	CHECK_EQ_INT(ward_log_opts_check(&o, &why), -EINVAL);
	CHECK_EQ_STR(why, "block size: 1 KiB to 16 MiB");
	ward_log_opts_init(&o);
	o.zstd_level = 22;
	CHECK_EQ_INT(ward_log_opts_check(&o, &why), -EINVAL);
	ward_log_opts_init(&o);
	o.segment_bytes = 100;
	CHECK(ward_log_open(&o, NULL) == NULL);
	CHECK_EQ_INT(errno, EINVAL);
}

UNIT_TEST(oversized_record_is_rejected)
{
	struct env e;
	struct ward_log_opts o;
	struct ward_log_stats st;
	static uint8_t big[WARD_LOG_RECORD_MAX + 1];

	env_init(&e, &o);
	struct ward_log *log = ward_log_open(&o, NULL);
	CHECK_EQ_INT(ward_log_append(log, big, sizeof(big), 1), -EMSGSIZE);
	/* exactly the limit fits, alone in its block */
	CHECK_EQ_INT(ward_log_append(log, big, WARD_LOG_RECORD_MAX, 1), 0);
	ward_log_get_stats(log, &st);
	CHECK_EQ_INT(st.records_rejected, 1);
	CHECK_EQ_INT(st.records_written, 1);
	ward_log_close(log);
	struct got *g = read_all(e.dir, NULL);
	CHECK_EQ_INT(g->n, 1);
	CHECK_EQ_INT(g->len[0], WARD_LOG_RECORD_MAX);
	got_free(g);
	env_cleanup(&e);
}

UNIT_TEST(rotation_by_size)
{
	struct env e;
	struct ward_log_opts o;
	struct ward_log_seg_name *names = NULL;
	uint8_t rec[300];

	env_init(&e, &o);
	o.segment_bytes = 16 << 10;
	o.block_bytes = 2048;
	struct ward_log *log = ward_log_open(&o, NULL);
	for (uint32_t i = 0; i < 1000; i++)
		CHECK_EQ_INT(ward_log_append(log, rec, make_noise(i, rec, sizeof(rec)), 1000 + i), 0);
	CHECK_EQ_INT(ward_log_close(log), 0);
	/* 300 KB of noise in 16 KiB segments */
	size_t n = count_segments(e.dir, &names);
	CHECK(n >= 18 && n <= 21);
	int oversize = 0, gaps = 0;
	for (size_t i = 0; i < n; i++) {
		if (file_size(e.dir, names[i].name) > 16 << 10)
			oversize++;
		if (names[i].seq != i + 1)
			gaps++;
	}
	CHECK_EQ_INT(oversize, 0);
	CHECK_EQ_INT(gaps, 0);
	struct got *g = read_all(e.dir, NULL);
	CHECK_EQ_INT(g->problems, 0);
	CHECK_EQ_INT(g->n, 1000);
	int wrong = 0;
	for (uint32_t i = 0; i < g->n; i++) {
		make_noise(i, rec, sizeof(rec));
		if (g->len[i] != sizeof(rec) || memcmp(g->rec[i], rec, sizeof(rec)))
			wrong++;
	}
	CHECK_EQ_INT(wrong, 0);
	got_free(g);
	free(names);
	env_cleanup(&e);
}

UNIT_TEST(rotation_by_age)
{
	struct env e;
	struct ward_log_opts o;
	struct ward_log_seg_name *names = NULL;

	env_init(&e, &o);
	o.segment_age_ns = 3600ull * 1000000000ull;
	struct ward_log *log = ward_log_open(&o, NULL);
	append_n(log, 0, 10);
	ward_log_flush(log);
	e.now += 3599ull * 1000000000ull;	/* not yet */
	append_n(log, 10, 20);
	ward_log_flush(log);
	CHECK_EQ_INT(count_segments(e.dir, NULL), 1);
	e.now += 1000000000ull;		/* an hour after the segment began */
	append_n(log, 20, 30);
	ward_log_flush(log);
	CHECK_EQ_STR(ward_log_current_segment(log), "ward-20261123T130000Z-00000002.wlog");
	/* an idle segment is finished by flush once it is old; nothing new is created */
	e.now += 3600ull * 1000000000ull;
	ward_log_flush(log);
	CHECK_EQ_STR(ward_log_current_segment(log), "");
	CHECK_EQ_INT(count_segments(e.dir, &names), 2);
	CHECK_EQ_STR(names[0].name, "ward-20261123T120000Z-00000001.wlog");
	CHECK_EQ_STR(names[1].name, "ward-20261123T130000Z-00000002.wlog");
	append_n(log, 30, 40);
	ward_log_close(log);
	free(names);
	CHECK_EQ_INT(count_segments(e.dir, &names), 3);
	CHECK_EQ_STR(names[2].name, "ward-20261123T140000Z-00000003.wlog");
	struct got *g = read_all(e.dir, NULL);
	CHECK_EQ_INT(g->n, 40);
	expect_range(g, 0, 0, 40);
	got_free(g);
	free(names);
	env_cleanup(&e);
}

UNIT_TEST(retention_by_bytes_keeps_the_newest)
{
	struct env e;
	struct ward_log_opts o;
	struct ward_log_stats st;
	struct ward_log_seg_name *names = NULL;
	uint8_t rec[300];

	env_init(&e, &o);
	o.segment_bytes = 16 << 10;
	o.retain_bytes = 64 << 10;
	o.block_bytes = 2048;
	struct ward_log *log = ward_log_open(&o, NULL);
	for (uint32_t i = 0; i < 2000; i++)
		ward_log_append(log, rec, make_noise(i, rec, sizeof(rec)), 1000 + i);
	ward_log_flush(log);
	ward_log_get_stats(log, &st);
	size_t n = count_segments(e.dir, &names);
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += file_size(e.dir, names[i].name);
	CHECK(total <= 64 << 10);
	CHECK(total > 48 << 10);
	CHECK_EQ_INT(st.segments_deleted + n, st.segments_created);
	CHECK(st.segments_deleted >= 30);
	/* the newest is the one being written, and what is left is the newest records in order */
	CHECK_EQ_STR(names[n - 1].name, ward_log_current_segment(log));
	ward_log_close(log);
	struct got *g = read_all(e.dir, NULL);
	CHECK_EQ_INT(g->problems, 0);
	uint32_t first = (uint32_t)strtoul(g->rec[0] + 4, NULL, 10);
	CHECK_EQ_INT(first + g->n, 2000);
	int wrong = 0;
	for (uint32_t i = 0; i < g->n; i++) {
		make_noise(first + i, rec, sizeof(rec));
		if (memcmp(g->rec[i], rec, sizeof(rec)))
			wrong++;
	}
	CHECK_EQ_INT(wrong, 0);
	got_free(g);
	free(names);
	env_cleanup(&e);
}

UNIT_TEST(retention_by_age)
{
	struct env e;
	struct ward_log_opts o;
	struct ward_log_stats st;
	struct ward_log_seg_name *names = NULL;
	const uint64_t H = 3600ull * 1000000000ull;

	env_init(&e, &o);
	o.retain_age_ns = 24 * H;
	struct ward_log *log = ward_log_open(&o, NULL);
	/* four segments, an hour each: 12:00, 13:00, 14:00, 15:00 */
	for (uint32_t s = 0; s < 4; s++) {
		append_n(log, s * 10, s * 10 + 10);
		ward_log_flush(log);
		e.now += H;
	}
	ward_log_flush(log);
	CHECK_EQ_INT(count_segments(e.dir, NULL), 4);
	/* the first segment ended at 13:00; a day later it goes, the second not yet */
	e.now = T0 + 25 * H;
	ward_log_flush(log);
	ward_log_get_stats(log, &st);
	CHECK_EQ_INT(st.segments_deleted, 1);
	CHECK_EQ_INT(count_segments(e.dir, &names), 3);
	CHECK_EQ_STR(names[0].name, "ward-20261123T130000Z-00000002.wlog");
	free(names);
	/* much later every old segment goes, but never the newest */
	e.now = T0 + 100 * H;
	ward_log_flush(log);
	CHECK_EQ_INT(count_segments(e.dir, &names), 1);
	CHECK_EQ_STR(names[0].name, "ward-20261123T150000Z-00000004.wlog");
	ward_log_close(log);
	/* retention also runs at open */
	free(names);
	struct got *g = read_all(e.dir, NULL);
	CHECK_EQ_INT(g->n, 10);
	expect_range(g, 0, 30, 40);
	got_free(g);
	env_cleanup(&e);
}

/*
 * A crash can leave the last block cut anywhere. Cut it at every byte: recovery must cut back to
 * the end of the block before, say so, and leave exactly the records of the good blocks.
 */
UNIT_TEST(torn_tail_at_every_byte)
{
	struct env e, w;
	struct ward_log_opts o, wo;
	struct ward_log_seg_name *names = NULL;
	char src[256], dst[256];
	int wrong_cut = 0, wrong_blocks = 0, wrong_records = 0, wrong_size = 0, problems = 0;
	int not_appending = 0;

	env_init(&e, &o);
	struct ward_log *log = ward_log_open(&o, NULL);
	append_n(log, 0, 100);
	ward_log_flush(log);
	const uint64_t good = file_size(e.dir, ward_log_current_segment(log));
	append_n(log, 100, 120);
	ward_log_close(log);
	count_segments(e.dir, &names);
	snprintf(src, sizeof(src), "%s/%s", e.dir, names[0].name);
	const uint64_t full = file_size(e.dir, names[0].name);
	CHECK(full > good + 100);

	env_init(&w, &wo);
	snprintf(dst, sizeof(dst), "%s/%s", w.dir, names[0].name);
	for (uint64_t cut = good; cut < full; cut++) {
		struct ward_log_recovery rec;
		copy_file(src, dst, cut);
		struct ward_log *l = ward_log_open(&wo, &rec);
		if (!l) {
			CHECK(l != NULL);
			break;
		}
		if (rec.bytes_cut != cut - good)
			wrong_cut++;
		if (rec.blocks_cut != (cut > good) || rec.blocks_kept != 1 || rec.corrupt_blocks)
			wrong_blocks++;
		if (rec.records_kept != 100)
			wrong_records++;
		if (!rec.appending)
			not_appending++;
		/* writing goes on right after the last good block */
		append_n(l, 1000, 1001);
		ward_log_close(l);
		if (file_size(w.dir, names[0].name) <= good)
			wrong_size++;
		struct got *g = read_all(dst, NULL);
		problems += (int)g->problems;
		if (g->n != 101 || !expect_range(g, 0, 0, 100) || !expect_range(g, 100, 1000, 1001))
			wrong_records++;
		got_free(g);
	}
	CHECK_EQ_INT(wrong_cut, 0);
	CHECK_EQ_INT(wrong_blocks, 0);
	CHECK_EQ_INT(wrong_records, 0);
	CHECK_EQ_INT(wrong_size, 0);
	CHECK_EQ_INT(problems, 0);
	CHECK_EQ_INT(not_appending, 0);

	/* the whole file, untouched: nothing is cut */
	struct ward_log_recovery rec;
	copy_file(src, dst, full);
	log = ward_log_open(&wo, &rec);
	CHECK_EQ_INT(rec.bytes_cut, 0);
	CHECK_EQ_INT(rec.records_kept, 120);
	ward_log_close(log);
	free(names);
	env_cleanup(&w);
	env_cleanup(&e);
}

UNIT_TEST(torn_segment_header_is_removed)
{
	struct env e;
	struct ward_log_opts o;
	struct ward_log_recovery rec;
	struct ward_log_seg_name *names = NULL;
	char p[256];

	env_init(&e, &o);
	struct ward_log *log = ward_log_open(&o, NULL);
	append_n(log, 0, 10);
	ward_log_close(log);
	/* a crash right after creating the next segment: its header half written */
	snprintf(p, sizeof(p), "%s/ward-20261123T130000Z-00000002.wlog", e.dir);
	int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
	CHECK_EQ_INT(write(fd, "WARDLOG\0\001\000", 10), 10);
	close(fd);
	log = ward_log_open(&o, &rec);
	CHECK(rec.segment_removed);
	CHECK_EQ_INT(rec.bytes_cut, 10);
	CHECK_EQ_STR(rec.segment, "ward-20261123T120000Z-00000001.wlog");
	CHECK(rec.appending);
	append_n(log, 10, 20);
	ward_log_close(log);
	CHECK_EQ_INT(count_segments(e.dir, &names), 1);
	struct got *g = read_all(e.dir, NULL);
	CHECK_EQ_INT(g->problems, 0);
	CHECK(expect_range(g, 0, 0, 20));
	got_free(g);
	free(names);
	env_cleanup(&e);
}

/*
 * Three blocks; flip each byte of the middle one in turn. The reader names exactly that block
 * (file, offset) and returns every record of the other two.
 */
UNIT_TEST(flipped_byte_costs_one_block)
{
	struct env e;
	struct ward_log_opts o;
	struct ward_log_seg_name *names = NULL;
	char path[256];
	int wrong_problem = 0, wrong_records = 0, wrong_skip = 0;
	int faults[16] = { 0 };

	env_init(&e, &o);
	struct ward_log *log = ward_log_open(&o, NULL);
	append_n(log, 0, 30);
	ward_log_flush(log);
	const uint64_t b2 = file_size(e.dir, ward_log_current_segment(log));
	append_n(log, 30, 60);
	ward_log_flush(log);
	const uint64_t b3 = file_size(e.dir, ward_log_current_segment(log));
	append_n(log, 60, 90);
	ward_log_close(log);
	count_segments(e.dir, &names);
	snprintf(path, sizeof(path), "%s/%s", e.dir, names[0].name);

	int fd = open(path, O_RDWR | O_CLOEXEC);
	for (uint64_t off = b2; off < b3; off++) {
		uint8_t c;
		CHECK_EQ_INT(pread(fd, &c, 1, (off_t)off), 1);
		c ^= 0x40;
		CHECK_EQ_INT(pwrite(fd, &c, 1, (off_t)off), 1);
		struct got *g = read_all(path, NULL);
		if (g->problems != 1 || g->first_problem.offset != b2 ||
		    strcmp(g->first_path, path))
			wrong_problem++;
		if (g->problems == 1 && g->first_problem.skipped != b3 - b2)
			wrong_skip++;
		if (g->problems)
			faults[g->first_problem.fault]++;
		if (g->n != 60 || !expect_range(g, 0, 0, 30) || !expect_range(g, 30, 60, 90))
			wrong_records++;
		got_free(g);
		c ^= 0x40;
		CHECK_EQ_INT(pwrite(fd, &c, 1, (off_t)off), 1);
	}
	close(fd);
	CHECK_EQ_INT(wrong_problem, 0);
	CHECK_EQ_INT(wrong_skip, 0);
	CHECK_EQ_INT(wrong_records, 0);
	/* the magic, the rest of the header, then the payload */
	CHECK_EQ_INT(faults[WARD_LOG_BAD_MAGIC], 4);
	CHECK_EQ_INT(faults[WARD_LOG_HEADER_CRC], WARD_LOG_BLK_HDR_LEN - 4);
	CHECK_EQ_INT(faults[WARD_LOG_PAYLOAD_CRC], (int)(b3 - b2) - WARD_LOG_BLK_HDR_LEN);

	/* the damaged file is not the last thing recovery trusts: it keeps the good blocks */
	fd = open(path, O_RDWR | O_CLOEXEC);
	uint8_t c = 0xff;
	CHECK_EQ_INT(pwrite(fd, &c, 1, (off_t)(b2 + 60)), 1);
	close(fd);
	struct ward_log_recovery rec;
	log = ward_log_open(&o, &rec);
	CHECK_EQ_INT(rec.bytes_cut, 0);
	CHECK_EQ_INT(rec.corrupt_blocks, 1);
	CHECK_EQ_INT(rec.blocks_kept, 2);
	ward_log_close(log);
	free(names);
	env_cleanup(&e);
}

UNIT_TEST(reader_skips_blocks_by_time)
{
	struct env e;
	struct ward_log_opts o;
	struct ward_log_seg_name *names = NULL;
	char path[256];

	env_init(&e, &o);
	struct ward_log *log = ward_log_open(&o, NULL);
	for (uint32_t b = 0; b < 5; b++) {	/* block b holds times 1000+10b .. 1009+10b */
		append_n(log, b * 10, b * 10 + 10);
		ward_log_flush(log);
	}
	ward_log_close(log);
	count_segments(e.dir, &names);
	snprintf(path, sizeof(path), "%s/%s", e.dir, names[0].name);
	struct got *g = calloc(1, sizeof(*g));
	struct ward_log_reader *r = ward_log_reader_new();
	struct ward_log_read_opts ro = { .since_ns = 1015, .until_ns = 1025, .on_record = got_rec,
					 .ctx = g };
	struct ward_log_file_stats st;
	CHECK_EQ_INT(ward_log_read_file(r, path, &ro, &st), 0);
	CHECK_EQ_INT(st.blocks, 5);
	CHECK_EQ_INT(st.blocks_skipped, 3);
	CHECK_EQ_INT(g->n, 20);	/* blocks 1 and 2, whole: records are filtered by the caller */
	CHECK(expect_range(g, 0, 10, 30));
	CHECK_EQ_INT(st.first_ns, 1000);
	CHECK_EQ_INT(st.last_ns, 1049);
	ward_log_reader_free(r);
	got_free(g);
	free(names);
	env_cleanup(&e);
}

UNIT_TEST(loss_marker_sits_where_records_were_lost)
{
	struct env e;
	struct ward_log_opts o;
	struct ward_log_stats st;

	env_init(&e, &o);
	struct ward_log *log = ward_log_open(&o, NULL);
	append_n(log, 0, 2);
	CHECK_EQ_INT(ward_log_note_loss(log, 7, 500, 600, WARD_LOG_LOSS_QUEUE), 0);
	append_n(log, 2, 4);
	ward_log_close(log);
	struct got *g = read_all(e.dir, NULL);
	CHECK_EQ_INT(g->n, 5);
	expect_range(g, 0, 0, 2);
	CHECK_EQ_STR(g->rec[2], "LOSS count=7 first=500 last=600 reason=1");
	expect_range(g, 3, 2, 4);
	got_free(g);

	/* without an encoder a loss is not written; nothing else changes */
	o.encode_loss = NULL;
	log = ward_log_open(&o, NULL);
	CHECK_EQ_INT(ward_log_note_loss(log, 7, 500, 600, WARD_LOG_LOSS_QUEUE), 0);
	append_n(log, 4, 5);
	ward_log_get_stats(log, &st);
	ward_log_close(log);
	g = read_all(e.dir, NULL);
	CHECK_EQ_INT(g->n, 6);
	CHECK(expect_range(g, 5, 4, 5));
	got_free(g);
	env_cleanup(&e);
}

/*
 * The disk refuses blocks (injected ENOSPC): the writer counts what it drops, keeps running,
 * and once writes work again puts one marker for the lost records in front of the next ones.
 * A loss the caller noted while the disk was full is not lost either.
 */
UNIT_TEST(full_disk_drops_counts_and_marks)
{
	struct env e;
	struct ward_log_opts o;
	struct ward_log_stats st;

	env_init(&e, &o);
	struct ward_log *log = ward_log_open(&o, NULL);
	append_n(log, 0, 10);
	CHECK_EQ_INT(ward_log_flush(log), 0);
	e.fail_errno = ENOSPC;
	append_n(log, 10, 15);
	CHECK_EQ_INT(ward_log_note_loss(log, 3, 1013, 1014, WARD_LOG_LOSS_QUEUE), 0);
	append_n(log, 15, 20);
	CHECK_EQ_INT(ward_log_flush(log), -ENOSPC);
	ward_log_get_stats(log, &st);
	CHECK_EQ_INT(st.records_dropped, 10);
	CHECK_EQ_INT(st.write_errors, 1);
	CHECK_EQ_INT(st.last_error, ENOSPC);
	CHECK(st.bytes_dropped > 10 * 11);
	/* still full at the next flush: the retry fails too, the marker stays pending */
	append_n(log, 20, 22);
	CHECK_EQ_INT(ward_log_flush(log), -ENOSPC);
	CHECK_EQ_INT(ward_log_flush(log), -ENOSPC);	/* only the marker is left to write */
	ward_log_get_stats(log, &st);
	CHECK_EQ_INT(st.records_dropped, 12);
	/* space again */
	e.fail_errno = 0;
	append_n(log, 22, 25);
	CHECK_EQ_INT(ward_log_flush(log), 0);
	ward_log_get_stats(log, &st);
	CHECK_EQ_INT(st.records_written, 13);
	CHECK_EQ_INT(st.loss_markers, 2);
	ward_log_close(log);

	struct got *g = read_all(e.dir, NULL);
	CHECK_EQ_INT(g->problems, 0);
	CHECK_EQ_INT(g->n, 15);
	expect_range(g, 0, 0, 10);
	CHECK_EQ_STR(g->rec[10], "LOSS count=12 first=1010 last=1021 reason=2");
	CHECK_EQ_STR(g->rec[11], "LOSS count=3 first=1013 last=1014 reason=1");
	expect_range(g, 12, 22, 25);
	got_free(g);
	env_cleanup(&e);
}

/* A write the disk takes only half of is cut back, so the segment never holds half a block. */
UNIT_TEST(partial_write_is_undone)
{
	struct env e;
	struct ward_log_opts o;
	struct ward_log_stats st;

	env_init(&e, &o);
	struct ward_log *log = ward_log_open(&o, NULL);
	append_n(log, 0, 10);
	ward_log_flush(log);
	uint64_t before = file_size(e.dir, ward_log_current_segment(log));
	e.fail_errno = ENOSPC;
	e.fail_partial = 20;
	append_n(log, 10, 20);
	CHECK_EQ_INT(ward_log_flush(log), -ENOSPC);
	CHECK_EQ_INT(file_size(e.dir, ward_log_current_segment(log)), before);
	e.fail_errno = 0;
	append_n(log, 20, 30);
	CHECK_EQ_INT(ward_log_flush(log), 0);
	ward_log_get_stats(log, &st);
	CHECK_EQ_INT(st.records_dropped, 10);
	ward_log_close(log);
	struct got *g = read_all(e.dir, NULL);
	CHECK_EQ_INT(g->problems, 0);
	CHECK_EQ_INT(g->n, 21);
	expect_range(g, 0, 0, 10);
	CHECK_EQ_STR(g->rec[10], "LOSS count=10 first=1010 last=1019 reason=2");
	expect_range(g, 11, 20, 30);
	got_free(g);
	env_cleanup(&e);
}

/* The same with the real pwrite and a file size limit (EFBIG), as on a full file system. */
UNIT_TEST(file_size_limit_then_recovery)
{
	struct env e;
	struct ward_log_opts o;
	struct ward_log_stats st;
	struct rlimit lim;
	uint8_t rec[300];

	env_init(&e, &o);
	o.pwrite = NULL;
	o.block_bytes = 2048;
	signal(SIGXFSZ, SIG_IGN);
	struct ward_log *log = ward_log_open(&o, NULL);
	for (uint32_t i = 0; i < 20; i++)
		ward_log_append(log, rec, make_noise(i, rec, sizeof(rec)), 1000 + i);
	CHECK_EQ_INT(ward_log_flush(log), 0);
	uint64_t size = file_size(e.dir, ward_log_current_segment(log));
	getrlimit(RLIMIT_FSIZE, &lim);
	struct rlimit small = { size + 1000, lim.rlim_max };
	CHECK_EQ_INT(setrlimit(RLIMIT_FSIZE, &small), 0);
	int failures = 0;
	for (uint32_t i = 20; i < 100; i++)
		if (ward_log_append(log, rec, make_noise(i, rec, sizeof(rec)), 1000 + i) == -EFBIG)
			failures++;
	if (ward_log_flush(log) == -EFBIG)
		failures++;
	ward_log_get_stats(log, &st);
	CHECK(failures > 5);
	CHECK_EQ_INT(st.last_error, EFBIG);
	CHECK(st.records_dropped > 50);
	/* no partial block stayed behind */
	uint64_t now_size = file_size(e.dir, ward_log_current_segment(log));
	CHECK(now_size <= size + 1000);
	CHECK_EQ_INT(setrlimit(RLIMIT_FSIZE, &lim), 0);
	for (uint32_t i = 100; i < 110; i++)
		ward_log_append(log, rec, make_noise(i, rec, sizeof(rec)), 1000 + i);
	CHECK_EQ_INT(ward_log_flush(log), 0);
	uint64_t dropped = st.records_dropped;
	ward_log_close(log);

	struct got *g = read_all(e.dir, NULL);
	CHECK_EQ_INT(g->problems, 0);
	/* records 0..m-1 (those the limit let through), one marker, then the rest up to 109 */
	size_t m = 0;
	while (m < g->n && strncmp(g->rec[m], "LOSS", 4))
		m++;
	if (!CHECK(m >= 20 && m + 11 <= g->n))
		goto done;
	uint64_t resumed = 110 - (g->n - m - 1);	/* the first record after the marker */
	char want[128];
	CHECK_EQ_INT(resumed - m, dropped);
	snprintf(want, sizeof(want), "LOSS count=%" PRIu64 " first=%" PRIu64 " last=%" PRIu64
		 " reason=2", dropped, 1000 + (uint64_t)m, 1000 + resumed - 1);
	CHECK_EQ_STR(g->rec[m], want);
	int wrong = 0;
	for (size_t i = 0; i < g->n; i++) {
		if (i == m)
			continue;
		uint32_t want_i = i < m ? (uint32_t)i : (uint32_t)(resumed + i - m - 1);
		make_noise(want_i, rec, sizeof(rec));
		if (g->len[i] != sizeof(rec) || memcmp(g->rec[i], rec, sizeof(rec)))
			wrong++;
	}
	CHECK_EQ_INT(wrong, 0);
done:
	got_free(g);
	env_cleanup(&e);
}

UNIT_MAIN()
