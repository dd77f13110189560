/*
 * The JSON member writers the formatters share (output_json.c,
 * output_footprint.c): each writes `"key":value,` and close_obj() turns the
 * last comma into the closing bracket. Internal to the output code.
 */
#ifndef WARD_OUTPUT_KEYS_H
#define WARD_OUTPUT_KEYS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "event.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/timefmt.h"

static inline void key_u64(struct ward_buf *b, const char *k, uint64_t v)
{
	ward_json_key(b, k);
	ward_buf_put_u64(b, v);
	ward_buf_putc(b, ',');
}

static inline void key_i64(struct ward_buf *b, const char *k, int64_t v)
{
	ward_json_key(b, k);
	ward_buf_put_i64(b, v);
	ward_buf_putc(b, ',');
}

static inline void key_null(struct ward_buf *b, const char *k)
{
	ward_json_key(b, k);
	ward_buf_put(b, "null,", 5);
}

/* s == NULL writes null */
static inline void key_str(struct ward_buf *b, const char *k, const char *s, size_t len)
{
	ward_json_key(b, k);
	if (s)
		ward_json_str(b, s, len);
	else
		ward_buf_put(b, "null", 4);
	ward_buf_putc(b, ',');
}

static inline void key_ref(struct ward_buf *b, const char *k, struct ward_str_ref r)
{
	key_str(b, k, r.s, r.len);
}

static inline void key_cstr(struct ward_buf *b, const char *k, const char *s)
{
	key_str(b, k, s, s ? strlen(s) : 0);
}

static inline void key_true(struct ward_buf *b, const char *k)
{
	ward_json_key(b, k);
	ward_buf_put(b, "true,", 5);
}

static inline void key_bool(struct ward_buf *b, const char *k, bool v)
{
	ward_json_key(b, k);
	ward_buf_puts(b, v ? "true," : "false,");
}

static inline void key_time(struct ward_buf *b, const char *k, uint64_t unix_ns)
{
	char t[WARD_TIME_LEN];
	size_t n = ward_time_rfc3339(unix_ns, t);
	ward_json_key(b, k);
	ward_buf_putc(b, '"');
	ward_buf_put(b, t, n);
	ward_buf_put(b, "\",", 2);
}

static inline void key_hex(struct ward_buf *b, const char *k, uint64_t v)
{
	ward_json_key(b, k);
	ward_buf_putc(b, '"');
	ward_buf_put_hex64(b, v);
	ward_buf_put(b, "\",", 2);
}

/* Replace the trailing comma of the last member with the closing char. */
static inline void close_obj(struct ward_buf *b, char c)
{
	if (b->len && b->data[b->len - 1] == ',')
		b->data[b->len - 1] = c;
	else
		ward_buf_putc(b, c);
}

#endif /* WARD_OUTPUT_KEYS_H */
