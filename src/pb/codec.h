/*
 * ward's records as protocol buffers (proto/ward.proto, docs/protocol.md):
 * what the daemon writes to its log and streams to clients, and what
 * `ward log cat` and `ward events` print back. Decoding and printing a record
 * gives the same JSON line, byte for byte, as `ward watch --json` prints for
 * the original.
 *
 * Encoders write one serialized Record (not length-prefixed) into out[0..cap)
 * and return 0, -ENOSPC when cap is too small, or -EOVERFLOW when a string or
 * list is longer than the bounds of proto/ward.options (a caller's bug: the
 * pipeline's own limits are smaller). They never allocate.
 */
#ifndef WARD_PB_CODEC_H
#define WARD_PB_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "event.h"
#include "footprint.h"
#include "lib/buf.h"
#include "output.h"
#include "sensor.h"
#include "stats.h"

/* Largest Record ward encodes (an alert naming 32 long paths, or the startup
 * record with 256 hooks, stay well below); a frame announcing more is
 * malformed. */
#define WARD_PB_RECORD_MAX (512u * 1024)
/* Bytes of the varint length before a delimited message (32-bit lengths). */
#define WARD_PB_LEN_MAX 5
/* Hooks the startup record can carry. */
#define WARD_PB_MAX_HOOKS 256

int ward_pb_encode_event(const struct ward_event *ev, uint8_t *out, size_t cap, size_t *len);
/* a->event, when set, is embedded whole. */
int ward_pb_encode_alert(const struct ward_alert *a, uint8_t *out, size_t cap, size_t *len);
/* An interval or final stats record (r->daemon included when set). */
int ward_pb_encode_stats(const struct ward_stats_record *r, uint8_t *out, size_t cap, size_t *len);
/* The startup stats record (ward_json_hooks()); n <= WARD_PB_MAX_HOOKS. */
int ward_pb_encode_hooks(uint64_t time_ns, const struct ward_kernel_info *k,
			 const struct ward_hook_report *hooks, size_t n, uint8_t *out, size_t cap,
			 size_t *len);
int ward_pb_encode_footprint(const struct ward_footprint *fp, uint8_t *out, size_t cap,
			     size_t *len);
int ward_pb_encode_loss(const struct ward_loss *l, uint8_t *out, size_t cap, size_t *len);

/*
 * Framing, as protobuf's writeDelimited: a varint length, then the message.
 * ward_pb_put_delimited() writes varint(n) then msg[0..n) at out; msg may
 * overlap out (encode at out + WARD_PB_LEN_MAX, then delimit in place).
 * Returns 0 and *len = total bytes, or -ENOSPC.
 */
size_t ward_pb_varint_len(uint64_t v);
int ward_pb_put_delimited(uint8_t *out, size_t cap, const uint8_t *msg, size_t n, size_t *len);
/* One frame at the start of p[0..n): 0 with *msg, *msg_len and *frame_len
 * (prefix + message); -EAGAIN when p holds only part of it; -EBADMSG when the
 * prefix is not a varint or announces more than WARD_PB_RECORD_MAX. */
int ward_pb_get_delimited(const uint8_t *p, size_t n, const uint8_t **msg, size_t *msg_len,
			  size_t *frame_len);

enum ward_pb_kind {
	WARD_PB_NONE = 0,     /* a Record of a kind this reader does not know */
	WARD_PB_EVENT = 1,
	WARD_PB_ALERT = 2,
	WARD_PB_STATS = 3,
	WARD_PB_FOOTPRINT = 4,
	WARD_PB_LOSS = 5,
};

struct ward_pb_store;

/* A decoded record: the member for d->kind is filled; its strings point into
 * d's own storage and stay valid until the next decode into d. */
struct ward_pb_decoded {
	enum ward_pb_kind kind;
	struct ward_event event;          /* EVENT; for ALERT its event (alert.event) */
	struct ward_alert alert;
	struct ward_stats_record stats;   /* STATS, unless startup */
	struct ward_daemon_stats daemon;  /* stats.daemon points here when present */
	bool startup;                     /* STATS: the startup record, below */
	struct ward_kernel_info kernel;
	const struct ward_hook_report *hooks;
	size_t nhooks;
	struct ward_footprint footprint;
	struct ward_loss loss;
	struct ward_pb_store *store;      /* private */
};

/* About 400 KiB: allocate one per reader and reuse it. NULL + errno. */
struct ward_pb_decoded *ward_pb_decoded_new(void);
void ward_pb_decoded_free(struct ward_pb_decoded *d);

/* 0, or -EBADMSG for anything malformed (truncated, corrupted, over a
 * bound); never reads outside p[0..n). A Record of an unknown kind gives 0
 * with d->kind == WARD_PB_NONE. */
int ward_pb_decode_record(const uint8_t *p, size_t n, struct ward_pb_decoded *d);

/* Print a decoded record as JSON Lines or as a table line (stats and
 * footprints print nothing in the table). Appends to out; 0 or -ENOMEM. */
int ward_pb_decoded_json(const struct ward_pb_decoded *d, struct ward_buf *out);
int ward_pb_decoded_table(const struct ward_pb_decoded *d, struct ward_buf *out);
/* Decode then print, with a decode buffer kept per thread. 0, -EBADMSG, -ENOMEM. */
int ward_pb_record_json(const uint8_t *p, size_t n, struct ward_buf *out);
int ward_pb_record_table(const uint8_t *p, size_t n, struct ward_buf *out);

/* What filters need, read without a full decode. */
struct ward_pb_meta {
	enum ward_pb_kind kind;
	uint64_t time_ns;      /* a footprint's last_seen */
	bool has_event;        /* EVENT, or an ALERT with its event: the three below */
	uint16_t event_type;
	uint16_t access_type;
	uint32_t pid;
};

/* 0 or -EBADMSG. */
int ward_pb_record_meta(const uint8_t *p, size_t n, struct ward_pb_meta *m);

#endif /* WARD_PB_CODEC_H */
