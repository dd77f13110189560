/* Hello, Subscribe and Loss messages of the local socket protocol. */
#include <errno.h>
#include <pb_decode.h>
#include <pb_encode.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon/protocol.h"
#include "pb/codec.h"
#include "version.h"
#include "ward.pb.h"
#include "ward/abi.h"
#include "xdr_names.h"

static void read_boot_id(char *out, size_t cap)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	out[0] = 0;
	if (!f)
		return;
	if (fgets(out, (int)cap, f))
		out[strcspn(out, "\n")] = 0;
	fclose(f);
}

int ward_proto_encode_hello(uint8_t *out, size_t cap, size_t *len)
{
	ward_Hello h = ward_Hello_init_zero;
	h.protocol_version = WARD_PROTO_VERSION;
	snprintf(h.ward_version, sizeof(h.ward_version), "%s", WARD_VERSION);
	if (gethostname(h.hostname, sizeof(h.hostname) - 1) < 0)
		h.hostname[0] = 0;
	read_boot_id(h.boot_id, sizeof(h.boot_id));
	pb_ostream_t os = pb_ostream_from_buffer(out, cap);
	if (!pb_encode(&os, ward_Hello_fields, &h))
		return -ENOSPC;
	*len = os.bytes_written;
	return 0;
}

/* Static: a Subscribe is ~50 KiB of bounded arrays; only the server thread
 * and a client's main thread decode or encode one, never at once in one
 * process. */
static __thread ward_Subscribe scratch;

int ward_proto_decode_subscribe(const uint8_t *p, size_t n, struct ward_subscription *s)
{
	ward_Subscribe *m = &scratch;
	memset(m, 0, sizeof(*m));
	pb_istream_t is = pb_istream_from_buffer(p, n);
	if (!pb_decode(&is, ward_Subscribe_fields, m))
		return -EBADMSG;
	memset(s, 0, sizeof(*s));
	s->events = m->want_events;
	s->alerts = m->want_alerts;
	s->stats = m->want_stats;
	s->footprints = m->want_footprints;
	if (!m->event_types_count && !m->access_types_count) {
		s->access_mask[0] = s->access_mask[1] = ~0ULL;
	} else {
		unsigned int a;
		for (unsigned int i = 0; (a = ward_access_type_at(i)); i++) {
			bool want = false;
			for (pb_size_t j = 0; j < m->event_types_count && !want; j++)
				want = ward_event_type_of(a) == m->event_types[j];
			for (pb_size_t j = 0; j < m->access_types_count && !want; j++)
				want = a == m->access_types[j];
			if (want) {
				int bit = ward_access_bit(a);
				s->access_mask[bit >> 6] |= 1ULL << (bit & 63);
			}
		}
	}
	s->npids = m->pids_count < WARD_SUB_MAX_PIDS ? m->pids_count : WARD_SUB_MAX_PIDS;
	memcpy(s->pids, m->pids, s->npids * sizeof(s->pids[0]));
	for (pb_size_t i = 0; i < m->path_prefixes_count && i < WARD_SUB_MAX_PREFIXES; i++) {
		size_t len = m->path_prefixes[i].size;
		if (!len || len > WARD_SUB_MAX_PREFIX_LEN)
			return -EBADMSG;
		memcpy(s->prefixes[i], m->path_prefixes[i].bytes, len);
		s->prefix_len[i] = (uint16_t)len;
		s->nprefixes++;
	}
	return 0;
}

int ward_proto_encode_subscribe(const struct ward_subscription *s, uint8_t *out, size_t cap,
				size_t *len)
{
	ward_Subscribe *m = &scratch;
	memset(m, 0, sizeof(*m));
	m->protocol_version = WARD_PROTO_VERSION;
	m->want_events = s->events;
	m->want_alerts = s->alerts;
	m->want_stats = s->stats;
	m->want_footprints = s->footprints;
	if (~s->access_mask[0] || ~s->access_mask[1]) {
		unsigned int a;
		for (unsigned int i = 0; (a = ward_access_type_at(i)); i++) {
			int bit = ward_access_bit(a);
			if (((s->access_mask[bit >> 6] >> (bit & 63)) & 1) &&
			    m->access_types_count < sizeof(m->access_types) / sizeof(m->access_types[0]))
				m->access_types[m->access_types_count++] = a;
		}
		if (!m->access_types_count)
			return -EINVAL; /* a mask with no known type would mean "all" */
	}
	m->pids_count = s->npids;
	memcpy(m->pids, s->pids, s->npids * sizeof(s->pids[0]));
	for (unsigned int i = 0; i < s->nprefixes; i++) {
		m->path_prefixes[i].size = s->prefix_len[i];
		memcpy(m->path_prefixes[i].bytes, s->prefixes[i], s->prefix_len[i]);
	}
	m->path_prefixes_count = s->nprefixes;
	pb_ostream_t os = pb_ostream_from_buffer(out, cap);
	if (!pb_encode(&os, ward_Subscribe_fields, m))
		return -ENOSPC;
	*len = os.bytes_written;
	return 0;
}

int ward_proto_encode_loss(const struct ward_queue_loss *l, enum ward_loss_reason reason,
			   const char *sink, uint8_t *out, size_t cap, size_t *len)
{
	struct ward_loss loss = {
		.time_ns = l->last_ns,
		.count = l->count,
		.first_time_ns = l->first_ns,
		.last_time_ns = l->last_ns,
		.reason = reason,
		.sink = sink,
	};
	return ward_pb_encode_loss(&loss, out, cap, len);
}
