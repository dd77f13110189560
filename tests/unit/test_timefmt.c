// SPDX-License-Identifier: GPL-2.0
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/timefmt.h"
#include "unit.h"

#define NS 1000000000ull

#define CHECK_TIME(ns, expected) ({					\
	char out_[WARD_TIME_LEN];					\
	size_t n_;							\
	memset(out_, 'X', sizeof(out_));				\
	n_ = ward_time_rfc3339((ns), out_);				\
	CHECK_EQ_INT(n_, 30) & CHECK_EQ_STR(out_, (expected));		\
})

UNIT_TEST(epoch)
{
	CHECK_TIME(0, "1970-01-01T00:00:00.000000000Z");
	CHECK_TIME(1, "1970-01-01T00:00:00.000000001Z");
	CHECK_TIME(NS - 1, "1970-01-01T00:00:00.999999999Z");
	CHECK_TIME(86399 * NS, "1970-01-01T23:59:59.000000000Z");
	CHECK_TIME(86400 * NS, "1970-01-02T00:00:00.000000000Z");
}

UNIT_TEST(spec_example)
{
	CHECK_TIME(1795435200123456789ull, "2026-11-23T12:00:00.123456789Z");
}

UNIT_TEST(leap_days)
{
	CHECK_TIME(1709251199999999999ull, "2024-02-29T23:59:59.999999999Z");
	CHECK_TIME(1709251200000000000ull, "2024-03-01T00:00:00.000000000Z");
	/* 2000 is divisible by 400: a leap year */
	CHECK_TIME(951825600000000000ull, "2000-02-29T12:00:00.000000000Z");
	CHECK_TIME(946684799999999999ull, "1999-12-31T23:59:59.999999999Z");
}

UNIT_TEST(year_2100_is_not_leap)
{
	CHECK_TIME(4107542399999999999ull, "2100-02-28T23:59:59.999999999Z");
	CHECK_TIME(4107542400000000000ull, "2100-03-01T00:00:00.000000000Z");
}

UNIT_TEST(fraction_always_nine_digits)
{
	CHECK_TIME(1795435200000000000ull, "2026-11-23T12:00:00.000000000Z");
	CHECK_TIME(1795435200000000010ull, "2026-11-23T12:00:00.000000010Z");
	CHECK_TIME(1795435200100000000ull, "2026-11-23T12:00:00.100000000Z");
	CHECK_TIME(1795435200000123000ull, "2026-11-23T12:00:00.000123000Z");
}

UNIT_TEST(largest_input)
{
	CHECK_TIME(UINT64_MAX, "2554-07-21T23:34:33.709551615Z");
}

/* Every day up to the end of the uint64_t range, at a varying time of day, against gmtime_r. */
UNIT_TEST(matches_gmtime_every_day)
{
	uint64_t day, last = UINT64_MAX / NS / 86400;
	int bad = 0;

	for (day = 0; day < last && bad < 3; day++) {
		time_t t = (time_t)(day * 86400 + day * 7919 % 86400);
		char want[64], got[WARD_TIME_LEN];
		uint64_t frac = day * 104729 % NS;
		struct tm tm;

		gmtime_r(&t, &tm);
		snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.%09lluZ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, (unsigned long long)frac);
		ward_time_rfc3339((uint64_t)t * NS + frac, got);
		if (!CHECK_EQ_STR(got, want))
			bad++;
	}
}

UNIT_TEST(realtime_is_now)
{
	struct timespec ts;
	uint64_t now, ours;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
	ours = ward_time_realtime_ns();
	CHECK(ours >= now);
	CHECK(ours - now < 5 * NS);
}

UNIT_TEST(boot_offset_maps_boottime_to_realtime)
{
	struct timespec ts;
	uint64_t off, boot, real;
	int64_t lag;

	off = ward_time_boot_to_unix_offset();
	clock_gettime(CLOCK_BOOTTIME, &ts);
	boot = (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
	real = ward_time_realtime_ns();
	CHECK(off > 0);
	/* boot was read just before real, so boot + off trails real by a little, never leads */
	lag = (int64_t)(real - (boot + off));
	CHECK(lag > -(int64_t)(NS / 1000));
	CHECK(lag < (int64_t)(NS / 10));
}

UNIT_MAIN()
