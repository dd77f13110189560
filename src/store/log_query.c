// SPDX-License-Identifier: GPL-2.0
#include "store/log_query.h"

#include <errno.h>

#include "xdr_names.h"

int ward_log_query_add_type(struct ward_log_query *q, const char *name)
{
	unsigned int v;
	int is_event;

	if (ward_type_parse(name, &v, &is_event))
		return -EINVAL;
	if (q->ntypes == WARD_LOG_QUERY_MAX_TYPES)
		return -E2BIG;
	q->types[q->ntypes] = v;
	q->is_event_type[q->ntypes] = is_event;
	q->ntypes++;
	return 0;
}

bool ward_log_query_match(const struct ward_log_query *q, const struct ward_pb_meta *m,
			  uint64_t block_first_ns, uint64_t block_last_ns)
{
	uint64_t first = block_first_ns, last = block_last_ns;

	if (m && m->time_ns)
		first = last = m->time_ns;
	if ((q->since_ns && last < q->since_ns) || (q->until_ns && first > q->until_ns))
		return false;
	if (!q->ntypes)
		return true;
	if (!m)
		return false;
	unsigned int ev = m->event_type ? m->event_type
			  : m->access_type ? ward_event_type_of(m->access_type) : 0;
	for (size_t i = 0; i < q->ntypes; i++) {
		if (q->is_event_type[i] ? ev && ev == q->types[i]
					: m->access_type && m->access_type == q->types[i])
			return true;
	}
	return false;
}
