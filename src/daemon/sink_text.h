/*
 * The text sinks: JSON Lines to a file or stdout, and alerts to syslog. Both
 * turn the encoded record back into the contract's JSON on their own thread,
 * so the pipeline pays for one encoding whatever the number of sinks.
 */
#ifndef WARD_DAEMON_SINK_TEXT_H
#define WARD_DAEMON_SINK_TEXT_H

#include <stdbool.h>

#include "daemon/sink.h"

/* path "-" is stdout; else appended to (created 0600). */
struct ward_sink *ward_jsonl_sink_start(const char *path, size_t queue_bytes, int flush_ms);
/* The next write reopens the file (after log rotation; SIGHUP). */
void ward_jsonl_sink_reopen(struct ward_sink *s);

struct ward_syslog_opts {
	const char *socket_path;  /* NULL: /dev/log */
	const char *ident;
	int facility;             /* LOG_DAEMON, ... */
	int min_severity;         /* alerts at least this severe (syslog numbers) */
};
/* Sends alerts (and loss markers, as warnings) as JSON messages. */
struct ward_sink *ward_syslog_sink_start(const struct ward_syslog_opts *o, size_t queue_bytes);
/* Whether a record of this kind and severity goes to syslog. */
bool ward_syslog_wants(const struct ward_syslog_opts *o, int kind, int severity);

#endif
