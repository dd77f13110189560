/* bulk MIB: send MIB mebibytes over one loopback TCP connection (64 KiB
 * writes) to a reader thread. ward inspects only the first bytes of a stream:
 * this measures what its write hook costs on a bulk transfer. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"

static int listener;

static void *reader(void *arg)
{
	static char buf[1 << 20];
	int c = accept(listener, NULL, NULL);
	while (read(c, buf, sizeof(buf)) > 0)
		;
	close(c);
	return NULL;
}

int main(int argc, char **argv)
{
	long mib = argc > 1 ? parse_count(argv[1], "MiB") : 1024;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	listener = socket(AF_INET, SOCK_STREAM, 0);
	if (listener < 0 || bind(listener, (void *)&a, sizeof(a)) || listen(listener, 1) ||
	    getsockname(listener, (void *)&a, &len))
		DIE("listen");
	pthread_t t;
	pthread_create(&t, NULL, reader, NULL);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (void *)&a, sizeof(a)))
		DIE("connect");
	static char buf[64 << 10];
	long writes = mib * 16;
	double t0 = now_s();
	for (long i = 0; i < writes; i++) {
		size_t off = 0;
		while (off < sizeof(buf)) {
			ssize_t n = write(s, buf + off, sizeof(buf) - off);
			if (n < 0)
				DIE("write");
			off += n;
		}
	}
	close(s);
	pthread_join(t, NULL);
	double el = now_s() - t0;
	report("bulk", mib, el); /* ops = MiB, so ops_per_s = MiB/s */
	return 0;
}
