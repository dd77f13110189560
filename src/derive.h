/*
 * Events that are facts about other events: an account appearing in
 * /etc/passwd after a process renamed a file over it, a write into
 * /proc/PID/mem of another process. The kernel sees a file access; this
 * stage says what it means. Called for every decoded event; calls emit for
 * each derived event (borrowed strings, valid during the call).
 */
#ifndef WARD_DERIVE_H
#define WARD_DERIVE_H

#include <stdbool.h>

#include "event.h"
#include "proc_cache.h"

struct ward_deriver;

typedef void (*ward_emit_fn)(void *ctx, const struct ward_event *ev);

/* root: where /etc lives ("/" normally; a test directory in unit tests). */
struct ward_deriver *ward_deriver_new(struct ward_proc_cache *cache, const char *root);
void ward_deriver_free(struct ward_deriver *d);

void ward_derive(struct ward_deriver *d, const struct ward_event *ev, ward_emit_fn emit,
		 void *ctx);

#endif
