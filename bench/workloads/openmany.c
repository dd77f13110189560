/* openmany setup N DIR : create DIR/f0000000 .. f<N-1> (empty), outside any measurement.
 * openmany run N DIR   : open each of them once (O_RDONLY) + close. */
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 4 || (strcmp(argv[1], "setup") && strcmp(argv[1], "run"))) {
		fprintf(stderr, "usage: openmany setup|run N DIR\n");
		return 2;
	}
	long n = parse_count(argv[2], "N");
	const char *dir = argv[3];
	char path[4096];
	if (!strcmp(argv[1], "setup")) {
		mkdir(dir, 0755);
		for (long i = 0; i < n; i++) {
			snprintf(path, sizeof path, "%s/f%07ld", dir, i);
			int fd = open(path, O_WRONLY | O_CREAT, 0644);
			if (fd < 0) DIE("create %s", path);
			close(fd);
		}
		return 0;
	}
	double t0 = now_s();
	for (long i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/f%07ld", dir, i);
		int fd = open(path, O_RDONLY);
		if (fd < 0) DIE("open %s", path);
		close(fd);
	}
	report("openmany", n, now_s() - t0);
	return 0;
}
