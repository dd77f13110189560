// SPDX-License-Identifier: GPL-2.0
#include <stdint.h>
#include <string.h>

#include "lib/json.h"

/* Worst case per input byte: \u00xx or \udcxx. */
#define JSON_MAX_EXPANSION 6

enum json_class {
	JC_COPY = 0,	/* printable ASCII other than '"' and '\\' */
	JC_ESC,		/* needs a backslash escape */
	JC_HIGH,	/* >= 0x80: start of UTF-8, or a stray byte */
};

/*
 * One lookup per byte keeps the plain-ASCII run loop branch-light; file names and argv are
 * overwhelmingly in that class.
 */
#define R4(x) x, x, x, x
#define R16(x) R4(x), R4(x), R4(x), R4(x)
static const uint8_t json_class[256] = {
	R16(JC_ESC), R16(JC_ESC),				/* 0x00-0x1f */
	JC_COPY, JC_COPY, JC_ESC, JC_COPY, R4(JC_COPY), R4(JC_COPY), R4(JC_COPY), /* 0x20-0x2f */
	R16(JC_COPY),						/* 0x30-0x3f */
	R16(JC_COPY),						/* 0x40-0x4f */
	R4(JC_COPY), R4(JC_COPY), R4(JC_COPY),			/* 0x50-0x5b */
	JC_ESC, JC_COPY, JC_COPY, JC_COPY,			/* 0x5c-0x5f */
	R16(JC_COPY),						/* 0x60-0x6f */
	R4(JC_COPY), R4(JC_COPY), R4(JC_COPY),			/* 0x70-0x7b */
	JC_COPY, JC_COPY, JC_COPY, JC_ESC,			/* 0x7c-0x7f */
	R16(JC_HIGH), R16(JC_HIGH), R16(JC_HIGH), R16(JC_HIGH),	/* 0x80-0xbf */
	R16(JC_HIGH), R16(JC_HIGH), R16(JC_HIGH), R16(JC_HIGH),	/* 0xc0-0xff */
};
#undef R16
#undef R4

/* The letter after the backslash for the short escapes; 0 means use \u00xx. */
static const char json_short_esc[128] = {
	['"'] = '"', ['\\'] = '\\', ['\b'] = 'b', ['\f'] = 'f',
	['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't',
};

static const char hex_digits[16] = "0123456789abcdef";

/*
 * Length of the well-formed UTF-8 sequence at p (2, 3 or 4), or 0 if the byte at p does not
 * start one. The ranges are those of Unicode Table 3-7: the tight second-byte bounds after
 * E0, ED, F0 and F4 are what rule out overlongs, surrogates and code points above U+10FFFF.
 * An invalid sequence is escaped one byte at a time, which gives the same result as Python's
 * decoder escaping its "maximal subpart".
 */
static size_t utf8_len(const unsigned char *p, size_t left)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;	/* continuation byte, C0/C1 overlong lead, or F5..FF */
	}
	if (left < n)
		return 0;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void ward_json_str(struct ward_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	char *o;

	/*
	 * Reserve the worst case once so the loop writes without bounds checks; the buffer is
	 * reused across events, so this only allocates while it is still growing.
	 */
	if (b->oom || n > (WARD_BUF_MAX - 2) / JSON_MAX_EXPANSION ||
	    ward_buf_reserve(b, n * JSON_MAX_EXPANSION + 2) < 0) {
		b->oom = true;
		return;
	}

	o = b->data + b->len;
	*o++ = '"';
	while (p < end) {
		const unsigned char *run = p;
		unsigned char c;
		size_t len;

		while (p < end && json_class[*p] == JC_COPY)
			p++;
		memcpy(o, run, (size_t)(p - run));
		o += p - run;
		if (p == end)
			break;

		c = *p;
		if (json_class[c] == JC_ESC) {
			*o++ = '\\';
			if (json_short_esc[c]) {
				*o++ = json_short_esc[c];
			} else {
				memcpy(o, "u00", 3);
				o[3] = hex_digits[c >> 4];
				o[4] = hex_digits[c & 0xf];
				o += 5;
			}
			p++;
			continue;
		}

		len = utf8_len(p, (size_t)(end - p));
		if (len) {
			memcpy(o, p, len);
			o += len;
			p += len;
			continue;
		}
		memcpy(o, "\\udc", 4);
		o[4] = hex_digits[c >> 4];
		o[5] = hex_digits[c & 0xf];
		o += 6;
		p++;
	}
	*o++ = '"';
	*o = '\0';
	b->len = (size_t)(o - b->data);
}

void ward_json_key(struct ward_buf *b, const char *key)
{
	size_t n = strlen(key);

	if (b->oom || ward_buf_reserve(b, n + 3) < 0) {
		b->oom = true;
		return;
	}
	b->data[b->len] = '"';
	memcpy(b->data + b->len + 1, key, n);
	memcpy(b->data + b->len + 1 + n, "\":", 3);	/* includes the NUL */
	b->len += n + 3;
}
