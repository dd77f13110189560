/*
 * Tokens -> syntax tree, by recursive descent:
 *
 *   expr    := and ('or' and)*
 *   and     := unary ('and' unary)*
 *   unary   := 'not' unary | primary
 *   primary := '(' expr ')' | NAME | NAME OP value | NAME 'exists'
 *   value   := WORD | STRING | '(' [item (',' item)*] ')'
 *
 * NAME alone is a macro or a bool field. Nesting is bounded, so a hostile
 * condition cannot exhaust the stack. The first error ends the parse.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/rules_int.h"

struct parser {
	struct rlex lx;
	struct rtok tok;
	const struct rtext *t;
	struct rerrs *e;
	bool failed;
	unsigned int depth;
};

static const char *const op_words[] = {
	"in", "startswith", "endswith", "contains", "icontains", "glob", "exists",
	"in_domain", "in_cidr",
};

static bool tok_is(const struct rtok *k, const char *w)
{
	return k->kind == TK_WORD && k->len == strlen(w) && !memcmp(k->s, w, k->len);
}

static bool is_op_word(const struct rtok *k)
{
	for (size_t i = 0; i < sizeof(op_words) / sizeof(op_words[0]); i++)
		if (tok_is(k, op_words[i]))
			return true;
	return false;
}

static bool is_ident(const struct rtok *k)
{
	if (k->kind != TK_WORD || !k->len)
		return false;
	char c = k->s[0];
	if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'))
		return false;
	for (size_t i = 1; i < k->len; i++) {
		c = k->s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

static void next(struct parser *p)
{
	p->tok = rlex_next(&p->lx);
}

static struct rpos pos_of(struct parser *p, size_t off)
{
	return rtext_pos(p->t, off);
}

__attribute__((format(printf, 3, 4)))
static void *fail(struct parser *p, size_t off, const char *fmt, ...)
{
	if (!p->failed) {
		struct rpos pos = pos_of(p, off);
		va_list ap;
		va_start(ap, fmt);
		rerr_va(p->e, &pos, fmt, ap);
		va_end(ap);
	}
	p->failed = true;
	return NULL;
}

static void *nomem(struct parser *p)
{
	p->e->oom = true;
	p->failed = true;
	return NULL;
}

/* "'X'" for the current token, or "the end of the condition". */
static const char *tok_desc(struct parser *p, char *buf, size_t n)
{
	if (p->tok.kind == TK_EOF)
		return "the end of the condition";
	size_t len = p->tok.len > 40 ? 40 : p->tok.len;
	const char *s = p->tok.s;
	if (p->tok.kind == TK_STR) /* show the quote too */
		s--, len = len + 2 > 40 ? 40 : len + 2;
	snprintf(buf, n, "'%.*s'", (int)len, s);
	return buf;
}

static char *dup_tok(const struct rtok *k)
{
	return strndup(k->s, k->len);
}

static struct rast *node(enum rast_kind kind)
{
	struct rast *a = calloc(1, sizeof(*a));
	if (a)
		a->kind = kind;
	return a;
}

static struct rast *parse_or(struct parser *p);

