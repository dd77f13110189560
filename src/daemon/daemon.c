/*
 * The daemon's main thread: poll the ring, decode, detect, encode each
 * record once and offer it to every sink's queue. Nothing here waits for a
 * sink: the sinks' threads do the writing.
 */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon/config.h"
#include "daemon/daemon.h"
#include "detect/detection.h"
#include "daemon/notify.h"
#include "daemon/sink_log.h"
#include "daemon/sink_text.h"
#include "decode.h"
#include "sensor.h"
#include "ward/abi.h"
#include "daemon/socket_server.h"
#include "lib/log.h"
#include "lib/timefmt.h"
#include "output.h"
#include "pb/codec.h"
#include "pipeline.h"
#include "stats.h"
#include "store/footprints.h"
#include "xdr_names.h"

static volatile sig_atomic_t stop_signal, reload_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static void on_hup(int sig)
{
	(void)sig;
	reload_signal = 1;
}

struct daemon {
	struct ward_config cfg;
	const char *config_path;  /* NULL: defaults only */
	struct ward_pipeline *pipe;
	struct ward_sink *log, *jsonl, *syslog;
	struct ward_syslog_opts syslog_opts;
	struct ward_socket_server *sock;
	struct ward_footprints *fp;
	struct ward_detection *det;
	uint8_t *enc;             /* one encoded record */
	struct ward_stats interval;
	uint64_t start_boot_ns, interval_start;
	uint64_t encode_errors;
	uint64_t kernel_lost_seen;
};

static uint64_t boot_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* One record to every sink; each queue takes it or counts it as dropped. */
static void offer(struct daemon *d, const struct ward_rec_meta *m, const char *path, size_t len)
{
	if (d->log)
		ward_sink_offer(d->log, m, path, d->enc, len);
	if (d->sock)
		ward_socket_server_offer(d->sock, m, path, d->enc, len);
	if (d->jsonl)
		ward_sink_offer(d->jsonl, m, path, d->enc, len);
	if (d->syslog && ward_syslog_wants(&d->syslog_opts, m->kind, m->severity))
		ward_sink_offer(d->syslog, m, path, d->enc, len);
}

/* The sinks' threads wake once per batch of records, not per record. */
static void kick_outputs(struct daemon *d)
{
	ward_sink_kick(d->log);
	ward_socket_server_kick(d->sock);
	ward_sink_kick(d->jsonl);
	ward_sink_kick(d->syslog);
}

static void event_meta(struct ward_rec_meta *m, const struct ward_event *ev)
{
	m->time_ns = ev->time_ns;
	m->pid = ev->process.pid;
	m->event_type = ev->event_type;
	m->access_type = ev->access_type;
	size_t plen = ev->file.path.s ? ev->file.path.len : 0;
	m->path_len = plen > WARD_QUEUE_MAX_PATH ? WARD_QUEUE_MAX_PATH : (uint16_t)plen;
}

static void on_event(void *ctx, const struct ward_event *ev)
{
	struct daemon *d = ctx;
	ward_stats_add(&d->interval, ev->access_type);
	if (d->fp)
		ward_footprints_observe(d->fp, ev);
	size_t len;
	if (ward_pb_encode_event(ev, d->enc, WARD_PB_RECORD_MAX, &len)) {
		d->encode_errors++;
		return;
	}
	struct ward_rec_meta m = { .kind = WARD_KIND_EVENT };
	event_meta(&m, ev);
	offer(d, &m, ev->file.path.s, len);
}

static void on_alert(void *ctx, const struct ward_alert *a)
{
	struct daemon *d = ctx;
	size_t len;
	if (ward_pb_encode_alert(a, d->enc, WARD_PB_RECORD_MAX, &len)) {
		d->encode_errors++;
		return;
	}
	struct ward_rec_meta m = { .kind = WARD_KIND_ALERT, .severity = (uint8_t)a->severity };
	if (a->event) {
		event_meta(&m, a->event);
		m.kind = WARD_KIND_ALERT;
	}
	m.time_ns = a->time_ns;
	offer(d, &m, a->event ? a->event->file.path.s : NULL, len);
}

/* Records the kernel could not write: a marker at the place the gap shows. */
static void on_kernel_loss(void *ctx, uint64_t count, uint64_t time_ns)
{
	struct daemon *d = ctx;
	struct ward_loss l = { .time_ns = time_ns, .count = count, .first_time_ns = time_ns,
			       .last_time_ns = time_ns, .reason = WARD_LOSS_KERNEL,
			       .sink = NULL };
	size_t len;
	if (ward_pb_encode_loss(&l, d->enc, WARD_PB_RECORD_MAX, &len)) {
		d->encode_errors++;
		return;
	}
	struct ward_rec_meta m = { .kind = WARD_KIND_LOSS, .time_ns = time_ns };
	offer(d, &m, NULL, len);
}

