/* The event log's building blocks: CRC32C, headers, varints, segment names, --since/--type. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/crc32c.h"
#include "store/log_dir.h"
#include "store/log_format.h"
#include "store/log_query.h"
#include "unit.h"
#include "ward/xdr_types.h"

UNIT_TEST(crc32c_known_values)
{
	uint8_t zeros[32] = { 0 }, ones[32];
	uint8_t buf[1000];

	memset(ones, 0xff, sizeof(ones));
	CHECK_EQ_INT(ward_crc32c(0, "123456789", 9), 0xe3069283);
	/* RFC 3720 (iSCSI) B.4 test vectors */
	CHECK_EQ_INT(ward_crc32c(0, zeros, 32), 0x8a9136aa);
	CHECK_EQ_INT(ward_crc32c(0, ones, 32), 0x62a8ab43);
	CHECK_EQ_INT(ward_crc32c(0, "", 0), 0);
	/* continuing equals the whole, at every split and alignment */
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	uint32_t whole = ward_crc32c(0, buf + 1, sizeof(buf) - 1);
	int bad = 0;
	for (size_t cut = 0; cut < sizeof(buf) - 1; cut++)
		if (ward_crc32c(ward_crc32c(0, buf + 1, cut), buf + 1 + cut, sizeof(buf) - 1 - cut) != whole)
			bad++;
	CHECK_EQ_INT(bad, 0);
}

UNIT_TEST(block_header_round_trip_and_every_flip_detected)
{
	struct ward_log_blk_hdr h = {
		.codec = WARD_LOG_CODEC_ZSTD, .compressed_len = 1234, .raw_len = 5678, .count = 99,
		.payload_crc = 0xdeadbeef, .first_ns = 1000, .last_ns = 2000,
	}, g;
	uint8_t b[WARD_LOG_BLK_HDR_LEN];

	ward_log_blk_hdr_encode(&h, b);
	CHECK(!memcmp(b, "WBLK", 4));
	CHECK_EQ_INT(ward_log_blk_hdr_decode(b, &g), WARD_LOG_OK);
	CHECK_EQ_INT(g.compressed_len, 1234);
	CHECK_EQ_INT(g.raw_len, 5678);
	CHECK_EQ_INT(g.count, 99);
	CHECK_EQ_INT(g.payload_crc, 0xdeadbeef);
	CHECK_EQ_INT(g.first_ns, 1000);
	CHECK_EQ_INT(g.last_ns, 2000);
	/* little endian on disk, independent of the host */
	CHECK_EQ_INT(b[8], 1234 & 0xff);
	CHECK_EQ_INT(b[9], 1234 >> 8);
	int missed = 0;
	for (size_t i = 0; i < sizeof(b); i++)
		for (int bit = 0; bit < 8; bit++) {
			b[i] ^= (uint8_t)(1 << bit);
			enum ward_log_fault f = ward_log_blk_hdr_decode(b, &g);
			if (f != (i < 4 ? WARD_LOG_BAD_MAGIC : WARD_LOG_HEADER_CRC))
				missed++;
			b[i] ^= (uint8_t)(1 << bit);
		}
	CHECK_EQ_INT(missed, 0);
	/* a checksummed header with impossible fields is still refused */
	h.count = 6000;	/* more records than bytes */
	ward_log_blk_hdr_encode(&h, b);
	CHECK_EQ_INT(ward_log_blk_hdr_decode(b, &g), WARD_LOG_BAD_HEADER);
	h.count = 1;
	h.compressed_len = WARD_LOG_BLOCK_ZMAX + 1;
	ward_log_blk_hdr_encode(&h, b);
	CHECK_EQ_INT(ward_log_blk_hdr_decode(b, &g), WARD_LOG_BAD_HEADER);
}

UNIT_TEST(segment_header_round_trip)
{
	struct ward_log_seg_hdr h = { .created_ns = 1795000000123456789ull, .seq = 42 }, g;
	uint8_t b[WARD_LOG_SEG_HDR_LEN];

	memset(h.boot_id, 0xab, sizeof(h.boot_id));
	ward_log_seg_hdr_encode(&h, b);
	CHECK(!memcmp(b, "WARDLOG\0", 8));
	CHECK_EQ_INT(ward_log_seg_hdr_decode(b, &g), WARD_LOG_OK);
	CHECK_EQ_INT(g.created_ns, 1795000000123456789ull);
	CHECK_EQ_INT(g.seq, 42);
	CHECK_EQ_INT(g.version, 1);
	CHECK_EQ_MEM(g.boot_id, 16, h.boot_id, 16);
	b[20] ^= 1;
	CHECK_EQ_INT(ward_log_seg_hdr_decode(b, &g), WARD_LOG_BAD_SEGMENT_HEADER);
}

