/*
 * Output templates: "Shadow read by %process.exe (pid %{process.pid})".
 * Compiled once into literal pieces and field getters; rendered into the
 * engine's reused buffer. A field the event lacks is written <NA>, as Falco
 * does; a multi-valued field is written comma-separated.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "detect/rules_int.h"
#include "xdr_names.h"

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.';
}

static int add_seg(struct rtmpl *t, const char *lit, size_t len, const struct ward_field *f)
{
	struct rtmpl_seg *s = realloc(t->seg, (t->n + 1) * sizeof(*s));
	if (!s)
		return -ENOMEM;
	t->seg = s;
	s[t->n].lit = lit;
	s[t->n].len = len;
	s[t->n].field = f;
	t->n++;
	return 0;
}

int rtmpl_compile(struct rtmpl *t, const struct rfrag *src, struct rerrs *e)
{
	struct rtext one = { (struct rfrag *)src, 1 };
	const char *s;
	size_t n, i = 0, lit = 0;
	char *d;

	memset(t, 0, sizeof(*t));
	t->text = malloc(src->len + 1);
	if (!t->text)
		return -ENOMEM;
	s = src->text;
	n = src->len;
	d = t->text;
	/* literal bytes are copied to t->text with "%%" undone; segments point there */
	size_t dlen = 0;
	while (i < n) {
		if (s[i] != '%') {
			d[dlen++] = s[i++];
			continue;
		}
		if (i + 1 < n && s[i + 1] == '%') {
			d[dlen++] = '%';
			i += 2;
			continue;
		}
		size_t start = i, nb, ne;
		bool brace = i + 1 < n && s[i + 1] == '{';
		nb = ne = i + 1 + brace;
		while (ne < n && name_char(s[ne]))
			ne++;
		if (!brace)
			while (ne > nb && s[ne - 1] == '.') /* "... by %process.exe." */
				ne--;
		if (brace && (ne >= n || s[ne] != '}')) {
			struct rpos p = rtext_pos(&one, start);
			rerr(e, &p, "output: '%%{' is not closed by '}'");
			return 0;
		}
		const struct ward_field *f = ward_field_find(s + nb, ne - nb);
		if (!f) {
			struct rpos p = rtext_pos(&one, start);
			if (ne == nb)
				rerr(e, &p, "output: '%%' must be followed by a field name or '%%'");
			else
				rerr(e, &p, "output: unknown field '%.*s'", (int)(ne - nb), s + nb);
			return 0;
		}
		if (dlen > lit && add_seg(t, t->text + lit, dlen - lit, NULL))
			return -ENOMEM;
		if (add_seg(t, NULL, 0, f))
			return -ENOMEM;
		lit = dlen;
		i = ne + brace;
	}
	if (dlen > lit && add_seg(t, t->text + lit, dlen - lit, NULL))
		return -ENOMEM;
	d[dlen] = 0;
	return 0;
}

static void put_value(struct ward_buf *b, const struct ward_field *f, const struct ward_value *v)
{
	switch (f->type) {
	case WARD_FT_STR: ward_buf_put(b, v->s, v->len); break;
	case WARD_FT_BOOL: ward_buf_puts(b, v->b ? "true" : "false"); break;
	case WARD_FT_ACCESS: {
		const char *name = ward_access_type_name((unsigned int)v->n);
		if (name)
			ward_buf_puts(b, name);
		else
			ward_buf_put_i64(b, v->n);
		break;
	}
	case WARD_FT_EVENT: {
		const char *name = ward_event_type_name((unsigned int)v->n);
		if (name)
			ward_buf_puts(b, name);
		else
			ward_buf_put_i64(b, v->n);
		break;
	}
	case WARD_FT_INT:
		if (f->flags & WARD_FF_HEX) { /* as the contract writes addresses: no padding */
			char tmp[16];
			size_t n = 0;
			uint64_t x = (uint64_t)v->n;
			do {
				tmp[n++] = "0123456789abcdef"[x & 15];
				x >>= 4;
			} while (x);
			ward_buf_put(b, "0x", 2);
			while (n)
				ward_buf_putc(b, tmp[--n]);
		} else {
			ward_buf_put_i64(b, v->n);
		}
		break;
	}
}

void rtmpl_render(const struct rtmpl *t, struct ward_field_ctx *c, struct ward_buf *b)
{
	ward_buf_reset(b);
	for (size_t i = 0; i < t->n; i++) {
		const struct rtmpl_seg *s = &t->seg[i];
		struct ward_value v = { 0 };
		if (s->lit) {
			ward_buf_put(b, s->lit, s->len);
			continue;
		}
		bool any = false;
		for (size_t k = 0; ward_field_get(c, s->field->id, k, &v); k++) {
			if (any)
				ward_buf_putc(b, ',');
			put_value(b, s->field, &v);
			any = true;
			if (!(s->field->flags & WARD_FF_MULTI))
				break;
		}
		if (!any)
			ward_buf_put(b, "<NA>", 4);
	}
}

void rtmpl_free(struct rtmpl *t)
{
	free(t->text);
	free(t->seg);
	memset(t, 0, sizeof(*t));
}
