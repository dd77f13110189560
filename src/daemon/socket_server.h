/*
 * The daemon's Unix socket: any number of local clients (`ward events`,
 * `ward status`, other tools), each with a bounded queue of its own. A slow
 * or stuck client only loses its own records, counted and told to it; a
 * client that sends garbage is disconnected. Runs on its own thread.
 */
#ifndef WARD_DAEMON_SOCKET_SERVER_H
#define WARD_DAEMON_SOCKET_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon/queue.h"

struct ward_socket_opts {
	const char *path;
	mode_t mode;             /* e.g. 0600 */
	gid_t gid;               /* (gid_t)-1: keep root's */
	size_t client_queue;     /* bytes a client may have waiting */
	unsigned int max_clients;
	size_t server_queue;     /* the pipeline -> server queue */
};

struct ward_socket_counters {
	uint64_t clients_total, clients_now, clients_refused, clients_garbage;
	uint64_t sent;           /* records delivered to clients */
	uint64_t client_dropped; /* records a slow client's full queue refused */
	uint64_t server_dropped; /* refused by the server's own queue */
};

struct ward_socket_server;

/* Binds (replacing a stale socket file), then serves on a thread. */
struct ward_socket_server *ward_socket_server_start(const struct ward_socket_opts *o);
/* Never blocks; the record is queued for the server thread. */
int ward_socket_server_offer(struct ward_socket_server *s, const struct ward_rec_meta *m,
			     const char *path, const void *rec, size_t len);
/* Wakes the server thread for what was offered since (once per batch). */
void ward_socket_server_kick(struct ward_socket_server *s);
void ward_socket_server_counters(struct ward_socket_server *s, struct ward_socket_counters *c);
/* Sends what is queued (briefly), closes every client, removes the socket. */
void ward_socket_server_stop(struct ward_socket_server *s);

#endif /* WARD_DAEMON_SOCKET_SERVER_H */