static void add_sink_stats(struct ward_daemon_stats *ds, const char *name, uint64_t written,
			   uint64_t dropped)
{
	if (ds->nsinks >= WARD_DAEMON_MAX_SINKS)
		return;
	struct ward_sink_stats *s = (struct ward_sink_stats *)&ds->sinks[ds->nsinks++];
	s->name = name;
	s->written = written;
	s->dropped = dropped;
}

static uint64_t rss_bytes(void)
{
	unsigned long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "re");
	if (!f)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

static void emit_stats(struct daemon *d, bool final)
{
	static uint64_t by_cpu[WARD_MAX_CPUS];
	static struct ward_sink_stats sinks[WARD_DAEMON_MAX_SINKS];
	uint64_t now = boot_ns();
	struct ward_daemon_stats ds = { .sinks = sinks };
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	ds.uptime_s = (now - d->start_boot_ns) / 1e9;
	ds.cpu_user_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
	ds.cpu_system_s = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	ds.rss_bytes = rss_bytes();
	struct ward_sink_counters c;
	if (d->log) {
		struct ward_log_stats ls;
		ward_sink_counters(d->log, &c);
		ward_log_sink_stats(d->log, &ls);
		ds.log_written = ls.records_written;
		ds.log_dropped = c.dropped + ls.records_dropped;
		add_sink_stats(&ds, "log", ls.records_written, ds.log_dropped);
	}
	if (d->sock) {
		struct ward_socket_counters sc;
		ward_socket_server_counters(d->sock, &sc);
		ds.clients = sc.clients_now;
		add_sink_stats(&ds, "socket", sc.sent, sc.server_dropped);
		add_sink_stats(&ds, "clients", sc.sent, sc.client_dropped);
	}
	if (d->jsonl) {
		ward_sink_counters(d->jsonl, &c);
		add_sink_stats(&ds, "jsonl", c.written, c.dropped + c.write_errors);
	}
	if (d->syslog) {
		ward_sink_counters(d->syslog, &c);
		add_sink_stats(&ds, "syslog", c.written, c.dropped + c.write_errors);
	}
	if (d->fp) {
		struct ward_footprints_stats fs;
		ward_footprints_get_stats(d->fp, &fs);
		add_sink_stats(&ds, "footprints", fs.objects_written, fs.dropped);
	}
	struct ward_stats_record r = {
		.time_ns = ward_time_realtime_ns(),
		.interval_s = (now - d->interval_start) / 1e9,
		.stats = &d->interval,
		.final = final,
		.daemon = &ds,
	};
	ward_pipeline_counters(d->pipe, &r, by_cpu);
	size_t len;
	if (ward_pb_encode_stats(&r, d->enc, WARD_PB_RECORD_MAX, &len) == 0) {
		struct ward_rec_meta m = { .kind = WARD_KIND_STATS, .time_ns = r.time_ns };
		offer(d, &m, NULL, len);
	} else {
		d->encode_errors++;
	}
	ward_stats_reset(&d->interval);
	d->interval_start = now;
}

static void emit_startup(struct daemon *d)
{
	struct ward_sensor *sensor = ward_pipeline_sensor(d->pipe);
	const struct ward_hook_report *hooks;
	size_t n = ward_sensor_hooks(sensor, &hooks);
	size_t attached = 0;
	for (size_t i = 0; i < n; i++) {
		const struct ward_hook_report *h = &hooks[i];
		if (h->status == WARD_HOOK_ATTACHED)
			attached++;
		else
			ward_log(WARD_LOG_WARN, "hook %s (%s) %s: %s; not covered: %s", h->name,
				 h->prog, h->status == WARD_HOOK_UNAVAILABLE ? "unavailable" : "failed",
				 h->reason, h->covers ? h->covers : "see above");
	}
	const struct ward_kernel_info *k = ward_sensor_kernel(sensor);
	ward_log(WARD_LOG_INFO, "kernel %s, lockdown %s, path walk %s, path route %s%s%s%s; "
		 "%zu of %zu hooks attached", k->release, k->lockdown, k->path_walk, k->path_route,
		 k->path_route_reason[0] ? " (" : "", k->path_route_reason,
		 k->path_route_reason[0] ? ")" : "", attached, n);
	size_t len;
	if (ward_pb_encode_hooks(ward_time_realtime_ns(), k, hooks, n, d->enc, WARD_PB_RECORD_MAX,
				 &len) == 0) {
		struct ward_rec_meta m = { .kind = WARD_KIND_STATS,
					   .time_ns = ward_time_realtime_ns() };
		offer(d, &m, NULL, len);
	}
}

