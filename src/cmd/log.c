/*
 * `ward log cat|verify`: read the daemon's event log (docs/log.md). cat decodes and prints
 * records; verify checks every block of every segment and says where anything is damaged.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmds.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/timefmt.h"
#include "pb/codec.h"
#include "store/log_query.h"
#include "store/log_reader.h"
#include "store/log_writer.h"

/* Output is written in chunks of about this size. */
#define OUT_CHUNK (64u << 10)

static const char usage_text[] =
	"usage: ward log cat [DIR|FILE]... [--json] [--since TIME] [--until TIME] [--type TYPE]...\n"
	"       ward log verify [DIR|FILE]...\n"
	"\n"
	"Read the event log the daemon writes (default directory " WARD_LOG_DEFAULT_DIR ").\n"
	"A directory stands for its segments (ward-*.wlog) in order; files are read as given.\n"
	"\n"
	"cat: print the records, one per line.\n"
	"  -j, --json            JSON Lines (the contract in docs/output.md)\n"
	"  -s, --since TIME      only records at or after TIME\n"
	"  -u, --until TIME      only records at or before TIME\n"
	"  -t, --type TYPE       only this event type (FILE, PROCESS, ...) or access type\n"
	"                        (FILE_OPEN, ...); repeatable\n"
	"  TIME is RFC 3339 with a zone (2026-11-23T12:00:00Z, 2026-11-23T13:00:00.5+01:00),\n"
	"  a date for its midnight UTC (2026-11-23), now, or a time ago (-30s, -10m, -2h, -7d).\n"
	"\n"
	"verify: check every block of every segment; print per segment its blocks, records,\n"
	"bytes, time range and problems, with the offset of each damaged block.\n"
	"\n"
	"Damaged blocks are skipped and reported on stderr (cat) or stdout (verify); the other\n"
	"blocks are read in full. Exit codes: 0 all good, 1 something is damaged or unreadable,\n"
	"2 bad usage.\n"
	"\n"
	"EXAMPLES\n"
	"  ward log verify                          check the whole log\n"
	"  ward log cat --json --since -10m         the last ten minutes as JSON Lines\n"
	"  ward log cat --since 2026-11-23T12:00:00Z --until 2026-11-23T13:00:00Z\n"
	"  ward log cat --type FILE_DELETE --type PROCESS_EXECUTE /backup/log\n"
	"  ward log verify /var/lib/ward/log/ward-20261123T120000Z-00000042.wlog\n";

struct cat {
	struct ward_log_query q;
	bool json;
	struct ward_buf out;
	struct ward_buf line;
	uint64_t printed, undecodable, unknown, problems;
	int write_error;
};

