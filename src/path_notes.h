/*
 * Paths the path hooks sent ahead of their syscall's FILE record
 * (WARD_REC_PATH_NOTE, then a WARD_REC_FILE with path_kind KERNEL from the
 * same thread). A note waits here, by thread, until its record takes it. A
 * thread has at most one syscall in flight, so the table needs room for the
 * threads inside a path-named syscall at once, not for a backlog; a note of a
 * failed call is overwritten by the thread's next one.
 */
#ifndef WARD_PATH_NOTES_H
#define WARD_PATH_NOTES_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct ward_path_notes;

struct ward_path_notes *ward_path_notes_new(void);
void ward_path_notes_free(struct ward_path_notes *n);

/* Keep thread tid's paths for its syscall nr (path2 may be NULL). Returns 1
 * if another thread's note, not yet taken, had to make room (counted by the
 * caller), else 0. Paths longer than PATH_MAX - 1 are cut and flagged. */
int ward_path_notes_put(struct ward_path_notes *n, uint32_t tid, uint32_t nr, uint32_t flags,
			const char *path, size_t len, const char *path2, size_t len2);

/* Take thread tid's note for syscall nr: 0 with the paths set (valid until
 * the next put) and *flags the note's, or -ENOENT. A note is taken once. */
int ward_path_notes_take(struct ward_path_notes *n, uint32_t tid, uint32_t nr,
			 struct ward_str_ref *path, struct ward_str_ref *path2, uint32_t *flags);

#endif
