/* open1 N DIR: N x (open DIR/one O_RDONLY + close). The file is created first if missing. */
#include "common.h"
#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3) { fprintf(stderr, "usage: open1 N DIR\n"); return 2; }
	long n = parse_count(argv[1], "N");
	char path[4096];
	snprintf(path, sizeof path, "%s/one", argv[2]);
	if (access(path, F_OK)) {
		int fd = open(path, O_WRONLY | O_CREAT, 0644);
		if (fd < 0) DIE("create %s", path);
		close(fd);
	}
	double t0 = now_s();
	for (long i = 0; i < n; i++) {
		int fd = open(path, O_RDONLY);
		if (fd < 0) DIE("open %s", path);
		close(fd);
	}
	report("open1", n, now_s() - t0);
	return 0;
}
