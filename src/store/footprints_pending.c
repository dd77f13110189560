/* The pending footprints table; see footprints_pending.h. */
#include "store/footprints_pending.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static inline uint64_t mix(uint8_t kind, uint64_t h)
{
	/* hash_ids are hashes already, but process ids come from another
	 * module: mix again so a weak one cannot cluster the probes */
	h ^= (uint64_t)kind * 0x9e3779b97f4a7c15ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

int ward_fp_pending_init(struct ward_fp_pending *p, uint32_t max, size_t arena_bytes)
{
	uint64_t nslots = 2;

	memset(p, 0, sizeof(*p));
	if (!max || arena_bytes > UINT32_MAX)
		return -EINVAL;
	while (nslots < 2ULL * max)
		nslots <<= 1;
	p->entries = calloc(max, sizeof(*p->entries));
	p->slots = calloc(nslots, sizeof(*p->slots));
	p->arena = malloc(arena_bytes ? arena_bytes : 1);
	if (!p->entries || !p->slots || !p->arena) {
		ward_fp_pending_destroy(p);
		return -ENOMEM;
	}
	p->max = max;
	p->mask = (uint32_t)(nslots - 1);
	p->arena_cap = arena_bytes;
	return 0;
}

void ward_fp_pending_destroy(struct ward_fp_pending *p)
{
	free(p->entries);
	free(p->slots);
	free(p->arena);
	memset(p, 0, sizeof(*p));
}

void ward_fp_pending_clear(struct ward_fp_pending *p)
{
	if (!p->n)
		return;
	memset(p->slots, 0, ((size_t)p->mask + 1) * sizeof(*p->slots));
	memset(p->entries, 0, (size_t)p->n * sizeof(*p->entries));
	p->n = 0;
	p->arena_used = 0;
}

/* The slot holding (kind, hash_id), or the empty slot where it would go. */
static uint32_t *probe(struct ward_fp_pending *p, uint8_t kind, uint64_t hash_id)
{
	for (uint32_t i = (uint32_t)mix(kind, hash_id) & p->mask;; i = (i + 1) & p->mask) {
		uint32_t *s = &p->slots[i];
		if (!*s)
			return s;
		const struct ward_fp_entry *e = &p->entries[*s - 1];
		if (e->hash_id == hash_id && e->kind == kind)
			return s;
	}
	/* terminates: at most max of the >= 2 * max slots are ever in use */
}

struct ward_fp_entry *ward_fp_pending_find(struct ward_fp_pending *p, uint8_t kind,
					   uint64_t hash_id)
{
	uint32_t *s = probe(p, kind, hash_id);
	return *s ? &p->entries[*s - 1] : NULL;
}

char *ward_fp_pending_str(struct ward_fp_pending *p, const char *s, size_t len,
			  struct ward_fp_str *out)
{
	if (len >= p->arena_cap - p->arena_used)
		return NULL;
	char *dst = p->arena + p->arena_used;
	memcpy(dst, s, len);
	dst[len] = '\0';
	out->off = (uint32_t)p->arena_used;
	out->len = (uint32_t)len;
	out->set = true;
	p->arena_used += len + 1;
	return dst;
}

struct ward_fp_entry *ward_fp_pending_add(struct ward_fp_pending *p, uint8_t kind,
					  uint64_t hash_id, const char *name, size_t len)
{
	uint32_t *s = probe(p, kind, hash_id);
	struct ward_fp_entry *e;
	struct ward_fp_str str;

	if (*s || p->n == p->max || !ward_fp_pending_str(p, name, len, &str))
		return NULL;
	e = &p->entries[p->n++];
	*s = p->n;
	e->kind = kind;
	e->hash_id = hash_id;
	e->name = str;
	return e;
}