static int flush_out(struct ward_buf *b)
{
	size_t off = 0;

	while (off < b->len) {
		ssize_t n = write(STDOUT_FILENO, b->data + off, b->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		off += (size_t)n;
	}
	ward_buf_reset(b);
	return 0;
}

static int cat_record(const uint8_t *rec, size_t len, uint64_t first, uint64_t last, void *ctx)
{
	struct cat *c = ctx;
	struct ward_pb_meta m;
	bool meta_ok = ward_pb_record_meta(rec, len, &m) == 0;
	int err;

	if (!ward_log_query_match(&c->q, meta_ok ? &m : NULL, first, last))
		return 0;
	ward_buf_reset(&c->line);
	err = c->json ? ward_pb_record_json(rec, len, &c->line)
		      : ward_pb_record_table(rec, len, &c->line);
	if (err || c->line.oom) {
		c->undecodable++;
		return 0;
	}
	if (!c->line.len) {
		/* the table has no line for stats; a kind this ward does not
		 * know (a newer writer) is said once at the end */
		if (meta_ok && m.kind == WARD_PB_NONE)
			c->unknown++;
		return 0;
	}
	ward_buf_put(&c->out, c->line.data, c->line.len);
	/* the formatters end a record with its newline; the table's may not */
	if (c->line.data[c->line.len - 1] != '\n')
		ward_buf_putc(&c->out, '\n');
	c->printed++;
	if (c->out.oom)
		return -ENOMEM;
	if (c->out.len >= OUT_CHUNK) {
		err = flush_out(&c->out);
		if (err) {
			c->write_error = -err;
			return err;
		}
	}
	return 0;
}

static void cat_problem(const struct ward_log_problem *p, void *ctx)
{
	struct cat *c = ctx;

	c->problems++;
	ward_log(WARD_LOG_WARN, "%s: block at offset %" PRIu64 ": %s%s%s; %" PRIu64 " bytes skipped",
		 p->path, p->offset, ward_log_fault_name(p->fault), *p->detail ? ": " : "",
		 p->detail, p->skipped);
}

static int parse_time_opt(const char *opt, const char *arg, uint64_t *out)
{
	int err = ward_time_parse(arg, ward_time_realtime_ns(), out);

	if (err)
		ward_log(WARD_LOG_ERROR, "%s: '%s' %s", opt, arg, ward_time_parse_error(err));
	return err;
}

/* The arguments after the options, or the default directory. */
static int expand(int argc, char **argv, char ***paths, size_t *n)
{
	static char *def[] = { (char *)WARD_LOG_DEFAULT_DIR };
	const char *bad = NULL;
	int err;

	if (optind < argc)
		err = ward_log_paths_expand(argv + optind, (size_t)(argc - optind), paths, n, &bad);
	else
		err = ward_log_paths_expand(def, 1, paths, n, &bad);
	if (err)
		ward_log(WARD_LOG_ERROR, "%s: %s", bad ? bad : "?", strerror(-err));
	return err;
}

static int cmd_cat(int argc, char **argv)
{
	enum { OPT_HELP = 'h' };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "type", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, OPT_HELP },
		{ 0 },
	};
	struct cat c = { 0 };
	struct ward_log_reader *r = NULL;
	char **paths = NULL;
	size_t npaths = 0;
	int opt, err, rc = 1;

	ward_buf_init(&c.out);
	ward_buf_init(&c.line);
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":js:u:t:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			c.json = true;
			break;
		case 's':
			if (parse_time_opt("--since", optarg, &c.q.since_ns))
				return 2;
			break;
		case 'u':
			if (parse_time_opt("--until", optarg, &c.q.until_ns))
				return 2;
			break;
		case 't':
			err = ward_log_query_add_type(&c.q, optarg);
			if (err == -E2BIG) {
				ward_log(WARD_LOG_ERROR, "--type: more than %d types",
					 WARD_LOG_QUERY_MAX_TYPES);
				return 2;
			}
			if (err) {
				ward_log(WARD_LOG_ERROR, "--type: '%s' is not an event or access type",
					 optarg);
				return 2;
			}
			break;
		case OPT_HELP:
			fputs(usage_text, stdout);
			return 0;
		case ':':
			ward_log(WARD_LOG_ERROR, "log cat: %s needs a value", argv[optind - 1]);
			return 2;
		default:
			ward_log(WARD_LOG_ERROR, "log cat: unknown option '%s'", argv[optind - 1]);
			return 2;
		}
	}
	if (c.q.since_ns && c.q.until_ns && c.q.since_ns > c.q.until_ns) {
		ward_log(WARD_LOG_ERROR, "log cat: --since is after --until");
		return 2;
	}
	if (expand(argc, argv, &paths, &npaths))
		goto out;
	r = ward_log_reader_new();
	if (!r) {
		ward_log(WARD_LOG_ERROR, "log cat: %m");
		goto out;
	}
	struct ward_log_read_opts ro = {
		.since_ns = c.q.since_ns,
		.until_ns = c.q.until_ns,
		.on_record = cat_record,
		.on_problem = cat_problem,
		.ctx = &c,
	};
	for (size_t i = 0; i < npaths; i++) {
		err = ward_log_read_file(r, paths[i], &ro, NULL);
		if (err && c.write_error) {
			ward_log(WARD_LOG_ERROR, "writing to stdout: %s", strerror(c.write_error));
			goto out;
		}
		if (err) {
			c.problems++;
			ward_log(WARD_LOG_ERROR, "%s: %s", paths[i], strerror(-err));
		}
	}
	err = flush_out(&c.out);
	if (err) {
		ward_log(WARD_LOG_ERROR, "writing to stdout: %s", strerror(-err));
		goto out;
	}
	if (c.undecodable)
		ward_log(WARD_LOG_WARN, "%" PRIu64 " records could not be decoded", c.undecodable);
	if (c.unknown)
		ward_log(WARD_LOG_WARN, "%" PRIu64 " records are of a kind this ward does not know "
					"(written by a newer ward?); not shown", c.unknown);
	rc = c.problems ? 1 : 0;
