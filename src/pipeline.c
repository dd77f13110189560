/*
 * sensor -> decode -> derive -> detectors -> the caller. One object per
 * running sensor; the commands only say what to do with the results.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode.h"
#include "derive.h"
#include "lib/log.h"
#include "lib/timefmt.h"
#include "pipeline.h"
#include "proc_cache.h"
#include "ward/xdr_types.h"

#define PROC_GRACE_NS (5ULL * 1000000000ULL)

struct ward_pipeline {
	struct ward_pipeline_opts o;
	uint64_t user_mask[2];  /* what the caller asked for */
	struct ward_proc_cache *cache;
	struct ward_decoder *dec;
	struct ward_deriver *derive;
	struct ward_sensor *sensor;
	struct ward_detector detectors[WARD_PIPELINE_MAX_DETECTORS];
	size_t ndetectors;
	uint64_t seq_lost_seen;
	uint64_t events, alerts;
	uint64_t last_expire;
};

static bool mask_has(const uint64_t mask[2], unsigned int access_type)
{
	int bit = ward_access_bit(access_type);
	return (mask[bit >> 6] >> (bit & 63)) & 1;
}

static void mask_add(uint64_t mask[2], unsigned int access_type)
{
	int bit = ward_access_bit(access_type);
	mask[bit >> 6] |= 1ULL << (bit & 63);
}

/*
 * The kernel must send the file accesses that derived events come from even
 * when only the derived ones were asked for; they are then not passed on.
 */
static void add_derivation_sources(const uint64_t user[2], uint64_t kernel[2])
{
	static const unsigned int account[] = { XDR_ACCOUNT_ADD, XDR_ACCOUNT_DELETE,
						XDR_ACCOUNT_MODIFY };
	static const unsigned int procfs[] = { XDR_MODIFIED_PROCESS_READ_PROCESS,
					       XDR_MODIFIED_PROCESS_WRITE_MEMORY,
					       XDR_MODIFIED_PROCESS_WRITE_PROCESS_NAME };
	kernel[0] = user[0];
	kernel[1] = user[1];
	for (size_t i = 0; i < 3; i++) {
		if (mask_has(user, account[i])) {
			mask_add(kernel, XDR_FILE_MODIFY);
			mask_add(kernel, XDR_FILE_CLOSE);
			mask_add(kernel, XDR_FILE_MOVE);
			mask_add(kernel, XDR_FILE_CREATE);
		}
		if (mask_has(user, procfs[i])) {
			mask_add(kernel, XDR_FILE_OPEN);
			mask_add(kernel, XDR_FILE_MODIFY);
			mask_add(kernel, XDR_FILE_CLOSE);
		}
	}
}

static void on_alert(void *ctx, const struct ward_alert *a)
{
	struct ward_pipeline *p = ctx;
	p->alerts++;
	if (p->o.on_alert)
		p->o.on_alert(p->o.ctx, a);
}

static void pass_on(struct ward_pipeline *p, const struct ward_event *ev)
{
	if (!mask_has(p->user_mask, ev->access_type))
		return;
	p->events++;
	if (p->o.on_event)
		p->o.on_event(p->o.ctx, ev);
	for (size_t i = 0; i < p->ndetectors; i++)
		p->detectors[i].observe(p->detectors[i].self, ev, on_alert, p);
}

/* Derived events take the next sequence number and pass the same filter. */
static void on_derived(void *ctx, const struct ward_event *ev)
{
	struct ward_pipeline *p = ctx;
	if (!mask_has(p->user_mask, ev->access_type))
		return;
	struct ward_event copy = *ev;
	copy.seq = ward_decoder_take_seq(p->dec);
	pass_on(p, &copy);
}

static int on_record(void *ctx, const void *data, size_t size)
{
	struct ward_pipeline *p = ctx;
	struct ward_event ev;
	if (ward_decode(p->dec, data, size, &ev) != 1)
		return 0;
	uint64_t lost = ward_decoder_stats(p->dec)->seq_lost;
	if (lost != p->seq_lost_seen) {
		if (p->o.on_loss)
			p->o.on_loss(p->o.ctx, lost - p->seq_lost_seen, ev.time_ns);
		p->seq_lost_seen = lost;
	}
	pass_on(p, &ev);
	ward_derive(p->derive, &ev, on_derived, p);
	/* A libcrypto ward has not seen: its encryption APIs get uprobes. */
	if (ev.access_type == XDR_PROCESS_LOAD_IMAGE && ev.file.path.s &&
	    strstr(ev.file.path.s, "/libcrypto.so") &&
	    ward_sensor_attach_library(p->sensor, ev.file.path.s) > 0)
		ward_log(WARD_LOG_INFO, "uprobes attached to %s (mapped by pid %u)", ev.file.path.s,
			 ev.process.pid);
	return 0;
}

