/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which records `ward log cat` prints: a time window (--since/--until) and event or access
 * types (--type). Pure logic over the codec's record metadata, so it is unit-tested.
 */
#ifndef WARD_STORE_LOG_QUERY_H
#define WARD_STORE_LOG_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pb/codec.h"

/* More --type options than there are XDR types would only repeat some. */
#define WARD_LOG_QUERY_MAX_TYPES 64

struct ward_log_query {
	uint64_t since_ns;	/* unix ns, inclusive; 0: no bound */
	uint64_t until_ns;	/* unix ns, inclusive; 0: no bound */
	size_t ntypes;
	unsigned int types[WARD_LOG_QUERY_MAX_TYPES];
	bool is_event_type[WARD_LOG_QUERY_MAX_TYPES];
};

/* Adds a --type: an XDR event type ("FILE") or access type ("FILE_OPEN") name or number.
 * 0, -EINVAL (unknown name) or -E2BIG (too many). */
int ward_log_query_add_type(struct ward_log_query *q, const char *name);

/*
 * Whether a record passes. m is its metadata, NULL if the codec could not read it; such a
 * record passes only when no --type is given. A record without a time of its own is judged by
 * its block's time range.
 */
bool ward_log_query_match(const struct ward_log_query *q, const struct ward_pb_meta *m,
			  uint64_t block_first_ns, uint64_t block_last_ns);

#endif /* WARD_STORE_LOG_QUERY_H */
