/* The bounded record queue between the pipeline and a sink's thread. */
#include <pthread.h>

#include "daemon/queue.h"
#include "unit.h"

static struct ward_rec_meta meta(uint64_t t, uint32_t pid, uint16_t plen)
{
	return (struct ward_rec_meta){ .time_ns = t, .pid = pid, .kind = WARD_KIND_EVENT,
				       .access_type = 102, .path_len = plen };
}

UNIT_TEST(records_come_out_in_order_with_meta_and_path)
{
	struct ward_queue *q = ward_queue_new(0);
	struct ward_queue_item it;
	struct ward_queue_loss loss;
	char rec[64];
	for (int i = 0; i < 100; i++) {
		snprintf(rec, sizeof(rec), "record-%d", i);
		struct ward_rec_meta m = meta(1000 + i, i, 8);
		CHECK_EQ_INT(ward_queue_push(q, &m, "/etc/abc", rec, strlen(rec)), 0);
	}
	for (int i = 0; i < 100; i++) {
		if (!CHECK_EQ_INT(ward_queue_pop(q, &it, &loss, 0), 1))
			break;
		snprintf(rec, sizeof(rec), "record-%d", i);
		CHECK_EQ_MEM(it.rec, it.len, rec, strlen(rec));
		CHECK_EQ_MEM(it.path, it.meta.path_len, "/etc/abc", 8);
		CHECK_EQ_INT((int)it.meta.pid, i);
		CHECK_EQ_INT((int)it.meta.time_ns, 1000 + i);
	}
	CHECK_EQ_INT(ward_queue_pop(q, &it, &loss, 0), 0);
	ward_queue_free(q);
}

/* Fill to refusal, drain half, refill: exercises the wrap at the ring's end. */
UNIT_TEST(full_queue_refuses_and_reports_loss_at_its_place)
{
	struct ward_queue *q = ward_queue_new(0); /* the minimum: ~520 KiB */
	static uint8_t big[60000];
	struct ward_queue_item it;
	struct ward_queue_loss loss;
	int accepted = 0;
	for (int i = 0; i < 100; i++) {
		struct ward_rec_meta m = meta(i, 0, 0);
		big[0] = (uint8_t)i;
		if (ward_queue_push(q, &m, NULL, big, sizeof(big)) == 0)
			accepted++;
		else
			break;
	}
	CHECK(accepted >= 8 && accepted < 100); /* the push at i == accepted was refused */
	/* three more refused, at the same place */
	for (int i = 0; i < 3; i++) {
		struct ward_rec_meta m = meta(500 + i, 0, 0);
		CHECK_EQ_INT(ward_queue_push(q, &m, NULL, big, sizeof(big)), -ENOSPC);
	}
	for (int i = 0; i < accepted; i++) {
		if (!CHECK_EQ_INT(ward_queue_pop(q, &it, &loss, 0), 1))
			goto out;
		CHECK_EQ_INT(it.rec[0], i);
	}
	CHECK_EQ_INT(ward_queue_pop(q, &it, &loss, 0), 2);
	CHECK_EQ_INT((int)loss.count, 4);
	CHECK_EQ_INT((int)loss.first_ns, accepted);
	CHECK_EQ_INT((int)loss.last_ns, 502);
	CHECK_EQ_INT(ward_queue_pop(q, &it, &loss, 0), 0);
	struct ward_queue_stats st;
	ward_queue_stats(q, &st);
	CHECK_EQ_INT((int)st.dropped, 4);
	CHECK_EQ_INT((int)st.used_bytes, 0);
out:
	ward_queue_free(q);
}

UNIT_TEST(two_separate_losses_are_reported_at_their_own_places)
{
	struct ward_queue *q = ward_queue_new(0); /* ~520 KiB: two of these fit */
	static uint8_t big[200000];
	struct ward_queue_item it;
	struct ward_queue_loss loss;
	struct ward_rec_meta m = meta(1, 0, 0);
	CHECK_EQ_INT(ward_queue_push(q, &m, NULL, big, sizeof(big)), 0);   /* A */
	m.time_ns = 2;
	CHECK_EQ_INT(ward_queue_push(q, &m, NULL, big, sizeof(big)), 0);   /* B */
	m.time_ns = 7;
	CHECK_EQ_INT(ward_queue_push(q, &m, NULL, big, sizeof(big)), -ENOSPC); /* lost after B */
	CHECK_EQ_INT(ward_queue_pop(q, &it, &loss, 0), 1);                 /* A (B moves out too) */
	CHECK_EQ_INT((int)it.meta.time_ns, 1);
	m.time_ns = 3;
	CHECK_EQ_INT(ward_queue_push(q, &m, NULL, big, sizeof(big)), 0);   /* C */
	m.time_ns = 4;
	CHECK_EQ_INT(ward_queue_push(q, &m, NULL, big, sizeof(big)), 0);   /* D */
	m.time_ns = 9;
	CHECK_EQ_INT(ward_queue_push(q, &m, NULL, big, sizeof(big)), -ENOSPC);
	CHECK_EQ_INT(ward_queue_push(q, &m, NULL, big, sizeof(big)), -ENOSPC); /* lost after D */
	CHECK_EQ_INT(ward_queue_pop(q, &it, &loss, 0), 1);                 /* B */
	CHECK_EQ_INT((int)it.meta.time_ns, 2);
	CHECK_EQ_INT(ward_queue_pop(q, &it, &loss, 0), 2);
	CHECK_EQ_INT((int)loss.count, 1);
	CHECK_EQ_INT((int)loss.first_ns, 7);
	CHECK_EQ_INT(ward_queue_pop(q, &it, &loss, 0), 1);                 /* C */
	CHECK_EQ_INT((int)it.meta.time_ns, 3);
	CHECK_EQ_INT(ward_queue_pop(q, &it, &loss, 0), 1);                 /* D */
	CHECK_EQ_INT((int)it.meta.time_ns, 4);
	CHECK_EQ_INT(ward_queue_pop(q, &it, &loss, 0), 2);
	CHECK_EQ_INT((int)loss.count, 2);
	CHECK_EQ_INT(ward_queue_pop(q, &it, &loss, 0), 0);
	ward_queue_free(q);
}