uint64_t ward_boot_salt(void)
{
	char id[64] = "";
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	if (f) {
		if (!fgets(id, sizeof(id), f))
			id[0] = 0;
		fclose(f);
	}
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (char *c = id; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ULL;
	return h;
}

static uint64_t boot_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

struct ward_pipeline *ward_pipeline_open(const struct ward_pipeline_opts *o,
					 enum ward_open_error *err)
{
	*err = WARD_OPEN_RUNTIME;
	struct ward_pipeline *p = calloc(1, sizeof(*p));
	if (!p)
		goto oom;
	p->o = *o;
	p->user_mask[0] = o->sensor.access_mask[0];
	p->user_mask[1] = o->sensor.access_mask[1];
	add_derivation_sources(p->user_mask, p->o.sensor.access_mask);
	uint64_t boot_to_unix = ward_time_boot_to_unix_offset();
	p->cache = ward_proc_cache_new(ward_boot_salt(), PROC_GRACE_NS);
	if (!p->cache)
		goto oom;
	p->dec = ward_decoder_new(p->cache, boot_to_unix, "/proc");
	p->derive = ward_deriver_new(p->cache, "/");
	if (!p->dec || !p->derive)
		goto oom;
	p->sensor = ward_sensor_open(&p->o.sensor, err);
	if (!p->sensor)
		goto fail;
	/* After attaching, so no process falls between the scan and the hooks. */
	int n = ward_proc_cache_scan(p->cache, "/proc");
	if (n < 0)
		ward_log(WARD_LOG_WARN, "cannot read /proc (%s): processes started before ward "
					"will be learned from their events", strerror(-n));
	p->last_expire = boot_ns();
	*err = WARD_OPEN_OK;
	return p;
oom:
	ward_log(WARD_LOG_ERROR, "out of memory");
fail:
	ward_pipeline_free(p);
	return NULL;
}

void ward_pipeline_free(struct ward_pipeline *p)
{
	if (!p)
		return;
	ward_sensor_free(p->sensor);
	ward_decoder_free(p->dec);
	ward_deriver_free(p->derive);
	ward_proc_cache_free(p->cache);
	free(p);
}

int ward_pipeline_add_detector(struct ward_pipeline *p, struct ward_detector d)
{
	if (p->ndetectors >= WARD_PIPELINE_MAX_DETECTORS)
		return -ENOSPC;
	p->detectors[p->ndetectors++] = d;
	return 0;
}

struct ward_proc_cache *ward_pipeline_procs(struct ward_pipeline *p)
{
	return p->cache;
}

struct ward_sensor *ward_pipeline_sensor(struct ward_pipeline *p)
{
	return p->sensor;
}

int ward_pipeline_poll(struct ward_pipeline *p, int timeout_ms)
{
	int rc = ward_sensor_poll(p->sensor, timeout_ms, on_record, p);
	uint64_t now = boot_ns();
	if (now - p->last_expire >= 1000000000ULL) {
		ward_proc_cache_expire(p->cache, now);
		p->last_expire = now;
	}
	return rc;
}

void ward_pipeline_stop(struct ward_pipeline *p)
{
	/* Stop the hooks, then drain what the kernel already wrote: with the
	 * hooks attached a busy machine would keep the ring from emptying. */
	ward_sensor_detach(p->sensor);
	while (ward_sensor_poll(p->sensor, 0, on_record, p) > 0)
		;
}

void ward_pipeline_counters(struct ward_pipeline *p, struct ward_stats_record *r,
			    uint64_t *by_cpu)
{
	uint64_t c[WARD_CNT_MAX] = { 0 };
	ward_sensor_counters(p->sensor, c);
	const struct ward_decode_stats *ds = ward_decoder_stats(p->dec);
	r->dropped = c[WARD_CNT_LOST];
	r->sent = c[WARD_CNT_SENT];
	r->deduplicated = c[WARD_CNT_DEDUP];
	r->filtered = c[WARD_CNT_FILTERED];
	r->malformed = ds->malformed;
	r->seq_lost = ds->seq_lost;
	/* a FILE record whose path hook note was lost has no path either */
	r->path_failures = c[WARD_CNT_PATH_FAIL] + ds->notes_missing;
	r->state_misses = c[WARD_CNT_STATE_MISS];
	r->hook_paths = c[WARD_CNT_HOOK_PATH];
	r->dropped_by_cpu = by_cpu;
	r->ncpus = ward_sensor_lost_by_cpu(p->sensor, by_cpu, WARD_MAX_CPUS);
}

uint64_t ward_pipeline_events(const struct ward_pipeline *p)
{
	return p->events;
}

uint64_t ward_pipeline_alerts(const struct ward_pipeline *p)
{
	return p->alerts;
}
