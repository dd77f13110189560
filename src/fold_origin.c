/* A direct-mapped table of (process, file, flags) -> path over a ring of bytes. */
#include <stdlib.h>
#include <string.h>

#include "fold_origin.h"

struct slot {
	uint64_t ino;
	uint64_t pos;       /* where the path starts in the ring's history */
	uint32_t tgid, dev, flags, len, mode;
	int used;
};

struct ward_fold_origin {
	struct slot *slots;
	size_t mask;
	char *ring;
	size_t ring_size;
	uint64_t written;   /* bytes ever placed in the ring */
};

static size_t slot_of(const struct ward_fold_origin *o, uint32_t tgid, uint64_t ino, uint32_t dev,
		      uint32_t flags)
{
	uint64_t h = ino * 0x9e3779b97f4a7c15ULL ^ ((uint64_t)tgid << 32 | dev) * 0xc2b2ae3d27d4eb4fULL;
	h ^= (uint64_t)flags * 0x165667b19e3779f9ULL;
	h ^= h >> 29;
	return (size_t)h & o->mask;
}

struct ward_fold_origin *ward_fold_origin_new(size_t slots, size_t arena)
{
	if (!slots || (slots & (slots - 1)) || arena < 4096)
		return NULL;
	struct ward_fold_origin *o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->slots = calloc(slots, sizeof(*o->slots));
	o->ring = malloc(arena);
	if (!o->slots || !o->ring) {
		ward_fold_origin_free(o);
		return NULL;
	}
	o->mask = slots - 1;
	o->ring_size = arena;
	return o;
}

void ward_fold_origin_free(struct ward_fold_origin *o)
{
	if (!o)
		return;
	free(o->slots);
	free(o->ring);
	free(o);
}

void ward_fold_origin_put(struct ward_fold_origin *o, uint32_t tgid, uint64_t ino, uint32_t dev,
			  uint32_t flags, uint32_t mode, const char *path, size_t len)
{
	if (!path || len + 1 > o->ring_size)
		return;
	/* a path is never split across the ring's end */
	size_t at = (size_t)(o->written % o->ring_size);
	if (at + len + 1 > o->ring_size)
		o->written += o->ring_size - at;
	at = (size_t)(o->written % o->ring_size);
	memcpy(o->ring + at, path, len);
	o->ring[at + len] = 0;
	struct slot *s = &o->slots[slot_of(o, tgid, ino, dev, flags)];
	*s = (struct slot){ .ino = ino, .pos = o->written, .tgid = tgid, .dev = dev,
			    .flags = flags, .len = (uint32_t)len, .mode = mode, .used = 1 };
	o->written += len + 1;
}

const char *ward_fold_origin_get(const struct ward_fold_origin *o, uint32_t tgid, uint64_t ino,
				 uint32_t dev, uint32_t flags, size_t *len, uint32_t *mode)
{
	const struct slot *s = &o->slots[slot_of(o, tgid, ino, dev, flags)];
	if (!s->used || s->tgid != tgid || s->ino != ino || s->dev != dev || s->flags != flags)
		return NULL;
	/* overwritten since: the ring went round past it */
	if (o->written - s->pos > o->ring_size)
		return NULL;
	*len = s->len;
	*mode = s->mode;
	return o->ring + (size_t)(s->pos % o->ring_size);
}
