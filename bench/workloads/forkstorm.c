/* forkstorm N BATCH: N short-lived processes, BATCH at a time (fork, child _exit(0), reap). */
#include "common.h"
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3) { fprintf(stderr, "usage: forkstorm N BATCH\n"); return 2; }
	long n = parse_count(argv[1], "N"), batch = parse_count(argv[2], "BATCH");
	double t0 = now_s();
	long done = 0;
	while (done < n) {
		long b = n - done < batch ? n - done : batch, started = 0;
		for (; started < b; started++) {
			pid_t p = fork();
			if (p < 0) DIE("fork");
			if (p == 0) _exit(0);
		}
		for (long i = 0; i < started; i++)
			if (wait(NULL) < 0) DIE("wait");
		done += b;
	}
	report("forkstorm", n, now_s() - t0);
	return 0;
}
