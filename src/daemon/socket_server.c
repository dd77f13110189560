/*
 * One thread, one poll() loop: the listening socket, the queue's eventfd and
 * every client. Records are copied into each matching client's own bounded
 * buffer; a client whose buffer is full misses records (counted) and is sent
 * a Loss record as soon as it has room again.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/protocol.h"
#include "daemon/socket_server.h"
#include "daemon/subscription.h"
#include "lib/log.h"

#define MAX_CLIENTS_LIMIT 1024
#define LOSS_MSG_MAX 256

struct client {
	int fd;
	unsigned int id;
	bool subscribed;
	struct ward_subscription sub;
	uint8_t *tx;             /* delimited messages waiting to be sent */
	size_t tx_off, tx_len, tx_cap;
	uint8_t rx[WARD_PROTO_MAX_CLIENT_MSG + 16];
	size_t rx_len;
	struct ward_queue_loss missed; /* records its full buffer refused */
};

struct ward_socket_server {
	struct ward_socket_opts o;
	char path[108];
	int lfd;
	int stop_fd[2];          /* a pipe: the stop request */
	struct ward_queue *q;
	pthread_t thread;
	bool started;
	struct client **clients;
	unsigned int nclients, next_id;
	/* The startup record (hooks) and the latest stats, for new subscribers
	 * of stats (`ward status`). */
	uint8_t *startup, *last_stats;
	size_t startup_len, last_stats_len;
	_Atomic uint64_t clients_total, clients_now, clients_refused, clients_garbage;
	_Atomic uint64_t sent, client_dropped;
};

static void client_free(struct client *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c->tx);
	free(c);
}

/* Appends one delimited message if it fits the client's bound. */
static bool client_put(struct ward_socket_server *s, struct client *c, const uint8_t *msg,
		       size_t len)
{
	uint8_t hdr[10];
	size_t hl = ward_varint_put(hdr, len);
	size_t pending = c->tx_len - c->tx_off;
	if (pending + hl + len > s->o.client_queue)
		return false;
	if (c->tx_len + hl + len > c->tx_cap) {
		/* compact first; grow only up to the bound */
		memmove(c->tx, c->tx + c->tx_off, pending);
		c->tx_len = pending;
		c->tx_off = 0;
		if (c->tx_len + hl + len > c->tx_cap) {
			size_t ncap = c->tx_cap ? c->tx_cap : 65536;
			while (ncap < c->tx_len + hl + len)
				ncap *= 2;
			if (ncap > s->o.client_queue + 16)
				ncap = s->o.client_queue + 16;
			uint8_t *n = realloc(c->tx, ncap);
			if (!n)
				return false;
			c->tx = n;
			c->tx_cap = ncap;
		}
	}
	memcpy(c->tx + c->tx_len, hdr, hl);
	memcpy(c->tx + c->tx_len + hl, msg, len);
	c->tx_len += hl + len;
	return true;
}

static void client_miss(struct ward_socket_server *s, struct client *c, uint64_t time_ns)
{
	if (!c->missed.count || time_ns < c->missed.first_ns)
		c->missed.first_ns = time_ns;
	if (time_ns > c->missed.last_ns)
		c->missed.last_ns = time_ns;
	c->missed.count++;
	s->client_dropped++;
}

/* Tells a client what it missed, once it has room for the telling. */
static void client_report_missed(struct ward_socket_server *s, struct client *c)
{
	if (!c->missed.count)
		return;
	uint8_t msg[LOSS_MSG_MAX];
	size_t len;
	if (ward_proto_encode_loss(&c->missed, WARD_LOSS_QUEUE, "client", msg, sizeof(msg), &len))
		return;
	if (client_put(s, c, msg, len))
		c->missed = (struct ward_queue_loss){ 0 };
}

static void drop_client(struct ward_socket_server *s, unsigned int i, const char *why)
{
	struct client *c = s->clients[i];
	if (why)
		ward_log(WARD_LOG_WARN, "socket client %u: %s; disconnected", c->id, why);
	else
		ward_log(WARD_LOG_DEBUG, "socket client %u left", c->id);
	client_free(c);
	s->clients[i] = s->clients[--s->nclients];
	s->clients_now--;
}

static void accept_clients(struct ward_socket_server *s)
{
	for (;;) {
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (s->nclients >= s->o.max_clients) {
			s->clients_refused++;
			ward_log(WARD_LOG_WARN, "socket: %u clients already, one more refused "
						"(socket.max_clients)", s->nclients);
			close(fd);
			continue;
		}
		struct client *c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->id = ++s->next_id;
		uint8_t hello[256];
		size_t hl;
		if (ward_proto_encode_hello(hello, sizeof(hello), &hl) == 0)
			client_put(s, c, hello, hl);
		s->clients[s->nclients++] = c;
		s->clients_total++;
		s->clients_now++;
	}
}

