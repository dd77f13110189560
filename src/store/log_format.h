/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The event log's on-disk format (docs/log.md describes it byte by byte). Everything is little
 * endian and written field by field, never as a C struct, so the format does not depend on the
 * compiler's padding. Only src/store/log_*.c include this header.
 *
 *   segment = segment header (64 bytes) then blocks, back to back
 *   block   = block header (48 bytes) then payload (compressed_len bytes)
 *   payload = zstd frame of: (varint length, record bytes) * record_count
 */
#ifndef WARD_STORE_LOG_FORMAT_H
#define WARD_STORE_LOG_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WARD_LOG_SEG_MAGIC "WARDLOG\0"	/* 8 bytes, the NUL included */
#define WARD_LOG_SEG_MAGIC_LEN 8
#define WARD_LOG_VERSION 1
#define WARD_LOG_SEG_HDR_LEN 64
#define WARD_LOG_BOOT_ID_LEN 16

/* "WBLK": what the reader searches for to resynchronize after a damaged block. */
#define WARD_LOG_BLK_MAGIC "WBLK"
#define WARD_LOG_BLK_MAGIC_LEN 4
#define WARD_LOG_BLK_HDR_LEN 48
#define WARD_LOG_CODEC_ZSTD 1

/*
 * Limits a reader enforces before it allocates or decompresses anything, so a damaged or hostile
 * file cannot make it ask for gigabytes. A record is one event, alert or stats message: far
 * below 1 MiB. A block holds up to the writer's block size (at most 16 MiB) plus one record.
 */
#define WARD_LOG_RECORD_MAX (1u << 20)
#define WARD_LOG_BLOCK_RAW_MAX ((16u << 20) + WARD_LOG_RECORD_MAX + 16)
/* Above ZSTD_compressBound(WARD_LOG_BLOCK_RAW_MAX), about RAW_MAX * 1.004 + 64 KiB. */
#define WARD_LOG_BLOCK_ZMAX (WARD_LOG_BLOCK_RAW_MAX + (WARD_LOG_BLOCK_RAW_MAX >> 7) + (128u << 10))
#define WARD_LOG_VARINT_MAX 10

struct ward_log_seg_hdr {
	uint16_t version;
	uint16_t hdr_len;
	uint32_t flags;
	uint64_t created_ns;	/* wall clock (unix ns) when the segment was created */
	uint64_t seq;		/* segment sequence number; the order of segments */
	uint8_t boot_id[WARD_LOG_BOOT_ID_LEN];	/* the host boot that wrote it, zeros if unknown */
};

struct ward_log_blk_hdr {
	uint8_t codec;
	uint16_t hdr_len;
	uint32_t compressed_len;
	uint32_t raw_len;
	uint32_t count;
	uint32_t payload_crc;
	uint64_t first_ns;	/* earliest record time in the block */
	uint64_t last_ns;	/* latest record time in the block */
};

/* What is wrong with a segment or block; docs/log.md lists them. */
enum ward_log_fault {
	WARD_LOG_OK = 0,
	WARD_LOG_BAD_SEGMENT_HEADER,	/* no segment magic, unknown version or header CRC */
	WARD_LOG_BAD_MAGIC,		/* no block magic where a block should start */
	WARD_LOG_HEADER_CRC,		/* block header checksum mismatch */
	WARD_LOG_BAD_HEADER,		/* checksum fine, fields out of bounds (unknown codec, sizes) */
	WARD_LOG_TRUNCATED,		/* the file ends inside the block: a torn write */
	WARD_LOG_PAYLOAD_CRC,		/* payload checksum mismatch */
	WARD_LOG_ZSTD,			/* payload does not decompress to raw_len bytes */
	WARD_LOG_RECORD_LENGTH,		/* record framing does not add up to count and raw_len */
	WARD_LOG_IO,			/* the file could not be read */
};

/* A short, fixed description such as "payload CRC mismatch". */
const char *ward_log_fault_name(enum ward_log_fault f);

void ward_log_seg_hdr_encode(const struct ward_log_seg_hdr *h, uint8_t out[WARD_LOG_SEG_HDR_LEN]);
/* WARD_LOG_OK or WARD_LOG_BAD_SEGMENT_HEADER. */
enum ward_log_fault ward_log_seg_hdr_decode(const uint8_t in[WARD_LOG_SEG_HDR_LEN],
					    struct ward_log_seg_hdr *h);

void ward_log_blk_hdr_encode(const struct ward_log_blk_hdr *h, uint8_t out[WARD_LOG_BLK_HDR_LEN]);
/* WARD_LOG_OK, WARD_LOG_BAD_MAGIC, WARD_LOG_HEADER_CRC or WARD_LOG_BAD_HEADER. */
enum ward_log_fault ward_log_blk_hdr_decode(const uint8_t in[WARD_LOG_BLK_HDR_LEN],
					    struct ward_log_blk_hdr *h);

/* Appends v as a protobuf-style varint at p; returns the bytes written (1 to 10). */
static inline size_t ward_log_varint_put(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/* Reads a varint from p[0..n); returns its length, 0 if it is cut short or longer than 10 bytes. */
static inline size_t ward_log_varint_get(const uint8_t *p, size_t n, uint64_t *v)
{
	uint64_t r = 0;

	for (size_t i = 0; i < n && i < WARD_LOG_VARINT_MAX; i++) {
		r |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			*v = r;
			return i + 1;
		}
	}
	return 0;
}

/*
 * Checks that raw[0..raw_len) is exactly count framed records, each at most
 * WARD_LOG_RECORD_MAX bytes. On failure *bad_off is the payload offset of the first bad length.
 */
bool ward_log_payload_framing_ok(const uint8_t *raw, size_t raw_len, uint32_t count,
				 size_t *bad_off);

#endif /* WARD_STORE_LOG_FORMAT_H */
