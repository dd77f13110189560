/*
 * `ward watch`: the sensor in the foreground. Loads the BPF programs, prints
 * a live table (or JSON Lines with --json) until SIGINT/SIGTERM, then drains
 * what was captured and prints how many events were captured and dropped.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmds.h"
#include "decode.h"
#include "derive.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/parse.h"
#include "lib/timefmt.h"
#include "output.h"
#include "path_hooks.h"
#include "pipeline.h"
#include "daemon/config.h"
#include "detect/detection.h"
#include "proc_cache.h"
#include "sensor.h"
#include "stats.h"
#include "ward/abi.h"
#include "ward/xdr_types.h"
#include "xdr_names.h"

#define DEFAULT_RING (8ULL << 20)
#define DEFAULT_FLUSH_MS 100
#define DEFAULT_STATS_S 5
#define DEFAULT_FOLD_MS 1000

static const char usage_text[] =
	"usage: ward watch [--json] [--pid PID]... [--comm NAME]... [--type TYPE]...\n"
	"                  [--ring-size BYTES] [--flush-ms MS] [--stats-interval SECONDS]\n"
	"                  [--fold-ms MS] [--route ROUTE] [--rules PATH]... [--no-default-rules]\n"
	"                  [--profiles DIR] [--no-detect]\n"
	"                  [--strict] [--verbose]\n"
	"\n"
	"Watch process, file and network activity on this host, live, until Ctrl-C.\n"
	"\n"
	"  -j, --json               JSON Lines on stdout (the contract in docs/output.md)\n"
	"  -p, --pid PID            only this process (thread group id); repeatable\n"
	"  -c, --comm NAME          only processes with this command name; repeatable\n"
	"  -t, --type TYPE          only this event type (PROCESS, FILE, CONNECTION, DNS,\n"
	"                           INTERNET) or access type (FILE_OPEN, DNS_QUERY, ...);\n"
	"                           repeatable\n"
	"      --ring-size BYTES    kernel ring buffer size, a power of two (K/M/G\n"
	"                           suffixes; default 8M)\n"
	"      --flush-ms MS        longest time an event waits in the ring before it\n"
	"                           is read (default 100; a fuller ring wakes ward sooner)\n"
	"      --stats-interval S   seconds between stats records in --json (default 5;\n"
	"                           0 = only at exit)\n"
	"      --fold-ms MS         report a process's repeated opens of the same file\n"
	"                           (same flags) once per MS milliseconds, with a count\n"
	"                           (default 1000; 0 = report every open)\n"
	"      --route ROUTE        where paths of unlink, rename, chmod... come from:\n"
	"                           auto (default: BPF-LSM or fentry path hooks where the\n"
	"                           kernel allows them), tracepoint (resolved in user\n"
	"                           space), fentry, lsm (docs/kernels.md)\n"
	"      --rules PATH         also load these rule files or directories of *.yaml\n"
	"                           (docs/rules.md); repeatable\n"
	"      --no-default-rules   without the built-in rules (ward rules list)\n"
	"      --profiles DIR       per-application allowlists (docs/detection.md)\n"
	"      --no-detect          no detection: events only, no alerts\n"
	"      --strict             exit if any hook or program fails to load\n"
	"  -v, --verbose            print libbpf and verifier messages\n"
	"  -h, --help               this help\n"
	"\n"
	"Filters run in the kernel. ward never reports its own activity.\n"
	"Detection (rules, ransomware behaviour) runs on what the filters pass and\n"
	"prints alerts among the events ('kind':'alert' in --json).\n"
	"At start ward prints each hook and its status on stderr, then 'ward: ready'.\n"
	"On exit it prints how many events it captured and how many were dropped.\n"
	"A second Ctrl-C abandons output that a stuck reader does not take.\n"
	"\n"
	"Exit codes: 0 stopped by a signal, 1 runtime error, 2 bad usage,\n"
	"3 not permitted (not root), 4 kernel unsupported (no BTF, lockdown), 5 --strict failure.\n"
	"\n"
	"EXAMPLES\n"
	"  ward watch                          live table of every event\n"
	"  ward watch --json > events.jsonl    JSON Lines for machines\n"
	"  ward watch --type FILE_OPEN --comm cat\n"
	"  ward watch --pid 1234 --type PROCESS\n"
	"  ward watch --type DNS --type CONNECTION_CONNECT_OUTBOUND\n"
	"  ward watch --json --rules ./my-rules.yaml | grep '\"kind\":\"alert\"'\n";

static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t stop_count;

/* The first signal stops capture and flushes what was captured; a second
 * one also abandons output a stuck reader is not taking. */