static void on_subscribed(struct ward_socket_server *s, struct client *c)
{
	c->subscribed = true;
	if (c->sub.stats) {
		if (s->startup)
			client_put(s, c, s->startup, s->startup_len);
		if (s->last_stats)
			client_put(s, c, s->last_stats, s->last_stats_len);
	}
}

/* Returns false when the client must go (EOF, error, garbage). */
static bool read_client(struct ward_socket_server *s, struct client *c, const char **why)
{
	for (;;) {
		ssize_t n = read(c->fd, c->rx + c->rx_len, sizeof(c->rx) - c->rx_len);
		if (n == 0) {
			*why = NULL;
			return false;
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			/* a client that closes with records unread resets the
			 * connection: it left, nothing went wrong */
			*why = errno == ECONNRESET ? NULL : "read error";
			return false;
		}
		c->rx_len += n;
		/* every complete message */
		for (;;) {
			uint64_t len;
			int hl = ward_varint_get(c->rx, c->rx_len, &len);
			if (hl < 0 || (hl > 0 && len > WARD_PROTO_MAX_CLIENT_MSG)) {
				s->clients_garbage++;
				*why = "sent a malformed message";
				return false;
			}
			if (hl == 0 || c->rx_len < hl + len)
				break;
			struct ward_subscription sub;
			if (ward_proto_decode_subscribe(c->rx + hl, len, &sub)) {
				s->clients_garbage++;
				*why = "sent a message that is not a Subscribe";
				return false;
			}
			c->sub = sub;
			on_subscribed(s, c);
			memmove(c->rx, c->rx + hl + len, c->rx_len - hl - len);
			c->rx_len -= hl + len;
		}
		if (c->rx_len == sizeof(c->rx)) {
			s->clients_garbage++;
			*why = "sent an oversized message";
			return false;
		}
	}
	return true;
}

