/* JSON Lines and syslog sinks: decode the record, print the contract's JSON. */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "daemon/sink_text.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "pb/codec.h"

#define JSONL_BATCH (256u << 10) /* write when this much is waiting */

struct jsonl {
	char *path;
	int fd;
	bool own_fd;
	atomic_bool reopen;
	struct ward_buf out;
	bool failed;     /* said once; counted per record by the sink */
};

static int jsonl_open(struct jsonl *j)
{
	if (!strcmp(j->path, "-")) {
		j->fd = STDOUT_FILENO;
		j->own_fd = false;
		return 0;
	}
	int fd = open(j->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	j->fd = fd;
	j->own_fd = true;
	return 0;
}

static int jsonl_flush(void *self)
{
	struct jsonl *j = self;
	if (atomic_exchange(&j->reopen, false) && j->own_fd) {
		close(j->fd);
		int rc = jsonl_open(j);
		if (rc)
			ward_log(WARD_LOG_ERROR, "jsonl: reopening %s: %s", j->path, strerror(-rc));
	}
	size_t off = 0;
	int err = 0;
	while (off < j->out.len && j->fd >= 0) {
		ssize_t n = write(j->fd, j->out.data + off, j->out.len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		off += n;
	}
	if (err && !j->failed) {
		ward_log(WARD_LOG_ERROR, "jsonl: writing %s: %s; records are dropped until it "
					 "works again", j->path, strerror(-err));
		j->failed = true;
	} else if (!err) {
		j->failed = false;
	}
	ward_buf_reset(&j->out);
	return err;
}

static int jsonl_write(void *self, const struct ward_queue_item *it)
{
	struct jsonl *j = self;
	size_t mark = j->out.len;
	if (ward_pb_record_json(it->rec, it->len, &j->out) < 0 || j->out.oom) {
		j->out.len = mark;
		j->out.oom = false;
		return -EBADMSG;
	}
	/* the formatters end each record with its newline */
	if (j->out.len >= JSONL_BATCH)
		return jsonl_flush(j);
	return 0;
}

static void jsonl_close(void *self)
{
	struct jsonl *j = self;
	if (j->own_fd && j->fd >= 0)
		close(j->fd);
	ward_buf_free(&j->out);
	free(j->path);
	free(j);
}

static const struct ward_sink_ops jsonl_ops = {
	.write = jsonl_write,
	.flush = jsonl_flush,
	.close = jsonl_close,
	/* a loss arrives as a record of its own (the daemon encodes it) */
};

struct ward_sink *ward_jsonl_sink_start(const char *path, size_t queue_bytes, int flush_ms)
{
	struct jsonl *j = calloc(1, sizeof(*j));
	if (!j)
		return NULL;
	j->fd = -1;
	j->path = strdup(path);
	ward_buf_init(&j->out);
	int rc = j->path ? jsonl_open(j) : -ENOMEM;
	if (rc) {
		free(j->path);
		free(j);
		errno = -rc;
		return NULL;
	}
	struct ward_sink *s = ward_sink_start("jsonl", &jsonl_ops, j, queue_bytes, flush_ms);
	if (!s) {
		int err = errno;
		jsonl_close(j);
		errno = err;
	}
	return s;
}

void ward_jsonl_sink_reopen(struct ward_sink *s)
{
	struct jsonl *j = ward_sink_self(s);
	atomic_store(&j->reopen, true);
}

/* syslog: one datagram per record to /dev/log, in the local format that
 * syslog(3) itself sends ("<PRI>Mmm dd hh:mm:ss ident[pid]: message"). */
struct slog {
	struct ward_syslog_opts o;
	char path[108];
	char ident[32];
	int fd;
	struct ward_buf msg, json;
};

bool ward_syslog_wants(const struct ward_syslog_opts *o, int kind, int severity)
{
	if (kind == WARD_KIND_LOSS)
		return true;
	return kind == WARD_KIND_ALERT && severity <= o->min_severity;
}

static int slog_write(void *self, const struct ward_queue_item *it)
{
	struct slog *l = self;
	ward_buf_reset(&l->json);
	if (ward_pb_record_json(it->rec, it->len, &l->json) < 0 || l->json.oom)
		return -EBADMSG;
	int sev = it->meta.kind == WARD_KIND_ALERT ? it->meta.severity : LOG_WARNING;
	char head[96];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	char ts[32];
	strftime(ts, sizeof(ts), "%b %e %H:%M:%S", &tm);
	snprintf(head, sizeof(head), "<%d>%s %s[%d]: ", l->o.facility | sev, ts, l->ident,
		 (int)getpid());
	ward_buf_reset(&l->msg);
	ward_buf_puts(&l->msg, head);
	size_t jl = l->json.len;
	while (jl && l->json.data[jl - 1] == '\n')
		jl--;
	ward_buf_put(&l->msg, l->json.data, jl);
	if (l->msg.oom)
		return -ENOMEM;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	strcpy(addr.sun_path, l->path);
	if (sendto(l->fd, l->msg.data, l->msg.len, MSG_NOSIGNAL, (struct sockaddr *)&addr,
		   sizeof(addr)) < 0)
		return -errno;
	return 0;
}

static void slog_close(void *self)
{
	struct slog *l = self;
	if (l->fd >= 0)
		close(l->fd);
	ward_buf_free(&l->msg);
	ward_buf_free(&l->json);
	free(l);
}

static const struct ward_sink_ops slog_ops = {
	.write = slog_write,
	.close = slog_close,
};

struct ward_sink *ward_syslog_sink_start(const struct ward_syslog_opts *o, size_t queue_bytes)
{
	struct slog *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->o = *o;
	snprintf(l->path, sizeof(l->path), "%s", o->socket_path ? o->socket_path : "/dev/log");
	snprintf(l->ident, sizeof(l->ident), "%s", o->ident ? o->ident : "ward");
	ward_buf_init(&l->msg);
	ward_buf_init(&l->json);
	l->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (l->fd < 0) {
		int err = errno;
		slog_close(l);
		errno = err;
		return NULL;
	}
	struct ward_sink *s = ward_sink_start("syslog", &slog_ops, l, queue_bytes, 1000);
	if (!s) {
		int err = errno;
		slog_close(l);
		errno = err;
	}
	return s;
}
