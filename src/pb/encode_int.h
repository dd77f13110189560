/* Shared by the two event encoders (encode.c: nanopb; encode_event.c: direct). */
#ifndef WARD_PB_ENCODE_INT_H
#define WARD_PB_ENCODE_INT_H

#include <stdbool.h>

#include "event.h"

/* Which sub-messages an event carries: what ward_json_event() and
 * ward_table_event() read for its family. */
struct ward_pb_event_parts {
	bool file, target, connection, dns, http, act, account;
};

void ward_pb_event_parts(const struct ward_event *ev, struct ward_pb_event_parts *p);

/* The nanopb encoding of an event, kept as the reference the direct encoder
 * is tested against byte for byte. */
int ward_pb_encode_event_nanopb(const struct ward_event *ev, uint8_t *out, size_t cap,
				size_t *len);

#endif
