/*
 * The footprints waiting for the next flush: a fixed-capacity hash table of
 * objects keyed by (kind, hash_id), and an arena for their strings. Every
 * byte is allocated by _init; lookups and inserts never allocate, so the
 * event path can use it. Not thread-safe: the store locks around it.
 */
#ifndef WARD_STORE_FOOTPRINTS_PENDING_H
#define WARD_STORE_FOOTPRINTS_PENDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ward_fp_str {
	uint32_t off, len;          /* in the arena; NUL-terminated there */
	bool set;
};

struct ward_fp_entry {
	uint64_t hash_id;
	uint64_t first_ns, last_ns, count;
	uint64_t access_mask[2];    /* bit ward_access_bit(t) for each access type t seen */
	uint8_t kind;               /* enum ward_footprint_kind */
	struct ward_fp_str name;
	/* PROCESS */
	struct ward_fp_str cmdline;
	uint32_t pid, ppid, uid;
	uint64_t start_time_ns;
	/* CONNECTION */
	char remote_ip[46];         /* INET6_ADDRSTRLEN, as in struct ward_conn_info */
	uint16_t remote_port;
	uint8_t protocol;
	bool outbound, inbound;
};

struct ward_fp_pending {
	struct ward_fp_entry *entries;  /* the first n are in use, in insertion order */
	uint32_t n, max;
	uint32_t *slots;                /* open addressing: entry index + 1, 0 = empty */
	uint32_t mask;                  /* slots - 1, a power of two >= 2 * max */
	char *arena;
	size_t arena_used, arena_cap;
};

int ward_fp_pending_init(struct ward_fp_pending *p, uint32_t max, size_t arena_bytes);
void ward_fp_pending_destroy(struct ward_fp_pending *p);
/* Forgets every entry; keeps the memory. */
void ward_fp_pending_clear(struct ward_fp_pending *p);

/* The entry of (kind, hash_id), or NULL. */
struct ward_fp_entry *ward_fp_pending_find(struct ward_fp_pending *p, uint8_t kind,
					   uint64_t hash_id);
/* A new zeroed entry with its name copied (must not exist yet); NULL when
 * the table or the arena is full. */
struct ward_fp_entry *ward_fp_pending_add(struct ward_fp_pending *p, uint8_t kind,
					  uint64_t hash_id, const char *name, size_t len);
/* Copies s into the arena; returns the copy (NUL-terminated) or NULL when
 * it does not fit (then *out is unchanged). */
char *ward_fp_pending_str(struct ward_fp_pending *p, const char *s, size_t len,
			  struct ward_fp_str *out);

static inline const char *ward_fp_pending_cstr(const struct ward_fp_pending *p,
					       const struct ward_fp_str *s)
{
	return s->set ? p->arena + s->off : NULL;
}

#endif /* WARD_STORE_FOOTPRINTS_PENDING_H */
