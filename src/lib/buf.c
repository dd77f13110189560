// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

/* Small enough not to matter, large enough that short records never reallocate twice. */
#define WARD_BUF_MIN_CAP 256

void ward_buf_init(struct ward_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->oom = false;
}

void ward_buf_free(struct ward_buf *b)
{
	if (!b)
		return;
	free(b->data);
	ward_buf_init(b);
}

/*
 * Make room for extra more bytes plus the NUL. On success the content is NUL-terminated, so a
 * caller that writes into data + len directly only has to move the terminator.
 */
int ward_buf_reserve(struct ward_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > WARD_BUF_MAX || b->len + extra > WARD_BUF_MAX)
		return -ENOMEM;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;

	/* Doubling keeps appends amortised O(1); the clamp keeps the cap within WARD_BUF_MAX. */
	cap = b->cap ? b->cap : WARD_BUF_MIN_CAP;
	while (cap < need)
		cap *= 2;
	if (cap > WARD_BUF_MAX + 1)
		cap = WARD_BUF_MAX + 1;

	p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	b->data[b->len] = '\0';
	return 0;
}

/* Returns false when the bytes must be dropped; see the out-of-memory note in buf.h. */
static bool buf_room(struct ward_buf *b, size_t n)
{
	if (b->oom)
		return false;
	if (ward_buf_reserve(b, n) < 0) {
		b->oom = true;
		return false;
	}
	return true;
}

void ward_buf_put(struct ward_buf *b, const void *s, size_t n)
{
	if (!buf_room(b, n))
		return;
	/* n == 0 may come with s == NULL, which memcpy does not allow. */
	if (n)
		memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void ward_buf_putc(struct ward_buf *b, char c)
{
	if (!buf_room(b, 1))
		return;
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

void ward_buf_puts(struct ward_buf *b, const char *s)
{
	ward_buf_put(b, s, strlen(s));
}

void ward_buf_put_u64(struct ward_buf *b, uint64_t v)
{
	char tmp[20];	/* UINT64_MAX has 20 digits */
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	ward_buf_put(b, tmp + i, sizeof(tmp) - i);
}

void ward_buf_put_i64(struct ward_buf *b, int64_t v)
{
	if (v < 0) {
		ward_buf_putc(b, '-');
		/* Negate in unsigned arithmetic: -INT64_MIN does not fit in int64_t. */
		ward_buf_put_u64(b, (uint64_t)0 - (uint64_t)v);
		return;
	}
	ward_buf_put_u64(b, (uint64_t)v);
}

void ward_buf_put_hex64(struct ward_buf *b, uint64_t v)
{
	static const char hex[16] = "0123456789abcdef";
	char tmp[16];
	int i;

	for (i = 15; i >= 0; i--) {
		tmp[i] = hex[v & 0xf];
		v >>= 4;
	}
	ward_buf_put(b, tmp, sizeof(tmp));
}
