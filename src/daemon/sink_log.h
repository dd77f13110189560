/* The durable event log (src/store/log_writer.h) as a sink with its own thread. */
#ifndef WARD_DAEMON_SINK_LOG_H
#define WARD_DAEMON_SINK_LOG_H

#include "daemon/sink.h"
#include "store/log_writer.h"

/* Opens the log (recovering a torn tail, reported in *rec) and starts its
 * thread. NULL with errno set. */
struct ward_sink *ward_log_sink_start(const struct ward_log_opts *o, struct ward_log_recovery *rec,
				      size_t queue_bytes, int flush_ms);

/* New retention limits for the writer, taken up on its thread at the next flush. */
void ward_log_sink_set_retention(struct ward_sink *s, uint64_t bytes, uint64_t age_ns);

/* A copy of the writer's counters as of its last flush (any thread). */
void ward_log_sink_stats(struct ward_sink *s, struct ward_log_stats *out);

#endif
