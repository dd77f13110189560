#include "dir_cache.h"

#include <stdlib.h>
#include <string.h>

/* Mounts and unmounts are not seen as events: an entry lives this long. */
#define DIR_CACHE_TTL_NS 1000000000ULL

struct slot {
	char *key;       /* the directory as named (lexical) */
	char *resolved;  /* its canonical path */
	uint64_t added_ns;
};

/* Direct-mapped: a key has one slot; a collision replaces. */
struct ward_dir_cache {
	struct slot slots[WARD_DIR_CACHE_SLOTS];
};

static size_t slot_of(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h & (WARD_DIR_CACHE_SLOTS - 1);
}

static void slot_clear(struct slot *s)
{
	free(s->key);
	free(s->resolved);
	s->key = s->resolved = NULL;
}

struct ward_dir_cache *ward_dir_cache_new(void)
{
	return calloc(1, sizeof(struct ward_dir_cache));
}

void ward_dir_cache_free(struct ward_dir_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < WARD_DIR_CACHE_SLOTS; i++)
		slot_clear(&c->slots[i]);
	free(c);
}

const char *ward_dir_cache_get(struct ward_dir_cache *c, const char *dir, uint64_t now_ns)
{
	struct slot *s = &c->slots[slot_of(dir)];
	if (!s->key || strcmp(s->key, dir))
		return NULL;
	if (now_ns - s->added_ns > DIR_CACHE_TTL_NS) {
		slot_clear(s);
		return NULL;
	}
	return s->resolved;
}

void ward_dir_cache_put(struct ward_dir_cache *c, const char *dir, const char *resolved,
			uint64_t now_ns)
{
	struct slot *s = &c->slots[slot_of(dir)];
	char *k = strdup(dir), *r = strdup(resolved);
	if (!k || !r) {
		free(k);
		free(r);
		return;
	}
	slot_clear(s);
	s->key = k;
	s->resolved = r;
	s->added_ns = now_ns;
}

/* p is path or one of its ancestors: "/a" covers "/a" and "/a/b", not "/ab". */
static int covers(const char *p, size_t plen, const char *path)
{
	if (plen == 1 && p[0] == '/')
		return 1;
	return !strncmp(path, p, plen) && (path[plen] == 0 || path[plen] == '/');
}

void ward_dir_cache_invalidate(struct ward_dir_cache *c, const char *path)
{
	if (!path || !*path)
		return;
	size_t n = strlen(path);
	for (size_t i = 0; i < WARD_DIR_CACHE_SLOTS; i++) {
		struct slot *s = &c->slots[i];
		if (s->key && (covers(path, n, s->key) || covers(path, n, s->resolved)))
			slot_clear(s);
	}
}
