// SPDX-License-Identifier: GPL-2.0
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/json.h"
#include "unit.h"

/* Encode in[0..n) and compare with the exact expected JSON text (a C literal). */
#define CHECK_JSON(in, n, expected) ({					\
	struct ward_buf b_;						\
	bool ok_;							\
	ward_buf_init(&b_);						\
	ward_json_str(&b_, (in), (n));					\
	ok_ = CHECK_EQ_MEM(b_.data, b_.len, expected, sizeof(expected) - 1); \
	ok_ &= CHECK(!b_.oom && b_.data[b_.len] == '\0');		\
	ward_buf_free(&b_);						\
	ok_;								\
})
#define CHECK_JSON_LIT(lit, expected) CHECK_JSON(lit, sizeof(lit) - 1, expected)

UNIT_TEST(empty_and_plain)
{
	CHECK_JSON_LIT("", "\"\"");
	CHECK_JSON_LIT("hello", "\"hello\"");
	CHECK_JSON_LIT("/usr/bin/env -i PATH=/bin sh -c 'x'",
		       "\"/usr/bin/env -i PATH=/bin sh -c 'x'\"");
	CHECK_JSON(NULL, 0, "\"\"");
}

UNIT_TEST(quote_and_backslash)
{
	CHECK_JSON_LIT("a\"b", "\"a\\\"b\"");
	CHECK_JSON_LIT("a\\b", "\"a\\\\b\"");
	CHECK_JSON_LIT("\"\\\"", "\"\\\"\\\\\\\"\"");
	/* '/' needs no escape and gets none */
	CHECK_JSON_LIT("</script>", "\"</script>\"");
}

UNIT_TEST(short_control_escapes)
{
	CHECK_JSON_LIT("\n", "\"\\n\"");
	CHECK_JSON_LIT("\t", "\"\\t\"");
	CHECK_JSON_LIT("\r", "\"\\r\"");
	CHECK_JSON_LIT("\b", "\"\\b\"");
	CHECK_JSON_LIT("\f", "\"\\f\"");
	CHECK_JSON_LIT("a\r\nb\tc", "\"a\\r\\nb\\tc\"");
}

UNIT_TEST(other_controls_use_u00xx)
{
	CHECK_JSON_LIT("\0", "\"\\u0000\"");
	CHECK_JSON_LIT("\x01", "\"\\u0001\"");
	CHECK_JSON_LIT("\x0b", "\"\\u000b\"");
	CHECK_JSON_LIT("\x1b[31m", "\"\\u001b[31m\"");
	CHECK_JSON_LIT("\x1f", "\"\\u001f\"");
	CHECK_JSON_LIT("\x7f", "\"\\u007f\"");
	CHECK_JSON_LIT("a\0b", "\"a\\u0000b\"");
}

/* The letter of JSON's two-character escape for c, or 0. */
static char short_escape(int c)
{
	static const char pairs[][2] = {
		{ '\n', 'n' }, { '\t', 't' }, { '\r', 'r' }, { '\b', 'b' }, { '\f', 'f' },
		{ '"', '"' }, { '\\', '\\' },
	};
	size_t k;

	for (k = 0; k < sizeof(pairs) / sizeof(pairs[0]); k++)
		if (c == pairs[k][0])
			return pairs[k][1];
	return 0;
}

/* Every ASCII byte alone, against the rules stated independently of the encoder's tables. */
UNIT_TEST(every_ascii_byte)
{
	int c, bad = 0;

	for (c = 0; c < 0x80; c++) {
		struct ward_buf b;
		char in = (char)c, want[16];

		if (short_escape(c))
			snprintf(want, sizeof(want), "\"\\%c\"", short_escape(c));
		else if (c < 0x20 || c == 0x7f)
			snprintf(want, sizeof(want), "\"\\u%04x\"", c);
		else
			snprintf(want, sizeof(want), "\"%c\"", c);
		ward_buf_init(&b);
		ward_json_str(&b, &in, 1);
		if (!CHECK_EQ_STR(b.data, want)) {
			fprintf(stderr, "    byte 0x%02x\n", c);
			bad++;
		}
		ward_buf_free(&b);
		if (bad > 3)
			break;
	}
}

