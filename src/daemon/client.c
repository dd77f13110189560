/* Connect, send one Subscribe, then read length-delimited messages. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/client.h"
#include "daemon/protocol.h"
#include "daemon/queue.h"

/* A record is at most WARD_QUEUE_MAX_RECORD; room for one plus its prefix. */
#define RX_CAP (WARD_QUEUE_MAX_RECORD + 64)

struct ward_client {
	int fd;
	uint8_t *rx;
	size_t len;
};

struct ward_client *ward_client_connect(const char *path, const struct ward_subscription *sub)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	strcpy(addr.sun_path, path);
	struct ward_client *c = calloc(1, sizeof(*c));
	int err = ENOMEM;
	if (!c)
		goto fail;
	c->rx = malloc(RX_CAP);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (!c->rx || c->fd < 0)
		goto fail_errno;
	if (connect(c->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		goto fail_errno;
	uint8_t msg[8192], frame[8202];
	size_t len;
	if (ward_proto_encode_subscribe(sub, msg, sizeof(msg), &len)) {
		err = EINVAL;
		goto fail;
	}
	size_t hl = ward_varint_put(frame, len);
	memcpy(frame + hl, msg, len);
	if (send(c->fd, frame, hl + len, MSG_NOSIGNAL) != (ssize_t)(hl + len))
		goto fail_errno;
	return c;
fail_errno:
	err = errno;
fail:
	ward_client_close(c);
	errno = err;
	return NULL;
}

void ward_client_close(struct ward_client *c)
{
	if (!c)
		return;
	if (c->fd > 0)
		close(c->fd);
	free(c->rx);
	free(c);
}

int ward_client_fd(const struct ward_client *c)
{
	return c->fd;
}

int ward_client_read(struct ward_client *c, int timeout_ms, ward_client_msg_fn fn, void *ctx)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	int rc = poll(&p, 1, timeout_ms);
	if (rc < 0)
		return -errno;
	if (rc == 0)
		return 0;
	ssize_t n = read(c->fd, c->rx + c->len, RX_CAP - c->len);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (n == 0)
		return -EPIPE;
	c->len += n;
	int count = 0;
	size_t off = 0;
	for (;;) {
		uint64_t len;
		int hl = ward_varint_get(c->rx + off, c->len - off, &len);
		if (hl < 0 || len > WARD_QUEUE_MAX_RECORD)
			return -EBADMSG;
		if (hl == 0 || c->len - off < hl + len)
			break;
		int r = fn(ctx, c->rx + off + hl, len);
		if (r < 0)
			return r;
		off += hl + len;
		count++;
	}
	memmove(c->rx, c->rx + off, c->len - off);
	c->len -= off;
	return count;
}
