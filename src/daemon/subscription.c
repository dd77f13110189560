/* Server-side filters of a client's subscription. */
#include <string.h>

#include "daemon/subscription.h"
#include "ward/abi.h"

void ward_subscription_all(struct ward_subscription *s)
{
	memset(s, 0, sizeof(*s));
	s->events = s->alerts = s->stats = s->footprints = true;
	s->access_mask[0] = s->access_mask[1] = ~0ULL;
}

/* A prefix matches at a path component boundary: /etc matches /etc and
 * /etc/passwd, not /etcetera. A prefix ending in '/' matches below it. */
static bool prefix_match(const char *path, size_t len, const char *pre, size_t plen)
{
	if (plen > len || memcmp(path, pre, plen))
		return false;
	return plen == len || pre[plen - 1] == '/' || path[plen] == '/';
}

bool ward_subscription_match(const struct ward_subscription *s, const struct ward_queue_item *it)
{
	const struct ward_rec_meta *m = &it->meta;
	switch (m->kind) {
	case WARD_KIND_STATS:
		return s->stats;
	case WARD_KIND_FOOTPRINT:
		return s->footprints;
	case WARD_KIND_LOSS:
		return s->events; /* a gap in the event stream */
	case WARD_KIND_ALERT:
		if (!s->alerts)
			return false;
		break;
	case WARD_KIND_EVENT:
		if (!s->events)
			return false;
		break;
	default:
		return false;
	}
	/* events, and alerts by their triggering event */
	if (m->access_type) {
		int bit = ward_access_bit(m->access_type);
		if (!((s->access_mask[bit >> 6] >> (bit & 63)) & 1))
			return false;
	}
	if (s->npids) {
		bool found = false;
		for (unsigned int i = 0; i < s->npids && !found; i++)
			found = s->pids[i] == m->pid;
		if (!found)
			return false;
	}
	if (s->nprefixes) {
		for (unsigned int i = 0; i < s->nprefixes; i++)
			if (prefix_match(it->path, m->path_len, s->prefixes[i], s->prefix_len[i]))
				return true;
		return false;
	}
	return true;
}
