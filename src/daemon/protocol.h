/*
 * The local socket protocol (docs/protocol.md): varint-length-delimited
 * protobuf messages. The server says Hello, the client sends Subscribe, the
 * server streams Records (and a Loss record when the client fell behind).
 */
#ifndef WARD_DAEMON_PROTOCOL_H
#define WARD_DAEMON_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/queue.h"
#include "daemon/subscription.h"
#include "output.h"

/* Largest message a client may send (a Subscribe is far smaller). */
#define WARD_PROTO_MAX_CLIENT_MSG (64u << 10)
#define WARD_PROTO_VERSION 1

/* Writes v as a protobuf varint; returns the bytes written (at most 10). */
size_t ward_varint_put(uint8_t *out, uint64_t v);
/* Reads a varint: bytes consumed, 0 if more bytes are needed, -1 if it is
 * not a valid varint (more than 10 bytes). */
int ward_varint_get(const uint8_t *p, size_t n, uint64_t *v);

int ward_proto_encode_hello(uint8_t *out, size_t cap, size_t *len);
/* -EBADMSG for anything that is not a valid Subscribe. */
int ward_proto_decode_subscribe(const uint8_t *p, size_t n, struct ward_subscription *s);
int ward_proto_encode_subscribe(const struct ward_subscription *s, uint8_t *out, size_t cap,
				size_t *len);

int ward_proto_encode_loss(const struct ward_queue_loss *l, enum ward_loss_reason reason,
			   const char *sink, uint8_t *out, size_t cap, size_t *len);

#endif /* WARD_DAEMON_PROTOCOL_H */
