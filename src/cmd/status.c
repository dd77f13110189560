/* `ward status`: is the daemon running, what is it attached to, what has it lost. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmds.h"
#include "daemon/client.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "output.h"
#include "pb/codec.h"
#include "stats.h"
#include "xdr_names.h"

static const char usage_text[] =
	"usage: ward status [--socket PATH] [--json]\n"
	"\n"
	"Ask the running ward daemon how it is: uptime, the kernel hooks attached and\n"
	"any that failed to load, events per type in the last interval, events\n"
	"dropped (in the kernel, towards the log, towards slow clients), events\n"
	"written to the log, and the daemon's own CPU time and memory.\n"
	"\n"
	"  -s, --socket PATH   the daemon's socket (default /run/ward/ward.sock)\n"
	"  -j, --json          the daemon's startup and latest stats records as JSON Lines\n"
	"  -h, --help          this help\n"
	"\n"
	"Exit codes: 0 the daemon answered, 1 no daemon or no answer, 2 bad usage.\n"
	"\n"
	"EXAMPLES\n"
	"  ward status\n"
	"  ward status --json | jq .\n";

struct status {
	bool json, hello_seen;
	struct ward_pb_decoded *d;
	struct ward_buf startup_json, stats_json, text;
	bool have_startup, have_stats;
};

static void describe_stats(struct status *s, const struct ward_stats_record *r)
{
	struct ward_buf *b = &s->text;
	const struct ward_daemon_stats *ds = r->daemon;
	char line[512];
	if (ds) {
		unsigned long up = (unsigned long)ds->uptime_s;
		snprintf(line, sizeof(line),
			 "up %lud %02luh%02lum%02lus, cpu %.2f s user %.2f s system, rss %.1f MiB, "
			 "%u clients\n",
			 up / 86400, up / 3600 % 24, up / 60 % 60, up % 60, ds->cpu_user_s,
			 ds->cpu_system_s, ds->rss_bytes / 1048576.0, ds->clients);
		ward_buf_puts(b, line);
	}
	snprintf(line, sizeof(line),
		 "kernel: %llu records sent, %llu dropped (ring buffer full), %llu folded, "
		 "%llu filtered\n",
		 (unsigned long long)r->sent, (unsigned long long)r->dropped,
		 (unsigned long long)r->deduplicated, (unsigned long long)r->filtered);
	ward_buf_puts(b, line);
	if (ds) {
		snprintf(line, sizeof(line), "log: %llu records written, %llu dropped\n",
			 (unsigned long long)ds->log_written, (unsigned long long)ds->log_dropped);
		ward_buf_puts(b, line);
		for (size_t i = 0; i < ds->nsinks; i++) {
			snprintf(line, sizeof(line), "  %-11s %12llu written %10llu dropped\n",
				 ds->sinks[i].name ? ds->sinks[i].name : "?",
				 (unsigned long long)ds->sinks[i].written,
				 (unsigned long long)ds->sinks[i].dropped);
			ward_buf_puts(b, line);
		}
	}
	snprintf(line, sizeof(line), "events in the last %.1f s:\n", r->interval_s);
	ward_buf_puts(b, line);
	bool any = false;
	for (unsigned int i = 0; r->stats && i < WARD_STATS_SLOTS; i++) {
		unsigned int a = ward_stats_access_at(i);
		if (!a || !r->stats->by_access[i])
			continue;
		snprintf(line, sizeof(line), "  %-34s %llu\n", ward_access_type_name(a),
			 (unsigned long long)r->stats->by_access[i]);
		ward_buf_puts(b, line);
		any = true;
	}
	if (!any)
		ward_buf_puts(b, "  (none)\n");
}

static void describe_startup(struct status *s, const struct ward_pb_decoded *d)
{
	struct ward_buf *b = &s->text;
	char line[640];
	size_t attached = 0;
	for (size_t i = 0; i < d->nhooks; i++)
		attached += d->hooks[i].status == WARD_HOOK_ATTACHED;
	snprintf(line, sizeof(line), "kernel %s, lockdown %s, path walk %s, path route %s\n"
		 "hooks: %zu of %zu attached\n",
		 d->kernel.release, d->kernel.lockdown, d->kernel.path_walk ? d->kernel.path_walk : "?",
		 d->kernel.path_route ? d->kernel.path_route : "?", attached, d->nhooks);
	ward_buf_puts(b, line);
	for (size_t i = 0; i < d->nhooks; i++) {
		const struct ward_hook_report *h = &d->hooks[i];
		if (h->status == WARD_HOOK_ATTACHED)
			continue;
		snprintf(line, sizeof(line), "  %s %s: %s (not covered: %s)\n", h->name,
			 h->status == WARD_HOOK_UNAVAILABLE ? "unavailable" : "FAILED", h->reason,
			 h->covers ? h->covers : "?");
		ward_buf_puts(b, line);
	}
}

static int on_message(void *ctx, const uint8_t *msg, size_t len)
{
	struct status *s = ctx;
	if (!s->hello_seen) {
		s->hello_seen = true;
		return 0;
	}
	if (ward_pb_decode_record(msg, len, s->d) || s->d->kind != WARD_PB_STATS)
		return 0;
	if (s->d->startup && !s->have_startup) {
		s->have_startup = true;
		ward_pb_decoded_json(s->d, &s->startup_json);
		describe_startup(s, s->d);
	} else if (!s->d->startup && !s->have_stats) {
		s->have_stats = true;
		ward_pb_decoded_json(s->d, &s->stats_json);
		describe_stats(s, &s->d->stats);
	}
	return 0;
}

int ward_cmd_status(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *path = WARD_DEFAULT_SOCKET;
	struct status s = { 0 };
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'j':
			s.json = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case ':':
			ward_log(WARD_LOG_ERROR, "option '%s' needs a value (see 'ward status --help')",
				 argv[optind - 1]);
			return 2;
		default:
			ward_log(WARD_LOG_ERROR, "unknown option '%s' (see 'ward status --help')",
				 argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		ward_log(WARD_LOG_ERROR, "unexpected argument '%s'", argv[optind]);
		return 2;
	}
	static struct ward_subscription sub;
	memset(&sub, 0, sizeof(sub));
	sub.stats = true;
	sub.access_mask[0] = sub.access_mask[1] = ~0ULL;
	struct ward_client *cl = ward_client_connect(path, &sub);
	if (!cl) {
		printf("ward daemon: not running (cannot connect to %s: %s)\n", path,
		       strerror(errno));
		return 1;
	}
	s.d = ward_pb_decoded_new();
	ward_buf_init(&s.startup_json);
	ward_buf_init(&s.stats_json);
	ward_buf_init(&s.text);
	int exit_code = 1;
	/* The daemon sends its startup record and latest stats at once. */
	for (int tries = 0; s.d && tries < 50 && !(s.have_startup && s.have_stats); tries++) {
		int rc = ward_client_read(cl, 100, on_message, &s);
		if (rc < 0)
			break;
	}
	if (s.have_startup && s.have_stats) {
		exit_code = 0;
		if (s.json)
			/* each JSON line already ends in its newline */
			printf("%s%s", ward_buf_cstr(&s.startup_json), ward_buf_cstr(&s.stats_json));
		else
			printf("ward daemon: running (%s)\n%s", path, ward_buf_cstr(&s.text));
	} else {
		printf("ward daemon: no answer on %s within 5 s\n", path);
	}
	ward_client_close(cl);
	ward_pb_decoded_free(s.d);
	ward_buf_free(&s.startup_json);
	ward_buf_free(&s.stats_json);
	ward_buf_free(&s.text);
	return exit_code;
}