UNIT_TEST(valid_utf8_passes_through)
{
	CHECK_JSON_LIT("\xc2\x80", "\"\xc2\x80\"");			/* U+0080 */
	CHECK_JSON_LIT("caf\xc3\xa9", "\"caf\xc3\xa9\"");		/* U+00E9 */
	CHECK_JSON_LIT("\xdf\xbf", "\"\xdf\xbf\"");			/* U+07FF */
	CHECK_JSON_LIT("\xe0\xa0\x80", "\"\xe0\xa0\x80\"");		/* U+0800 */
	CHECK_JSON_LIT("\xe2\x82\xac", "\"\xe2\x82\xac\"");		/* U+20AC */
	CHECK_JSON_LIT("\xed\x9f\xbf", "\"\xed\x9f\xbf\"");		/* U+D7FF */
	CHECK_JSON_LIT("\xee\x80\x80", "\"\xee\x80\x80\"");		/* U+E000 */
	CHECK_JSON_LIT("\xef\xbf\xbf", "\"\xef\xbf\xbf\"");		/* U+FFFF */
	CHECK_JSON_LIT("\xf0\x90\x80\x80", "\"\xf0\x90\x80\x80\"");	/* U+10000 */
	CHECK_JSON_LIT("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");	/* U+1F600 */
	CHECK_JSON_LIT("\xf3\xbf\xbf\xbf", "\"\xf3\xbf\xbf\xbf\"");	/* U+FFFFF */
	CHECK_JSON_LIT("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");	/* U+10FFFF */
	CHECK_JSON_LIT("/tmp/\xd1\x84\xd0\xb0\xd0\xb9\xd0\xbb "
		       "\xe6\x96\x87\"\xf0\x9f\x92\xa9\n",
		       "\"/tmp/\xd1\x84\xd0\xb0\xd0\xb9\xd0\xbb "
		       "\xe6\x96\x87\\\"\xf0\x9f\x92\xa9\\n\"");
}

UNIT_TEST(stray_bytes_use_surrogateescape)
{
	CHECK_JSON_LIT("\x80", "\"\\udc80\"");			/* lone continuation */
	CHECK_JSON_LIT("\xbf", "\"\\udcbf\"");
	CHECK_JSON_LIT("a\x80\x80z", "\"a\\udc80\\udc80z\"");
	CHECK_JSON_LIT("\xf5", "\"\\udcf5\"");			/* never a lead byte */
	CHECK_JSON_LIT("\xfe\xff", "\"\\udcfe\\udcff\"");
	CHECK_JSON_LIT("\xf5\x80\x80\x80", "\"\\udcf5\\udc80\\udc80\\udc80\"");
	CHECK_JSON_LIT("\xf8\x88\x80\x80\x80", "\"\\udcf8\\udc88\\udc80\\udc80\\udc80\"");
}

UNIT_TEST(overlongs_are_escaped)
{
	CHECK_JSON_LIT("\xc0\x80", "\"\\udcc0\\udc80\"");		/* overlong NUL */
	CHECK_JSON_LIT("\xc0\xaf", "\"\\udcc0\\udcaf\"");		/* overlong '/' */
	CHECK_JSON_LIT("\xc1\xbf", "\"\\udcc1\\udcbf\"");
	CHECK_JSON_LIT("\xe0\x80\xaf", "\"\\udce0\\udc80\\udcaf\"");
	CHECK_JSON_LIT("\xe0\x9f\xbf", "\"\\udce0\\udc9f\\udcbf\"");	/* U+07FF in 3 bytes */
	CHECK_JSON_LIT("\xf0\x80\x80\xaf", "\"\\udcf0\\udc80\\udc80\\udcaf\"");
	/* U+FFFF in 4 bytes */
	CHECK_JSON_LIT("\xf0\x8f\xbf\xbf", "\"\\udcf0\\udc8f\\udcbf\\udcbf\"");
}

UNIT_TEST(encoded_surrogates_are_escaped)
{
	CHECK_JSON_LIT("\xed\xa0\x80", "\"\\udced\\udca0\\udc80\"");	/* U+D800 */
	CHECK_JSON_LIT("\xed\xbf\xbf", "\"\\udced\\udcbf\\udcbf\"");	/* U+DFFF */
	/* a CESU-8 pair for U+1F600 is two encoded surrogates, not a character */
	CHECK_JSON_LIT("\xed\xa0\xbd\xed\xb8\x80",
		       "\"\\udced\\udca0\\udcbd\\udced\\udcb8\\udc80\"");
}

