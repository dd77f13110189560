/* execloop N: N x (fork, child execs /bin/true, parent waits). */
#include "common.h"
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2) { fprintf(stderr, "usage: execloop N\n"); return 2; }
	long n = parse_count(argv[1], "N");
	double t0 = now_s();
	for (long i = 0; i < n; i++) {
		pid_t p = fork();
		if (p < 0) DIE("fork");
		if (p == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		int st;
		if (waitpid(p, &st, 0) < 0) DIE("waitpid");
		if (!WIFEXITED(st) || WEXITSTATUS(st)) { fprintf(stderr, "child failed: %d\n", st); return 1; }
	}
	report("exec", n, now_s() - t0);
	return 0;
}
