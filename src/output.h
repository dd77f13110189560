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

#include "event.h"
#include "footprint.h"
#include "lib/buf.h"
#include "sensor.h"
#include "stats.h"

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
	const uint64_t *dropped_by_cpu; /* ncpus entries */
	size_t ncpus;
	bool final;
};

void ward_json_event(struct ward_buf *b, const struct ward_event *ev);
void ward_json_stats(struct ward_buf *b, const struct ward_stats_record *r);
void ward_json_hooks(struct ward_buf *b, uint64_t time_ns, const struct ward_kernel_info *k,
		     const struct ward_hook_report *hooks, size_t n);

void ward_table_header(struct ward_buf *b);
void ward_table_event(struct ward_buf *b, const struct ward_event *ev);

/* `ward footprints`: one JSON line or one table line per footprint (docs/footprints.md). */
void ward_json_footprint(struct ward_buf *b, const struct ward_footprint *fp);
void ward_table_footprint_header(struct ward_buf *b);
void ward_table_footprint(struct ward_buf *b, const struct ward_footprint *fp);

#endif