static void on_signal(int sig)
{
	stop_signal = sig;
	stop_count++;
}

struct watch {
	bool json;
	bool no_detect;
	struct ward_config cfg;        /* detection settings (the daemon's defaults) */
	const char *rule_files[64];
	size_t nrule_files;
	struct ward_detection *det;
	uint64_t stats_interval_ns;
	struct ward_pipeline *pipe;
	struct ward_buf out;
	struct ward_stats interval;
	int write_error;
};

static void on_event(void *ctx, const struct ward_event *ev)
{
	struct watch *w = ctx;
	ward_stats_add(&w->interval, ev->access_type);
	if (w->json)
		ward_json_event(&w->out, ev);
	else
		ward_table_event(&w->out, ev);
}

static void on_alert(void *ctx, const struct ward_alert *a)
{
	struct watch *w = ctx;
	if (w->json)
		ward_json_alert(&w->out, a);
	else
		ward_table_alert(&w->out, a);
}

static void detect(void *self, const struct ward_event *ev, ward_alert_fn emit, void *ctx)
{
	struct watch *w = self;
	ward_detection_observe(w->det, ev, emit, ctx);
}

static int flush_out(struct watch *w)
{
	size_t off = 0;
	if (w->write_error) {
		/* stdout is gone or abandoned: nothing more can reach it */
		ward_buf_reset(&w->out);
		return -w->write_error;
	}
	while (off < w->out.len) {
		ssize_t n = write(STDOUT_FILENO, w->out.data + off, w->out.len - off);
		if (n < 0) {
			if (errno == EINTR && stop_count < 2)
				continue;
			if (errno == EINTR) {
				ward_log(WARD_LOG_WARN, "second signal: %zu bytes of output the reader "
							"did not take are discarded", w->out.len - off);
				w->write_error = EINTR;
				break;
			}
			if (!w->write_error)
				ward_log(WARD_LOG_ERROR, "writing events to stdout: %s", strerror(errno));
			w->write_error = errno;
			break;
		}
		off += n;
	}
	ward_buf_reset(&w->out);
	return w->write_error ? -w->write_error : 0;
}

static uint64_t boot_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void emit_stats(struct watch *w, double interval_s, bool final)
{
	static uint64_t by_cpu[WARD_MAX_CPUS];
	struct ward_stats_record r = {
		.time_ns = ward_time_realtime_ns(),
		.interval_s = interval_s,
		.stats = &w->interval,
		.final = final,
	};
	ward_pipeline_counters(w->pipe, &r, by_cpu);
	ward_json_stats(&w->out, &r);
	ward_stats_reset(&w->interval);
}

static void print_hooks(struct watch *w)
{
	const struct ward_hook_report *hooks;
	struct ward_sensor *sensor = ward_pipeline_sensor(w->pipe);
	size_t n = ward_sensor_hooks(sensor, &hooks);
	size_t attached = 0, problems = 0;
	for (size_t i = 0; i < n; i++) {
		const struct ward_hook_report *h = &hooks[i];
		if (h->status == WARD_HOOK_ATTACHED) {
			attached++;
			ward_log(WARD_LOG_INFO, "hook %-20s attached    (%s)", h->name, h->covers);
		} else {
			problems++;
			ward_log(WARD_LOG_WARN, "hook %s (%s) %s: %s; not covered: %s", h->name, h->prog,
				 h->status == WARD_HOOK_UNAVAILABLE ? "unavailable" : "failed",
				 h->reason, h->covers ? h->covers : "see above");
		}
	}
	const struct ward_kernel_info *k = ward_sensor_kernel(sensor);
	ward_log(WARD_LOG_INFO, "kernel %s, lockdown %s; path walk: %s", k->release, k->lockdown,
		 k->path_walk);
	ward_log(WARD_LOG_INFO, "paths of path-named syscalls (unlink, rename, chmod...): %s%s%s",
		 strcmp(k->path_route, "tracepoint") ? k->path_route : "tracepoint route",
		 k->path_route_reason[0] ? "; " : "", k->path_route_reason);
	if (w->json) {
		ward_json_hooks(&w->out, ward_time_realtime_ns(), k, hooks, n);
		flush_out(w);
	}
	ward_log(WARD_LOG_INFO, "ready: %zu hooks attached, %zu problems", attached, problems);
}

