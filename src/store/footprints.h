/*
 * The footprint store: one record per object the host's processes touched
 * (file, process, executable, remote endpoint, DNS name), kept in SQLite with
 * first/last seen and a count. docs/footprints.md says which events feed
 * which object.
 *
 * Two halves, two threads:
 *  - ward_footprints_observe() runs on the daemon's main thread for every
 *    event. It only updates an in-memory table of pending objects: no
 *    syscalls, no malloc (all memory is allocated by _new), no SQLite. The
 *    table is bounded by max_pending objects; what does not fit is counted
 *    in `dropped`, never queued.
 *  - a flush thread swaps the table out every flush interval, stats files,
 *    hashes executables and writes everything in one transaction.
 */
#ifndef WARD_STORE_FOOTPRINTS_H
#define WARD_STORE_FOOTPRINTS_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"
#include "footprint.h"

#define WARD_FP_DEFAULT_DB "/var/lib/ward/footprints.db"
#define WARD_FP_DEFAULT_MAX_PENDING 16384
#define WARD_FP_MAX_PENDING_LIMIT (1u << 20)
#define WARD_FP_DEFAULT_HASH_MAX_SIZE (64ULL << 20)
/* Pending names (paths, command lines) share an arena of this many bytes per
 * pending object: the average is far below, and the arena bounds the worst. */
#define WARD_FP_ARENA_PER_OBJECT 512

struct ward_footprints_opts {
	const char *db_path;          /* created if missing (not its directory) */
	uint32_t flush_interval_ms;   /* 0: no thread; the caller calls _flush() */
	bool hash_executables;
	uint64_t hash_max_size;       /* larger executables are not hashed; 0: default */
	uint32_t max_pending;         /* objects between flushes; 0: default */
};

struct ward_footprints_stats {
	uint64_t objects_written;     /* rows inserted or updated since start */
	uint64_t pending;             /* objects waiting for the next flush */
	uint64_t dropped;             /* observations not recorded (sum of the events'
				       * counts): pending full, or a failed write */
	uint64_t hash_computed;       /* executables read and hashed */
	uint64_t hash_cache_hits;     /* executables whose hash came from the cache */
	uint64_t hash_too_large;      /* not hashed: larger than hash_max_size */
	uint64_t flushes;
	uint64_t flush_errors;        /* transactions that failed (their objects are in dropped) */
	uint64_t last_flush_ns;       /* duration of the last flush */
	uint64_t max_flush_ns;
};

struct ward_footprints;

/*
 * Opens (or creates) the database and starts the flush thread. NULL and
 * errno on failure: EINVAL (bad options), EPROTONOSUPPORT (the database was
 * written by a newer ward), EBADMSG (not a footprint database), EIO.
 */
struct ward_footprints *ward_footprints_new(const struct ward_footprints_opts *o);
/* Stops the thread, writes what is pending, closes the database. */
void ward_footprints_free(struct ward_footprints *f);

/* Per event, on one thread (the main loop). Cheap: see above. */
void ward_footprints_observe(struct ward_footprints *f, const struct ward_event *ev);

/* Writes everything pending now; safe while the thread runs. 0 or -errno. */
int ward_footprints_flush(struct ward_footprints *f);

void ward_footprints_get_stats(struct ward_footprints *f, struct ward_footprints_stats *s);

/*
 * The hash_id of a non-process object: 64-bit FNV-1a over one byte (the
 * kind's number) followed by the name's bytes. Processes use the process's
 * own hash_id.
 */
uint64_t ward_footprint_hash_id(enum ward_footprint_kind kind, const char *name, size_t len);

#endif /* WARD_STORE_FOOTPRINTS_H */
