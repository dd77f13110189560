// SPDX-License-Identifier: GPL-2.0
#include "store/log_query.h"

#include <errno.h>
#include <string.h>

#include "xdr_names.h"

#define NS_PER_SEC 1000000000ull

/* Parses exactly n digits. */
static int num(const char **p, int n, unsigned int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (**p < '0' || **p > '9')
			return -EINVAL;
		*v = *v * 10 + (unsigned int)(**p - '0');
	}
	return 0;
}

/* Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned int m, unsigned int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned int yoe = (unsigned int)(y - era * 400);
	unsigned int doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int parse_relative(const char *s, uint64_t now_ns, uint64_t *out)
{
	uint64_t v = 0, unit;
	const char *p = s + 1;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	switch (*p) {
	case 's': unit = NS_PER_SEC; break;
	case 'm': unit = 60 * NS_PER_SEC; break;
	case 'h': unit = 3600 * NS_PER_SEC; break;
	case 'd': unit = 86400 * NS_PER_SEC; break;
	default: return -EINVAL;
	}
	if (p[1])
		return -EINVAL;
	if (v > now_ns / unit)
		return -ERANGE;
	*out = now_ns - v * unit;
	return 0;
}

int ward_log_parse_time(const char *s, uint64_t now_ns, uint64_t *out)
{
	unsigned int y, mo, d, h = 0, mi = 0, sec = 0, oh, om;
	uint64_t frac = 0;
	int64_t offset_s = 0;
	const char *p = s;

	if (!s || !*s)
		return -EINVAL;
	if (!strcmp(s, "now")) {
		*out = now_ns;
		return 0;
	}
	if (*s == '-')
		return parse_relative(s, now_ns, out);
	if (num(&p, 4, &y) || *p++ != '-' || num(&p, 2, &mo) || *p++ != '-' || num(&p, 2, &d))
		return -EINVAL;
	if (*p) {
		if (*p != 'T' && *p != 't' && *p != ' ')
			return -EINVAL;
		p++;
		if (num(&p, 2, &h) || *p++ != ':' || num(&p, 2, &mi) || *p++ != ':' ||
		    num(&p, 2, &sec))
			return -EINVAL;
		if (*p == '.') {
			int digits = 0;
			p++;
			if (*p < '0' || *p > '9')
				return -EINVAL;
			for (; *p >= '0' && *p <= '9'; p++, digits++)
				if (digits < 9)
					frac = frac * 10 + (uint64_t)(*p - '0');
			for (; digits < 9; digits++)
				frac *= 10;
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p++ == '-' ? -1 : 1;
			if (num(&p, 2, &oh) || *p++ != ':' || num(&p, 2, &om) || oh > 23 || om > 59)
				return -EINVAL;
			offset_s = sign * (int64_t)(oh * 3600 + om * 60);
		} else {
			return -EINVAL;	/* a time without a zone is ambiguous */
		}
		if (*p)
			return -EINVAL;
	}
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -EINVAL;
	int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset_s;
	if (t < 0)
		return -ERANGE;
	if ((uint64_t)t > (UINT64_MAX - frac) / NS_PER_SEC)
		return -ERANGE;
	*out = (uint64_t)t * NS_PER_SEC + frac;
	return 0;
}

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
