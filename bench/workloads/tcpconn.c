/* tcpconn N: N x loopback TCP connect + accept + close, 127.0.0.1 only.
 * A server thread in this process accepts and closes each connection first; the
 * client waits for that (read() == 0) and closes its side, so TIME_WAIT stays on
 * the server's port and the client never runs out of ephemeral ports. */
#include "common.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

static int lfd;
static long n;

static void *server(void *arg)
{
	(void)arg;
	for (long i = 0; i < n; i++) {
		int c = accept(lfd, NULL, NULL);
		if (c < 0) DIE("accept");
		close(c);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 2) { fprintf(stderr, "usage: tcpconn N\n"); return 2; }
	n = parse_count(argv[1], "N");
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) || listen(lfd, 4096) ||
	    getsockname(lfd, (struct sockaddr *)&a, &al))
		DIE("listen");
	pthread_t th;
	if (pthread_create(&th, NULL, server, NULL)) DIE("pthread_create");
	double t0 = now_s();
	for (long i = 0; i < n; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);
		if (c < 0) DIE("socket");
		if (connect(c, (struct sockaddr *)&a, sizeof a)) DIE("connect (op %ld)", i);
		char b;
		while (read(c, &b, 1) > 0)
			;
		close(c);
	}
	pthread_join(th, NULL);
	report("connect", n, now_s() - t0);
	close(lfd);
	return 0;
}
