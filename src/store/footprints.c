/*
 * The footprint store: events to pending objects on the main thread, pending
 * objects to SQLite on a flush thread. See footprints.h and
 * docs/footprints.md for which events feed which object.
 */
#include "store/footprints.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/footprints_pending.h"
#include "store/footprints_write.h"
#include "ward/abi.h"
#include "ward/xdr_types.h"

#define MAX_FLUSH_INTERVAL_MS (3600u * 1000u)
#define DNS_NAME_MAX 1100   /* 253 characters, each at most "\DDD" (docs/output.md) */

struct ward_footprints {
	pthread_mutex_t mu;              /* active, dropped, stop */
	pthread_mutex_t flush_mu;        /* one flush at a time: writer, spare */
	pthread_cond_t wake;
	struct ward_fp_pending tables[2];
	struct ward_fp_pending *active;  /* observe() fills it */
	struct ward_fp_pending *spare;   /* a flush writes it out */
	struct ward_fp_writer *writer;
	uint32_t interval_ms;
	bool stop;
	bool thread_started;
	pthread_t thread;
	uint64_t dropped;
	/* written by the flush, read by get_stats() without waiting for a flush */
	uint64_t written, flushes, flush_errors, last_flush_ns, max_flush_ns;
	uint64_t hash_computed, hash_hits, hash_too_large;
};

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

uint64_t ward_footprint_hash_id(enum ward_footprint_kind kind, const char *name, size_t len)
{
	/* FNV-1a, 64 bit: simple enough to recompute in any language */
	uint64_t h = 0xcbf29ce484222325ULL;
	h = (h ^ (uint8_t)kind) * 0x100000001b3ULL;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)name[i]) * 0x100000001b3ULL;
	return h;
}

/* ---- the event path: no syscalls, no malloc ---- */

/* The pending entry of an object, counted; NULL (and counted as dropped)
 * when the table is full. *created tells whether it is new. */
static struct ward_fp_entry *touch(struct ward_footprints *f, uint8_t kind, uint64_t id,
				   const char *name, size_t len, const struct ward_event *ev,
				   uint64_t n, bool *created)
{
	struct ward_fp_pending *p = f->active;
	struct ward_fp_entry *e = ward_fp_pending_find(p, kind, id);
	int bit = ward_access_bit(ev->access_type);

	*created = !e;
	if (!e) {
		e = ward_fp_pending_add(p, kind, id, name, len);
		if (!e) {
			f->dropped += n;
			return NULL;
		}
		e->first_ns = e->last_ns = ev->time_ns;
	}
	e->count += n;
	if (ev->time_ns < e->first_ns)
		e->first_ns = ev->time_ns;
	if (ev->time_ns > e->last_ns)
		e->last_ns = ev->time_ns;
	if (bit >= 0 && bit < 128)
		e->access_mask[bit >> 6] |= 1ULL << (bit & 63);
	return e;
}

static bool has(struct ward_str_ref r)
{
	return r.s && r.len;
}

static struct ward_fp_entry *touch_named(struct ward_footprints *f, uint8_t kind,
					 struct ward_str_ref name, const struct ward_event *ev,
					 uint64_t n)
{
	bool created;
	return touch(f, kind, ward_footprint_hash_id(kind, name.s, name.len), name.s, name.len,
		     ev, n, &created);
}

/* The acting process. A PROCESS_EXECUTE describes the process as it was
 * before; the object takes the new image's exe and command line from the
 * target, which is the same process (same hash_id). */
