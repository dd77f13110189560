/*
 * Formatting, and only formatting: JSON Lines (the external contract, see
 * docs/output.md) and the live table. Everything is appended to a reusable
 * ward_buf; the caller writes it out in batches.
 */
#ifndef WARD_OUTPUT_H
#define WARD_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "event.h"
#include "footprint.h"
#include "lib/buf.h"
#include "sensor.h"
#include "stats.h"

/* Events dropped towards one sink or client of the daemon (its queue was full). */
struct ward_sink_stats {
	const char *name;      /* "log", "client:1234", ... */
	uint64_t written;
	uint64_t dropped;
};

#define WARD_DAEMON_MAX_SINKS 64

/* What only the daemon reports in its stats records. */
struct ward_daemon_stats {
	double uptime_s;
	double cpu_user_s, cpu_system_s; /* the daemon's own CPU time since start */
	uint64_t rss_bytes;
	uint64_t log_written;  /* records written to the durable log since start */
	uint64_t log_dropped;  /* records the log could not take (disk full, write error) */
	const struct ward_sink_stats *sinks;
	size_t nsinks;         /* <= WARD_DAEMON_MAX_SINKS */
	uint32_t clients;      /* clients connected now */
};

struct ward_stats_record {
	uint64_t time_ns;
	double interval_s;
	const struct ward_stats *stats;
	uint64_t dropped;      /* kernel: ring buffer full */
	uint64_t sent;
	uint64_t deduplicated;
	uint64_t filtered;
	uint64_t malformed;
	uint64_t seq_lost;
	uint64_t path_failures;
	uint64_t state_misses;
	uint64_t hook_paths;    /* FILE paths from the path hooks (fentry/LSM route) */
	const uint64_t *dropped_by_cpu; /* ncpus entries */
	size_t ncpus;
	bool final;
	const struct ward_daemon_stats *daemon; /* NULL for `ward watch` */
};

/* Why records went missing (a "loss" record). */
enum ward_loss_reason {
	WARD_LOSS_KERNEL = 1, /* the kernel's ring buffer was full */
	WARD_LOSS_QUEUE = 2,  /* the queue towards a sink or client was full */
	WARD_LOSS_DISK = 3,   /* the log's disk was full, or a write failed */
};

/* A marker that records were lost at this place of a stream. */
struct ward_loss {
	uint64_t time_ns;
	uint64_t count;
	uint64_t first_time_ns, last_time_ns; /* of the first and last record lost */
	enum ward_loss_reason reason;
	const char *sink;      /* "log", "client", ...; NULL if none */
};

/* "kernel", "queue", "disk"; "unknown" otherwise. */
const char *ward_loss_reason_name(enum ward_loss_reason r);

void ward_json_event(struct ward_buf *b, const struct ward_event *ev);
void ward_json_stats(struct ward_buf *b, const struct ward_stats_record *r);
void ward_json_hooks(struct ward_buf *b, uint64_t time_ns, const struct ward_kernel_info *k,
		     const struct ward_hook_report *hooks, size_t n);

void ward_json_alert(struct ward_buf *b, const struct ward_alert *a);
void ward_json_loss(struct ward_buf *b, const struct ward_loss *l);

void ward_table_header(struct ward_buf *b);
void ward_table_event(struct ward_buf *b, const struct ward_event *ev);
void ward_table_alert(struct ward_buf *b, const struct ward_alert *a);

/* `ward footprints`: one JSON line or one table line per footprint (docs/footprints.md). */
void ward_json_footprint(struct ward_buf *b, const struct ward_footprint *fp);
void ward_table_footprint_header(struct ward_buf *b);
void ward_table_footprint(struct ward_buf *b, const struct ward_footprint *fp);

#endif
