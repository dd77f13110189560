/*
 * A byte ring of length-prefixed entries guarded by one mutex. Records are
 * small and the producer must never wait, so a lock held for a memcpy is
 * cheaper than anything cleverer; the consumer copies an entry out before
 * it works on it, so the lock is never held during I/O.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "daemon/queue.h"

#define WRAP_MARK 0xffffffffu
#define ALIGN8(x) (((x) + 7) & ~(size_t)7)
#define MAX_CAP ((size_t)1 << 30)
#define MAX_LOSSES 64 /* separate places of loss awaiting the consumer; more merge */
/* The consumer moves up to this much out under one lock, so producer and
 * consumer meet on the lock once per batch, not once per record. */
#define BATCH_BYTES ((size_t)512 << 10)

/* Each entry: this header, the path, the record, padding to 8 bytes. A
 * total of WRAP_MARK says the rest of the ring is unused: go to the start. */
struct entry_hdr {
	uint32_t total;
	uint32_t rec_len;
	struct ward_rec_meta meta;
};

struct pending_loss {
	uint64_t at;    /* records pushed before the loss: it goes after them */
	struct ward_queue_loss loss;
};

struct ward_queue {
	pthread_mutex_t lock;
	pthread_cond_t nonempty;
	uint8_t *ring;
	size_t cap, head, tail, used, peak; /* head: next write; tail: next read */
	bool closed;
	int efd;
	uint64_t pushed, popped, dropped;
	struct pending_loss losses[MAX_LOSSES];
	size_t nlosses;
	uint8_t *batch;     /* the consumer's: entries moved out of the ring */
	size_t batch_len, batch_off;
	size_t batch_cap;
};

struct ward_queue *ward_queue_new(size_t cap_bytes)
{
	if (cap_bytes < 2 * (WARD_QUEUE_MAX_RECORD + WARD_QUEUE_MAX_PATH))
		cap_bytes = 2 * (WARD_QUEUE_MAX_RECORD + WARD_QUEUE_MAX_PATH);
	if (cap_bytes > MAX_CAP) {
		errno = EINVAL;
		return NULL;
	}
	struct ward_queue *q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->cap = ALIGN8(cap_bytes);
	q->ring = malloc(q->cap);
	q->batch_cap = ALIGN8(sizeof(struct entry_hdr) + WARD_QUEUE_MAX_PATH + WARD_QUEUE_MAX_RECORD);
	if (q->batch_cap < BATCH_BYTES)
		q->batch_cap = BATCH_BYTES;
	q->batch = malloc(q->batch_cap);
	q->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!q->ring || !q->batch || q->efd < 0)
		goto fail;
	pthread_mutex_init(&q->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->nonempty, &ca);
	pthread_condattr_destroy(&ca);
	return q;
fail:
	if (q->efd >= 0)
		close(q->efd);
	free(q->ring);
	free(q->batch);
	free(q);
	errno = ENOMEM;
	return NULL;
}

void ward_queue_free(struct ward_queue *q)
{
	if (!q)
		return;
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->nonempty);
	close(q->efd);
	free(q->ring);
	free(q->batch);
	free(q);
}

static void note_loss(struct ward_queue *q, uint64_t time_ns)
{
	q->dropped++;
	struct pending_loss *last = q->nlosses ? &q->losses[q->nlosses - 1] : NULL;
	/* The same place as the last loss if nothing got through since. */
	if (last && (last->at == q->pushed || q->nlosses == MAX_LOSSES)) {
		last->loss.count++;
		if (time_ns < last->loss.first_ns)
			last->loss.first_ns = time_ns;
		if (time_ns > last->loss.last_ns)
			last->loss.last_ns = time_ns;
		return;
	}
	q->losses[q->nlosses++] = (struct pending_loss){
		.at = q->pushed,
		.loss = { .count = 1, .first_ns = time_ns, .last_ns = time_ns },
	};
}