UNIT_TEST(above_u10ffff_is_escaped)
{
	CHECK_JSON_LIT("\xf4\x90\x80\x80", "\"\\udcf4\\udc90\\udc80\\udc80\"");
	CHECK_JSON_LIT("\xf7\xbf\xbf\xbf", "\"\\udcf7\\udcbf\\udcbf\\udcbf\"");
}

UNIT_TEST(truncated_sequences_are_escaped)
{
	CHECK_JSON_LIT("\xc3", "\"\\udcc3\"");
	CHECK_JSON_LIT("\xe2\x82", "\"\\udce2\\udc82\"");
	CHECK_JSON_LIT("\xf0\x9f\x98", "\"\\udcf0\\udc9f\\udc98\"");
	CHECK_JSON_LIT("\xe2\x82" "A", "\"\\udce2\\udc82A\"");
	CHECK_JSON_LIT("\xf0\x9f" "\n", "\"\\udcf0\\udc9f\\n\"");
	/* a broken lead followed by a good character: only the broken byte is escaped */
	CHECK_JSON_LIT("\xc3\xc3\xa9", "\"\\udcc3\xc3\xa9\"");
	CHECK_JSON_LIT("\xe2\xf0\x9f\x98\x80", "\"\\udce2\xf0\x9f\x98\x80\"");
	/* the length given wins over the bytes that follow in memory */
	CHECK_JSON("\xc3\xa9", 1, "\"\\udcc3\"");
}

UNIT_TEST(appends_to_existing_content_and_key)
{
	struct ward_buf b;

	ward_buf_init(&b);
	ward_buf_putc(&b, '{');
	ward_json_key(&b, "path");
	ward_json_str(&b, "/etc/passwd", 11);
	ward_buf_putc(&b, ',');
	ward_json_key(&b, "argv0");
	ward_json_str(&b, "\xff" "x", 2);
	ward_buf_putc(&b, '}');
	CHECK_EQ_STR(b.data, "{\"path\":\"/etc/passwd\",\"argv0\":\"\\udcffx\"}");
	CHECK(!b.oom);

	ward_buf_reset(&b);
	ward_json_key(&b, "");
	CHECK_EQ_STR(b.data, "\"\":");
	ward_buf_free(&b);
}

UNIT_TEST(no_allocation_once_grown)
{
	char in[512];
	struct ward_buf b;
	char *data;
	int i;

	memset(in, '\x01', sizeof(in));	/* worst case: 6 bytes out per byte in */
	ward_buf_init(&b);
	ward_json_str(&b, in, sizeof(in));
	CHECK_EQ_INT(b.len, sizeof(in) * 6 + 2);
	data = b.data;
	for (i = 0; i < 100; i++) {
		ward_buf_reset(&b);
		ward_json_str(&b, in, sizeof(in));
	}
	CHECK(b.data == data);
	ward_buf_free(&b);
}

UNIT_TEST(oom_drops_and_sets_flag)
{
	struct ward_buf b;

	ward_buf_init(&b);
	ward_json_str(&b, "a", 1);
	ward_json_str(&b, "never read", WARD_BUF_MAX);
	CHECK(b.oom);
	ward_json_str(&b, "b", 1);
	ward_json_key(&b, "k");
	CHECK_EQ_STR(b.data, "\"a\"");
	ward_buf_free(&b);
}

/*
 * Reverse the encoding (JSON unescape plus surrogateescape) and require the input back, over
 * pseudo-random strings built from the interesting pieces. Raw non-ASCII in the output must
 * be well-formed UTF-8, checked here with a decoder written independently of the encoder's.
 */
