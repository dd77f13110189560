/* `ward events`: what the daemon sees, live, from its socket. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmds.h"
#include "daemon/client.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/parse.h"
#include "output.h"
#include "pb/codec.h"
#include "ward/abi.h"
#include "xdr_names.h"

static const char usage_text[] =
	"usage: ward events [--socket PATH] [--json] [--type TYPE]... [--pid PID]...\n"
	"                   [--path PREFIX]... [--alerts | --no-alerts] [--stats]\n"
	"\n"
	"Print the events and alerts of the running ward daemon, live, until Ctrl-C.\n"
	"Filters run in the daemon, so what is filtered out never crosses the socket.\n"
	"\n"
	"  -s, --socket PATH   the daemon's socket (default /run/ward/ward.sock)\n"
	"  -j, --json          JSON Lines (the contract in docs/output.md)\n"
	"  -t, --type TYPE     only this event type (FILE, PROCESS, ...) or access type\n"
	"                      (FILE_OPEN, ...); repeatable\n"
	"  -p, --pid PID       only this process; repeatable\n"
	"      --path PREFIX   only events on files at or below PREFIX; repeatable\n"
	"      --alerts-only   alerts, no events\n"
	"      --no-alerts     events, no alerts\n"
	"      --stats         also the daemon's stats records\n"
	"  -h, --help          this help\n"
	"\n"
	"If this client falls behind, the daemon drops what does not fit its queue\n"
	"and then sends a loss record with the count (shown as a LOST line).\n"
	"\n"
	"Exit codes: 0 stopped by Ctrl-C or the daemon stopped, 1 cannot connect or\n"
	"the connection broke, 2 bad usage.\n"
	"\n"
	"EXAMPLES\n"
	"  ward events                          every event and alert, as a table\n"
	"  ward events --json --type DNS_QUERY\n"
	"  ward events --path /etc --type FILE_MODIFY\n"
	"  ward events --alerts-only --json >> alerts.jsonl\n";

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

struct printer {
	bool json;
	bool hello_seen;
	bool stdout_closed;      /* e.g. `ward events | head -1` has exited */
	struct ward_buf out;
};

static int on_message(void *ctx, const uint8_t *msg, size_t len)
{
	struct printer *p = ctx;
	if (!p->hello_seen) {
		p->hello_seen = true; /* the daemon's Hello */
		return 0;
	}
	ward_buf_reset(&p->out);
	int rc = p->json ? ward_pb_record_json(msg, len, &p->out)
			 : ward_pb_record_table(msg, len, &p->out);
	if (rc < 0) {
		ward_log(WARD_LOG_WARN, "a record from the daemon did not decode (%zu bytes); "
					"skipped", len);
		return 0;
	}
	if (!p->out.len)
		return 0;
	if (fwrite(p->out.data, 1, p->out.len, stdout) != p->out.len) {
		p->stdout_closed = true;
		return -EPIPE;
	}
	return 0;
}

static int add_type(struct ward_subscription *s, bool *typed, const char *name)
{
	if (!*typed) {
		s->access_mask[0] = s->access_mask[1] = 0;
		*typed = true;
	}
	if (ward_type_mask_add(name, s->access_mask)) {
		ward_log(WARD_LOG_ERROR, "--type: unknown type '%s' (e.g. FILE, FILE_OPEN)", name);
		return -EINVAL;
	}
	return 0;
}

int ward_cmd_events(int argc, char **argv)
{
	enum { OPT_PATH = 256, OPT_ALERTS_ONLY, OPT_NO_ALERTS, OPT_STATS };
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "type", required_argument, NULL, 't' },
		{ "pid", required_argument, NULL, 'p' },
		{ "path", required_argument, NULL, OPT_PATH },
		{ "alerts-only", no_argument, NULL, OPT_ALERTS_ONLY },
		{ "no-alerts", no_argument, NULL, OPT_NO_ALERTS },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static struct ward_subscription sub;
	struct printer p = { 0 };
	const char *path = WARD_DEFAULT_SOCKET;
	bool typed = false;
	uint64_t v;
	int c;

	ward_subscription_all(&sub);
	sub.stats = sub.footprints = false;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:jt:p:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'j':
			p.json = true;
			break;
		case 't':
			if (add_type(&sub, &typed, optarg))
				return 2;
			break;
		case 'p':
			if (ward_parse_u64(optarg, &v) || v == 0 || v > 0x3fffffff) {
				ward_log(WARD_LOG_ERROR, "--pid: '%s' is not a process id", optarg);
				return 2;
			}
			if (sub.npids >= WARD_SUB_MAX_PIDS) {
				ward_log(WARD_LOG_ERROR, "--pid: at most %d", WARD_SUB_MAX_PIDS);
				return 2;
			}
			sub.pids[sub.npids++] = (uint32_t)v;
			break;
		case OPT_PATH: {
			size_t len = strlen(optarg);
			if (optarg[0] != '/' || len > WARD_SUB_MAX_PREFIX_LEN) {
				ward_log(WARD_LOG_ERROR, "--path: '%s' must be an absolute path", optarg);
				return 2;
			}
			if (sub.nprefixes >= WARD_SUB_MAX_PREFIXES) {
				ward_log(WARD_LOG_ERROR, "--path: at most %d", WARD_SUB_MAX_PREFIXES);
				return 2;
			}
			memcpy(sub.prefixes[sub.nprefixes], optarg, len);
			sub.prefix_len[sub.nprefixes++] = (uint16_t)len;
			break;
		}
		case OPT_ALERTS_ONLY:
			sub.events = false;
			sub.alerts = true;
			break;
		case OPT_NO_ALERTS:
			sub.alerts = false;
			break;
		case OPT_STATS:
			sub.stats = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case ':':
			ward_log(WARD_LOG_ERROR, "option '%s' needs a value (see 'ward events --help')",
				 argv[optind - 1]);
			return 2;
		default:
			ward_log(WARD_LOG_ERROR, "unknown option '%s' (see 'ward events --help')",
				 argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		ward_log(WARD_LOG_ERROR, "unexpected argument '%s'", argv[optind]);
		return 2;
	}

	struct ward_client *cl = ward_client_connect(path, &sub);
	if (!cl) {
		ward_log(WARD_LOG_ERROR, "cannot connect to %s: %s%s", path, strerror(errno),
			 errno == ENOENT || errno == ECONNREFUSED ? " (is `ward daemon` running?)"
			 : errno == EACCES			  ? " (the socket is root's: run as root)"
								  : "");
		return 1;
	}
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	ward_buf_init(&p.out);
	if (!p.json) {
		ward_table_header(&p.out);
		fputs(ward_buf_cstr(&p.out), stdout);
	}
	int exit_code = 0;
	while (!stopping) {
		int rc = ward_client_read(cl, 200, on_message, &p);
		if (fflush(stdout) == EOF)
			p.stdout_closed = true;
		/* whoever reads our output left: stop quietly, as a reader of a
		 * closed pipe does; it was not the daemon that went away */
		if (p.stdout_closed)
			break;
		if (rc == -EPIPE) {
			ward_log(WARD_LOG_INFO, "the daemon closed the connection");
			break;
		}
		if (rc < 0 && rc != -EINTR) {
			ward_log(WARD_LOG_ERROR, "reading from %s: %s", path, strerror(-rc));
			exit_code = 1;
			break;
		}
	}
	fflush(stdout);
	ward_client_close(cl);
	ward_buf_free(&p.out);
	return exit_code;
}
