/*
 * Test helper for tests/integration/test_log.py: drives the event log writer and reader
 * (src/store/log_*.c) directly. Records carry a counter, so a test can check that every record
 * read back is one that was written, whole, in order.
 *
 *   log_writer write DIR [--block N] [--segment N] [--retain N] [--fsync block|segment|none]
 *                        [--flush-every N] [--stats] [--noise]
 *       Recovers DIR, prints "recovered ..." and "ready start=N" (N = the counter after the
 *       last record already in DIR), then appends records N, N+1, ... until SIGTERM or "stop"
 *       on stdin; then closes the log and prints "final ...". --stats prints the counters
 *       after every flush.
 *   log_writer recover DIR      open (recovery) and close; prints "recovered ..."
 *   log_writer read PATH...     prints every record: "rec N", "LOSS count=.. first=.. last=..
 *                               reason=..", or "BAD ..." for a record that is not one the
 *                               writer made; problems go to stderr.
 *
 * Record N: "rec:N:" then filler whose length and bytes follow from N (text, or noise with
 * --noise so it does not compress).
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/log_reader.h"
#include "store/log_writer.h"

static volatile sig_atomic_t stop;
static int noise;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static size_t make_rec(uint64_t n, uint8_t *out, size_t cap)
{
	int k = snprintf((char *)out, cap, "rec:%" PRIu64 ":", n);
	size_t len = (size_t)k + 20 + n % 180;
	uint32_t x = (uint32_t)(n * 2654435761u) | 1;

	for (size_t i = (size_t)k; i < len && i < cap; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		out[i] = noise ? (uint8_t)x : (uint8_t)('a' + (n + i) % 26);
	}
	return len;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static ssize_t enc_loss(uint64_t count, uint64_t first, uint64_t last, int reason, uint8_t *out,
			size_t cap, void *ctx)
{
	(void)ctx;
	return snprintf((char *)out, cap, "LOSS count=%" PRIu64 " first=%" PRIu64 " last=%" PRIu64
			" reason=%d", count, first, last, reason);
}

/* Parses record bytes: its counter, or -1 if it is not exactly what make_rec builds. */
static int64_t rec_counter(const uint8_t *rec, size_t len)
{
	uint8_t want[512];
	uint64_t n;

	if (len < 5 || len > sizeof(want) || memcmp(rec, "rec:", 4))
		return -1;
	char tmp[32];
	size_t k = len - 4 < sizeof(tmp) - 1 ? len - 4 : sizeof(tmp) - 1;
	memcpy(tmp, rec + 4, k);
	tmp[k] = 0;
	if (sscanf(tmp, "%" SCNu64, &n) != 1)
		return -1;
	/* text or noise: the writer chose, the reader accepts either exact form */
	int saved = noise;
	for (noise = 0; noise < 2; noise++) {
		size_t wl = make_rec(n, want, sizeof(want));
		if (wl == len && !memcmp(want, rec, len)) {
			noise = saved;
			return (int64_t)n;
		}
	}
	noise = saved;
	return -1;
}

struct last {
	int64_t max;
};

static int find_last(const uint8_t *rec, size_t len, uint64_t f, uint64_t l, void *ctx)
{
	struct last *s = ctx;
	int64_t n = rec_counter(rec, len);

	(void)f;
	(void)l;
	if (n > s->max)
		s->max = n;
	return 0;
}

static int64_t last_counter(const char *dir)
{
	struct ward_log_reader *r = ward_log_reader_new();
	struct last s = { -1 };
	struct ward_log_read_opts o = { .on_record = find_last, .ctx = &s };
	char *arg = (char *)dir, **paths;
	size_t n;
	const char *bad;

	if (!r || ward_log_paths_expand(&arg, 1, &paths, &n, &bad))
		exit(3);
	for (size_t i = 0; i < n; i++)
		ward_log_read_file(r, paths[i], &o, NULL);
	ward_log_paths_free(paths, n);
	ward_log_reader_free(r);
	return s.max;
}

static void print_recovery(const struct ward_log_recovery *rec)
{
	printf("recovered segment=%s cut=%" PRIu64 " blocks_cut=%" PRIu64 " kept=%" PRIu64
	       " records=%" PRIu64 " corrupt=%" PRIu64 " removed=%d appending=%d\n",
	       *rec->segment ? rec->segment : "-", rec->bytes_cut, rec->blocks_cut,
	       rec->blocks_kept, rec->records_kept, rec->corrupt_blocks, rec->segment_removed,
	       rec->appending);
}

static void print_stats(const char *what, struct ward_log *log, uint64_t appended)
{
	struct ward_log_stats st;

	ward_log_get_stats(log, &st);
	printf("%s appended=%" PRIu64 " written=%" PRIu64 " dropped=%" PRIu64 " errors=%" PRIu64
	       " last_error=%d markers=%" PRIu64 " segments=%" PRIu64 " deleted=%" PRIu64 "\n",
	       what, appended, st.records_written, st.records_dropped, st.write_errors,
	       st.last_error, st.loss_markers, st.segments_created, st.segments_deleted);
	fflush(stdout);
}