/* mkdir -p for the directory that will hold path (the socket, the database). */
static int make_parent(const char *path, mode_t mode)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = 0;
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int sensor_mask(const struct ward_config *c, uint64_t mask[2])
{
	if (!c->sensor.types.n) {
		mask[0] = mask[1] = ~0ULL;
		return 0;
	}
	mask[0] = mask[1] = 0;
	for (size_t i = 0; i < c->sensor.types.n; i++)
		if (ward_type_mask_add(c->sensor.types.v[i], mask))
			return -EINVAL;
	return 0;
}

static int start_outputs(struct daemon *d)
{
	const struct ward_config *c = &d->cfg;
	int rc;
	if (c->log.enabled) {
		struct ward_log_opts lo;
		ward_log_opts_init(&lo);
		lo.dir = c->log.dir;
		lo.segment_bytes = c->log.segment_size;
		lo.segment_age_ns = c->log.segment_age_ms * 1000000ULL;
		lo.retain_bytes = c->log.retention_size;
		lo.retain_age_ns = c->log.retention_age_ms * 1000000ULL;
		lo.block_bytes = (uint32_t)c->log.block_size;
		lo.zstd_level = (int)c->log.compression_level;
		lo.fsync = c->log.sync == WARD_CONFIG_SYNC_SEGMENT  ? WARD_LOG_FSYNC_SEGMENT
			 : c->log.sync == WARD_CONFIG_SYNC_NONE     ? WARD_LOG_FSYNC_NONE
			 : c->log.sync == WARD_CONFIG_SYNC_INTERVAL ? WARD_LOG_FSYNC_FLUSH
								    : WARD_LOG_FSYNC_BLOCK;
		struct ward_log_recovery rec = { 0 };
		d->log = ward_log_sink_start(&lo, &rec, c->log.queue, (int)c->log.flush_interval_ms);
		if (!d->log) {
			ward_log(WARD_LOG_ERROR, "log: cannot open %s: %s", c->log.dir,
				 errno == EWOULDBLOCK ? "another ward daemon is writing there"
						      : strerror(errno));
			return -1;
		}
		if (rec.bytes_cut || rec.segment_removed || rec.corrupt_blocks)
			ward_log(WARD_LOG_WARN, "log: %s ended in a torn write (ward was stopped "
						"mid-write): cut %llu bytes (%llu damaged blocks), kept "
						"%llu blocks with %llu records%s",
				 rec.segment, (unsigned long long)rec.bytes_cut,
				 (unsigned long long)rec.blocks_cut, (unsigned long long)rec.blocks_kept,
				 (unsigned long long)rec.records_kept,
				 rec.corrupt_blocks ? "; older damaged blocks are left for "
						      "`ward log verify` to report" : "");
		ward_log(WARD_LOG_INFO, "log: writing to %s", c->log.dir);
	}
	if (c->socket.enabled) {
		struct ward_socket_opts so = {
			.path = c->socket.path,
			.mode = c->socket.mode,
			.gid = (gid_t)-1,
			.client_queue = c->socket.client_queue,
			.max_clients = (unsigned int)c->socket.max_clients,
		};
		if (c->socket.group && c->socket.group[0]) {
			struct group *g = getgrnam(c->socket.group);
			if (!g) {
				ward_log(WARD_LOG_ERROR, "socket.group: no group '%s'", c->socket.group);
				return -1;
			}
			so.gid = g->gr_gid;
		}
		if ((rc = make_parent(c->socket.path, 0755)) < 0) {
			ward_log(WARD_LOG_ERROR, "socket: cannot create the directory of %s: %s",
				 c->socket.path, strerror(-rc));
			return -1;
		}
		d->sock = ward_socket_server_start(&so);
		if (!d->sock) {
			ward_log(WARD_LOG_ERROR, "socket: cannot serve %s: %s", c->socket.path,
				 errno == EEXIST ? "the path exists and is not a socket"
						 : strerror(errno));
			return -1;
		}
		ward_log(WARD_LOG_INFO, "socket: serving %s (mode %04o)", c->socket.path,
			 c->socket.mode);
	}
	if (c->jsonl.enabled) {
		d->jsonl = ward_jsonl_sink_start(c->jsonl.path, c->jsonl.queue, 200);
		if (!d->jsonl) {
			ward_log(WARD_LOG_ERROR, "jsonl: cannot open %s: %s", c->jsonl.path,
				 strerror(errno));
			return -1;
		}
	}
	if (c->syslog.enabled) {
		d->syslog_opts = (struct ward_syslog_opts){
			.socket_path = c->syslog.socket,
			.ident = c->syslog.ident,
			.facility = c->syslog.facility,
			.min_severity = c->syslog.min_severity,
		};
		d->syslog = ward_syslog_sink_start(&d->syslog_opts, 1u << 20);
		if (!d->syslog) {
			ward_log(WARD_LOG_ERROR, "syslog: %s", strerror(errno));
			return -1;
		}
	}
	if (c->footprints.enabled) {
		if ((rc = make_parent(c->footprints.database, 0700)) < 0) {
			ward_log(WARD_LOG_ERROR, "footprints: cannot create the directory of %s: %s",
				 c->footprints.database, strerror(-rc));
			return -1;
		}
		struct ward_footprints_opts fo = {
			.db_path = c->footprints.database,
			.flush_interval_ms = (uint32_t)c->footprints.flush_interval_ms,
			.hash_executables = c->footprints.hash_executables,
			.hash_max_size = c->footprints.hash_max_size,
			.max_pending = (uint32_t)c->footprints.max_pending,
		};
		d->fp = ward_footprints_new(&fo);
		if (!d->fp) {
			ward_log(WARD_LOG_ERROR, "footprints: cannot open %s: %s",
				 c->footprints.database,
				 errno == EPROTONOSUPPORT ? "written by a newer ward"
				 : errno == EBADMSG	  ? "not a ward footprint database"
							  : strerror(errno));
			return -1;
		}
	}
	return 0;
}

