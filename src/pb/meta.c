/* What `ward log cat --type/--since/--until` filters on, read straight from
 * the wire: a few fields picked out, everything else skipped, nothing copied. */
#include "pb/codec.h"

#include <errno.h>
#include <string.h>

#include <pb_decode.h>

#include "ward.pb.h"

_Static_assert(WARD_PB_EVENT == ward_Record_event_tag && WARD_PB_ALERT == ward_Record_alert_tag &&
		       WARD_PB_STATS == ward_Record_stats_tag &&
		       WARD_PB_FOOTPRINT == ward_Record_footprint_tag &&
		       WARD_PB_LOSS == ward_Record_loss_tag,
	       "enum ward_pb_kind is the Record's oneof tags");

/* pid: field 1 of Process. */
static bool scan_process(pb_istream_t *s, struct ward_pb_meta *m)
{
	pb_wire_type_t wt;
	uint32_t tag;
	bool eof;
	uint64_t v;

	while (pb_decode_tag(s, &wt, &tag, &eof)) {
		if (tag == ward_Process_pid_tag && wt == PB_WT_VARINT) {
			if (!pb_decode_varint(s, &v))
				return false;
			m->pid = (uint32_t)v;
		} else if (!pb_skip_field(s, wt)) {
			return false;
		}
	}
	return eof;
}

static bool scan_sub(pb_istream_t *s, bool (*fn)(pb_istream_t *, struct ward_pb_meta *),
		     struct ward_pb_meta *m)
{
	pb_istream_t sub;
	if (!pb_make_string_substream(s, &sub))
		return false;
	bool ok = fn(&sub, m);
	return pb_close_string_substream(s, &sub) && ok;
}

static bool scan_event(pb_istream_t *s, struct ward_pb_meta *m)
{
	pb_wire_type_t wt;
	uint32_t tag;
	bool eof, ok;
	uint64_t v;

	m->has_event = true;
	while (pb_decode_tag(s, &wt, &tag, &eof)) {
		if (tag == ward_Event_time_ns_tag && wt == PB_WT_64BIT && m->kind == WARD_PB_EVENT)
			ok = pb_decode_fixed64(s, &m->time_ns);
		else if (tag == ward_Event_event_type_tag && wt == PB_WT_VARINT)
			ok = pb_decode_varint(s, &v) && (m->event_type = (uint16_t)v, true);
		else if (tag == ward_Event_access_type_tag && wt == PB_WT_VARINT)
			ok = pb_decode_varint(s, &v) && (m->access_type = (uint16_t)v, true);
		else if (tag == ward_Event_process_tag && wt == PB_WT_STRING)
			ok = scan_sub(s, scan_process, m);
		else
			ok = pb_skip_field(s, wt);
		if (!ok)
			return false;
	}
	return eof;
}

/* The time of any other kind: a fixed64 field of the record's message. */
static uint32_t time_tag(enum ward_pb_kind k)
{
	switch (k) {
	case WARD_PB_ALERT: return ward_Alert_time_ns_tag;
	case WARD_PB_STATS: return ward_Stats_time_ns_tag;
	case WARD_PB_FOOTPRINT: return ward_Footprint_last_seen_ns_tag;
	case WARD_PB_LOSS: return ward_Loss_time_ns_tag;
	default: return 0;
	}
}

static bool scan_other(pb_istream_t *s, struct ward_pb_meta *m)
{
	uint32_t want = time_tag(m->kind);
	pb_wire_type_t wt;
	uint32_t tag;
	bool eof, ok;

	while (pb_decode_tag(s, &wt, &tag, &eof)) {
		if (tag == want && wt == PB_WT_64BIT)
			ok = pb_decode_fixed64(s, &m->time_ns);
		else if (m->kind == WARD_PB_ALERT && tag == ward_Alert_event_tag &&
			 wt == PB_WT_STRING)
			ok = scan_sub(s, scan_event, m);
		else
			ok = pb_skip_field(s, wt);
		if (!ok)
			return false;
	}
	return eof;
}

int ward_pb_record_meta(const uint8_t *p, size_t n, struct ward_pb_meta *m)
{
	pb_istream_t s = pb_istream_from_buffer(p, n);
	pb_wire_type_t wt;
	uint32_t tag;
	bool eof, ok;

	memset(m, 0, sizeof(*m));
	if (n == 0 || n > WARD_PB_RECORD_MAX)
		return -EBADMSG;
	while (pb_decode_tag(&s, &wt, &tag, &eof)) {
		if (wt == PB_WT_STRING && tag >= ward_Record_event_tag && tag <= ward_Record_loss_tag) {
			/* the last member wins, as in a full decode */
			memset(m, 0, sizeof(*m));
			m->kind = (enum ward_pb_kind)tag;
			ok = scan_sub(&s, tag == ward_Record_event_tag ? scan_event : scan_other, m);
		} else {
			ok = pb_skip_field(&s, wt);
		}
		if (!ok)
			return -EBADMSG;
	}
	return eof && !s.bytes_left ? 0 : -EBADMSG;
}
