/*
 * The detectors a configuration asks for (rules, profiles, ransomware),
 * built together so SIGHUP can build a new set and swap it in whole.
 */
#ifndef WARD_DAEMON_DETECTION_H
#define WARD_DAEMON_DETECTION_H

#include "alert.h"
#include "daemon/config.h"
#include "event.h"

struct ward_proc_cache;
struct ward_detection;

/* NULL (having logged every error, with file and line) if a rule or profile
 * file is bad. */
struct ward_detection *ward_detection_new(const struct ward_config *c,
					  struct ward_proc_cache *procs);
void ward_detection_free(struct ward_detection *d);
void ward_detection_observe(struct ward_detection *d, const struct ward_event *ev,
			    ward_alert_fn emit, void *ctx);

#endif
