/* `ward profile learn`: watch an application and write its allowlist profile. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmds.h"
#include "daemon/config_keys.h"
#include "detect/profile_learn.h"
#include "lib/log.h"
#include "lib/timefmt.h"
#include "pipeline.h"

static const char usage_text[] =
	"usage: ward profile learn APP [--duration TIME] [--output FILE]\n"
	"\n"
	"Watch the application whose executable is APP (an absolute path) for a while\n"
	"and write a profile of what it did: the files it opened, the commands it ran,\n"
	"the ports it connected to. Review and edit the file, then put it in the\n"
	"profiles directory (detection.profiles.dir, default /etc/ward/profiles):\n"
	"anything else the application does then raises an alert (docs/detection.md).\n"
	"\n"
	"  -d, --duration TIME  how long to watch: 500ms, 60s, 5m, 1h (default 60s);\n"
	"                       Ctrl-C stops earlier and still writes the profile\n"
	"  -o, --output FILE    write the profile here (default: stdout)\n"
	"  -h, --help           this help\n"
	"\n"
	"Exit codes: 0 written, 1 runtime error, 2 bad usage, 3 not root, 4 kernel\n"
	"unsupported.\n"
	"\n"
	"EXAMPLES\n"
	"  ward profile learn /usr/sbin/nginx --duration 10m -o /etc/ward/profiles/nginx.yaml\n"
	"  ward profile learn /usr/bin/python3.11 --duration 30s\n";

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void on_event(void *ctx, const struct ward_event *ev)
{
	ward_profile_learner_observe(ctx, ev);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int learn(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	uint64_t duration_ms = 60000;
	const char *output = NULL;
	const char *why;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (cfg_parse_duration(optarg, &duration_ms, &why) || !duration_ms) {
				ward_log(WARD_LOG_ERROR, "--duration: '%s' is not a duration (e.g. 60s, "
							 "5m)", optarg);
				return 2;
			}
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case ':':
			ward_log(WARD_LOG_ERROR, "option '%s' needs a value (see 'ward profile "
						 "--help')", argv[optind - 1]);
			return 2;
		default:
			ward_log(WARD_LOG_ERROR, "unknown option '%s' (see 'ward profile --help')",
				 argv[optind - 1]);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		ward_log(WARD_LOG_ERROR, optind < argc ? "one application only"
						       : "which application? (its executable's path)");
		return 2;
	}
	const char *app = argv[optind];
	char real[PATH_MAX];
	if (app[0] != '/') {
		ward_log(WARD_LOG_ERROR, "'%s': give the executable's absolute path", app);
		return 2;
	}
	/* Events carry canonical paths: /usr/bin/python3 is the python3.11 it links to. */
	if (realpath(app, real))
		app = real;
	else
		ward_log(WARD_LOG_WARN, "%s: %s; learning events of that path anyway", app,
			 strerror(errno));

	struct ward_profile_learner *l = ward_profile_learner_new(app);
	if (!l) {
		ward_log(WARD_LOG_ERROR, "out of memory");
		return 1;
	}
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	int exit_code = 1;
	struct ward_pipeline_opts po = {
		.sensor = {
			.ring_bytes = 8u << 20,
			.wakeup_bytes = 2u << 20,
			.access_mask = { ~0ULL, ~0ULL },
			/* every open: a profile lists files, not how often */
			.fold_ns = 1000000000ULL,
		},
		.on_event = on_event,
		.ctx = l,
	};
	enum ward_open_error err;
	struct ward_pipeline *p = ward_pipeline_open(&po, &err);
	if (!p) {
		exit_code = err ? (int)err : 1;
		goto out;
	}
	ward_log(WARD_LOG_INFO, "learning %s for %llu ms (Ctrl-C to stop earlier)", app,
		 (unsigned long long)duration_ms);
	uint64_t end = mono_ms() + duration_ms;
	while (!stopping && mono_ms() < end) {
		int rc = ward_pipeline_poll(p, 100);
		if (rc < 0 && rc != -EINTR) {
			ward_log(WARD_LOG_ERROR, "reading the ring buffer: %s", strerror(-rc));
			goto out;
		}
	}
	ward_pipeline_stop(p);

	FILE *f = output ? fopen(output, "we") : stdout;
	if (!f) {
		ward_log(WARD_LOG_ERROR, "%s: %s", output, strerror(errno));
		goto out;
	}
	char comment[512], host[256] = "";
	char start[WARD_TIME_LEN];
	if (gethostname(host, sizeof(host) - 1) < 0)
		host[0] = 0;
	ward_time_rfc3339(ward_time_realtime_ns() - duration_ms * 1000000ULL, start);
	snprintf(comment, sizeof(comment), "learned by `ward profile learn` on %s, %llu ms from %s",
		 host, (unsigned long long)duration_ms, start);
	int rc = ward_profile_learner_write(l, f, comment);
	if (f != stdout && fclose(f) != 0 && !rc)
		rc = -errno;
	if (rc < 0) {
		ward_log(WARD_LOG_ERROR, "writing the profile: %s", strerror(-rc));
		goto out;
	}
	ward_log(WARD_LOG_INFO, "%llu events of %s learned%s%s",
		 (unsigned long long)ward_profile_learner_events(l), app, output ? " into " : "",
		 output ? output : "");
	exit_code = 0;
out:
	ward_pipeline_free(p);
	ward_profile_learner_free(l);
	return exit_code;
}

int ward_cmd_profile(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "learn"))
		return learn(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage_text, stdout);
		return 0;
	}
	ward_log(WARD_LOG_ERROR, argc < 2 ? "which subcommand? (learn; see 'ward profile --help')"
					  : "unknown subcommand '%s' (learn; see 'ward profile "
					    "--help')", argc < 2 ? "" : argv[1]);
	return 2;
}