static int parse_args(int argc, char **argv, struct watch *w, struct ward_sensor_opts *o,
		      uint32_t *pids, char (*comms)[WARD_COMM_LEN], uint32_t *flush_ms)
{
	enum { OPT_RING = 256, OPT_FLUSH, OPT_STATS, OPT_STRICT, OPT_FOLD, OPT_RULES,
	       OPT_NO_DEFAULT_RULES, OPT_NO_DETECT, OPT_PROFILES, OPT_ROUTE };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pid", required_argument, NULL, 'p' },
		{ "comm", required_argument, NULL, 'c' },
		{ "type", required_argument, NULL, 't' },
		{ "ring-size", required_argument, NULL, OPT_RING },
		{ "flush-ms", required_argument, NULL, OPT_FLUSH },
		{ "stats-interval", required_argument, NULL, OPT_STATS },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "fold-ms", required_argument, NULL, OPT_FOLD },
		{ "route", required_argument, NULL, OPT_ROUTE },
		{ "rules", required_argument, NULL, OPT_RULES },
		{ "no-default-rules", no_argument, NULL, OPT_NO_DEFAULT_RULES },
		{ "no-detect", no_argument, NULL, OPT_NO_DETECT },
		{ "profiles", required_argument, NULL, OPT_PROFILES },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool typed = false;
	uint64_t v;
	int c;

	optind = 1;
	opterr = 0; /* one "ward: error:" line of our own instead of getopt's */
	while ((c = getopt_long(argc, argv, ":jp:c:t:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			w->json = true;
			break;
		case 'p':
			if (ward_parse_u64(optarg, &v) || v == 0 || v > 0x3fffffff) {
				ward_log(WARD_LOG_ERROR, "--pid: '%s' is not a process id", optarg);
				return -EINVAL;
			}
			if (o->npids >= WARD_MAX_FILTER_PIDS) {
				ward_log(WARD_LOG_ERROR, "--pid: at most %d", WARD_MAX_FILTER_PIDS);
				return -EINVAL;
			}
			pids[o->npids++] = v;
			break;
		case 'c':
			if (strlen(optarg) >= WARD_COMM_LEN || !optarg[0]) {
				ward_log(WARD_LOG_ERROR, "--comm: '%s' must be 1 to 15 characters "
							 "(the kernel's command name)", optarg);
				return -EINVAL;
			}
			if (o->ncomms >= WARD_MAX_FILTER_COMMS) {
				ward_log(WARD_LOG_ERROR, "--comm: at most %d", WARD_MAX_FILTER_COMMS);
				return -EINVAL;
			}
			memset(comms[o->ncomms], 0, WARD_COMM_LEN);
			memcpy(comms[o->ncomms++], optarg, strlen(optarg));
			break;
		case 't':
			if (!typed) {
				o->access_mask[0] = o->access_mask[1] = 0;
				typed = true;
			}
			if (ward_type_mask_add(optarg, o->access_mask)) {
				ward_log(WARD_LOG_ERROR, "--type: unknown type '%s' (e.g. FILE, "
							 "FILE_OPEN, PROCESS_EXECUTE)", optarg);
				return -EINVAL;
			}
			break;
		case OPT_RING:
			if (ward_parse_size(optarg, &v) || v < 4096 || (v & (v - 1)) ||
			    v > (1ULL << 30)) {
				ward_log(WARD_LOG_ERROR, "--ring-size: '%s' must be a power of two "
							 "from 4K to 1G", optarg);
				return -EINVAL;
			}
			o->ring_bytes = v;
			break;
		case OPT_FLUSH:
			if (ward_parse_u64(optarg, &v) || v < 1 || v > 10000) {
				ward_log(WARD_LOG_ERROR, "--flush-ms: '%s' must be 1 to 10000", optarg);
				return -EINVAL;
			}
			*flush_ms = v;
			break;
		case OPT_STATS:
			if (ward_parse_u64(optarg, &v) || v > 86400) {
				ward_log(WARD_LOG_ERROR, "--stats-interval: '%s' must be 0 to 86400",
					 optarg);
				return -EINVAL;
			}
			w->stats_interval_ns = v * 1000000000ULL;
			break;
		case OPT_STRICT:
			o->strict = true;
			break;
		case OPT_FOLD:
			if (ward_parse_u64(optarg, &v) || v > 3600000) {
				ward_log(WARD_LOG_ERROR, "--fold-ms: '%s' must be 0 to 3600000", optarg);
				return -EINVAL;
			}
			o->fold_ns = v * 1000000ULL;
			break;
		case OPT_ROUTE: {
			int r = ward_route_parse(optarg);
			if (r < 0) {
				ward_log(WARD_LOG_ERROR, "--route: '%s' is not one of auto, tracepoint, "
					 "fentry, lsm", optarg);
				return -EINVAL;
			}
			o->route = r;
			break;
		}
		case OPT_RULES:
			if (w->nrule_files >= sizeof(w->rule_files) / sizeof(w->rule_files[0])) {
				ward_log(WARD_LOG_ERROR, "--rules: at most 64");
				return -EINVAL;
			}
			w->rule_files[w->nrule_files++] = optarg;
			break;
		case OPT_NO_DEFAULT_RULES:
			w->cfg.detection.rules.default_rules = false;
			break;
		case OPT_NO_DETECT:
			w->no_detect = true;
			break;
		case OPT_PROFILES:
			w->cfg.detection.profiles.dir = optarg;
			break;
		case 'v':
			ward_log_set_level(WARD_LOG_DEBUG);
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 1;
		case ':':
			ward_log(WARD_LOG_ERROR, "option '%s' needs a value (see 'ward watch --help')",
				 argv[optind - 1]);
			return -EINVAL;
		default:
			ward_log(WARD_LOG_ERROR, "unknown option '%s' (see 'ward watch --help')",
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

int ward_cmd_watch(int argc, char **argv)
{
	static uint32_t pids[WARD_MAX_FILTER_PIDS];
	static char comms[WARD_MAX_FILTER_COMMS][WARD_COMM_LEN];
	struct watch w = { .stats_interval_ns = DEFAULT_STATS_S * 1000000000ULL };
	struct ward_sensor_opts o = {
		.ring_bytes = DEFAULT_RING,
		.pids = pids,
		.comms = comms,
		.access_mask = { ~0ULL, ~0ULL },
		.fold_ns = DEFAULT_FOLD_MS * 1000000ULL,
	};
	uint32_t flush_ms = DEFAULT_FLUSH_MS;
	ward_config_defaults(&w.cfg);
	w.cfg.detection.profiles.dir = NULL; /* only with --profiles */
	int ret = parse_args(argc, argv, &w, &o, pids, comms, &flush_ms);
	if (ret)
		return ret > 0 ? 0 : 2;
	/* Wake the consumer early once a quarter of the ring is used. */
	o.wakeup_bytes = o.ring_bytes / 4;
	ward_buf_init(&w.out);

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	int exit_code = 1;
	enum ward_open_error err;
	struct ward_pipeline_opts po = { .sensor = o, .on_event = on_event, .on_alert = on_alert,
					 .ctx = &w };
	w.pipe = ward_pipeline_open(&po, &err);
	if (!w.pipe) {
		exit_code = err ? (int)err : 1;
		goto out;
	}
	if (!w.no_detect) {
		/* only the files named here: watch does not read /etc/ward/rules.d */
		w.cfg.detection.rules.files = (struct ward_strv){ .v = w.rule_files,
								  .n = w.nrule_files };
		w.det = ward_detection_new(&w.cfg, ward_pipeline_procs(w.pipe));
		if (!w.det) {
			exit_code = 2;
			goto out;
		}
		ward_pipeline_add_detector(w.pipe, (struct ward_detector){ .observe = detect,
									  .self = &w });
	}
	print_hooks(&w);
	if (!w.json) {
		ward_table_header(&w.out);
		flush_out(&w);
	}

	uint64_t interval_start = boot_ns();
	exit_code = 0;
	while (!stop_signal) {
		int rc = ward_pipeline_poll(w.pipe, flush_ms);
		if (rc < 0 && rc != -EINTR) {
			ward_log(WARD_LOG_ERROR, "reading the ring buffer: %s", strerror(-rc));
			exit_code = 1;
			break;
		}
		uint64_t now = boot_ns();
		if (w.json && w.stats_interval_ns && now - interval_start >= w.stats_interval_ns) {
			emit_stats(&w, (now - interval_start) / 1e9, false);
			interval_start = now;
		}
		if (flush_out(&w) < 0) {
			exit_code = 1;
			break;
		}
	}

	ward_pipeline_stop(w.pipe);
	if (w.json)
		emit_stats(&w, (boot_ns() - interval_start) / 1e9, true);
	flush_out(&w);
	static uint64_t by_cpu[WARD_MAX_CPUS];
	struct ward_stats_record r = { 0 };
	ward_pipeline_counters(w.pipe, &r, by_cpu);
	ward_log(WARD_LOG_INFO, "%llu events captured, %llu dropped (ring buffer full), "
				"%llu repeats folded, %llu malformed",
		 (unsigned long long)ward_pipeline_events(w.pipe), (unsigned long long)r.dropped,
		 (unsigned long long)r.deduplicated, (unsigned long long)r.malformed);
out:
	ward_pipeline_free(w.pipe);
	ward_detection_free(w.det);
	ward_buf_free(&w.out);
	return exit_code;
}
