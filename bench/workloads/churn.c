/* churn N DIR: N x (create DIR/t<i>, write 4 KiB, close, rename to DIR/r<i>, unlink DIR/r<i>). */
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3) { fprintf(stderr, "usage: churn N DIR\n"); return 2; }
	long n = parse_count(argv[1], "N");
	const char *dir = argv[2];
	mkdir(dir, 0755);
	static char buf[4096];
	memset(buf, 'x', sizeof buf);
	char a[4096], b[4096];
	double t0 = now_s();
	for (long i = 0; i < n; i++) {
		snprintf(a, sizeof a, "%s/t%ld", dir, i);
		snprintf(b, sizeof b, "%s/r%ld", dir, i);
		int fd = open(a, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0) DIE("create %s", a);
		if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf) DIE("write %s", a);
		close(fd);
		if (rename(a, b)) DIE("rename %s", a);
		if (unlink(b)) DIE("unlink %s", b);
	}
	report("churn", n, now_s() - t0);
	return 0;
}
