/*
 * The sensor pipeline every command runs: sensor -> decode -> derive ->
 * detectors, ending in the caller's callbacks. `ward watch`, `ward daemon`
 * and `ward profile learn` differ only in what they do with the events and
 * alerts this hands them.
 */
#ifndef WARD_PIPELINE_H
#define WARD_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "alert.h"
#include "event.h"
#include "output.h"
#include "sensor.h"

/* A detector sees every event the pipeline passes on and may raise alerts. */
struct ward_detector {
	void (*observe)(void *self, const struct ward_event *ev, ward_alert_fn emit, void *ctx);
	void *self;
};

#define WARD_PIPELINE_MAX_DETECTORS 8

struct ward_pipeline_opts {
	struct ward_sensor_opts sensor;   /* kernel filters; access_mask as asked */
	void (*on_event)(void *ctx, const struct ward_event *ev);
	ward_alert_fn on_alert;
	/* Records lost in the kernel, seen as a gap in the per-CPU sequence numbers
	 * just before the event that revealed it (NULL: not needed). */
	void (*on_loss)(void *ctx, uint64_t count, uint64_t time_ns);
	void *ctx;
};

struct ward_pipeline;

/* Loads and attaches the sensor. On failure returns NULL, has printed one
 * line naming the cause, and sets *err to a ward_open_error. */
struct ward_pipeline *ward_pipeline_open(const struct ward_pipeline_opts *o,
					 enum ward_open_error *err);
void ward_pipeline_free(struct ward_pipeline *p);

int ward_pipeline_add_detector(struct ward_pipeline *p, struct ward_detector d);
/* Parent lookups for detectors (process trees). */
struct ward_proc_cache *ward_pipeline_procs(struct ward_pipeline *p);
struct ward_sensor *ward_pipeline_sensor(struct ward_pipeline *p);

/* Waits up to timeout_ms, then hands over what the kernel wrote. Returns the
 * number of records read or -errno (-EINTR on a signal). */
int ward_pipeline_poll(struct ward_pipeline *p, int timeout_ms);
/* Detaches every hook and hands over what is left in the ring. */
void ward_pipeline_stop(struct ward_pipeline *p);

/* Counters since start for a stats record (the caller sets time, interval,
 * per-type counts and final). by_cpu must hold WARD_MAX_CPUS entries. */
void ward_pipeline_counters(struct ward_pipeline *p, struct ward_stats_record *r,
			    uint64_t *by_cpu);
uint64_t ward_pipeline_events(const struct ward_pipeline *p);
uint64_t ward_pipeline_alerts(const struct ward_pipeline *p);

/* One stable id for this boot (hash of the kernel's boot_id). */
uint64_t ward_boot_salt(void);

#endif /* WARD_PIPELINE_H */
