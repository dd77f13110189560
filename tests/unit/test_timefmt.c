// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
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

/* ---- ward_time_parse: the TIME of --since and --until ---- */

#define NOON 1795435200000000000ull	/* 2026-11-23T12:00:00Z */

#define CHECK_PARSE(s, now, want) ({					\
	uint64_t t_ = 42;						\
	CHECK_EQ_INT(ward_time_parse((s), (now), &t_), 0) &		\
		CHECK_EQ_INT(t_, (want));				\
})

/* An error, and *out_ns untouched. */
#define CHECK_PARSE_ERR(s, now, err) ({					\
	uint64_t t_ = 42;						\
	bool ok_ = CHECK_EQ_INT(ward_time_parse((s), (now), &t_), (err)) & \
		   CHECK_EQ_INT(t_, 42);				\
	if (!ok_)							\
		fprintf(stderr, "    input '%s'\n", (s) ? (s) : "(null)"); \
	ok_;								\
})

UNIT_TEST(parse_rfc3339)
{
	CHECK_PARSE("2026-11-23T12:00:00Z", 0, NOON);
	CHECK_PARSE("2026-11-23t12:00:00.5z", 0, NOON + 500000000);
	/* digits past the ninth are dropped, not rounded */
	CHECK_PARSE("2026-11-23T12:00:00.123456789999Z", 0, NOON + 123456789);
	CHECK_PARSE("2026-11-23 14:30:00.000000001+02:30", 0, NOON + 1);
	CHECK_PARSE("2026-11-23T10:00:00-02:00", 0, NOON);
	/* the zone moves the time across midnight, both ways */
	CHECK_PARSE("2026-11-24T00:30:00+01:00", 0, NOON + 11 * 3600 * NS + 1800 * NS);
	CHECK_PARSE("2026-11-22T23:00:00-13:00", 0, NOON);
	CHECK_PARSE("2024-02-29T00:00:00Z", 0, 1709164800 * NS);
	/* a leap second reads as the first second of the next minute */
	CHECK_PARSE("2026-11-23T11:59:60Z", 0, NOON);
}

UNIT_TEST(parse_date_is_midnight_utc)
{
	CHECK_PARSE("2026-11-23", 0, NOON - 12 * 3600 * NS);
	CHECK_PARSE("2024-02-29", 0, 1709164800 * NS);
	CHECK_PARSE("2000-02-29", 0, 951782400 * NS);	/* divisible by 400: leap */
	CHECK_PARSE_ERR("2100-02-29", 0, -EINVAL);	/* divisible by 100: not */
}

UNIT_TEST(parse_now_and_relative)
{
	CHECK_PARSE("now", NOON, NOON);
	CHECK_PARSE("-30s", NOON, NOON - 30 * NS);
	CHECK_PARSE("-10m", NOON, NOON - 600 * NS);
	CHECK_PARSE("-2h", NOON, NOON - 7200 * NS);
	CHECK_PARSE("-7d", NOON, NOON - 7 * 86400 * NS);
	CHECK_PARSE("-0s", NOON, NOON);
	CHECK_PARSE("-0000000000000000000000000001s", NOON, NOON - NS);	/* leading zeros */
}

UNIT_TEST(parse_before_the_epoch_is_erange)
{
	CHECK_PARSE("1970-01-01T00:00:00Z", 0, 0);
	CHECK_PARSE("1970-01-01", 0, 0);
	CHECK_PARSE_ERR("1969-12-31T23:59:59.999999999Z", 0, -ERANGE);
	CHECK_PARSE_ERR("1969-12-31", 0, -ERANGE);
	CHECK_PARSE_ERR("1970-01-01T00:30:00+01:00", 0, -ERANGE);
	CHECK_PARSE_ERR("0000-01-01T00:00:00Z", 0, -ERANGE);

	/* relative: back to the epoch exactly, and one unit further */
	CHECK_PARSE("-1795435200s", NOON, 0);
	CHECK_PARSE_ERR("-1795435201s", NOON, -ERANGE);
	CHECK_PARSE("-5s", 5 * NS + 500, 500);
	CHECK_PARSE_ERR("-6s", 5 * NS + 500, -ERANGE);
	CHECK_PARSE_ERR("-1s", 0, -ERANGE);
	CHECK_PARSE_ERR("-100000d", NOON, -ERANGE);
	CHECK_PARSE_ERR("-999999999d", NOON, -ERANGE);
	CHECK_PARSE_ERR("-1000000000d", NOON, -ERANGE);
	/* past a uint64_t: still before the epoch, not a wrapped-around time */
	CHECK_PARSE_ERR("-18446744073709551615s", NOON, -ERANGE);
	CHECK_PARSE_ERR("-18446744073709551616s", UINT64_MAX, -ERANGE);
	CHECK_PARSE_ERR("-99999999999999999999999d", UINT64_MAX, -ERANGE);
	/* but the syntax is judged first */
	CHECK_PARSE_ERR("-99999999999999999999999x", NOON, -EINVAL);
}

