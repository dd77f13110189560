/*
 * The log writer runs on the sink's thread; the daemon's stats read a copy
 * of its counters taken after every flush, under a lock, since the writer
 * itself is single-threaded.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/sink_log.h"
#include "lib/log.h"
#include "output.h"
#include "pb/codec.h"

struct log_sink {
	struct ward_log *log;
	pthread_mutex_t lock;
	struct ward_log_stats snap;
	int last_error;        /* said once until it works again */
	bool retention_changed; /* under lock: apply these at the next flush */
	uint64_t retain_bytes, retain_age_ns;
};

/* Loss markers are ordinary protobuf Loss records (docs/log.md). */
static ssize_t encode_loss(uint64_t count, uint64_t first_ns, uint64_t last_ns, int reason,
			   uint8_t *out, size_t cap, void *ctx)
{
	(void)ctx;
	struct ward_loss l = {
		.time_ns = last_ns,
		.count = count,
		.first_time_ns = first_ns,
		.last_time_ns = last_ns,
		.reason = reason == WARD_LOG_LOSS_DISK ? WARD_LOSS_DISK : WARD_LOSS_QUEUE,
		.sink = "log",
	};
	size_t len;
	int rc = ward_pb_encode_loss(&l, out, cap, &len);
	return rc ? rc : (ssize_t)len;
}

static void snapshot(struct log_sink *l)
{
	pthread_mutex_lock(&l->lock);
	ward_log_get_stats(l->log, &l->snap);
	pthread_mutex_unlock(&l->lock);
}

static void report(struct log_sink *l, int rc)
{
	if (rc < 0 && rc != -EMSGSIZE && -rc != l->last_error) {
		/* no segment open: the one a rotation could not create */
		const char *seg = ward_log_current_segment(l->log);
		ward_log(WARD_LOG_ERROR, "log: writing to %s failed: %s; events are counted as "
					 "dropped and a loss marker will say where, once writing "
					 "works again", seg && seg[0] ? seg : "a new segment",
			 strerror(-rc));
		l->last_error = -rc;
	} else if (rc == 0 && l->last_error) {
		ward_log(WARD_LOG_INFO, "log: writing works again");
		l->last_error = 0;
	}
}

static int log_write(void *self, const struct ward_queue_item *it)
{
	struct log_sink *l = self;
	int rc = ward_log_append(l->log, it->rec, it->len, it->meta.time_ns);
	if (rc < 0)
		report(l, rc);
	return rc;
}

static void log_lost(void *self, const struct ward_queue_loss *loss)
{
	struct log_sink *l = self;
	ward_log_note_loss(l->log, loss->count, loss->first_ns, loss->last_ns,
			   WARD_LOG_LOSS_QUEUE);
}

static int log_flush(void *self)
{
	struct log_sink *l = self;
	pthread_mutex_lock(&l->lock);
	bool change = l->retention_changed;
	uint64_t bytes = l->retain_bytes, age = l->retain_age_ns;
	l->retention_changed = false;
	pthread_mutex_unlock(&l->lock);
	if (change && ward_log_set_retention(l->log, bytes, age) < 0)
		ward_log(WARD_LOG_ERROR, "log: retention %llu bytes / %llu s is out of bounds; "
					 "kept the old limits", (unsigned long long)bytes,
			 (unsigned long long)(age / 1000000000ULL));
	int rc = ward_log_flush(l->log);
	report(l, rc);
	snapshot(l);
	return rc;
}

static void log_close(void *self)
{
	struct log_sink *l = self;
	int rc = ward_log_close(l->log);
	if (rc < 0)
		ward_log(WARD_LOG_ERROR, "log: closing: %s", strerror(-rc));
	pthread_mutex_destroy(&l->lock);
	free(l);
}

static const struct ward_sink_ops log_ops = {
	.write = log_write,
	.lost = log_lost,
	.flush = log_flush,
	.close = log_close,
};

struct ward_sink *ward_log_sink_start(const struct ward_log_opts *o, struct ward_log_recovery *rec,
				      size_t queue_bytes, int flush_ms)
{
	struct log_sink *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	struct ward_log_opts opts = *o;
	opts.encode_loss = encode_loss;
	l->log = ward_log_open(&opts, rec);
	if (!l->log) {
		int err = errno;
		free(l);
		errno = err;
		return NULL;
	}
	pthread_mutex_init(&l->lock, NULL);
	snapshot(l);
	struct ward_sink *s = ward_sink_start("log", &log_ops, l, queue_bytes, flush_ms);
	if (!s) {
		int err = errno;
		log_close(l);
		errno = err;
	}
	return s;
}

void ward_log_sink_stats(struct ward_sink *s, struct ward_log_stats *out)
{
	struct log_sink *l = ward_sink_self(s);
	pthread_mutex_lock(&l->lock);
	*out = l->snap;
	pthread_mutex_unlock(&l->lock);
}

void ward_log_sink_set_retention(struct ward_sink *s, uint64_t bytes, uint64_t age_ns)
{
	struct log_sink *l = ward_sink_self(s);
	pthread_mutex_lock(&l->lock);
	l->retain_bytes = bytes;
	l->retain_age_ns = age_ns;
	l->retention_changed = true;
	pthread_mutex_unlock(&l->lock);
}
