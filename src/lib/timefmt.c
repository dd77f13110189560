// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "lib/timefmt.h"

#define NS_PER_SEC 1000000000ull
#define SEC_PER_DAY 86400ull

static void put_digits(char *p, unsigned int v, int width)
{
	while (width--) {
		p[width] = (char)('0' + v % 10);
		v /= 10;
	}
}

/*
 * Days since 1970-01-01 to a proleptic Gregorian date, after Howard Hinnant's civil_from_days
 * (http://howardhinnant.github.io/date_algorithms.html). Shifting the year to start on March 1
 * puts the leap day last, so month lengths follow the fixed 153-days-per-5-months pattern.
 * Our input is never before the epoch, so the era arithmetic can stay unsigned.
 */
static void civil_from_days(uint64_t days, unsigned int *y, unsigned int *m, unsigned int *d)
{
	uint64_t z = days + 719468;	/* days since 0000-03-01 */
	uint64_t era = z / 146097;	/* 400-year eras of 146097 days */
	/* day of era [0, 146096], year of era [0, 399], day of year [0, 365], month [0, 11] */
	unsigned int doe = (unsigned int)(z - era * 146097);
	unsigned int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned int mp = (5 * doy + 2) / 153;	/* 0 is March */

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (unsigned int)(yoe + era * 400) + (*m <= 2);
}

size_t ward_time_rfc3339(uint64_t unix_ns, char out[WARD_TIME_LEN])
{
	uint64_t secs = unix_ns / NS_PER_SEC;
	unsigned int frac = (unsigned int)(unix_ns % NS_PER_SEC);
	unsigned int sod = (unsigned int)(secs % SEC_PER_DAY);
	unsigned int y, m, d;

	civil_from_days(secs / SEC_PER_DAY, &y, &m, &d);

	put_digits(out, y, 4);
	out[4] = '-';
	put_digits(out + 5, m, 2);
	out[7] = '-';
	put_digits(out + 8, d, 2);
	out[10] = 'T';
	put_digits(out + 11, sod / 3600, 2);
	out[13] = ':';
	put_digits(out + 14, sod / 60 % 60, 2);
	out[16] = ':';
	put_digits(out + 17, sod % 60, 2);
	out[19] = '.';
	put_digits(out + 20, frac, 9);
	out[29] = 'Z';
	out[30] = '\0';
	return 30;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t ward_time_realtime_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

uint64_t ward_time_boot_to_unix_offset(void)
{
	uint64_t best_gap = UINT64_MAX, best = 0;
	int i;

	/*
	 * Bracket one boot-time read between two wall-clock reads and keep the tightest bracket:
	 * a preemption between the reads would otherwise skew the offset by a whole time slice.
	 */
	for (i = 0; i < 3; i++) {
		uint64_t r1 = clock_ns(CLOCK_REALTIME);
		uint64_t bt = clock_ns(CLOCK_BOOTTIME);
		uint64_t r2 = clock_ns(CLOCK_REALTIME);

		if (!r1 || !bt || !r2)
			return 0;
		/* r2 < r1 means the wall clock was stepped back mid-sample: not a usable pair. */
		if (r2 < r1 || r2 - r1 >= best_gap)
			continue;
		best_gap = r2 - r1;
		best = r1 + (r2 - r1) / 2 - bt;
	}
	return best;
}

/* ---- TIME arguments ---- */

/* Days from 1970-01-01 to a proleptic Gregorian date: the inverse of civil_from_days, from the
 * same source. Years before 1970 give negative days, which the caller reports as such. */
static int64_t days_from_civil(int64_t y, unsigned int m, unsigned int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned int yoe = (unsigned int)(y - era * 400);
	unsigned int doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

static unsigned int days_in_month(unsigned int y, unsigned int m)
{
	static const unsigned char mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return mdays[m - 1] + (m == 2 && leap);
}

/* Exactly n digits at *p, advancing past them. */
static int digits(const char **p, int n, unsigned int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (**p < '0' || **p > '9')
			return -EINVAL;
		*v = *v * 10 + (unsigned int)(**p - '0');
	}
	return 0;
}

/* "-<digits><s|m|h|d>": any number of digits; one too large for a uint64_t is before the
 * epoch all the same, so it is -ERANGE once the rest of the syntax is known to be right. */
static int parse_relative(const char *s, uint64_t now_ns, uint64_t *out_ns)
{
	const char *p = s + 1;
	uint64_t v = 0, unit;
	bool overflow = false;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			overflow = true;
		else
			v = v * 10 + (uint64_t)(*p - '0');
	}
	switch (*p) {
	case 's': unit = NS_PER_SEC; break;
	case 'm': unit = 60 * NS_PER_SEC; break;
	case 'h': unit = 3600 * NS_PER_SEC; break;
	case 'd': unit = SEC_PER_DAY * NS_PER_SEC; break;
	default: return -EINVAL;
	}
	if (p[1])
		return -EINVAL;
	if (overflow || v > now_ns / unit)
		return -ERANGE;
	*out_ns = now_ns - v * unit;
	return 0;
}

