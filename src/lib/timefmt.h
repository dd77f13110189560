/* SPDX-License-Identifier: GPL-2.0 */
/* Event timestamps: boot-time clock to wall clock, and RFC 3339 text without libc formatting. */
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

#endif /* WARD_LIB_TIMEFMT_H */
