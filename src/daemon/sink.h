/*
 * A sink writes the pipeline's encoded records somewhere: the durable log,
 * a JSON Lines file, syslog (the socket server has its own loop). Each runs
 * on its own thread behind its own bounded queue, so one slow sink never
 * stalls the sensor or the other sinks; what a full queue refuses is counted
 * and handed to the sink as a loss at the place it happened.
 */
#ifndef WARD_DAEMON_SINK_H
#define WARD_DAEMON_SINK_H

#include "daemon/queue.h"

struct ward_sink_ops {
	/* One record. An error is counted; the sink decides what it lost. */
	int (*write)(void *self, const struct ward_queue_item *item);
	/* Records were refused by the full queue just before the next one. */
	void (*lost)(void *self, const struct ward_queue_loss *loss);
	/* Called when the queue has been idle for flush_ms, and before close. */
	int (*flush)(void *self);
	/* On the sink's thread after the last record; frees self. */
	void (*close)(void *self);
};

struct ward_sink_counters {
	uint64_t written, write_errors, dropped; /* dropped: refused by the queue */
	size_t queue_used, queue_cap, queue_peak;
};

struct ward_sink;

struct ward_sink *ward_sink_start(const char *name, const struct ward_sink_ops *ops, void *self,
				  size_t queue_bytes, int flush_ms);
/* Never blocks: 0 or -ENOSPC / -E2BIG (counted as dropped). */
int ward_sink_offer(struct ward_sink *s, const struct ward_rec_meta *m, const char *path,
		    const void *rec, size_t len);
/* Wakes the sink's thread for what was offered since (once per batch). */
void ward_sink_kick(struct ward_sink *s);
/* Closes the queue, lets the thread write what is queued, flush and close, and
 * joins it. */
void ward_sink_stop(struct ward_sink *s);
void ward_sink_counters(struct ward_sink *s, struct ward_sink_counters *c);
const char *ward_sink_name(const struct ward_sink *s);
void *ward_sink_self(struct ward_sink *s);

#endif /* WARD_DAEMON_SINK_H */