UNIT_TEST(parse_after_2554_is_eoverflow)
{
	CHECK_PARSE("2554-07-21T23:34:33.709551615Z", 0, UINT64_MAX);
	CHECK_PARSE_ERR("2554-07-21T23:34:33.709551616Z", 0, -EOVERFLOW);
	CHECK_PARSE_ERR("2554-07-21T23:34:34Z", 0, -EOVERFLOW);
	CHECK_PARSE_ERR("2554-07-22", 0, -EOVERFLOW);
	CHECK_PARSE_ERR("9999-12-31T23:59:60-23:59", 0, -EOVERFLOW);	/* the latest there is */
	CHECK_PARSE("-1s", UINT64_MAX, UINT64_MAX - NS);
}

UNIT_TEST(parse_rejects_what_is_not_in_the_grammar)
{
	static const char *const bad[] = {
		"", "now ", "Now", "yesterday", "today",
		/* relative: a minus, digits, one unit */
		"-", "-s", "-10", "-10x", "-10mm", "-1.5h", "-1h ", " -1h", "--1m", "-+1m", "10m",
		"+10m", "-5y", "-10M",
		/* dates */
		"26-11-23", "2026-11", "2026/11/23", "2026-1-23", "2026-1a-23", "+2026-11-23",
		"2026-00-10", "2026-13-01", "2026-11-00", "2026-11-31", "2026-02-29", "2026-11-23Z",
		/* times */
		"2026-11-23T", "2026-11-23T12:00:00", "2026-11-23T12:00Z", "2026-11-23T12Z",
		"2026-11-23_12:00:00Z", "2026-11-23T24:00:00Z", "2026-11-23T12:60:00Z",
		"2026-11-23T12:00:61Z", "2026-11-23T1:00:00Z", "2026-11-23T12:00:00.Z",
		"2026-11-23T12:00:00,5Z", "2026-11-23T12:00:00.5", "2026-11-23T12:00:00ZZ",
		"2026-11-23T12:00:00Zjunk", "2026-11-23T12:00:00 Z",
		/* zones */
		"2026-11-23T12:00:00+0200", "2026-11-23T12:00:00+1:00", "2026-11-23T12:00:00+02",
		"2026-11-23T12:00:00+24:00", "2026-11-23T12:00:00+02:60", "2026-11-23T12:00:00+02:00Z",
		"2026-11-23T12:00:00UTC",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_PARSE_ERR(bad[i], NOON, -EINVAL);
	CHECK_PARSE_ERR(NULL, NOON, -EINVAL);
}

/* What the formatter writes, the parser reads back: every day, at a varying time of day. */
UNIT_TEST(parse_reads_back_every_formatted_day)
{
	uint64_t day, last = UINT64_MAX / NS / 86400;
	int bad = 0;

	for (day = 0; day < last && bad < 3; day++) {
		uint64_t ns = (day * 86400 + day * 7919 % 86400) * NS + day * 104729 % NS, t = 0;
		char text[WARD_TIME_LEN];

		ward_time_rfc3339(ns, text);
		if (!CHECK_EQ_INT(ward_time_parse(text, 0, &t), 0) || !CHECK_EQ_INT(t, ns)) {
			fprintf(stderr, "    input '%s'\n", text);
			bad++;
		}
	}
}

UNIT_TEST(parse_error_messages)
{
	CHECK_EQ_STR(ward_time_parse_error(-ERANGE), "is before the epoch, 1970-01-01T00:00:00Z");
	CHECK_EQ_STR(ward_time_parse_error(-EOVERFLOW),
		     "is after 2554-07-21T23:34:33Z, the last time ward can represent");
	CHECK_EQ_STR(ward_time_parse_error(-EINVAL),
		     "is not a time (RFC 3339 such as 2026-11-23T12:00:00Z or "
		     "2026-11-23T13:00:00.5+01:00, a date such as 2026-11-23, now, "
		     "or -30s, -10m, -2h, -7d)");
}

UNIT_MAIN()