static void wake(struct ward_queue *q)
{
	uint64_t one = 1;
	pthread_cond_signal(&q->nonempty);
	if (write(q->efd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is already non-zero, the consumer will look */
	}
}

int ward_queue_push(struct ward_queue *q, const struct ward_rec_meta *m, const char *path,
		    const void *rec, size_t len)
{
	size_t plen = m->path_len;
	if (plen > WARD_QUEUE_MAX_PATH)
		plen = WARD_QUEUE_MAX_PATH;
	size_t need = ALIGN8(sizeof(struct entry_hdr) + plen + len);
	int rc = 0;

	pthread_mutex_lock(&q->lock);
	if (q->closed) {
		rc = -EPIPE;
		goto out;
	}
	if (len > WARD_QUEUE_MAX_RECORD) {
		note_loss(q, m->time_ns);
		rc = -E2BIG;
		goto out;
	}
	/* An entry is contiguous: at the end of the ring if it fits, else after
	 * a wrap mark at the start. */
	size_t at = q->head, waste = 0;
	if (q->used && q->head <= q->tail) {
		if (q->tail - q->head < need) {
			note_loss(q, m->time_ns);
			rc = -ENOSPC;
			goto out;
		}
	} else {
		if (q->cap - q->head < need) {
			waste = q->cap - q->head;
			at = 0;
			if ((q->used ? q->tail : q->cap) < need) {
				note_loss(q, m->time_ns);
				rc = -ENOSPC;
				goto out;
			}
		}
	}
	if (waste && waste >= sizeof(uint32_t))
		memcpy(q->ring + q->head, &(uint32_t){ WRAP_MARK }, sizeof(uint32_t));
	uint8_t *p = q->ring + at;
	struct entry_hdr h = { .total = (uint32_t)need, .rec_len = (uint32_t)len, .meta = *m };
	h.meta.path_len = (uint16_t)plen;
	memcpy(p, &h, sizeof(h));
	if (plen)
		memcpy(p + sizeof(h), path, plen);
	memcpy(p + sizeof(h) + plen, rec, len);
	q->head = at + need;
	if (q->head == q->cap)
		q->head = 0;
	q->used += need + waste;
	if (q->used > q->peak)
		q->peak = q->used;
	q->pushed++;
	/* A wake-up per record (a futex and an eventfd write) costs more than
	 * the record: the producer kicks the consumer once per batch
	 * (ward_queue_kick), and here only when the queue is half full. */
	if (q->used >= q->cap / 2 && q->used - (need + waste) < q->cap / 2)
		wake(q);
out:
	pthread_mutex_unlock(&q->lock);
	return rc;
}

/* Moves entries from the ring into the batch, up to the batch's room or the
 * place of the next loss. Under the lock. */
static void fill_batch(struct ward_queue *q)
{
	q->batch_len = q->batch_off = 0;
	while (q->used) {
		if (q->nlosses && q->losses[0].at == q->popped)
			break;
		uint32_t total;
		memcpy(&total, q->ring + q->tail, sizeof(total));
		if (total == WRAP_MARK) {
			q->used -= q->cap - q->tail;
			q->tail = 0;
			memcpy(&total, q->ring, sizeof(total));
		}
		if (q->batch_len + total > q->batch_cap)
			break;
		memcpy(q->batch + q->batch_len, q->ring + q->tail, total);
		q->batch_len += total;
		q->tail += total;
		if (q->tail == q->cap)
			q->tail = 0;
		q->used -= total;
		q->popped++;
	}
	if (!q->used)
		q->head = q->tail = 0;
}

int ward_queue_pop(struct ward_queue *q, struct ward_queue_item *item,
		   struct ward_queue_loss *loss, int timeout_ms)
{
	int rc = 1;
	/* only the consumer touches the batch: no lock */
	if (q->batch_off < q->batch_len)
		goto take;
	struct timespec deadline;
	if (timeout_ms > 0) {
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += timeout_ms / 1000;
		deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000L;
		}
	}
	pthread_mutex_lock(&q->lock);
	for (;;) {
		if (q->nlosses && q->losses[0].at == q->popped) {
			*loss = q->losses[0].loss;
			memmove(&q->losses[0], &q->losses[1], --q->nlosses * sizeof(q->losses[0]));
			rc = 2;
			break;
		}
		if (q->used) {
			fill_batch(q);
			break;
		}
		if (q->closed) {
			rc = -EPIPE;
			break;
		}
		if (timeout_ms == 0) {
			rc = 0;
			break;
		}
		if (timeout_ms < 0) {
			pthread_cond_wait(&q->nonempty, &q->lock);
		} else if (pthread_cond_timedwait(&q->nonempty, &q->lock, &deadline) == ETIMEDOUT) {
			rc = 0;
			break;
		}
	}
	pthread_mutex_unlock(&q->lock);
	if (rc != 1)
		return rc;
take:;
	struct entry_hdr h;
	const uint8_t *e = q->batch + q->batch_off;
	memcpy(&h, e, sizeof(h));
	item->meta = h.meta;
	item->path = (const char *)e + sizeof(h);
	item->rec = (const uint8_t *)item->path + h.meta.path_len;
	item->len = h.rec_len;
	q->batch_off += h.total;
	return 1;
}

void ward_queue_kick(struct ward_queue *q)
{
	pthread_mutex_lock(&q->lock);
	if (q->used || q->nlosses)
		wake(q);
	pthread_mutex_unlock(&q->lock);
}

int ward_queue_fd(struct ward_queue *q)
{
	return q->efd;
}

void ward_queue_close(struct ward_queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->closed = true;
	wake(q);
	pthread_mutex_unlock(&q->lock);
}

void ward_queue_stats(struct ward_queue *q, struct ward_queue_stats *s)
{
	pthread_mutex_lock(&q->lock);
	*s = (struct ward_queue_stats){
		.pushed = q->pushed, .popped = q->popped, .dropped = q->dropped,
		.used_bytes = q->used, .cap_bytes = q->cap, .peak_bytes = q->peak,
	};
	pthread_mutex_unlock(&q->lock);
}
