/* Shared by the bench workloads: timing and the one result line the harness reads.
 * Every workload prints exactly one line on stdout:
 *   <name>: ops=<N> elapsed_s=<seconds> ops_per_s=<rate>
 * Setup work (creating files, starting a server thread) happens before the clock starts. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline void report(const char *name, long ops, double elapsed)
{
	printf("%s: ops=%ld elapsed_s=%.6f ops_per_s=%.1f\n", name, ops, elapsed,
	       elapsed > 0 ? ops / elapsed : 0.0);
	fflush(stdout);
}

static inline long parse_count(const char *s, const char *what)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v <= 0) {
		fprintf(stderr, "bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

#define DIE(...) do { fprintf(stderr, __VA_ARGS__); fprintf(stderr, ": %s\n", strerror(errno)); exit(1); } while (0)
#endif
