#include "stats.h"

#include <string.h>

#include "ward/abi.h"
#include "xdr_names.h"

void ward_stats_add(struct ward_stats *s, unsigned int access_type)
{
	int bit = ward_access_bit(access_type);
	if (bit >= 0 && bit < WARD_STATS_SLOTS)
		s->by_access[bit]++;
	s->events++;
}

void ward_stats_reset(struct ward_stats *s)
{
	memset(s, 0, sizeof(*s));
}

unsigned int ward_stats_access_at(unsigned int slot)
{
	unsigned int a;
	for (unsigned int i = 0; (a = ward_access_type_at(i)); i++)
		if ((unsigned int)ward_access_bit(a) == slot)
			return a;
	return 0;
}
