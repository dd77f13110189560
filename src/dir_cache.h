/*
 * Resolved directories, so that a stream of path-named syscalls in one
 * directory (unlink, rename, chmod by absolute path) does not cost a walk of
 * lstat/readlink calls each. Key: the directory as the process named it,
 * joined and normalised (plus the process's root); value: its canonical
 * path. An entry is dropped when anything at or under one of its components
 * is created, deleted or renamed (that is all that can change what a
 * directory string resolves to, besides mounts: entries also expire after a
 * second).
 */
#ifndef WARD_DIR_CACHE_H
#define WARD_DIR_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define WARD_DIR_CACHE_SLOTS 256

struct ward_dir_cache;

struct ward_dir_cache *ward_dir_cache_new(void);
void ward_dir_cache_free(struct ward_dir_cache *c);

/* The canonical path of dir (NUL-terminated), or NULL. now_ns: any clock. */
const char *ward_dir_cache_get(struct ward_dir_cache *c, const char *dir, uint64_t now_ns);
void ward_dir_cache_put(struct ward_dir_cache *c, const char *dir, const char *resolved,
			uint64_t now_ns);
/* Something named path (lexical, as a process named it, or canonical) was
 * created, deleted or renamed: forget every directory that goes through it,
 * under either spelling. */
void ward_dir_cache_invalidate(struct ward_dir_cache *c, const char *path);

#endif