UNIT_TEST(varint_and_framing)
{
	uint8_t b[16], raw[64];
	uint64_t v;
	size_t off;

	CHECK_EQ_INT(ward_log_varint_put(b, 0), 1);
	CHECK_EQ_INT(ward_log_varint_put(b, 127), 1);
	CHECK_EQ_INT(ward_log_varint_put(b, 128), 2);
	CHECK_EQ_INT(b[0], 0x80);
	CHECK_EQ_INT(b[1], 0x01);
	CHECK_EQ_INT(ward_log_varint_put(b, UINT64_MAX), 10);
	CHECK_EQ_INT(ward_log_varint_get(b, 10, &v), 10);
	CHECK(v == UINT64_MAX);
	CHECK_EQ_INT(ward_log_varint_get(b, 9, &v), 0);	/* cut short */
	memset(b, 0x80, sizeof(b));
	CHECK_EQ_INT(ward_log_varint_get(b, sizeof(b), &v), 0);	/* longer than 10 */

	/* "ab", "", "xyz" */
	memcpy(raw, "\002ab\000\003xyz", 8);
	CHECK(ward_log_payload_framing_ok(raw, 8, 3, &off));
	CHECK(!ward_log_payload_framing_ok(raw, 8, 2, &off));	/* bytes left over */
	CHECK_EQ_INT(off, 4);
	CHECK(!ward_log_payload_framing_ok(raw, 8, 4, &off));	/* one record missing */
	CHECK_EQ_INT(off, 8);
	raw[4] = 9;	/* "xyz" claims 9 bytes */
	CHECK(!ward_log_payload_framing_ok(raw, 8, 3, &off));
	CHECK_EQ_INT(off, 4);
}

UNIT_TEST(segment_names)
{
	char name[WARD_LOG_NAME_MAX];
	struct ward_log_seg_name s;

	/* 2026-11-23T12:00:00Z */
	ward_log_seg_name_format(name, 1795435200ull * 1000000000ull + 999, 42);
	CHECK_EQ_STR(name, "ward-20261123T120000Z-00000042.wlog");
	CHECK_EQ_INT(ward_log_seg_name_parse(name, &s), 0);
	CHECK_EQ_INT(s.seq, 42);
	CHECK_EQ_INT(s.start_ns, 1795435200ull * 1000000000ull);
	CHECK_EQ_INT(ward_log_seg_name_parse("ward-20261123T120000Z-123456789012.wlog", &s), 0);
	CHECK_EQ_INT(s.seq, 123456789012ull);
	CHECK_EQ_INT(ward_log_seg_name_parse("ward-20261123T120000Z-0042.wlog.tmp", &s), -EINVAL);
	CHECK_EQ_INT(ward_log_seg_name_parse("ward-20261323T120000Z-1.wlog", &s), -EINVAL);
	CHECK_EQ_INT(ward_log_seg_name_parse("ward-20261123T120000Z-.wlog", &s), -EINVAL);
	CHECK_EQ_INT(ward_log_seg_name_parse("ward-20261123T120000Z-1x.wlog", &s), -EINVAL);
	CHECK_EQ_INT(ward_log_seg_name_parse("other.wlog", &s), -EINVAL);
}

UNIT_TEST(query_types_and_times)
{
	struct ward_log_query q = { 0 };
	struct ward_pb_meta open = { .time_ns = 500, .event_type = XDR_EVENT_FILE,
				     .access_type = XDR_FILE_OPEN };
	struct ward_pb_meta exec = { .time_ns = 500, .event_type = XDR_EVENT_PROCESS,
				     .access_type = XDR_PROCESS_EXECUTE };
	struct ward_pb_meta untyped = { .time_ns = 0 };

	CHECK(ward_log_query_match(&q, &open, 0, 1000));
	CHECK(ward_log_query_match(&q, NULL, 0, 1000));
	CHECK_EQ_INT(ward_log_query_add_type(&q, "file_open"), 0);
	CHECK_EQ_INT(ward_log_query_add_type(&q, "NOT_A_TYPE"), -EINVAL);
	CHECK(ward_log_query_match(&q, &open, 0, 1000));
	CHECK(!ward_log_query_match(&q, &exec, 0, 1000));
	CHECK(!ward_log_query_match(&q, &untyped, 0, 1000));
	CHECK(!ward_log_query_match(&q, NULL, 0, 1000));
	CHECK_EQ_INT(ward_log_query_add_type(&q, "PROCESS"), 0);
	CHECK(ward_log_query_match(&q, &exec, 0, 1000));
	/* event type derived from the access type when the codec gives only the latter */
	exec.event_type = 0;
	CHECK(ward_log_query_match(&q, &exec, 0, 1000));

	struct ward_log_query w = { .since_ns = 400, .until_ns = 600 };
	CHECK(ward_log_query_match(&w, &open, 0, 1000));
	open.time_ns = 400;
	CHECK(ward_log_query_match(&w, &open, 0, 1000));	/* inclusive */
	open.time_ns = 399;
	CHECK(!ward_log_query_match(&w, &open, 0, 1000));
	open.time_ns = 601;
	CHECK(!ward_log_query_match(&w, &open, 0, 1000));
	/* no time of its own: the block's range decides */
	CHECK(ward_log_query_match(&w, &untyped, 100, 450));
	CHECK(!ward_log_query_match(&w, &untyped, 100, 399));
	for (int i = 0; i < WARD_LOG_QUERY_MAX_TYPES - 2; i++)
		ward_log_query_add_type(&q, "FILE");
	CHECK_EQ_INT(ward_log_query_add_type(&q, "FILE"), -E2BIG);
}

UNIT_MAIN()
