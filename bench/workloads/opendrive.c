/* opendrive DIR FIRST COUNT RATE SECONDS
 * Opens (O_RDONLY + close) DIR/f<FIRST> .. DIR/f<FIRST+COUNT-1> in a cycle for SECONDS,
 * paced to RATE opens/s (0 = as fast as possible). The files must exist (openmany setup).
 * Each file is reopened only after COUNT/RATE seconds, so with COUNT > RATE * 1.2 s no
 * open falls inside ward's 1 s repeated-open window: every open is a distinct event. */
#include "common.h"
#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 6) { fprintf(stderr, "usage: opendrive DIR FIRST COUNT RATE SECONDS\n"); return 2; }
	const char *dir = argv[1];
	long first = strtol(argv[2], NULL, 10), count = parse_count(argv[3], "COUNT");
	double rate = strtod(argv[4], NULL), secs = strtod(argv[5], NULL);
	char **paths = malloc(count * sizeof *paths);
	if (!paths) DIE("malloc");
	for (long i = 0; i < count; i++)
		if (asprintf(&paths[i], "%s/f%07ld", dir, first + i) < 0) DIE("asprintf");
	double t0 = now_s(), t = t0, end = t0 + secs;
	long ops = 0, idx = 0;
	while (t < end) {
		for (int k = 0; k < 256; k++) {
			int fd = open(paths[idx], O_RDONLY);
			if (fd < 0) DIE("open %s", paths[idx]);
			close(fd);
			if (++idx == count) idx = 0;
		}
		ops += 256;
		t = now_s();
		if (rate > 0) {
			double due = t0 + ops / rate;
			if (due > t) {
				double d = due - t;
				struct timespec ts = { (time_t)d, (long)((d - (time_t)d) * 1e9) };
				nanosleep(&ts, NULL);
				t = now_s();
			}
		}
	}
	report("opendrive", ops, t - t0);
	return 0;
}
