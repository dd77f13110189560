/*
 * Reading footprints back: the filters of `ward footprints`, run read-only
 * against the database while the daemon writes it (WAL).
 */
#ifndef WARD_STORE_FOOTPRINTS_QUERY_H
#define WARD_STORE_FOOTPRINTS_QUERY_H

#include <stdint.h>

#include "footprint.h"

#define WARD_FP_KIND_BIT(k) (1u << (k))

struct ward_footprints_query {
	unsigned int kinds;      /* WARD_FP_KIND_BIT() of each kind wanted; 0: all */
	const char *name_glob;   /* SQLite GLOB (*, ?, [...], case-sensitive) on name; NULL: any */
	uint64_t since_ns;       /* only objects last seen at or after; 0: any */
	uint64_t limit;          /* at most this many; 0: no limit */
};

typedef int (*ward_footprint_fn)(const struct ward_footprint *fp, void *arg);

/*
 * Calls fn for each matching footprint, most recently seen first; the
 * footprint's strings are valid during the call. fn returns 0 to go on;
 * anything else stops the query and is returned. Otherwise returns 0,
 * -ENOENT (no database at db_path), -EPROTONOSUPPORT (written by a newer
 * ward; *version, if not NULL, says which schema), -EBADMSG (not a footprint
 * database), -EACCES, or -EIO.
 */
int ward_footprints_query(const char *db_path, const struct ward_footprints_query *q,
			  ward_footprint_fn fn, void *arg, int *version);

#endif /* WARD_STORE_FOOTPRINTS_QUERY_H */
