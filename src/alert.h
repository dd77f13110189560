/*
 * What a detector returns when something is wrong: the "alert" record of
 * the contract (docs/output.md). Detectors (rules, profiles, ransomware)
 * fill one and hand it to the pipeline; they never print.
 *
 * Strings are borrowed, like ward_event's: valid only during the call that
 * hands the alert over.
 */
#ifndef WARD_ALERT_H
#define WARD_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

/* Falco's (syslog's) levels, most severe first; the numbers are syslog's. */
enum ward_severity {
	WARD_SEV_EMERGENCY = 0,
	WARD_SEV_ALERT = 1,
	WARD_SEV_CRITICAL = 2,
	WARD_SEV_ERROR = 3,
	WARD_SEV_WARNING = 4,
	WARD_SEV_NOTICE = 5,
	WARD_SEV_INFORMATIONAL = 6,
	WARD_SEV_DEBUG = 7,
};

/* Which detector raised it. */
enum ward_alert_source {
	WARD_ALERT_RULE = 1,
	WARD_ALERT_PROFILE = 2,
	WARD_ALERT_RANSOMWARE = 3,
};

/* What the response (if configured) did to the offending process tree. */
enum ward_response_action {
	WARD_RESPONSE_NONE = 0,
	WARD_RESPONSE_STOP = 1, /* SIGSTOP */
	WARD_RESPONSE_KILL = 2, /* SIGKILL */
};

#define WARD_ALERT_MAX_TAGS 16
#define WARD_ALERT_MAX_FILES 32 /* files named in an alert; more are counted */

struct ward_alert {
	uint64_t time_ns;                 /* Unix time */
	enum ward_alert_source source;
	const char *rule;                 /* rule name, "profile", "ransomware" */
	enum ward_severity severity;
	const char *output;               /* the rendered message */
	const char *tags[WARD_ALERT_MAX_TAGS];
	size_t ntags;
	const struct ward_event *event;   /* the event that raised it; NULL if none */
	/* ransomware (and profile) alerts: the files involved */
	const char *files[WARD_ALERT_MAX_FILES];
	size_t nfiles;
	uint64_t files_total;             /* >= nfiles */
	const char *level;                /* ransomware: "minor", "major"; else NULL */
	/* response */
	enum ward_response_action response;
	uint32_t response_pid;            /* root of the process tree acted on */
	uint32_t response_count;          /* processes signalled */
	int response_error;               /* 0 or an errno */
};

const char *ward_severity_name(enum ward_severity s);
/* "warning", "WARNING", "Warning" all parse; returns -1 if unknown. */
int ward_severity_parse(const char *s);
const char *ward_alert_source_name(enum ward_alert_source s);
/* Detectors hand alerts to the pipeline through this. */
typedef void (*ward_alert_fn)(void *ctx, const struct ward_alert *alert);

#endif /* WARD_ALERT_H */