static void observe_process(struct ward_footprints *f, const struct ward_event *ev, uint64_t n)
{
	const struct ward_process_info *pr = &ev->process;
	bool exec = ev->access_type == XDR_PROCESS_EXECUTE && ev->target.hash_id == pr->hash_id;
	struct ward_str_ref exe = exec ? ev->target.exe : pr->exe;
	struct ward_str_ref cmdline = exec ? ev->target.cmdline : pr->cmdline;
	char kname[20];
	bool created;

	if (!pr->hash_id)
		return;
	if (!has(exe)) {
		/* kernel threads have no executable: "[kworker/0:1]", like ps */
		const char *comm = pr->comm ? pr->comm : "?";
		size_t len = strnlen(comm, 16);
		kname[0] = '[';
		memcpy(kname + 1, comm, len);
		kname[len + 1] = ']';
		exe = (struct ward_str_ref){ kname, len + 2 };
	}
	struct ward_fp_entry *e = touch(f, WARD_FP_PROCESS, pr->hash_id, exe.s, exe.len, ev, n,
					&created);
	if (!e || !(created || exec))
		return;
	e->pid = pr->pid;
	e->ppid = pr->ppid;
	e->uid = pr->uid;
	e->start_time_ns = pr->start_time_ns;
	/* a full arena keeps the old strings: bounded beats current */
	if (exec && !created)
		ward_fp_pending_str(f->active, exe.s, exe.len, &e->name);
	if (has(cmdline))
		ward_fp_pending_str(f->active, cmdline.s, cmdline.len, &e->cmdline);
}

static void observe_executables(struct ward_footprints *f, const struct ward_event *ev, uint64_t n)
{
	const struct ward_str_ref actor = ev->process.exe, target = ev->target.exe;

	if (has(actor))
		touch_named(f, WARD_FP_EXECUTABLE, actor, ev, n);
	if (ev->access_type == XDR_PROCESS_EXECUTE && has(target) &&
	    !(has(actor) && actor.len == target.len && !memcmp(actor.s, target.s, actor.len)))
		touch_named(f, WARD_FP_EXECUTABLE, target, ev, n);
	if (ev->access_type == XDR_PROCESS_LOAD_IMAGE && has(ev->file.path))
		touch_named(f, WARD_FP_EXECUTABLE, ev->file.path, ev, n);
}

static void observe_files(struct ward_footprints *f, const struct ward_event *ev, uint64_t n)
{
	if (has(ev->file.path))
		touch_named(f, WARD_FP_FILE, ev->file.path, ev, n);
	if (ev->access_type == XDR_FILE_MOVE && has(ev->file.new_path))
		touch_named(f, WARD_FP_FILE, ev->file.new_path, ev, n);
}

/* The remote endpoint. An inbound peer's port is ephemeral (a new one per
 * connection), so inbound peers are one object per address: port 0, name
 * "TCP 10.0.0.5:*". */
static void observe_connection(struct ward_footprints *f, const struct ward_event *ev, uint64_t n)
{
	const struct ward_conn_info *c = &ev->conn;
	bool inbound = ev->access_type == XDR_CONNECTION_CONNECT_INBOUND;
	uint16_t port = inbound ? 0 : c->remote_port;
	size_t iplen = strnlen(c->remote_ip, sizeof(c->remote_ip));
	bool v6 = memchr(c->remote_ip, ':', iplen) != NULL;
	char name[4 + 1 + sizeof(c->remote_ip) + 2 + 6];
	size_t len = 0;
	bool created;

	if (!iplen || iplen == sizeof(c->remote_ip) ||
	    (c->protocol != XDR_CONNECTION_TCP && c->protocol != XDR_CONNECTION_UDP))
		return;
	/* "TCP 1.2.3.4:443", "UDP [2001:db8::1]:53" without printf */
	memcpy(name, c->protocol == XDR_CONNECTION_TCP ? "TCP " : "UDP ", 4);
	len = 4;
	if (v6)
		name[len++] = '[';
	memcpy(name + len, c->remote_ip, iplen);
	len += iplen;
	if (v6)
		name[len++] = ']';
	name[len++] = ':';
	if (inbound) {
		name[len++] = '*';
	} else {
		char digits[5];
		int nd = 0;
		uint16_t v = port;
		do {
			digits[nd++] = (char)('0' + v % 10);
			v /= 10;
		} while (v);
		while (nd)
			name[len++] = digits[--nd];
	}
	struct ward_fp_entry *e = touch(f, WARD_FP_CONNECTION,
					ward_footprint_hash_id(WARD_FP_CONNECTION, name, len),
					name, len, ev, n, &created);
	if (!e)
		return;
	if (created) {
		e->protocol = c->protocol;
		memcpy(e->remote_ip, c->remote_ip, iplen + 1);
		e->remote_port = port;
	}
	if (inbound)
		e->inbound = true;
	else
		e->outbound = true;
}