static bool decode_utf8(const unsigned char *p, size_t left, size_t *len)
{
	uint32_t cp, min;
	size_t n, i;

	if (p[0] < 0x80)
		return false;
	else if ((p[0] & 0xe0) == 0xc0)
		n = 2, cp = p[0] & 0x1f, min = 0x80;
	else if ((p[0] & 0xf0) == 0xe0)
		n = 3, cp = p[0] & 0x0f, min = 0x800;
	else if ((p[0] & 0xf8) == 0xf0)
		n = 4, cp = p[0] & 0x07, min = 0x10000;
	else
		return false;
	if (left < n)
		return false;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return false;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	*len = n;
	return cp >= min && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Returns the decoded length, or -1 (with a message) if out is not what the encoder promises. */
static long unescape(const char *out, size_t n, unsigned char *dst)
{
	const unsigned char *p = (const unsigned char *)out, *end = p + n;
	long len = 0;
	size_t u;

	if (n < 2 || p[0] != '"' || end[-1] != '"')
		return -1;
	for (p++, end--; p < end;) {
		if (*p == '"' || *p < 0x20 || *p == 0x7f)
			return -1;
		if (*p >= 0x80) {
			if (!decode_utf8(p, (size_t)(end - p), &u))
				return -1;
			memcpy(dst + len, p, u);
			len += (long)u;
			p += u;
			continue;
		}
		if (*p != '\\') {
			dst[len++] = *p++;
			continue;
		}
		if (end - p < 2)
			return -1;
		switch (p[1]) {
		case '"': case '\\':
			dst[len++] = p[1];
			p += 2;
			continue;
		case 'n': dst[len++] = '\n'; p += 2; continue;
		case 't': dst[len++] = '\t'; p += 2; continue;
		case 'r': dst[len++] = '\r'; p += 2; continue;
		case 'b': dst[len++] = '\b'; p += 2; continue;
		case 'f': dst[len++] = '\f'; p += 2; continue;
		case 'u':
			if (end - p < 6 || hexval((char)p[4]) < 0 || hexval((char)p[5]) < 0)
				return -1;
			if (!memcmp(p + 2, "00", 2)) {
				/* only for bytes that have no short form */
				u = (size_t)(hexval((char)p[4]) << 4 | hexval((char)p[5]));
				if ((u >= 0x20 && u != 0x7f) || u == '\n' || u == '\t' ||
				    u == '\r' || u == '\b' || u == '\f')
					return -1;
			} else if (!memcmp(p + 2, "dc", 2)) {
				u = (size_t)(hexval((char)p[4]) << 4 | hexval((char)p[5]));
				if (u < 0x80)
					return -1;
			} else {
				return -1;
			}
			dst[len++] = (unsigned char)u;
			p += 6;
			continue;
		default:
			return -1;
		}
	}
	return len;
}

UNIT_TEST(round_trip_random_strings)
{
	static const char *const pieces[] = {
		"a", "/etc/", " ", "\"", "\\", "\n", "\x01", "\x7f", "\x80", "\xbf", "\xc0",
		"\xc3", "\xc3\xa9", "\xe2", "\xe2\x82", "\xe2\x82\xac", "\xed\xa0\x80",
		"\xed\x9f\xbf", "\xf0", "\xf0\x9f", "\xf0\x9f\x98", "\xf0\x9f\x98\x80",
		"\xf4\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5", "\xff", "\0",
	};
	const size_t npieces = sizeof(pieces) / sizeof(pieces[0]);
	unsigned char in[256], dec[256];
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	struct ward_buf b;
	int iter, bad = 0;

	ward_buf_init(&b);
	for (iter = 0; iter < 20000 && bad < 3; iter++) {
		size_t n = 0;
		long d;

		while (n < sizeof(in) - 8) {
			size_t k, pl;

			seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
			if (seed % 7 == 0)
				break;
			if (seed % 5 == 0) {	/* raw random byte */
				in[n++] = (unsigned char)(seed >> 24);
				continue;
			}
			k = (size_t)(seed >> 32) % npieces;
			pl = pieces[k][0] ? strlen(pieces[k]) : 1;
			memcpy(in + n, pieces[k], pl);
			n += pl;
		}
		ward_buf_reset(&b);
		ward_json_str(&b, (const char *)in, n);
		d = unescape(b.data, b.len, dec);
		if (!CHECK(d >= 0) || !CHECK_EQ_MEM(dec, (size_t)d, in, n)) {
			unit_print_mem("json", b.data, b.len);
			bad++;
		}
	}
	ward_buf_free(&b);
}

UNIT_MAIN()