out:
	ward_log_reader_free(r);
	ward_log_paths_free(paths, npaths);
	ward_buf_free(&c.out);
	ward_buf_free(&c.line);
	return rc;
}

struct verify {
	struct ward_buf problems;	/* lines for the segment being read */
};

static void verify_problem(const struct ward_log_problem *p, void *ctx)
{
	struct verify *v = ctx;
	char line[320];

	snprintf(line, sizeof(line), "  %s: block at offset %" PRIu64 ": %s%s%s; %" PRIu64
		 " bytes skipped\n", p->path, p->offset, ward_log_fault_name(p->fault),
		 *p->detail ? ": " : "", p->detail, p->skipped);
	ward_buf_puts(&v->problems, line);
}

static int cmd_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct verify v;
	struct ward_log_reader *r = NULL;
	char **paths = NULL;
	size_t npaths = 0;
	uint64_t segs = 0, blocks = 0, records = 0, bytes = 0, problems = 0;
	int opt, rc = 1;

	ward_buf_init(&v.problems);
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (opt == 'h') {
			fputs(usage_text, stdout);
			return 0;
		}
		ward_log(WARD_LOG_ERROR, "log verify: unknown option '%s'", argv[optind - 1]);
		return 2;
	}
	if (expand(argc, argv, &paths, &npaths))
		goto out;
	r = ward_log_reader_new();
	if (!r) {
		ward_log(WARD_LOG_ERROR, "log verify: %m");
		goto out;
	}
	struct ward_log_read_opts ro = { .on_problem = verify_problem, .ctx = &v };
	for (size_t i = 0; i < npaths; i++) {
		struct ward_log_file_stats st;
		char a[WARD_TIME_LEN] = "-", b[WARD_TIME_LEN] = "-";

		ward_buf_reset(&v.problems);
		int err = ward_log_read_file(r, paths[i], &ro, &st);
		if (err) {
			printf("%s: cannot read: %s\n", paths[i], strerror(-err));
			problems++;
			continue;
		}
		if (st.blocks) {
			ward_time_rfc3339(st.first_ns, a);
			ward_time_rfc3339(st.last_ns, b);
		}
		printf("%s: %" PRIu64 " blocks, %" PRIu64 " records, %" PRIu64 " bytes, %s .. %s, ",
		       paths[i], st.blocks, st.records, st.file_bytes, a, b);
		if (st.problems)
			printf("%" PRIu64 " problem%s\n%s", st.problems, st.problems > 1 ? "s" : "",
			       ward_buf_cstr(&v.problems));
		else
			printf("ok\n");
		segs++;
		blocks += st.blocks;
		records += st.records;
		bytes += st.file_bytes;
		problems += st.problems;
	}
	printf("total: %" PRIu64 " segments, %" PRIu64 " blocks, %" PRIu64 " records, %" PRIu64
	       " bytes, %" PRIu64 " problems\n", segs, blocks, records, bytes, problems);
	rc = problems ? 1 : 0;
out:
	fflush(stdout);
	ward_log_reader_free(r);
	ward_log_paths_free(paths, npaths);
	ward_buf_free(&v.problems);
	return rc;
}

int ward_cmd_log(int argc, char **argv)
{
	if (argc < 2) {
		ward_log(WARD_LOG_ERROR, "log: which one, cat or verify? (ward log --help)");
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "cat"))
		return cmd_cat(argc - 1, argv + 1);
	if (!strcmp(argv[1], "verify"))
		return cmd_verify(argc - 1, argv + 1);
	ward_log(WARD_LOG_ERROR, "log: unknown subcommand '%s' (cat or verify)", argv[1]);
	return 2;
}