/* DNS names are case-insensitive: one object per lowercased name. */
static void observe_dns(struct ward_footprints *f, const struct ward_event *ev, uint64_t n)
{
	char lower[DNS_NAME_MAX];
	size_t len;

	if (!ev->dns.query)
		return;
	len = strnlen(ev->dns.query, sizeof(lower));
	if (!len || len == sizeof(lower))
		return; /* longer than the parser can produce: not a name */
	for (size_t i = 0; i < len; i++) {
		char ch = ev->dns.query[i];
		lower[i] = ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch;
	}
	touch_named(f, WARD_FP_DNS, (struct ward_str_ref){ lower, len }, ev, n);
}

void ward_footprints_observe(struct ward_footprints *f, const struct ward_event *ev)
{
	uint64_t n = ev->count ? ev->count : 1;

	/* uncontended, a mutex is one atomic instruction: the flush thread
	 * holds it only to swap the tables */
	pthread_mutex_lock(&f->mu);
	observe_process(f, ev, n);
	observe_executables(f, ev, n);
	switch (ev->event_type) {
	case XDR_EVENT_FILE:
		observe_files(f, ev, n);
		break;
	case XDR_EVENT_CONNECTION:
		if (ev->access_type != XDR_CONNECTION_LISTEN) /* no remote end */
			observe_connection(f, ev, n);
		break;
	case XDR_EVENT_DNS:
		observe_connection(f, ev, n); /* the server */
		if (ev->access_type == XDR_DNS_QUERY)
			observe_dns(f, ev, n);
		break;
	case XDR_EVENT_INTERNET:
		observe_connection(f, ev, n);
		break;
	default:
		break;
	}
	pthread_mutex_unlock(&f->mu);
}

/* ---- the flush side ---- */

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int ward_footprints_flush(struct ward_footprints *f)
{
	struct ward_fp_pending *p;
	struct ward_exe_hash_stats hs;
	uint64_t t0 = mono_ns(), written = 0, lost = 0, took;
	int ret;

	pthread_mutex_lock(&f->flush_mu);
	pthread_mutex_lock(&f->mu);
	p = f->active;
	f->active = f->spare;
	f->spare = p;
	pthread_mutex_unlock(&f->mu);

	ret = ward_fp_writer_write(f->writer, p, &written, &lost);
	ward_fp_pending_clear(p);
	if (lost) {
		pthread_mutex_lock(&f->mu);
		f->dropped += lost;
		pthread_mutex_unlock(&f->mu);
	}
	took = mono_ns() - t0;
	STORE(f->written, LOAD(f->written) + written);
	STORE(f->flushes, LOAD(f->flushes) + 1);
	if (ret)
		STORE(f->flush_errors, LOAD(f->flush_errors) + 1);
	STORE(f->last_flush_ns, took);
	if (took > LOAD(f->max_flush_ns))
		STORE(f->max_flush_ns, took);
	ward_fp_writer_hash_stats(f->writer, &hs);
	STORE(f->hash_computed, hs.computed);
	STORE(f->hash_hits, hs.hits);
	STORE(f->hash_too_large, hs.too_large);
	pthread_mutex_unlock(&f->flush_mu);
	return ret;
}

