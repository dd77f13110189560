/*
 * The decoder: the only reader of wire records (include/ward/abi.h). It
 * checks every bound, turns a record into a struct ward_event at once, and
 * keeps the process cache current from lifecycle records. Everything after it
 * is kernel-free.
 */
#ifndef WARD_DECODE_H
#define WARD_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "proc_cache.h"

#define WARD_MAX_CPUS 1024

struct ward_decode_stats {
	uint64_t records;      /* records read from the ring */
	uint64_t malformed;    /* refused by the bounds checks */
	uint64_t seq_lost;     /* records missing from the per-CPU sequences */
	uint64_t reordered;    /* records that arrived after a later one */
	uint64_t cache_loads;  /* processes loaded from /proc on a cache miss */
	uint64_t cache_only;   /* records that only updated the cache */
	uint64_t close_unknown;/* FILE_CLOSE whose FILE_MODIFY was not seen (path null) */
	uint64_t http_unparsed;/* bytes that began like an HTTP request but were not one */
	uint64_t fold_reported;   /* repeats of a last fold window reported at exit */
	uint64_t fold_unattributed;/* such repeats whose first report was not remembered
				    * (only in the kernel's deduplicated counter) */
	uint64_t notes_missing;   /* FILE records whose path hook note was lost: no path */
	uint64_t notes_evicted;   /* notes overwritten by another thread's before use */
};

struct ward_decoder;

struct ward_decoder *ward_decoder_new(struct ward_proc_cache *cache, uint64_t boot_to_unix_ns,
				      const char *procfs_root);
void ward_decoder_free(struct ward_decoder *d);

/*
 * Decode one record. Returns 1 with *ev filled when it is an event to report,
 * 0 when it only updated state, -EBADMSG when malformed (counted). ev's
 * strings stay valid until the next call.
 */
int ward_decode(struct ward_decoder *d, const void *data, size_t size, struct ward_event *ev);

const struct ward_decode_stats *ward_decoder_stats(const struct ward_decoder *d);
/* The sequence number the next reported event will get. */
uint64_t ward_decoder_next_seq(const struct ward_decoder *d);
/* Take the next sequence number, for an event derived from a decoded one. */
uint64_t ward_decoder_take_seq(struct ward_decoder *d);

#endif /* WARD_DECODE_H */
