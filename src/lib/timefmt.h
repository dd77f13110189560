/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Time as text: event timestamps (boot-time clock to wall clock, RFC 3339 without libc
 * formatting) and the one parser of the TIME arguments commands take (--since, --until).
 */
#ifndef WARD_LIB_TIMEFMT_H
#define WARD_LIB_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" is 30 bytes; rounded up, with room for the NUL. */
#define WARD_TIME_LEN 32

/*
 * Writes unix_ns as UTC with exactly 9 fractional digits and a NUL; returns the length (30).
 * A uint64_t of nanoseconds ends in 2554, so the year always has 4 digits.
 */
size_t ward_time_rfc3339(uint64_t unix_ns, char out[WARD_TIME_LEN]);

/* CLOCK_REALTIME in ns since the epoch; 0 if the clock cannot be read. */
uint64_t ward_time_realtime_ns(void);

/*
 * CLOCK_REALTIME - CLOCK_BOOTTIME in ns: add it to a bpf_ktime_get_boot_ns() stamp to get wall
 * time. It moves when the wall clock is stepped, so long-running callers should resample it
 * now and then. Returns 0 if a clock cannot be read.
 */
uint64_t ward_time_boot_to_unix_offset(void);

/*
 * TIME as every command takes it (--since, --until), into unix ns. The grammar:
 *   RFC 3339   2026-11-23T12:00:00Z, 2026-11-23T13:30:00.5+01:30: T, t or a space between date
 *              and time; an optional fraction (digits past the ninth are dropped); a zone, Z, z,
 *              +hh:mm or -hh:mm, is required, since local time would depend on the reader's TZ.
 *              Seconds may be 60 (a leap second, read as the next minute's first).
 *   a date     2026-11-23: its midnight UTC
 *   now        now_ns
 *   relative   -30s, -10m, -2h, -7d: that many seconds, minutes, hours or days before now_ns
 * Returns 0, -EINVAL (not in the grammar, or no such date: 2026-02-29), -ERANGE (before the
 * epoch, 1970-01-01T00:00:00Z) or -EOVERFLOW (after 2554-07-21T23:34:33.709551615Z, the last
 * nanosecond a uint64_t holds). *out_ns is only written on success.
 */
int ward_time_parse(const char *s, uint64_t now_ns, uint64_t *out_ns);

/*
 * What is wrong with a TIME, for an error from ward_time_parse, worded to follow the argument:
 * "--since: '-5y' " + this. Every command says the same thing.
 */
const char *ward_time_parse_error(int err);

#endif /* WARD_LIB_TIMEFMT_H */
