/* Errors, and the mapping from an offset in a condition back to the line
 * and column of the YAML file it came from. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "detect/rules_int.h"

void rerr_va(struct rerrs *e, const struct rpos *p, const char *fmt, va_list ap)
{
	struct ward_rules_error_list *l = e->out;
	e->count++;
	if (!l)
		return;
	if (l->n >= WARD_RULES_MAX_ERRORS) {
		l->dropped++;
		return;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct ward_rules_error *v = realloc(l->v, cap * sizeof(*v));
		if (!v) {
			e->oom = true;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	struct ward_rules_error *x = &l->v[l->n];
	x->file = strdup(p && p->file ? p->file : "");
	x->line = p ? p->line : 0;
	x->col = p ? p->col : 0;
	if (vasprintf(&x->msg, fmt, ap) < 0)
		x->msg = NULL;
	if (!x->file || !x->msg) {
		free(x->file);
		free(x->msg);
		e->oom = true;
		return;
	}
	l->n++;
}

void rerr(struct rerrs *e, const struct rpos *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rerr_va(e, p, fmt, ap);
	va_end(ap);
}

void ward_rules_errors_free(struct ward_rules_error_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].file);
		free(l->v[i].msg);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void ward_rules_error_format(const struct ward_rules_error *e, char *buf, size_t size)
{
	if (e->line)
		snprintf(buf, size, "%s:%u:%u: %s", e->file, e->line, e->col, e->msg);
	else
		snprintf(buf, size, "%s: %s", e->file, e->msg);
}

char *rtext_join(const struct rtext *t, size_t *len)
{
	size_t n = 0;
	for (size_t i = 0; i < t->n; i++)
		n += t->f[i].len + 1;
	char *s = malloc(n + 1), *p = s;
	if (!s)
		return NULL;
	for (size_t i = 0; i < t->n; i++) {
		if (i)
			*p++ = ' ';
		memcpy(p, t->f[i].text, t->f[i].len);
		p += t->f[i].len;
	}
	*p = 0;
	*len = (size_t)(p - s);
	return s;
}

static bool space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * YAML folds and unquotes scalars, so the value's bytes are not the file's.
 * Whitespace is all that folding changes: the k-th non-blank byte of the
 * value is the k-th non-blank byte of the scalar in the file (escapes in
 * double-quoted scalars can shift this; conditions rarely have any).
 */
static struct rpos frag_pos(const struct rfrag *f, size_t off)
{
	struct rpos r = { f->file, f->line, f->col };
	if (!f->raw) {
		r.col += (unsigned int)off;
		return r;
	}
	size_t k = 0;
	for (size_t i = 0; i < off && i < f->len; i++)
		k += !space(f->text[i]);
	bool after = off >= f->len || space(f->text[off]); /* the position after byte k-1 */
	size_t p = f->index;
	if (f->style == YAML_LITERAL_SCALAR_STYLE || f->style == YAML_FOLDED_SCALAR_STYLE) {
		while (p < f->raw_len && f->raw[p] != '\n')
			p++;
	} else if (f->style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
		   f->style == YAML_DOUBLE_QUOTED_SCALAR_STYLE) {
		p++;
	}
	if (!(after && k == 0)) {
		size_t want = after ? k - 1 : k, seen = 0;
		while (p < f->raw_len) {
			if (!space(f->raw[p])) {
				if (seen == want)
					break;
				seen++;
			}
			p++;
		}
		if (after && p < f->raw_len)
			p++;
	}
	for (size_t i = f->index; i < p && i < f->raw_len; i++) {
		if (f->raw[i] == '\n') {
			r.line++;
			r.col = 1;
		} else {
			r.col++;
		}
	}
	return r;
}

struct rpos rtext_pos(const struct rtext *t, size_t off)
{
	for (size_t i = 0; i < t->n; i++) {
		if (off <= t->f[i].len || i + 1 == t->n)
			return frag_pos(&t->f[i], off);
		off -= t->f[i].len + 1;
	}
	struct rpos none = { "", 0, 0 };
	return none;
}

void rtext_free(struct rtext *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->f[i].text);
	free(t->f);
	t->f = NULL;
	t->n = 0;
}