/* "THH:MM:SS[.fraction](Z|+hh:mm|-hh:mm)" after the date, into seconds of the day (which may
 * be negative or past one day once the zone is applied) and nanoseconds. */
static int parse_clock(const char *p, int64_t *sec_out, uint64_t *frac_out)
{
	unsigned int h, mi, sec, oh, om;
	uint64_t frac = 0;
	int64_t offset = 0;

	if (*p != 'T' && *p != 't' && *p != ' ')
		return -EINVAL;
	p++;
	if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi) || *p++ != ':' ||
	    digits(&p, 2, &sec) || h > 23 || mi > 59 || sec > 60)
		return -EINVAL;
	if (*p == '.') {
		int n = 0;

		p++;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		for (; *p >= '0' && *p <= '9'; p++, n++)
			if (n < 9)
				frac = frac * 10 + (uint64_t)(*p - '0');
		for (; n < 9; n++)
			frac *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int64_t sign = *p++ == '-' ? -1 : 1;

		if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om) || oh > 23 || om > 59)
			return -EINVAL;
		offset = sign * (int64_t)(oh * 3600 + om * 60);
	} else {
		return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	*sec_out = (int64_t)(h * 3600 + mi * 60 + sec) - offset;
	*frac_out = frac;
	return 0;
}

int ward_time_parse(const char *s, uint64_t now_ns, uint64_t *out_ns)
{
	unsigned int y, m, d;
	int64_t t, sec = 0;
	uint64_t frac = 0;
	const char *p = s;

	if (!s || !*s)
		return -EINVAL;
	if (!strcmp(s, "now")) {
		*out_ns = now_ns;
		return 0;
	}
	if (*s == '-')
		return parse_relative(s, now_ns, out_ns);
	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &m) || *p++ != '-' ||
	    digits(&p, 2, &d) || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return -EINVAL;
	if (*p && parse_clock(p, &sec, &frac))
		return -EINVAL;
	/* At most 9999-12-31 plus a day of zone and seconds: far inside an int64_t. */
	t = days_from_civil(y, m, d) * (int64_t)SEC_PER_DAY + sec;
	if (t < 0)
		return -ERANGE;
	if ((uint64_t)t > (UINT64_MAX - frac) / NS_PER_SEC)
		return -EOVERFLOW;
	*out_ns = (uint64_t)t * NS_PER_SEC + frac;
	return 0;
}

const char *ward_time_parse_error(int err)
{
	switch (err) {
	case -ERANGE:
		return "is before the epoch, 1970-01-01T00:00:00Z";
	case -EOVERFLOW:
		return "is after 2554-07-21T23:34:33Z, the last time ward can represent";
	default:
		return "is not a time (RFC 3339 such as 2026-11-23T12:00:00Z or "
		       "2026-11-23T13:00:00.5+01:00, a date such as 2026-11-23, now, "
		       "or -30s, -10m, -2h, -7d)";
	}
}