static bool stdin_says_stop(void)
{
	struct pollfd p = { .fd = 0, .events = POLLIN };
	char buf[64];

	if (poll(&p, 1, 0) <= 0)
		return false;
	ssize_t n = read(0, buf, sizeof(buf) - 1);
	return n <= 0 || (buf[n] = 0, strstr(buf, "stop") != NULL);
}

static int cmd_write(int argc, char **argv, bool recover_only)
{
	struct ward_log_opts o;
	struct ward_log_recovery rec;
	uint64_t flush_every = 100;
	bool stats = false;
	uint8_t buf[512];

	ward_log_opts_init(&o);
	o.dir = argv[2];
	o.encode_loss = enc_loss;
	for (int i = 3; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "0";
		if (!strcmp(a, "--block"))
			o.block_bytes = (uint32_t)strtoul(v, NULL, 0), i++;
		else if (!strcmp(a, "--segment"))
			o.segment_bytes = strtoull(v, NULL, 0), i++;
		else if (!strcmp(a, "--retain"))
			o.retain_bytes = strtoull(v, NULL, 0), i++;
		else if (!strcmp(a, "--flush-every"))
			flush_every = strtoull(v, NULL, 0), i++;
		else if (!strcmp(a, "--fsync"))
			o.fsync = !strcmp(v, "none") ? WARD_LOG_FSYNC_NONE
				  : !strcmp(v, "segment") ? WARD_LOG_FSYNC_SEGMENT
				  : WARD_LOG_FSYNC_BLOCK, i++;
		else if (!strcmp(a, "--stats"))
			stats = true;
		else if (!strcmp(a, "--noise"))
			noise = 1;
		else
			return fprintf(stderr, "unknown option %s\n", a), 2;
	}
	struct ward_log *log = ward_log_open(&o, &rec);
	if (!log)
		return fprintf(stderr, "open %s: %s\n", o.dir, strerror(errno)), 1;
	print_recovery(&rec);
	if (recover_only)
		return ward_log_close(log) ? 1 : 0;
	uint64_t n = (uint64_t)(last_counter(o.dir) + 1), appended = 0;
	signal(SIGTERM, on_term);
	printf("ready start=%" PRIu64 "\n", n);
	fflush(stdout);
	while (!stop) {
		ward_log_append(log, buf, make_rec(n, buf, sizeof(buf)), now_ns());
		n++;
		appended++;
		if (appended % flush_every == 0) {
			ward_log_flush(log);
			if (stats)
				print_stats("stats", log, appended);
			if (stdin_says_stop())
				break;
		}
	}
	/* Flush first so the counters printed are the last ones; close has nothing left to do. */
	int err = ward_log_flush(log);
	printf("next=%" PRIu64 " flush=%d ", n, err);
	print_stats("final", log, appended);
	return ward_log_close(log) ? 1 : 0;
}

static int print_rec(const uint8_t *rec, size_t len, uint64_t f, uint64_t l, void *ctx)
{
	int64_t n = rec_counter(rec, len);

	(void)f;
	(void)l;
	(void)ctx;
	if (n >= 0)
		printf("rec %" PRId64 "\n", n);
	else if (len > 5 && !memcmp(rec, "LOSS ", 5))
		printf("%.*s\n", (int)len, rec);
	else
		printf("BAD len=%zu\n", len);
	return 0;
}

static void print_problem(const struct ward_log_problem *p, void *ctx)
{
	(void)ctx;
	fprintf(stderr, "problem %s offset=%" PRIu64 " %s\n", p->path, p->offset,
		ward_log_fault_name(p->fault));
}

static int cmd_read(int argc, char **argv)
{
	struct ward_log_reader *r = ward_log_reader_new();
	struct ward_log_read_opts o = { .on_record = print_rec, .on_problem = print_problem };
	char **paths;
	size_t n;
	const char *bad;

	if (!r || ward_log_paths_expand(argv + 2, (size_t)(argc - 2), &paths, &n, &bad))
		return 1;
	for (size_t i = 0; i < n; i++)
		if (ward_log_read_file(r, paths[i], &o, NULL))
			return 1;
	ward_log_paths_free(paths, n);
	ward_log_reader_free(r);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "write"))
		return cmd_write(argc, argv, false);
	if (argc >= 3 && !strcmp(argv[1], "recover"))
		return cmd_write(argc, argv, true);
	if (argc >= 3 && !strcmp(argv[1], "read"))
		return cmd_read(argc, argv);
	fprintf(stderr, "usage: log_writer write|recover DIR [options] | read PATH...\n");
	return 2;
}
