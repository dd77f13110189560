/* Length-delimited framing (protobuf's writeDelimited / parseDelimitedFrom):
 * the log and the socket carry records as a varint length, then the bytes. */
#include "pb/codec.h"

#include <errno.h>
#include <string.h>

size_t ward_pb_varint_len(uint64_t v)
{
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

int ward_pb_put_delimited(uint8_t *out, size_t cap, const uint8_t *msg, size_t n, size_t *len)
{
	size_t k = ward_pb_varint_len(n);
	if (k > cap || n > cap - k)
		return -ENOSPC;
	memmove(out + k, msg, n); /* msg may sit just after the room for the prefix */
	uint64_t v = n;
	for (size_t i = 0; i < k; i++, v >>= 7)
		out[i] = (uint8_t)((v & 0x7f) | (i + 1 < k ? 0x80 : 0));
	*len = k + n;
	return 0;
}

int ward_pb_get_delimited(const uint8_t *p, size_t n, const uint8_t **msg, size_t *msg_len,
			  size_t *frame_len)
{
	uint64_t v = 0;
	size_t i;
	for (i = 0;; i++) {
		if (i == WARD_PB_LEN_MAX)
			return -EBADMSG;
		if (i == n)
			return -EAGAIN;
		v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80))
			break;
	}
	if (v > WARD_PB_RECORD_MAX)
		return -EBADMSG;
	if (n - (i + 1) < v)
		return -EAGAIN;
	*msg = p + i + 1;
	*msg_len = v;
	*frame_len = i + 1 + v;
	return 0;
}
