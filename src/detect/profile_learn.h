/*
 * Profile learning: watch what one application does and write a profile a
 * person can review: sorted, deduplicated, generalised where a name is
 * obviously per-run (the pid in a /proc path, a file in /tmp, a random
 * temporary name become a star), each entry with its count as a comment.
 * The output loads with ward_profiles_load_*() (docs/detection.md).
 */
#ifndef WARD_DETECT_PROFILE_LEARN_H
#define WARD_DETECT_PROFILE_LEARN_H

#include <stdint.h>
#include <stdio.h>

#include "event.h"

struct ward_profile_learner;

/* app_exe: the canonical path of the executable to learn. NULL and errno. */
struct ward_profile_learner *ward_profile_learner_new(const char *app_exe);
void ward_profile_learner_free(struct ward_profile_learner *l);

/* Events of other executables are ignored. Each list keeps at most
 * WARD_PROFILE_MAX_ENTRIES entries; more are counted and reported. */
void ward_profile_learner_observe(struct ward_profile_learner *l, const struct ward_event *ev);

/* Events of the application seen so far. */
uint64_t ward_profile_learner_events(const struct ward_profile_learner *l);

/* The generalised form of a path, as the learner stores it: into out
 * (size len), returns the length (or the length needed, like snprintf). */
size_t ward_profile_generalize(const char *path, size_t plen, char *out, size_t len);

/*
 * Write the profile as YAML. comment (may be NULL or hold several lines) is
 * written first as '#' lines: say when and for how long it was learned.
 * 0 or -errno (-EIO when the stream failed).
 */
int ward_profile_learner_write(struct ward_profile_learner *l, FILE *out, const char *comment);

#endif /* WARD_DETECT_PROFILE_LEARN_H */
