/* The client side of the local socket: `ward events`, `ward status`. */
#ifndef WARD_DAEMON_CLIENT_H
#define WARD_DAEMON_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/subscription.h"

#define WARD_DEFAULT_SOCKET "/run/ward/ward.sock"

struct ward_client;

/* Connects and subscribes. NULL with errno set (ENOENT: no daemon there,
 * EACCES: not allowed by the socket's mode). */
struct ward_client *ward_client_connect(const char *path, const struct ward_subscription *sub);
void ward_client_close(struct ward_client *c);
int ward_client_fd(const struct ward_client *c);

/*
 * Reads what arrived and calls fn for every complete message (the Hello
 * first, then Records). Waits up to timeout_ms (-1: forever). Returns the
 * number of messages handed over, 0 on timeout, -EPIPE when the daemon
 * closed the connection, -EBADMSG on a framing error, or fn's negative
 * return value (which stops the reading).
 */
typedef int (*ward_client_msg_fn)(void *ctx, const uint8_t *msg, size_t len);
int ward_client_read(struct ward_client *c, int timeout_ms, ward_client_msg_fn fn, void *ctx);

#endif
