#include "file_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	uint64_t file_id;
	uint32_t tgid;
	uint32_t used;
	uint64_t age;  /* insertion order, for eviction */
	char *path;
	size_t len;
};

/* Open addressing with linear probing and backward-shift deletion. */
struct ward_file_table {
	struct entry *slots;
	size_t cap;    /* power of two */
	size_t max;    /* entries kept at most */
	size_t count;
	uint64_t clock;
	uint64_t evicted;
};

static uint64_t mix(uint32_t tgid, uint64_t id)
{
	uint64_t x = id ^ ((uint64_t)tgid << 32) ^ tgid;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

struct ward_file_table *ward_file_table_new(size_t capacity)
{
	struct ward_file_table *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	size_t cap = 16;
	while (cap < capacity * 2)
		cap *= 2;
	t->slots = calloc(cap, sizeof(*t->slots));
	if (!t->slots) {
		free(t);
		return NULL;
	}
	t->cap = cap;
	t->max = capacity;
	return t;
}

void ward_file_table_free(struct ward_file_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->cap; i++)
		free(t->slots[i].path);
	free(t->slots);
	free(t);
}

static struct entry *find(struct ward_file_table *t, uint32_t tgid, uint64_t id, size_t *at)
{
	for (size_t i = mix(tgid, id) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		struct entry *e = &t->slots[i];
		if (!e->used) {
			*at = i;
			return NULL;
		}
		if (e->tgid == tgid && e->file_id == id) {
			*at = i;
			return e;
		}
	}
}

static void remove_at(struct ward_file_table *t, size_t i)
{
	free(t->slots[i].path);
	memset(&t->slots[i], 0, sizeof(t->slots[i]));
	t->count--;
	for (size_t j = (i + 1) & (t->cap - 1); t->slots[j].used; j = (j + 1) & (t->cap - 1)) {
		size_t home = mix(t->slots[j].tgid, t->slots[j].file_id) & (t->cap - 1);
		if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
			t->slots[i] = t->slots[j];
			memset(&t->slots[j], 0, sizeof(t->slots[j]));
			i = j;
		}
	}
}

static void evict_oldest(struct ward_file_table *t)
{
	size_t victim = 0;
	uint64_t oldest = UINT64_MAX;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i].used && t->slots[i].age < oldest) {
			oldest = t->slots[i].age;
			victim = i;
		}
	if (oldest != UINT64_MAX) {
		remove_at(t, victim);
		t->evicted++;
	}
}

int ward_file_table_put(struct ward_file_table *t, uint32_t tgid, uint64_t file_id,
			const char *path, size_t len)
{
	char *copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, path, len);
	copy[len] = 0;
	size_t at;
	struct entry *e = find(t, tgid, file_id, &at);
	if (e) {
		free(e->path);
	} else {
		if (t->count >= t->max) {
			/* Rare (only when closes are missed): a scan is fine. */
			evict_oldest(t);
			find(t, tgid, file_id, &at);
		}
		e = &t->slots[at];
		e->used = 1;
		e->tgid = tgid;
		e->file_id = file_id;
		t->count++;
	}
	e->path = copy;
	e->len = len;
	e->age = t->clock++;
	return 0;
}

const char *ward_file_table_get(struct ward_file_table *t, uint32_t tgid, uint64_t file_id,
				size_t *len)
{
	size_t at;
	struct entry *e = find(t, tgid, file_id, &at);
	if (!e)
		return NULL;
	*len = e->len;
	return e->path;
}

void ward_file_table_drop(struct ward_file_table *t, uint32_t tgid, uint64_t file_id)
{
	size_t at;
	if (find(t, tgid, file_id, &at))
		remove_at(t, at);
}

size_t ward_file_table_size(const struct ward_file_table *t)
{
	return t->count;
}

uint64_t ward_file_table_evicted(const struct ward_file_table *t)
{
	return t->evicted;
}