static void *flush_main(void *arg)
{
	struct ward_footprints *f = arg;
	struct timespec deadline;

	pthread_mutex_lock(&f->mu);
	while (!f->stop) {
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += f->interval_ms / 1000;
		deadline.tv_nsec += (long)(f->interval_ms % 1000) * 1000000L;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000L;
		}
		while (!f->stop && pthread_cond_timedwait(&f->wake, &f->mu, &deadline) != ETIMEDOUT)
			;
		if (f->stop)
			break;
		pthread_mutex_unlock(&f->mu);
		/* a failed flush is counted (flush_errors, dropped); the next one
		 * tries again with what arrived since */
		ward_footprints_flush(f);
		pthread_mutex_lock(&f->mu);
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

static int start_thread(struct ward_footprints *f)
{
	sigset_t all, old;
	int ret;

	/* signals are the main loop's business: a SIGINT taken by this thread
	 * would not interrupt the main thread's poll */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	ret = pthread_create(&f->thread, NULL, flush_main, f);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret)
		return -ret;
	f->thread_started = true;
	return 0;
}

struct ward_footprints *ward_footprints_new(const struct ward_footprints_opts *o)
{
	struct ward_footprints *f;
	pthread_condattr_t ca;
	uint32_t max_pending = o->max_pending ? o->max_pending : WARD_FP_DEFAULT_MAX_PENDING;
	uint64_t hash_max = o->hash_max_size ? o->hash_max_size : WARD_FP_DEFAULT_HASH_MAX_SIZE;
	int ret;

	if (!o->db_path || max_pending > WARD_FP_MAX_PENDING_LIMIT ||
	    o->flush_interval_ms > MAX_FLUSH_INTERVAL_MS) {
		errno = EINVAL;
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	pthread_mutex_init(&f->mu, NULL);
	pthread_mutex_init(&f->flush_mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&f->wake, &ca);
	pthread_condattr_destroy(&ca);
	f->interval_ms = o->flush_interval_ms;
	for (int i = 0; i < 2; i++) {
		ret = ward_fp_pending_init(&f->tables[i], max_pending,
					   (size_t)max_pending * WARD_FP_ARENA_PER_OBJECT);
		if (ret)
			goto err_free;
	}
	f->active = &f->tables[0];
	f->spare = &f->tables[1];
	f->writer = ward_fp_writer_new(o->db_path, o->hash_executables, hash_max);
	if (!f->writer) {
		ret = -errno;
		goto err_free;
	}
	if (f->interval_ms) {
		ret = start_thread(f);
		if (ret)
			goto err_free;
	}
	return f;

err_free:
	ward_footprints_free(f);
	errno = -ret;
	return NULL;
}

void ward_footprints_free(struct ward_footprints *f)
{
	if (!f)
		return;
	if (f->thread_started) {
		pthread_mutex_lock(&f->mu);
		f->stop = true;
		pthread_cond_signal(&f->wake);
		pthread_mutex_unlock(&f->mu);
		pthread_join(f->thread, NULL);
	}
	if (f->writer)
		ward_footprints_flush(f);
	ward_fp_writer_free(f->writer);
	for (int i = 0; i < 2; i++)
		ward_fp_pending_destroy(&f->tables[i]);
	pthread_cond_destroy(&f->wake);
	pthread_mutex_destroy(&f->flush_mu);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

void ward_footprints_get_stats(struct ward_footprints *f, struct ward_footprints_stats *s)
{
	pthread_mutex_lock(&f->mu);
	s->pending = f->active->n;
	s->dropped = f->dropped;
	pthread_mutex_unlock(&f->mu);
	s->objects_written = LOAD(f->written);
	s->hash_computed = LOAD(f->hash_computed);
	s->hash_cache_hits = LOAD(f->hash_hits);
	s->hash_too_large = LOAD(f->hash_too_large);
	s->flushes = LOAD(f->flushes);
	s->flush_errors = LOAD(f->flush_errors);
	s->last_flush_ns = LOAD(f->last_flush_ns);
	s->max_flush_ns = LOAD(f->max_flush_ns);
}