static void stop_outputs(struct daemon *d)
{
	/* the log last: it gets everything the others were told */
	ward_socket_server_stop(d->sock);
	ward_sink_stop(d->jsonl);
	ward_sink_stop(d->syslog);
	ward_footprints_free(d->fp);
	ward_sink_stop(d->log);
	d->sock = NULL;
	d->jsonl = d->syslog = d->log = NULL;
	d->fp = NULL;
}

static void print_config_errors(const struct ward_config_error *e)
{
	char line[512];
	for (size_t i = 0; i < e->n; i++) {
		ward_config_error_format(e, i, line, sizeof(line));
		fprintf(stderr, "ward: error: %s\n", line);
	}
	if (e->total > e->n)
		fprintf(stderr, "ward: ... and %zu more errors\n", e->total - e->n);
}

/* SIGHUP: the reloadable keys from the file, detection rebuilt. A file with
 * errors changes nothing. */
static void reload(struct daemon *d)
{
	if (!d->config_path) {
		ward_log(WARD_LOG_INFO, "SIGHUP: no config file; reloading rules and profiles");
	} else {
		static struct ward_config_error err;
		struct ward_config loaded, merged;
		int rc = ward_config_load(d->config_path, &loaded, &err);
		if (rc) {
			ward_log(WARD_LOG_ERROR, "SIGHUP: %s has errors; the running configuration "
						 "is kept", d->config_path);
			print_config_errors(&err);
			return;
		}
		if (ward_config_merge_reloadable(&merged, &d->cfg, &loaded)) {
			ward_config_free(&loaded);
			ward_log(WARD_LOG_ERROR, "SIGHUP: out of memory; nothing reloaded");
			return;
		}
		struct ward_config_change ch[64];
		int n = ward_config_diff_reload(&merged, &loaded, ch, 64);
		for (int i = 0; i < n && i < 64; i++)
			ward_log(WARD_LOG_WARN, "SIGHUP: %s changed; restart to apply", ch[i].key);
		ward_config_free(&loaded);
		ward_config_free(&d->cfg);
		d->cfg = merged;
	}
	if (d->jsonl)
		ward_jsonl_sink_reopen(d->jsonl);
	if (d->log)
		ward_log_sink_set_retention(d->log, d->cfg.log.retention_size,
					    d->cfg.log.retention_age_ms * 1000000ULL);
	d->syslog_opts.min_severity = d->cfg.syslog.min_severity;
	struct ward_detection *det = ward_detection_new(&d->cfg, ward_pipeline_procs(d->pipe));
	if (!det) {
		ward_log(WARD_LOG_ERROR, "SIGHUP: detection not reloaded (see above); the running "
					 "rules are kept");
		return;
	}
	ward_detection_free(d->det);
	d->det = det;
	ward_log(WARD_LOG_INFO, "SIGHUP: configuration reloaded");
}

