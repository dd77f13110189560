/* The thread behind each sink: pop, write, flush when idle. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "daemon/sink.h"
#include "lib/log.h"

struct ward_sink {
	char name[32];
	const struct ward_sink_ops *ops;
	void *self;
	struct ward_queue *q;
	int flush_ms;
	pthread_t thread;
	bool started;
	_Atomic uint64_t written, write_errors;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Writes as records come; flushes once nothing came for flush_ms, and at
 * least every flush_ms under steady load, so no record waits longer. */
static void *sink_main(void *arg)
{
	struct ward_sink *s = arg;
	struct ward_queue_item item;
	struct ward_queue_loss loss;
	bool dirty = false;
	uint64_t last_flush = mono_ms();
	for (;;) {
		int wait = -1;
		if (dirty) {
			uint64_t since = mono_ms() - last_flush;
			wait = since >= (uint64_t)s->flush_ms ? 0 : s->flush_ms - (int)since;
		}
		int rc = wait == 0 ? 0 : ward_queue_pop(s->q, &item, &loss, wait);
		if (rc == 1) {
			if (s->ops->write(s->self, &item) < 0)
				s->write_errors++;
			else
				s->written++;
			dirty = true;
		} else if (rc == 2) {
			if (s->ops->lost)
				s->ops->lost(s->self, &loss);
			dirty = true;
		} else if (rc == 0) {
			if (s->ops->flush)
				s->ops->flush(s->self);
			dirty = false;
			last_flush = mono_ms();
		} else {
			break; /* closed and drained */
		}
	}
	if (s->ops->flush)
		s->ops->flush(s->self);
	if (s->ops->close)
		s->ops->close(s->self);
	return NULL;
}

struct ward_sink *ward_sink_start(const char *name, const struct ward_sink_ops *ops, void *self,
				  size_t queue_bytes, int flush_ms)
{
	struct ward_sink *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->ops = ops;
	s->self = self;
	s->flush_ms = flush_ms > 0 ? flush_ms : 1000;
	s->q = ward_queue_new(queue_bytes);
	if (!s->q)
		goto fail;
	int err = pthread_create(&s->thread, NULL, sink_main, s);
	if (err) {
		errno = err;
		goto fail;
	}
	s->started = true;
	return s;
fail:
	err = errno;
	ward_queue_free(s->q);
	free(s);
	errno = err;
	return NULL;
}

int ward_sink_offer(struct ward_sink *s, const struct ward_rec_meta *m, const char *path,
		    const void *rec, size_t len)
{
	return ward_queue_push(s->q, m, path, rec, len);
}

void ward_sink_kick(struct ward_sink *s)
{
	if (s)
		ward_queue_kick(s->q);
}

void ward_sink_stop(struct ward_sink *s)
{
	if (!s)
		return;
	ward_queue_close(s->q);
	if (s->started)
		pthread_join(s->thread, NULL);
	ward_queue_free(s->q);
	free(s);
}

void ward_sink_counters(struct ward_sink *s, struct ward_sink_counters *c)
{
	struct ward_queue_stats qs;
	ward_queue_stats(s->q, &qs);
	*c = (struct ward_sink_counters){
		.written = s->written, .write_errors = s->write_errors, .dropped = qs.dropped,
		.queue_used = qs.used_bytes, .queue_cap = qs.cap_bytes, .queue_peak = qs.peak_bytes,
	};
}

const char *ward_sink_name(const struct ward_sink *s)
{
	return s->name;
}

void *ward_sink_self(struct ward_sink *s)
{
	return s->self;
}