/* Pushing does not wake a sleeping consumer (a wake-up per record costs more
 * than the record); the producer's kick does. */
struct waiter {
	struct ward_queue *q;
	int rc;
};

static void *wait_pop(void *arg)
{
	struct waiter *w = arg;
	struct ward_queue_item it;
	struct ward_queue_loss loss;
	w->rc = ward_queue_pop(w->q, &it, &loss, 3000); /* 0 on timeout */
	return NULL;
}

UNIT_TEST(a_kick_wakes_a_waiting_consumer)
{
	struct waiter w = { .q = ward_queue_new(0), .rc = -1 };
	struct ward_rec_meta m = meta(1, 0, 0);
	pthread_t t;
	pthread_create(&t, NULL, wait_pop, &w);
	usleep(50000); /* let it go to sleep on the empty queue (not needed to pass) */
	CHECK_EQ_INT(ward_queue_push(w.q, &m, NULL, "x", 1), 0);
	ward_queue_kick(w.q);
	pthread_join(t, NULL);
	CHECK_EQ_INT(w.rc, 1); /* without the kick: 0 after 3 s */
	ward_queue_free(w.q);
}

UNIT_TEST(oversized_record_is_refused_and_counted)
{
	struct ward_queue *q = ward_queue_new(0);
	static uint8_t huge[WARD_QUEUE_MAX_RECORD + 1];
	struct ward_rec_meta m = meta(1, 0, 0);
	CHECK_EQ_INT(ward_queue_push(q, &m, NULL, huge, sizeof(huge)), -E2BIG);
	struct ward_queue_stats st;
	ward_queue_stats(q, &st);
	CHECK_EQ_INT((int)st.dropped, 1);
	ward_queue_free(q);
}

struct stress {
	struct ward_queue *q;
	int n;
	uint64_t sum_pushed, pushed_ok, dropped;
};

static void *producer(void *arg)
{
	struct stress *s = arg;
	uint8_t rec[3000];
	for (int i = 0; i < s->n; i++) {
		size_t len = 1 + (size_t)(i * 7919) % sizeof(rec);
		memset(rec, i & 0xff, len);
		struct ward_rec_meta m = meta((uint64_t)i, (uint32_t)len, 0);
		if (ward_queue_push(s->q, &m, NULL, rec, len) == 0) {
			s->pushed_ok++;
			s->sum_pushed += (uint64_t)i;
		} else {
			s->dropped++;
		}
	}
	ward_queue_close(s->q);
	return NULL;
}

/* A producer and a consumer on two threads: every record pushed comes out
 * intact and in order, every refused one is reported as loss. */
UNIT_TEST(concurrent_producer_and_consumer_lose_nothing_silently)
{
	struct stress s = { .q = ward_queue_new(1 << 20), .n = 200000 };
	pthread_t t;
	pthread_create(&t, NULL, producer, &s);
	struct ward_queue_item it;
	struct ward_queue_loss loss;
	uint64_t sum = 0, got = 0, lost = 0, last = 0;
	bool ok = true;
	int rc;
	while ((rc = ward_queue_pop(s.q, &it, &loss, 1000)) != -EPIPE) {
		if (rc == 1) {
			if (it.len != it.meta.pid || (got && it.meta.time_ns <= last) ||
			    it.rec[it.len - 1] != (uint8_t)(it.meta.time_ns & 0xff))
				ok = false;
			last = it.meta.time_ns;
			sum += it.meta.time_ns;
			got++;
		} else if (rc == 2) {
			lost += loss.count;
		}
	}
	pthread_join(t, NULL);
	CHECK(ok);
	CHECK_EQ_INT((long long)got, (long long)s.pushed_ok);
	CHECK_EQ_INT((long long)sum, (long long)s.sum_pushed);
	CHECK_EQ_INT((long long)lost, (long long)s.dropped);
	CHECK_EQ_INT((long long)(got + lost), 200000);
	ward_queue_free(s.q);
}

UNIT_MAIN()