static int add_val(struct parser *p, struct rast *a)
{
	struct rast_val *v = realloc(a->vals, (a->nvals + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	a->vals = v;
	v = &a->vals[a->nvals];
	v->s = dup_tok(&p->tok);
	if (!v->s)
		return -ENOMEM;
	v->len = p->tok.len;
	v->quoted = p->tok.kind == TK_STR;
	v->pos = pos_of(p, p->tok.off);
	a->nvals++;
	next(p);
	return 0;
}

static struct rast *parse_cmp(struct parser *p, struct rast *a)
{
	char buf[64];
	a->kind = AST_CMP;
	a->op = dup_tok(&p->tok);
	if (!a->op)
		return nomem(p);
	a->op_pos = pos_of(p, p->tok.off);
	size_t op_end = p->tok.off + p->tok.len;
	next(p);
	if (!strcmp(a->op, "exists"))
		return a;
	if (p->tok.kind == TK_LP) {
		size_t lp = p->tok.off;
		a->list = true;
		next(p);
		while (p->tok.kind != TK_RP) {
			if (a->nvals && p->tok.kind == TK_COMMA)
				next(p);
			else if (a->nvals)
				return p->tok.kind == TK_EOF
					       ? fail(p, lp, "unbalanced parenthesis: '(' is not closed")
					       : fail(p, p->tok.off, "expected ',' or ')' in a value list, found %s",
						      tok_desc(p, buf, sizeof(buf)));
			if (p->tok.kind == TK_EOF)
				return fail(p, lp, "unbalanced parenthesis: '(' is not closed");
			if (p->tok.kind == TK_BAD && p->tok.s[0] != '!')
				return fail(p, p->tok.off, "unterminated string");
			if (p->tok.kind != TK_WORD && p->tok.kind != TK_STR)
				return fail(p, p->tok.off, "expected a value, found %s",
					    tok_desc(p, buf, sizeof(buf)));
			if (add_val(p, a))
				return nomem(p);
		}
		next(p);
		return a;
	}
	if (p->tok.kind == TK_WORD || p->tok.kind == TK_STR)
		return add_val(p, a) ? nomem(p) : a;
	if (p->tok.kind == TK_BAD && p->tok.s[0] != '!')
		return fail(p, p->tok.off, "unterminated string");
	if (p->tok.kind == TK_EOF)
		return fail(p, op_end, "missing value after '%s'", a->op);
	return fail(p, p->tok.off, "expected a value, found %s", tok_desc(p, buf, sizeof(buf)));
}

static struct rast *parse_primary(struct parser *p)
{
	char buf[64];
	struct rast *a;

	if (p->tok.kind == TK_LP) {
		size_t lp = p->tok.off;
		next(p);
		a = parse_or(p);
		if (!a)
			return NULL;
		if (p->tok.kind != TK_RP) {
			rast_free(a);
			if (p->tok.kind == TK_EOF)
				return fail(p, lp, "unbalanced parenthesis: '(' is not closed");
			return fail(p, p->tok.off, "expected 'and', 'or' or ')', found %s",
				    tok_desc(p, buf, sizeof(buf)));
		}
		next(p);
		return a;
	}
	if (p->tok.kind == TK_BAD)
		return fail(p, p->tok.off, "%s", p->tok.s[0] == '!' ? "unexpected '!'" : "unterminated string");
	if (!is_ident(&p->tok) || tok_is(&p->tok, "and") || tok_is(&p->tok, "or"))
		return fail(p, p->tok.off, "expected a field, macro or '(', found %s",
			    tok_desc(p, buf, sizeof(buf)));
	a = node(AST_REF);
	if (!a)
		return nomem(p);
	a->kind = AST_REF;
	a->name = dup_tok(&p->tok);
	if (!a->name) {
		free(a);
		return nomem(p);
	}
	a->pos = pos_of(p, p->tok.off);
	next(p);
	if (p->tok.kind == TK_OP || is_op_word(&p->tok)) {
		if (!parse_cmp(p, a)) {
			rast_free(a);
			return NULL;
		}
		return a;
	}
	if (p->tok.kind == TK_EOF || p->tok.kind == TK_RP || tok_is(&p->tok, "and") ||
	    tok_is(&p->tok, "or"))
		return a;
	rast_free(a);
	if (p->tok.kind == TK_WORD)
		return fail(p, p->tok.off, "unknown operator %s", tok_desc(p, buf, sizeof(buf)));
	return fail(p, p->tok.off, "expected an operator, found %s", tok_desc(p, buf, sizeof(buf)));
}

static struct rast *parse_unary(struct parser *p)
{
	if (!tok_is(&p->tok, "not"))
		return parse_primary(p);
	if (++p->depth > RULES_DEPTH_MAX)
		return fail(p, p->tok.off, "condition nested too deeply");
	next(p);
	struct rast *a = node(AST_NOT), *k = parse_unary(p);
	p->depth--;
	if (!k || !a) {
		free(a);
		rast_free(k);
		return k ? nomem(p) : NULL;
	}
	a->kind = AST_NOT;
	a->l = k;
	return a;
}

static struct rast *parse_bin(struct parser *p, const char *word, enum rast_kind kind,
			      struct rast *(*sub)(struct parser *))
{
	struct rast *l = sub(p);
	while (l && tok_is(&p->tok, word)) {
		next(p);
		struct rast *r = sub(p), *a = r ? node(kind) : NULL;
		if (!a) {
			rast_free(l);
			rast_free(r);
			return r ? nomem(p) : NULL;
		}
		a->kind = kind;
		a->l = l;
		a->r = r;
		l = a;
	}
	return l;
}

static struct rast *parse_and(struct parser *p)
{
	return parse_bin(p, "and", AST_AND, parse_unary);
}

static struct rast *parse_or(struct parser *p)
{
	if (++p->depth > RULES_DEPTH_MAX)
		return fail(p, p->tok.off, "condition nested too deeply");
	struct rast *a = parse_bin(p, "or", AST_OR, parse_and);
	p->depth--;
	return a;
}

struct rast *rules_parse(const struct rtext *t, struct rerrs *e)
{
	struct parser p = { .t = t, .e = e };
	char buf[64];
	size_t len;
	char *text = rtext_join(t, &len);
	if (!text) {
		e->oom = true;
		return NULL;
	}
	rlex_init(&p.lx, text, len);
	next(&p);
	struct rast *a = NULL;
	if (p.tok.kind == TK_EOF) {
		fail(&p, 0, "empty condition");
	} else {
		a = parse_or(&p);
		if (a && p.tok.kind != TK_EOF) {
			if (p.tok.kind == TK_RP)
				fail(&p, p.tok.off, "unbalanced parenthesis: ')' has no '('");
			else
				fail(&p, p.tok.off, "expected 'and' or 'or', found %s",
				     tok_desc(&p, buf, sizeof(buf)));
			rast_free(a);
			a = NULL;
		}
	}
	free(text);
	return a;
}

void rast_free(struct rast *a)
{
	if (!a)
		return;
	rast_free(a->l);
	rast_free(a->r);
	free(a->name);
	free(a->op);
	for (size_t i = 0; i < a->nvals; i++)
		free(a->vals[i].s);
	free(a->vals);
	free(a);
}
