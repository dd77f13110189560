/*
 * Where a folded repeat came from. The kernel reports a process's first open
 * of a file and counts the repeats; if the process exits within the window,
 * its exit brings the count (WARD_REC_FOLD) with only the fold key (inode,
 * device, flags). This remembers the path of recent reported opens by that
 * key, in fixed memory (no allocation per event): a slot per key hash and a
 * ring of path bytes, so an old entry may have been overwritten; then the
 * count is not attributed and stays in the stats.
 */
#ifndef WARD_FOLD_ORIGIN_H
#define WARD_FOLD_ORIGIN_H

#include <stddef.h>
#include <stdint.h>

struct ward_fold_origin;

/* slots: a power of two; arena: bytes of paths kept. */
struct ward_fold_origin *ward_fold_origin_new(size_t slots, size_t arena);
void ward_fold_origin_free(struct ward_fold_origin *o);

void ward_fold_origin_put(struct ward_fold_origin *o, uint32_t tgid, uint64_t ino, uint32_t dev,
			  uint32_t flags, uint32_t mode, const char *path, size_t len);
/* The path, or NULL if it was never put or has been overwritten since. Valid
 * until the next put. */
const char *ward_fold_origin_get(const struct ward_fold_origin *o, uint32_t tgid, uint64_t ino,
				 uint32_t dev, uint32_t flags, size_t *len, uint32_t *mode);

#endif