/* The pipeline calls the current detection, which SIGHUP may replace. */
static void detect(void *self, const struct ward_event *ev, ward_alert_fn emit, void *ctx)
{
	struct daemon *d = self;
	if (d->det)
		ward_detection_observe(d->det, ev, emit, ctx);
}

static int load_config(struct daemon *d, const char *path)
{
	static struct ward_config_error err;
	if (!path) {
		if (access(WARD_CONFIG_PATH, F_OK) < 0 && errno == ENOENT) {
			ward_log(WARD_LOG_INFO, "no %s: using the built-in defaults",
				 WARD_CONFIG_PATH);
			ward_config_defaults(&d->cfg);
			return 0;
		}
		path = WARD_CONFIG_PATH;
	}
	d->config_path = path;
	if (ward_config_load(path, &d->cfg, &err)) {
		print_config_errors(&err);
		return -1;
	}
	return 0;
}

int ward_daemon_run(const struct ward_daemon_args *a)
{
	static struct daemon d;
	int exit_code = 1;
	memset(&d, 0, sizeof(d));
	ward_stats_reset(&d.interval);
	if (load_config(&d, a->config_path))
		return 2;
	d.enc = malloc(WARD_PB_RECORD_MAX);
	if (!d.enc)
		goto out;

	struct sigaction sa = { .sa_handler = on_stop };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct ward_pipeline_opts po = {
		.sensor = {
			.ring_bytes = d.cfg.sensor.ring_size,
			.wakeup_bytes = d.cfg.sensor.ring_size / 4,
			.strict = d.cfg.sensor.strict || a->strict,
			.fold_ns = (uint64_t)d.cfg.sensor.fold_ms * 1000000ULL,
			.route = d.cfg.sensor.route,
		},
		.on_event = on_event,
		.on_alert = on_alert,
		.on_loss = on_kernel_loss,
		.ctx = &d,
	};
	if (sensor_mask(&d.cfg, po.sensor.access_mask)) {
		ward_log(WARD_LOG_ERROR, "sensor.types: unknown type");
		exit_code = 2;
		goto out;
	}
	/* Outputs first: the first event has somewhere to go. */
	if (start_outputs(&d))
		goto out;
	enum ward_open_error err;
	d.pipe = ward_pipeline_open(&po, &err);
	if (!d.pipe) {
		exit_code = err ? (int)err : 1;
		goto out;
	}
	d.det = ward_detection_new(&d.cfg, ward_pipeline_procs(d.pipe));
	if (!d.det)
		goto out;
	ward_pipeline_add_detector(d.pipe, (struct ward_detector){ .observe = detect, .self = &d });

	d.start_boot_ns = d.interval_start = boot_ns();
	emit_startup(&d);
	emit_stats(&d, false);
	kick_outputs(&d);
	ward_notify("READY=1");
	ward_log(WARD_LOG_INFO, "ready");

	exit_code = 0;
	uint64_t stats_ns = d.cfg.daemon.stats_interval_ms * 1000000ULL;
	while (!stop_signal) {
		int rc = ward_pipeline_poll(d.pipe, (int)d.cfg.sensor.flush_ms);
		if (rc < 0 && rc != -EINTR) {
			ward_log(WARD_LOG_ERROR, "reading the ring buffer: %s", strerror(-rc));
			exit_code = 1;
			break;
		}
		if (reload_signal) {
			reload_signal = 0;
			ward_notify("RELOADING=1");
			reload(&d);
			stats_ns = d.cfg.daemon.stats_interval_ms * 1000000ULL;
			ward_notify("READY=1");
		}
		if (boot_ns() - d.interval_start >= stats_ns)
			emit_stats(&d, false);
		kick_outputs(&d);
	}
	ward_notify("STOPPING=1");
	ward_log(WARD_LOG_INFO, "stopping: draining the ring buffer and flushing the outputs");
	ward_pipeline_stop(d.pipe);
	emit_stats(&d, true);
	struct ward_stats_record r = { 0 };
	static uint64_t by_cpu[WARD_MAX_CPUS];
	ward_pipeline_counters(d.pipe, &r, by_cpu);
	ward_log(WARD_LOG_INFO, "%llu events, %llu alerts, %llu dropped in the kernel",
		 (unsigned long long)ward_pipeline_events(d.pipe),
		 (unsigned long long)ward_pipeline_alerts(d.pipe), (unsigned long long)r.dropped);
out:
	stop_outputs(&d);
	ward_detection_free(d.det);
	ward_pipeline_free(d.pipe);
	ward_config_free(&d.cfg);
	free(d.enc);
	return exit_code;
}
