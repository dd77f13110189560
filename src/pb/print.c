/*
 * Printing decoded records through the same formatters `ward watch` uses, so
 * a record read back from the log or a socket prints exactly as it did live.
 */
#include "pb/codec.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/timefmt.h"
#include "xdr_names.h"

int ward_pb_decoded_json(const struct ward_pb_decoded *d, struct ward_buf *out)
{
	switch (d->kind) {
	case WARD_PB_EVENT:
		ward_json_event(out, &d->event);
		break;
	case WARD_PB_ALERT:
		ward_json_alert(out, &d->alert);
		break;
	case WARD_PB_STATS:
		if (d->startup)
			ward_json_hooks(out, d->stats.time_ns, &d->kernel, d->hooks, d->nhooks);
		else
			ward_json_stats(out, &d->stats);
		break;
	case WARD_PB_FOOTPRINT:
		ward_json_footprint(out, &d->footprint);
		break;
	case WARD_PB_LOSS:
		ward_json_loss(out, &d->loss);
		break;
	case WARD_PB_NONE:
		break;
	}
	return out->oom ? -ENOMEM : 0;
}

/* A loss in the table, in its columns: nobody's pid, LOSS as the access. */
static void table_loss(struct ward_buf *b, const struct ward_loss *l)
{
	char t[WARD_TIME_LEN];
	ward_time_rfc3339(l->time_ns, t);
	ward_buf_put(b, t + 11, 12);
	ward_buf_puts(b, " -       -                LOSS                   ");
	ward_buf_put_u64(b, l->count);
	ward_buf_puts(b, " records lost (");
	ward_buf_puts(b, ward_loss_reason_name(l->reason));
	if (l->sink) {
		ward_buf_puts(b, ", ");
		for (const char *s = l->sink; *s; s++) /* no control bytes in the table */
			ward_buf_putc(b, (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
	}
	ward_buf_puts(b, ")\n");
}

static const char *or_q(const char *s)
{
	return s ? s : "?";
}

/*
 * ward_table_event() trusts the pipeline: the access type has a name and the
 * strings it prints are set. A record from a file or a socket may come from
 * a newer ward or be damaged: an unknown access type gets a line of its own,
 * missing strings print as "?".
 */
static void table_event(struct ward_buf *b, const struct ward_event *src)
{
	if (!ward_access_type_name(src->access_type)) {
		char t[WARD_TIME_LEN];
		ward_time_rfc3339(src->time_ns, t);
		ward_buf_put(b, t + 11, 12);
		ward_buf_putc(b, ' ');
		ward_buf_put_u64(b, src->process.pid);
		ward_buf_puts(b, " access type ");
		ward_buf_put_u64(b, src->access_type);
		ward_buf_putc(b, '\n');
		return;
	}
	struct ward_event ev = *src;
	ev.http.method = or_q(ev.http.method);
	ev.http.url = or_q(ev.http.url);
	ev.account.file = or_q(ev.account.file);
	ev.act.api_name = or_q(ev.act.api_name);
	ev.act.old_name = or_q(ev.act.old_name);
	ward_table_event(b, &ev);
}

int ward_pb_decoded_table(const struct ward_pb_decoded *d, struct ward_buf *out)
{
	switch (d->kind) {
	case WARD_PB_EVENT:
		table_event(out, &d->event);
		break;
	case WARD_PB_ALERT:
		ward_table_alert(out, &d->alert);
		break;
	case WARD_PB_LOSS:
		table_loss(out, &d->loss);
		break;
	default:
		break; /* stats and footprints have no table line */
	}
	return out->oom ? -ENOMEM : 0;
}

/* One decode buffer per thread, made on first use and freed with the thread:
 * a record must not cost a 400 KiB allocation. */
static pthread_key_t tls_key;
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;
static int tls_err;

static void tls_free(void *p)
{
	ward_pb_decoded_free(p);
}

static void tls_init(void)
{
	tls_err = pthread_key_create(&tls_key, tls_free);
}

static struct ward_pb_decoded *thread_decoded(void)
{
	if (pthread_once(&tls_once, tls_init) || tls_err)
		return NULL;
	struct ward_pb_decoded *d = pthread_getspecific(tls_key);
	if (!d) {
		d = ward_pb_decoded_new();
		if (d && pthread_setspecific(tls_key, d)) {
			ward_pb_decoded_free(d);
			d = NULL;
		}
	}
	return d;
}

static int record_print(const uint8_t *p, size_t n, struct ward_buf *out, bool json)
{
	struct ward_pb_decoded *d = thread_decoded();
	if (!d)
		return -ENOMEM;
	int err = ward_pb_decode_record(p, n, d);
	if (err)
		return err;
	return json ? ward_pb_decoded_json(d, out) : ward_pb_decoded_table(d, out);
}

int ward_pb_record_json(const uint8_t *p, size_t n, struct ward_buf *out)
{
	return record_print(p, n, out, true);
}

int ward_pb_record_table(const uint8_t *p, size_t n, struct ward_buf *out)
{
	return record_print(p, n, out, false);
}
