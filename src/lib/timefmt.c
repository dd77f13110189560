// SPDX-License-Identifier: GPL-2.0
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
