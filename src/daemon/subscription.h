/*
 * What a local client asked to receive (the Subscribe message of
 * docs/protocol.md), matched against each record's metadata without
 * decoding the record.
 */
#ifndef WARD_DAEMON_SUBSCRIPTION_H
#define WARD_DAEMON_SUBSCRIPTION_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon/queue.h"

#define WARD_SUB_MAX_PIDS 1024
#define WARD_SUB_MAX_PREFIXES 8
#define WARD_SUB_MAX_PREFIX_LEN 4096

struct ward_subscription {
	bool events, alerts, stats, footprints;
	uint64_t access_mask[2];     /* see ward_access_bit(); all ones = every type */
	uint32_t pids[WARD_SUB_MAX_PIDS];
	unsigned int npids;
	char prefixes[WARD_SUB_MAX_PREFIXES][WARD_SUB_MAX_PREFIX_LEN];
	uint16_t prefix_len[WARD_SUB_MAX_PREFIXES];
	unsigned int nprefixes;
};

/* Everything: what a client gets before it says otherwise. */
void ward_subscription_all(struct ward_subscription *s);
bool ward_subscription_match(const struct ward_subscription *s, const struct ward_queue_item *it);

#endif /* WARD_DAEMON_SUBSCRIPTION_H */
