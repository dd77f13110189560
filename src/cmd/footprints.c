/*
 * `ward footprints`: the objects the host's processes touched, from the
 * footprint database, as a table or JSON Lines. Read-only: safe while the
 * daemon writes (WAL).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmds.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/parse.h"
#include "lib/timefmt.h"
#include "output.h"
#include "store/footprints.h"
#include "store/footprints_db.h"
#include "store/footprints_query.h"

#define MAX_GLOB 4096
#define MAX_LIMIT 1000000000ULL
#define OUT_BATCH (64 * 1024)   /* bytes gathered before one write */

static const char usage_text[] =
	"usage: ward footprints [--db PATH] [--type TYPE]... [--name GLOB] [--since TIME]\n"
	"                       [--json] [--limit N]\n"
	"\n"
	"The objects this host's processes touched (files, processes, executables,\n"
	"remote endpoints, DNS names), one per line, most recently seen first, with\n"
	"when each was first and last seen and how often. docs/footprints.md\n"
	"describes every field.\n"
	"\n"
	"  -d, --db PATH        the footprint database (default " WARD_FP_DEFAULT_DB ")\n"
	"  -t, --type TYPE      only objects of this type: file, process, executable,\n"
	"                       connection, dns; repeatable\n"
	"  -n, --name GLOB      only objects whose name matches GLOB (*, ?, [...];\n"
	"                       case-sensitive). Names: a path, an executable path,\n"
	"                       \"TCP 1.2.3.4:443\", a DNS name\n"
	"  -s, --since TIME     only objects last seen at or after TIME\n"
	"  -j, --json           JSON Lines for machines (\"kind\":\"footprint\")\n"
	"  -l, --limit N        at most N objects\n"
	"  -h, --help           this help\n"
	"  TIME is RFC 3339 with a zone (2026-11-23T12:00:00Z, 2026-11-23T13:00:00.5+01:00),\n"
	"  a date for its midnight UTC (2026-11-23), now, or a time ago (-30s, -10m, -2h, -7d).\n"
	"\n"
	"Exit codes: 0 success, 1 the database is missing or unreadable, 2 bad usage.\n"
	"\n"
	"EXAMPLES\n"
	"  ward footprints --type executable              every binary seen, with sha256\n"
	"  ward footprints --type file --name '/etc/*' --since -1h\n"
	"  ward footprints --type connection --name 'TCP *:443' --json\n"
	"  ward footprints --type dns --limit 20          the 20 names asked most recently\n";

struct opts {
	const char *db;
	struct ward_footprints_query q;
	bool json;
};

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "type", required_argument, NULL, 't' },
		{ "name", required_argument, NULL, 'n' },
		{ "since", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "limit", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	uint64_t v;
	int c, k, err;

	optind = 1;
	opterr = 0; /* one "ward: error:" line of our own instead of getopt's */
	while ((c = getopt_long(argc, argv, ":d:t:n:s:jl:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (!optarg[0]) {
				ward_log(WARD_LOG_ERROR, "--db: the path is empty");
				return -EINVAL;
			}
			o->db = optarg;
			break;
		case 't':
			k = ward_footprint_kind_parse(optarg);
			if (k < 0) {
				ward_log(WARD_LOG_ERROR, "--type: unknown type '%s' (file, process, "
							 "executable, connection, dns)", optarg);
				return -EINVAL;
			}
			o->q.kinds |= WARD_FP_KIND_BIT(k);
			break;
		case 'n':
			if (!optarg[0] || strlen(optarg) > MAX_GLOB) {
				ward_log(WARD_LOG_ERROR, "--name: the pattern must be 1 to %d bytes",
					 MAX_GLOB);
				return -EINVAL;
			}
			o->q.name_glob = optarg;
			break;
		case 's':
			err = ward_time_parse(optarg, ward_time_realtime_ns(), &o->q.since_ns);
			if (err) {
				ward_log(WARD_LOG_ERROR, "--since: '%s' %s", optarg,
					 ward_time_parse_error(err));
				return -EINVAL;
			}
			break;
		case 'j':
			o->json = true;
			break;
		case 'l':
			if (ward_parse_u64(optarg, &v) || v < 1 || v > MAX_LIMIT) {
				ward_log(WARD_LOG_ERROR, "--limit: '%s' must be 1 to %llu", optarg,
					 (unsigned long long)MAX_LIMIT);
				return -EINVAL;
			}
			o->q.limit = v;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 1;
		case ':':
			ward_log(WARD_LOG_ERROR, "option '%s' needs a value (see 'ward footprints "
						 "--help')", argv[optind - 1]);
			return -EINVAL;
		default:
			ward_log(WARD_LOG_ERROR, "unknown option '%s' (see 'ward footprints --help')",
				 argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		ward_log(WARD_LOG_ERROR, "unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

struct printer {
	struct ward_buf out;
	bool json;
};

static int drain(struct printer *p)
{
	if (p->out.oom)
		return -ENOMEM;
	if (p->out.len && fwrite(p->out.data, 1, p->out.len, stdout) != p->out.len)
		return -EIO;
	ward_buf_reset(&p->out);
	return 0;
}

static int print_one(const struct ward_footprint *fp, void *arg)
{
	struct printer *p = arg;

	if (p->json)
		ward_json_footprint(&p->out, fp);
	else
		ward_table_footprint(&p->out, fp);
	return p->out.len >= OUT_BATCH ? drain(p) : 0;
}

int ward_cmd_footprints(int argc, char **argv)
{
	struct opts o = { .db = WARD_FP_DEFAULT_DB };
	struct printer p = { 0 };
	int ret, version = 0;

	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret > 0 ? 0 : 2;
	ward_buf_init(&p.out);
	p.json = o.json;
	if (!p.json)
		ward_table_footprint_header(&p.out);
	ret = ward_footprints_query(o.db, &o.q, print_one, &p, &version);
	if (!ret)
		ret = drain(&p);
	ward_buf_free(&p.out);
	if (fflush(stdout) && !ret)
		ret = -EIO;
	switch (ret) {
	case 0:
		return 0;
	case -ENOENT:
		ward_log(WARD_LOG_ERROR, "no footprint database at %s (the daemon writes it; "
					 "--db names another)", o.db);
		break;
	case -EPROTONOSUPPORT:
		ward_log(WARD_LOG_ERROR, "%s has schema version %d, written by a newer ward "
					 "(this one reads version %d)", o.db, version,
			 WARD_FP_SCHEMA_VERSION);
		break;
	case -EBADMSG:
		ward_log(WARD_LOG_ERROR, "%s is not a ward footprint database", o.db);
		break;
	case -EACCES:
		ward_log(WARD_LOG_ERROR, "%s: permission denied", o.db);
		break;
	default:
		ward_log(WARD_LOG_ERROR, "%s: cannot read footprints: %s", o.db, strerror(-ret));
		break;
	}
	return 1;
}
