/*
 * The profile detector: for a process whose real executable has a profile,
 * every file open/create/delete/move, command execution and outbound
 * connection outside the profile raises an alert ("unexpected file open:
 * /etc/passwd"), once per (process, object) within a window so that a loop
 * does not flood. Children: a process is judged by its own exe. A fork that
 * keeps the application's image is covered by the profile; an exec of
 * another program is itself checked against `exec`, and what the new
 * program does afterwards belongs to that program's profile, if any.
 */
#ifndef WARD_DETECT_PROFILE_DETECT_H
#define WARD_DETECT_PROFILE_DETECT_H

#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "detect/profile.h"
#include "event.h"

#define WARD_PROFILE_DEDUP_WINDOW_NS (60ULL * 1000000000ULL)
#define WARD_PROFILE_DEDUP_SLOTS 4096
#define WARD_PROFILE_DEDUP_MAX (1u << 22)

struct ward_profile_detector_opts {
	const struct ward_profiles *profiles; /* borrowed: must outlive the detector */
	uint64_t window_ns;                   /* dedup window; 0 = 60 s */
	size_t slots;                         /* dedup entries; 0 = 4096 */
};

struct ward_profile_detector_counters {
	uint64_t checked;     /* events of a profiled process */
	uint64_t alerts;
	uint64_t suppressed;  /* repeats within the window */
	uint64_t evicted;     /* dedup entries replaced while still in their window */
};

struct ward_profile_detector;

/* NULL and errno (EINVAL, ENOMEM). */
struct ward_profile_detector *ward_profile_detector_new(const struct ward_profile_detector_opts *o);
void ward_profile_detector_free(struct ward_profile_detector *d);
void ward_profile_detector_observe(struct ward_profile_detector *d, const struct ward_event *ev,
				   ward_alert_fn emit, void *ctx);
void ward_profile_detector_counters(const struct ward_profile_detector *d,
				    struct ward_profile_detector_counters *out);

#endif /* WARD_DETECT_PROFILE_DETECT_H */
