// SPDX-License-Identifier: GPL-2.0
/* Encoding and checking of segment and block headers; the layout is in docs/log.md. */
#include "store/log_format.h"

#include <string.h>

#include "lib/crc32c.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

const char *ward_log_fault_name(enum ward_log_fault f)
{
	switch (f) {
	case WARD_LOG_OK: return "ok";
	case WARD_LOG_BAD_SEGMENT_HEADER: return "bad segment header";
	case WARD_LOG_BAD_MAGIC: return "bad block magic";
	case WARD_LOG_HEADER_CRC: return "block header CRC mismatch";
	case WARD_LOG_BAD_HEADER: return "block header fields out of bounds";
	case WARD_LOG_TRUNCATED: return "block cut short by the end of the file (torn write)";
	case WARD_LOG_PAYLOAD_CRC: return "payload CRC mismatch";
	case WARD_LOG_ZSTD: return "zstd error";
	case WARD_LOG_RECORD_LENGTH: return "bad record length";
	case WARD_LOG_IO: return "read error";
	}
	return "unknown problem";
}

void ward_log_seg_hdr_encode(const struct ward_log_seg_hdr *h, uint8_t out[WARD_LOG_SEG_HDR_LEN])
{
	memset(out, 0, WARD_LOG_SEG_HDR_LEN);
	memcpy(out, WARD_LOG_SEG_MAGIC, WARD_LOG_SEG_MAGIC_LEN);
	put16(out + 8, WARD_LOG_VERSION);
	put16(out + 10, WARD_LOG_SEG_HDR_LEN);
	put32(out + 12, h->flags);
	put64(out + 16, h->created_ns);
	put64(out + 24, h->seq);
	memcpy(out + 32, h->boot_id, WARD_LOG_BOOT_ID_LEN);
	/* 48..59 reserved, zero */
	put32(out + 60, ward_crc32c(0, out, 60));
}

enum ward_log_fault ward_log_seg_hdr_decode(const uint8_t in[WARD_LOG_SEG_HDR_LEN],
					    struct ward_log_seg_hdr *h)
{
	if (memcmp(in, WARD_LOG_SEG_MAGIC, WARD_LOG_SEG_MAGIC_LEN) ||
	    get32(in + 60) != ward_crc32c(0, in, 60))
		return WARD_LOG_BAD_SEGMENT_HEADER;
	h->version = get16(in + 8);
	h->hdr_len = get16(in + 10);
	h->flags = get32(in + 12);
	h->created_ns = get64(in + 16);
	h->seq = get64(in + 24);
	memcpy(h->boot_id, in + 32, WARD_LOG_BOOT_ID_LEN);
	/* A later version may grow the header; this reader only knows version 1. */
	if (h->version != WARD_LOG_VERSION || h->hdr_len != WARD_LOG_SEG_HDR_LEN)
		return WARD_LOG_BAD_SEGMENT_HEADER;
	return WARD_LOG_OK;
}

void ward_log_blk_hdr_encode(const struct ward_log_blk_hdr *h, uint8_t out[WARD_LOG_BLK_HDR_LEN])
{
	memset(out, 0, WARD_LOG_BLK_HDR_LEN);
	memcpy(out, WARD_LOG_BLK_MAGIC, WARD_LOG_BLK_MAGIC_LEN);
	out[4] = h->codec;
	/* 5 reserved, zero */
	put16(out + 6, WARD_LOG_BLK_HDR_LEN);
	put32(out + 8, h->compressed_len);
	put32(out + 12, h->raw_len);
	put32(out + 16, h->count);
	put32(out + 20, h->payload_crc);
	put64(out + 24, h->first_ns);
	put64(out + 32, h->last_ns);
	/* 40..43 reserved, zero */
	put32(out + 44, ward_crc32c(0, out, 44));
}

enum ward_log_fault ward_log_blk_hdr_decode(const uint8_t in[WARD_LOG_BLK_HDR_LEN],
					    struct ward_log_blk_hdr *h)
{
	if (memcmp(in, WARD_LOG_BLK_MAGIC, WARD_LOG_BLK_MAGIC_LEN))
		return WARD_LOG_BAD_MAGIC;
	if (get32(in + 44) != ward_crc32c(0, in, 44))
		return WARD_LOG_HEADER_CRC;
	h->codec = in[4];
	h->hdr_len = get16(in + 6);
	h->compressed_len = get32(in + 8);
	h->raw_len = get32(in + 12);
	h->count = get32(in + 16);
	h->payload_crc = get32(in + 20);
	h->first_ns = get64(in + 24);
	h->last_ns = get64(in + 32);
	/* Every record takes at least its one-byte length, hence count <= raw_len. */
	if (h->codec != WARD_LOG_CODEC_ZSTD || h->hdr_len != WARD_LOG_BLK_HDR_LEN ||
	    !h->compressed_len || h->compressed_len > WARD_LOG_BLOCK_ZMAX ||
	    h->raw_len > WARD_LOG_BLOCK_RAW_MAX || !h->count || h->count > h->raw_len ||
	    h->first_ns > h->last_ns)
		return WARD_LOG_BAD_HEADER;
	return WARD_LOG_OK;
}

bool ward_log_payload_framing_ok(const uint8_t *raw, size_t raw_len, uint32_t count,
				 size_t *bad_off)
{
	size_t off = 0;

	for (uint32_t i = 0; i < count; i++) {
		uint64_t len;
		size_t n = ward_log_varint_get(raw + off, raw_len - off, &len);

		if (!n || len > WARD_LOG_RECORD_MAX || len > raw_len - off - n) {
			*bad_off = off;
			return false;
		}
		off += n + (size_t)len;
	}
	if (off != raw_len) {
		*bad_off = off;
		return false;
	}
	return true;
}