static bool write_client(struct ward_socket_server *s, struct client *c)
{
	while (c->tx_off < c->tx_len) {
		ssize_t n = send(c->fd, c->tx + c->tx_off, c->tx_len - c->tx_off, MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		c->tx_off += n;
	}
	c->tx_off = c->tx_len = 0;
	client_report_missed(s, c);
	return true;
}

static void keep_copy(uint8_t **dst, size_t *dst_len, const uint8_t *rec, size_t len)
{
	uint8_t *n = realloc(*dst, len ? len : 1);
	if (!n)
		return;
	memcpy(n, rec, len);
	*dst = n;
	*dst_len = len;
}

static void fan_out(struct ward_socket_server *s)
{
	struct ward_queue_item it;
	struct ward_queue_loss loss;
	int rc;
	while ((rc = ward_queue_try_pop(s->q, &it, &loss)) > 0) {
		if (rc == 2) {
			/* the server itself fell behind: every client missed these */
			for (unsigned int i = 0; i < s->nclients; i++) {
				struct client *c = s->clients[i];
				if (!c->subscribed)
					continue;
				c->missed.count += loss.count - 1;
				client_miss(s, c, loss.first_ns);
				if (loss.last_ns > c->missed.last_ns)
					c->missed.last_ns = loss.last_ns;
			}
			continue;
		}
		if (it.meta.kind == WARD_KIND_STATS) {
			/* a stats record with no interval is the startup report */
			if (!s->startup)
				keep_copy(&s->startup, &s->startup_len, it.rec, it.len);
			else
				keep_copy(&s->last_stats, &s->last_stats_len, it.rec, it.len);
		}
		for (unsigned int i = 0; i < s->nclients; i++) {
			struct client *c = s->clients[i];
			if (!c->subscribed || !ward_subscription_match(&c->sub, &it))
				continue;
			/* Once it missed something, it misses everything until its
			 * buffer has drained (write_client then reports the loss):
			 * reporting here would send a Loss of 1 per record while the
			 * buffer hovers at full. */
			if (!c->missed.count && client_put(s, c, it.rec, it.len))
				s->sent++;
			else
				client_miss(s, c, it.meta.time_ns);
		}
	}
}

static void *server_main(void *arg)
{
	struct ward_socket_server *s = arg;
	struct pollfd *pfd = calloc(s->o.max_clients + 3, sizeof(*pfd));
	if (!pfd) {
		ward_log(WARD_LOG_ERROR, "socket: out of memory; local clients not served");
		return NULL;
	}
	for (;;) {
		pfd[0] = (struct pollfd){ .fd = s->stop_fd[0], .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = ward_queue_fd(s->q), .events = POLLIN };
		pfd[2] = (struct pollfd){ .fd = s->lfd, .events = POLLIN };
		for (unsigned int i = 0; i < s->nclients; i++) {
			struct client *c = s->clients[i];
			pfd[3 + i] = (struct pollfd){
				.fd = c->fd,
				.events = POLLIN | (c->tx_len > c->tx_off ? POLLOUT : 0),
			};
		}
		unsigned int n = s->nclients;
		if (poll(pfd, 3 + n, -1) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents & POLLIN) {
			uint64_t v;
			if (read(pfd[1].fd, &v, sizeof(v)) < 0) {
				/* EAGAIN: nothing new */
			}
			fan_out(s);
		}
		/* clients, last first so removal does not skip one */
		for (unsigned int i = n; i-- > 0;) {
			struct client *c = s->clients[i];
			short re = pfd[3 + i].revents;
			const char *why = NULL;
			if ((re & (POLLIN | POLLHUP | POLLERR)) && !read_client(s, c, &why)) {
				drop_client(s, i, why);
				continue;
			}
			if (!write_client(s, c))
				drop_client(s, i, NULL);
		}
		if (pfd[2].revents & POLLIN)
			accept_clients(s);
		if (pfd[0].revents & POLLIN) {
			/* stopping: what is queued goes out to clients that take it */
			fan_out(s);
			for (unsigned int i = 0; i < s->nclients; i++) {
				int fl = fcntl(s->clients[i]->fd, F_GETFL);
				fcntl(s->clients[i]->fd, F_SETFL, fl & ~O_NONBLOCK);
				struct timeval tv = { .tv_sec = 1 };
				setsockopt(s->clients[i]->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
				write_client(s, s->clients[i]);
			}
			break;
		}
	}
	free(pfd);
	return NULL;
}

struct ward_socket_server *ward_socket_server_start(const struct ward_socket_opts *o)
{
	struct ward_socket_server *s = calloc(1, sizeof(*s));
	int err = ENOMEM;
	if (!s)
		goto fail_errno;
	s->o = *o;
	s->lfd = s->stop_fd[0] = s->stop_fd[1] = -1;
	if (s->o.max_clients == 0 || s->o.max_clients > MAX_CLIENTS_LIMIT)
		s->o.max_clients = MAX_CLIENTS_LIMIT;
	if (s->o.client_queue < 65536)
		s->o.client_queue = 65536;
	if (strlen(o->path) >= sizeof(s->path)) {
		err = ENAMETOOLONG;
		goto fail;
	}
	strcpy(s->path, o->path);
	s->clients = calloc(s->o.max_clients, sizeof(*s->clients));
	s->q = ward_queue_new(o->server_queue ? o->server_queue : (4u << 20));
	if (!s->clients || !s->q || pipe2(s->stop_fd, O_CLOEXEC) < 0)
		goto fail;

	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0)
		goto fail_errno;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	strcpy(addr.sun_path, s->path);
	/* A socket file left by a daemon that died is replaced; anything else
	 * at that path is not ours to delete. */
	struct stat st;
	if (lstat(s->path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			err = EEXIST;
			goto fail;
		}
		unlink(s->path);
	}
	/* Created with no access, opened up once the mode and group are set. */
	mode_t old = umask(0777);
	int rc = bind(s->lfd, (struct sockaddr *)&addr, sizeof(addr));
	umask(old);
	if (rc < 0)
		goto fail_errno;
	if ((o->gid != (gid_t)-1 && chown(s->path, 0, o->gid) < 0) || chmod(s->path, o->mode) < 0 ||
	    listen(s->lfd, 64) < 0)
		goto fail_errno;
	err = pthread_create(&s->thread, NULL, server_main, s);
	if (err)
		goto fail;
	s->started = true;
	return s;
fail_errno:
	err = errno;
fail:
	ward_socket_server_stop(s);
	errno = err;
	return NULL;
}

int ward_socket_server_offer(struct ward_socket_server *s, const struct ward_rec_meta *m,
			     const char *path, const void *rec, size_t len)
{
	return ward_queue_push(s->q, m, path, rec, len);
}

void ward_socket_server_kick(struct ward_socket_server *s)
{
	if (s)
		ward_queue_kick(s->q);
}

void ward_socket_server_counters(struct ward_socket_server *s, struct ward_socket_counters *c)
{
	struct ward_queue_stats qs;
	ward_queue_stats(s->q, &qs);
	*c = (struct ward_socket_counters){
		.clients_total = s->clients_total, .clients_now = s->clients_now,
		.clients_refused = s->clients_refused, .clients_garbage = s->clients_garbage,
		.sent = s->sent, .client_dropped = s->client_dropped, .server_dropped = qs.dropped,
	};
}

void ward_socket_server_stop(struct ward_socket_server *s)
{
	if (!s)
		return;
	if (s->started) {
		if (write(s->stop_fd[1], "x", 1) < 0) {
			/* cannot happen with an open pipe; the join would then wait */
		}
		pthread_join(s->thread, NULL);
	}
	for (unsigned int i = 0; i < s->nclients; i++)
		client_free(s->clients[i]);
	free(s->clients);
	if (s->lfd >= 0) {
		close(s->lfd);
		unlink(s->path);
	}
	if (s->stop_fd[0] >= 0) {
		close(s->stop_fd[0]);
		close(s->stop_fd[1]);
	}
	ward_queue_free(s->q);
	free(s->startup);
	free(s->last_stats);
	free(s);
}
