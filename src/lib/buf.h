/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A growable byte buffer, meant to be reset and reused for every event so that the output path
 * stops allocating once the buffer has grown to the largest event seen.
 *
 * Out of memory: the put functions never fail loudly. If they cannot grow the buffer they set
 * the sticky flag b->oom and drop the bytes, and every later put is dropped too, so the buffer
 * holds a truncated prefix rather than text with a hole in the middle. Check b->oom once, after
 * the whole record is built, and discard the record if it is set. ward_buf_reset() clears it.
 */
#ifndef WARD_LIB_BUF_H
#define WARD_LIB_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Largest content a buffer may hold. Nothing ward serialises comes near it; a request beyond it
 * is a bug or a hostile input and fails like an allocation failure instead of asking malloc for
 * an absurd size.
 */
#define WARD_BUF_MAX ((size_t)1 << 30)

struct ward_buf {
	char *data;	/* NULL until the first reserve; then NUL-terminated at data[len] */
	size_t len;	/* bytes of content, not counting the terminating NUL */
	size_t cap;	/* bytes allocated, including room for the NUL */
	bool oom;	/* sticky: a put was dropped since the last reset */
};

void ward_buf_init(struct ward_buf *b);
void ward_buf_free(struct ward_buf *b);

/* Keeps the allocation; also forgets an earlier out-of-memory so the next record can be built. */
static inline void ward_buf_reset(struct ward_buf *b)
{
	b->len = 0;
	b->oom = false;
	if (b->data)
		b->data[0] = '\0';
}

/* The content as a C string, "" before anything was written. */
static inline const char *ward_buf_cstr(const struct ward_buf *b)
{
	return b->data ? b->data : "";
}

int ward_buf_reserve(struct ward_buf *b, size_t extra);
void ward_buf_put(struct ward_buf *b, const void *s, size_t n);
void ward_buf_putc(struct ward_buf *b, char c);
void ward_buf_puts(struct ward_buf *b, const char *s);
void ward_buf_put_u64(struct ward_buf *b, uint64_t v);
void ward_buf_put_i64(struct ward_buf *b, int64_t v);
void ward_buf_put_hex64(struct ward_buf *b, uint64_t v);

#endif /* WARD_LIB_BUF_H */
