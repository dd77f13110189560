#include "path_notes.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ward/abi.h"

/* Threads inside a path-named syscall at once that keep their note; 1 MiB. */
#define WARD_PATH_NOTE_SLOTS 64

struct note {
	uint32_t tid;
	uint32_t nr;
	uint32_t flags;
	bool pending;
	size_t len, len2;
	bool has2;
	char path[PATH_MAX];
	char path2[PATH_MAX];
};

struct ward_path_notes {
	struct note slot[WARD_PATH_NOTE_SLOTS];
};

struct ward_path_notes *ward_path_notes_new(void)
{
	return calloc(1, sizeof(struct ward_path_notes));
}

void ward_path_notes_free(struct ward_path_notes *n)
{
	free(n);
}

static struct note *slot_of(struct ward_path_notes *n, uint32_t tid)
{
	return &n->slot[(tid * 2654435761u) >> 26];   /* top 6 bits: 64 slots */
}

_Static_assert(WARD_PATH_NOTE_SLOTS == 64, "slot_of() takes 6 bits");

static size_t copy(char *dst, const char *src, size_t len, uint32_t *flags, uint32_t trunc)
{
	if (len > PATH_MAX - 1) {
		len = PATH_MAX - 1;
		*flags |= trunc;
	}
	if (len)
		memcpy(dst, src, len);
	dst[len] = 0;
	return len;
}

int ward_path_notes_put(struct ward_path_notes *n, uint32_t tid, uint32_t nr, uint32_t flags,
			const char *path, size_t len, const char *path2, size_t len2)
{
	struct note *s = slot_of(n, tid);
	int evicted = s->pending && s->tid != tid;
	s->tid = tid;
	s->nr = nr;
	s->flags = flags;
	s->len = copy(s->path, path ? path : "", path ? len : 0, &s->flags, WARD_PATH_TRUNCATED);
	s->has2 = path2 != NULL;
	s->len2 = copy(s->path2, path2 ? path2 : "", path2 ? len2 : 0, &s->flags,
		       WARD_PATH2_TRUNCATED);
	s->pending = true;
	return evicted;
}

int ward_path_notes_take(struct ward_path_notes *n, uint32_t tid, uint32_t nr,
			 struct ward_str_ref *path, struct ward_str_ref *path2, uint32_t *flags)
{
	struct note *s = slot_of(n, tid);
	if (!s->pending || s->tid != tid || s->nr != nr)
		return -ENOENT;
	s->pending = false;
	path->s = s->len ? s->path : NULL;   /* the hook could not read it */
	path->len = s->len;
	path2->s = s->has2 ? s->path2 : NULL;
	path2->len = s->has2 ? s->len2 : 0;
	*flags = s->flags;
	return 0;
}
