/*
 * A bounded queue of encoded records between the pipeline (one producer, the
 * main thread) and one consumer (a sink's thread). Pushing never blocks: a
 * full queue refuses the record and counts it, and the consumer is told the
 * count and time range at the place where records went missing.
 */
#ifndef WARD_DAEMON_QUEUE_H
#define WARD_DAEMON_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ward_rec_kind {
	WARD_KIND_EVENT = 1,
	WARD_KIND_ALERT = 2,
	WARD_KIND_STATS = 3,
	WARD_KIND_FOOTPRINT = 4,
	WARD_KIND_LOSS = 5,
};

/* What sinks filter on without decoding the record. */
struct ward_rec_meta {
	uint64_t time_ns;
	uint32_t pid;
	uint16_t event_type, access_type;
	uint8_t kind;              /* enum ward_rec_kind */
	uint8_t severity;          /* alerts: enum ward_severity */
	uint16_t path_len;         /* bytes of the file path that follow */
};

/* The largest record a queue takes: an event with every string at its bound
 * is far below this. */
#define WARD_QUEUE_MAX_RECORD (256u << 10)
#define WARD_QUEUE_MAX_PATH 4096u

struct ward_queue_item {
	struct ward_rec_meta meta;
	const char *path;          /* meta.path_len bytes, not NUL-terminated */
	const uint8_t *rec;
	size_t len;
};

/* Records refused because the queue was full, reported once at their place. */
struct ward_queue_loss {
	uint64_t count;
	uint64_t first_ns, last_ns;
};

struct ward_queue;

/* cap_bytes: memory the queued records may use (bounded at 1 GiB). */
struct ward_queue *ward_queue_new(size_t cap_bytes);
void ward_queue_free(struct ward_queue *q);

/* Never blocks. 0, or -ENOSPC (full: counted), -E2BIG (larger than
 * WARD_QUEUE_MAX_RECORD: counted), -EPIPE (closed). */
int ward_queue_push(struct ward_queue *q, const struct ward_rec_meta *m, const char *path,
		    const void *rec, size_t len);

/*
 * Takes the oldest record (valid until the next pop: records are moved out
 * of the ring in batches, one lock per batch). Waits up to timeout_ms (-1: forever). Returns 1 with
 * *item filled, 2 with *loss filled (records were refused at this place: the
 * consumer should record that before going on), 0 on timeout, -EPIPE once
 * closed and empty.
 */
int ward_queue_pop(struct ward_queue *q, struct ward_queue_item *item,
		   struct ward_queue_loss *loss, int timeout_ms);

/* Wakes the consumer if anything is waiting. Pushing does not (except at half
 * full): the producer kicks once per batch of records. */
void ward_queue_kick(struct ward_queue *q);

/* Non-blocking pop for consumers that poll(): same returns, 0 when empty. */
static inline int ward_queue_try_pop(struct ward_queue *q, struct ward_queue_item *item,
				     struct ward_queue_loss *loss)
{
	return ward_queue_pop(q, item, loss, 0);
}

/* An eventfd that is readable while records are waiting (for poll()). The
 * consumer reads it to clear it before draining. */
int ward_queue_fd(struct ward_queue *q);

/* No more pushes; the consumer drains what is left, then gets -EPIPE. */
void ward_queue_close(struct ward_queue *q);

struct ward_queue_stats {
	uint64_t pushed, popped, dropped;
	size_t used_bytes, cap_bytes, peak_bytes;
};
void ward_queue_stats(struct ward_queue *q, struct ward_queue_stats *s);

#endif /* WARD_DAEMON_QUEUE_H */
