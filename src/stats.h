/* Counts of events per access type over an interval (the "stats" records). */
#ifndef WARD_STATS_H
#define WARD_STATS_H

#include <stdint.h>

#define WARD_STATS_SLOTS 128

struct ward_stats {
	uint64_t by_access[WARD_STATS_SLOTS]; /* indexed by ward_access_bit() */
	uint64_t events;
};

void ward_stats_add(struct ward_stats *s, unsigned int access_type);
void ward_stats_reset(struct ward_stats *s);
/* The access type counted in slot i, or 0 if the slot is not one. */
unsigned int ward_stats_access_at(unsigned int slot);

#endif
