/*
 * Syntax tree -> evaluation tree. Everything that can be decided once is
 * decided here: field names become getters, operators are checked against
 * the field's type, numbers and type names are parsed, lists are flattened
 * and sorted for binary search, globs and networks are pre-parsed, macros
 * are inlined (recursion is an error). Unknown names are errors, never a
 * rule that silently cannot match.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/rules_int.h"
#include "ward/xdr_types.h"
#include "xdr_names.h"

enum { MACRO_NEW, MACRO_VISITING, MACRO_OK, MACRO_BAD };

static const struct {
	const char *s;
	enum rop op;
} ops[] = {
	{ "=", OP_EQ }, { "==", OP_EQ }, { "!=", OP_NE }, { "<", OP_LT }, { "<=", OP_LE },
	{ ">", OP_GT }, { ">=", OP_GE }, { "in", OP_IN }, { "startswith", OP_STARTSWITH },
	{ "endswith", OP_ENDSWITH }, { "contains", OP_CONTAINS }, { "icontains", OP_ICONTAINS },
	{ "glob", OP_GLOB }, { "exists", OP_EXISTS }, { "in_domain", OP_IN_DOMAIN },
	{ "in_cidr", OP_IN_CIDR },
};

/* ---- access type index ---- */

unsigned int rules_type_count(void)
{
	unsigned int n = 0;
	while (ward_access_type_at(n))
		n++;
	return n;
}

unsigned int rules_type_at(unsigned int idx)
{
	return ward_access_type_at(idx);
}

unsigned int rules_type_index(unsigned int access_type)
{
	unsigned int i;
	for (i = 0; ward_access_type_at(i); i++)
		if (ward_access_type_at(i) == access_type)
			return i;
	return i; /* the "unknown" slot */
}

/* ---- lists ---- */

static int push_item(struct rcompile *c, struct rlist *l, char ***v, size_t *n, const char *item)
{
	if (*n >= RULES_LIST_ITEMS_MAX) {
		rerr(c->e, &l->pos, "list '%s' has more than %u items", l->name, RULES_LIST_ITEMS_MAX);
		return -EINVAL;
	}
	char **q = realloc(*v, (*n + 1) * sizeof(*q));
	if (!q)
		return -ENOMEM;
	*v = q;
	if (!(q[*n] = strdup(item)))
		return -ENOMEM;
	(*n)++;
	return 0;
}

/* Items that name another list are replaced by that list's items. */
static int expand_list(struct rcompile *c, struct rlist *l)
{
	char **v = NULL;
	size_t n = 0;
	int err = 0;

	if (l->expanded)
		return 0;
	if (l->expanding) {
		rerr(c->e, &l->pos, "list '%s' includes itself", l->name);
		return -EINVAL;
	}
	l->expanding = true;
	for (size_t i = 0; i < l->n && !err; i++) {
		struct rlist *sub = rset_list(c->set, l->items[i], strlen(l->items[i]));
		if (!sub || sub == l) {
			err = push_item(c, l, &v, &n, l->items[i]);
			continue;
		}
		err = expand_list(c, sub);
		for (size_t k = 0; k < sub->n && !err; k++)
			err = push_item(c, l, &v, &n, sub->items[k]);
	}
	l->expanding = false;
	if (err) {
		for (size_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
		l->expanded = err != -ENOMEM; /* report a cycle once */
		return err;
	}
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	l->items = v;
	l->n = n;
	l->expanded = true;
	return 0;
}

/* ---- values ---- */

static int str_cmp(const void *a, const void *b)
{
	const struct rval *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int r = memcmp(x->s, y->s, n);
	return r ? r : (x->len > y->len) - (x->len < y->len);
}

static int int_cmp(const void *a, const void *b)
{
	const struct rval *x = a, *y = b;
	return (x->n > y->n) - (x->n < y->n);
}

static bool parse_cidr(const char *s, struct rcidr *out)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	if (alen >= sizeof(buf))
		return false;
	memcpy(buf, s, alen);
	buf[alen] = 0;
	memset(out, 0, sizeof(*out));
	unsigned int max;
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = 6;
		max = 128;
	} else {
		return false;
	}
	out->bits = (uint8_t)max;
	if (slash) {
		char *end;
		unsigned long b = strtoul(slash + 1, &end, 10);
		if (!slash[1] || *end || b > max)
			return false;
		out->bits = (uint8_t)b;
	}
	return true;
}

struct vsrc {
	const char *s;
	size_t len;
	const struct rpos *pos;
};

static bool single_op(enum rop op)
{
	return op <= OP_GE;
}

static bool op_applies(enum ward_field_type t, enum rop op)
{
	switch (t) {
	case WARD_FT_STR: return !(op >= OP_LT && op <= OP_GE);
	case WARD_FT_INT: return op <= OP_GE || op == OP_IN || op == OP_EXISTS;
	case WARD_FT_BOOL: return op == OP_EQ || op == OP_NE || op == OP_EXISTS;
	case WARD_FT_ACCESS:
	case WARD_FT_EVENT: return op == OP_EQ || op == OP_NE || op == OP_IN || op == OP_EXISTS;
	}
	return false;
}

/* One value of the condition in the field's type, into v (strings into
 * *sp, the node's backing store). */
static int convert(struct rcompile *c, struct rnode *n, const struct vsrc *src, struct rval *v,
		   char **sp)
{
	const struct ward_field *f = n->field;
	char tmp[128];
	snprintf(tmp, sizeof(tmp), "%.*s", (int)(src->len > 100 ? 100 : src->len), src->s);

	switch (f->type) {
	case WARD_FT_STR: {
		char *d = *sp;
		memcpy(d, src->s, src->len);
		d[src->len] = 0;
		*sp += src->len + 1;
		v->s = d;
		v->len = src->len;
		if (n->op == OP_ICONTAINS || n->op == OP_IN_DOMAIN)
			for (size_t i = 0; i < v->len; i++)
				if (d[i] >= 'A' && d[i] <= 'Z')
					d[i] = (char)(d[i] - 'A' + 'a');
		if (n->op == OP_IN_DOMAIN) {
			while (v->len && v->s[0] == '.')
				v->s++, v->len--;
			while (v->len && v->s[v->len - 1] == '.')
				v->len--;
		}
		if (n->op == OP_GLOB) {
			const char *why = NULL;
			v->glob = rglob_compile(v->s, v->len, &why);
			if (!v->glob) {
				rerr(c->e, src->pos, "bad glob pattern '%s': %s", tmp, why);
				return -EINVAL;
			}
		}
		if (n->op == OP_IN_CIDR && !parse_cidr(d, &v->cidr)) {
			rerr(c->e, src->pos, "'%s' is not an IP network (ADDRESS/PREFIX)", tmp);
			return -EINVAL;
		}
		return 0;
	}
	case WARD_FT_INT: {
		char *end;
		errno = 0;
		long long x = strtoll(tmp, &end, 0);
		if (!tmp[0] || *end || errno || src->len > 100) {
			rerr(c->e, src->pos, "'%s' is not a number (%s is a number field)", tmp,
			     f->name);
			return -EINVAL;
		}
		v->n = x;
		return 0;
	}
	case WARD_FT_BOOL:
		if (!strcmp(tmp, "true") || !strcmp(tmp, "false")) {
			v->n = tmp[0] == 't';
			return 0;
		}
		rerr(c->e, src->pos, "'%s' is not true or false (%s is a bool field)", tmp, f->name);
		return -EINVAL;
	case WARD_FT_ACCESS:
	case WARD_FT_EVENT: {
		unsigned int val;
		int is_event;
		bool want_event = f->type == WARD_FT_EVENT;
		if (ward_type_parse(tmp, &val, &is_event) || !is_event != !want_event) {
			rerr(c->e, src->pos, "unknown %s '%s'", want_event ? "event type" : "access type",
			     tmp);
			return -EINVAL;
		}
		v->n = val;
		return 0;
	}
	}
	return -EINVAL;
}

/* The values of a comparison: list names expanded (for operators that take
 * several values), converted, sorted for `in`. */
static int compile_values(struct rcompile *c, const struct rast *a, struct rnode *n)
{
	size_t count = 0, bytes = 0;
	bool multi = !single_op(n->op);

	if (n->op == OP_EXISTS)
		return 0;
	if (!multi && (a->list || a->nvals != 1)) {
		rerr(c->e, &a->op_pos, "operator '%s' takes one value, not a list", a->op);
		return -EINVAL;
	}
	/* pass 1: count, pass 2: fill */
	for (int pass = 0; pass < 2; pass++) {
		char *sp = n->strs;
		size_t k = 0;
		for (size_t i = 0; i < a->nvals; i++) {
			const struct rast_val *av = &a->vals[i];
			struct rlist *l = multi && !av->quoted ? rset_list(c->set, av->s, av->len) : NULL;
			if (l && expand_list(c, l))
				return -EINVAL;
			size_t m = l ? l->n : 1;
			for (size_t j = 0; j < m; j++) {
				struct vsrc src = { l ? l->items[j] : av->s, l ? strlen(l->items[j]) : av->len,
						    &av->pos };
				if (pass == 0) {
					count++;
					bytes += src.len + 1;
				} else {
					int err = convert(c, n, &src, &n->vals[k], &sp);
					if (err)
						return err;
					k++;
					n->nvals = k;
				}
			}
		}
		if (pass == 0) {
			if (count > RULES_LIST_ITEMS_MAX) {
				rerr(c->e, &a->op_pos, "more than %u values", RULES_LIST_ITEMS_MAX);
				return -EINVAL;
			}
			n->vals = calloc(count ? count : 1, sizeof(*n->vals));
			n->strs = malloc(bytes ? bytes : 1);
			if (!n->vals || !n->strs)
				return -ENOMEM;
		}
	}
	if (n->op == OP_IN)
		qsort(n->vals, n->nvals, sizeof(*n->vals),
		      n->field->type == WARD_FT_STR ? str_cmp : int_cmp);
	return 0;
}

static struct rnode *new_node(enum rnode_kind k)
{
	struct rnode *n = calloc(1, sizeof(*n));
	if (n)
		n->kind = k;
	return n;
}

static struct rnode *compile(struct rcompile *c, const struct rast *a);

static struct rnode *oom(struct rcompile *c, struct rnode *n)
{
	c->e->oom = true;
	rnode_free(n);
	return NULL;
}

static struct rnode *compile_cmp(struct rcompile *c, const struct rast *a)
{
	const struct ward_field *f = ward_field_find(a->name, strlen(a->name));
	if (!f) {
		rerr(c->e, &a->pos, "unknown field '%s'", a->name);
		return NULL;
	}
	struct rnode *n = new_node(RN_CMP);
	if (!n)
		return oom(c, NULL);
	n->field = f;
	size_t i;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(ops[i].s, a->op))
			break;
	if (i == sizeof(ops) / sizeof(ops[0])) { /* the parser only lets known ones through */
		rerr(c->e, &a->op_pos, "unknown operator '%s'", a->op);
		rnode_free(n);
		return NULL;
	}
	n->op = ops[i].op;
	if (!op_applies(f->type, n->op)) {
		rerr(c->e, &a->op_pos, "operator '%s' does not apply to %s field '%s'", a->op,
		     ward_field_type_name(f->type), f->name);
		rnode_free(n);
		return NULL;
	}
	int err = compile_values(c, a, n);
	if (err) {
		if (err == -ENOMEM)
			return oom(c, n);
		rnode_free(n);
		return NULL;
	}
	return n;
}

static struct rnode *compile_ref(struct rcompile *c, const struct rast *a)
{
	struct rmacro *m = rset_macro(c->set, a->name, strlen(a->name));
	if (m) {
		if (m->state == MACRO_BAD || !m->ast)
			return NULL; /* its errors were reported with the macro */
		if (m->state == MACRO_VISITING) {
			char chain[512];
			size_t off = 0;
			for (unsigned int i = 0; i < c->nstack; i++) {
				if (c->stack[i] == m || off) {
					int w = snprintf(chain + off, sizeof(chain) - off, "%s -> ",
							 c->stack[i]->name);
					if (w > 0 && (size_t)w < sizeof(chain) - off)
						off += (size_t)w;
				}
				if (c->stack[i]->state == MACRO_VISITING && (c->stack[i] == m || off))
					c->stack[i]->state = MACRO_BAD;
			}
			rerr(c->e, &a->pos, "macro recursion: %s%s", chain, m->name);
			return NULL;
		}
		if (c->nstack >= RULES_DEPTH_MAX) {
			rerr(c->e, &a->pos, "macros nested too deeply");
			return NULL;
		}
		int before = m->state;
		m->state = MACRO_VISITING;
		c->stack[c->nstack++] = m;
		struct rnode *n = compile(c, m->ast);
		c->nstack--;
		if (m->state == MACRO_VISITING)
			m->state = n ? (before == MACRO_NEW ? MACRO_OK : before) : MACRO_BAD;
		else
			rnode_free(n), n = NULL;
		return n;
	}
	const struct ward_field *f = ward_field_find(a->name, strlen(a->name));
	if (f && f->type == WARD_FT_BOOL) {
		struct rnode *n = new_node(RN_CMP);
		if (!n)
			return oom(c, NULL);
		n->field = f;
		n->op = OP_TRUE;
		return n;
	}
	if (f)
		rerr(c->e, &a->pos, "field '%s' is a %s: compare it with an operator", f->name,
		     ward_field_type_name(f->type));
	else if (rset_list(c->set, a->name, strlen(a->name)))
		rerr(c->e, &a->pos, "'%s' is a list: use it as 'FIELD in (%s)'", a->name, a->name);
	else if (strchr(a->name, '.'))
		rerr(c->e, &a->pos, "unknown field '%s'", a->name);
	else
		rerr(c->e, &a->pos, "undefined macro '%s'", a->name);
	return NULL;
}

/* AND/OR chains become one node with every operand. */
static int flatten(struct rcompile *c, const struct rast *a, enum rast_kind kind, struct rnode *n)
{
	if (a->kind == kind) {
		int err = flatten(c, a->l, kind, n);
		return err ? err : flatten(c, a->r, kind, n);
	}
	struct rnode *k = compile(c, a);
	if (!k)
		return -EINVAL;
	struct rnode **v = realloc(n->kids, (n->nkids + 1) * sizeof(*v));
	if (!v) {
		rnode_free(k);
		c->e->oom = true;
		return -ENOMEM;
	}
	n->kids = v;
	n->kids[n->nkids++] = k;
	return 0;
}

static struct rnode *compile(struct rcompile *c, const struct rast *a)
{
	struct rnode *n;

	switch (a->kind) {
	case AST_AND:
	case AST_OR:
		n = new_node(a->kind == AST_AND ? RN_AND : RN_OR);
		if (!n)
			return oom(c, NULL);
		if (flatten(c, a, a->kind, n)) {
			rnode_free(n);
			return NULL;
		}
		return n;
	case AST_NOT: {
		struct rnode *k = compile(c, a->l);
		if (!k)
			return NULL;
		n = new_node(RN_NOT);
		if (!n || !(n->kids = malloc(sizeof(*n->kids)))) {
			rnode_free(k);
			return oom(c, n);
		}
		n->kids[0] = k;
		n->nkids = 1;
		return n;
	}
	case AST_CMP: return compile_cmp(c, a);
	case AST_REF: return compile_ref(c, a);
	}
	return NULL;
}

void rnode_free(struct rnode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		rnode_free(n->kids[i]);
	free(n->kids);
	for (size_t i = 0; i < n->nvals; i++)
		rglob_free(n->vals[i].glob);
	free(n->vals);
	free(n->strs);
	free(n);
}

/* ---- which access types a rule can match ---- */

static uint64_t all_types(void)
{
	unsigned int n = rules_type_count() + 1; /* + the unknown slot */
	return n >= 64 ? ~0ull : (1ull << n) - 1;
}

static uint64_t type_mask(const struct rnode *n)
{
	uint64_t m;
	switch (n->kind) {
	case RN_AND:
		m = all_types();
		for (size_t i = 0; i < n->nkids; i++)
			m &= type_mask(n->kids[i]);
		return m;
	case RN_OR:
		m = 0;
		for (size_t i = 0; i < n->nkids; i++)
			m |= type_mask(n->kids[i]);
		return m;
	case RN_CONST: return n->cval ? all_types() : 0;
	case RN_NOT: return all_types();
	case RN_CMP: break;
	}
	if (n->op != OP_EQ && n->op != OP_IN)
		return all_types();
	if (n->field->id == WARD_FIELD_ACCESS_TYPE) {
		m = 0;
		for (size_t i = 0; i < n->nvals; i++)
			m |= 1ull << rules_type_index((unsigned int)n->vals[i].n);
		return m;
	}
	if (n->field->id == WARD_FIELD_EVENT_TYPE) {
		m = 0;
		for (unsigned int t = 0; rules_type_at(t); t++)
			for (size_t i = 0; i < n->nvals; i++)
				if (ward_event_type_of(rules_type_at(t)) == (unsigned int)n->vals[i].n)
					m |= 1ull << t;
		return m;
	}
	return all_types();
}

static int compile_rule(struct rcompile *c, struct rrule *r)
{
	struct rast *a = rules_parse(&r->cond, c->e);
	if (!a)
		return c->e->oom ? -ENOMEM : 0;
	/* NULL without a new error: a macro it uses has errors, reported with it */
	r->root = compile(c, a);
	rast_free(a);
	if (c->e->oom)
		return -ENOMEM;
	if (rtmpl_compile(&r->tmpl, &r->output, c->e))
		return -ENOMEM;
	if (!r->root)
		return 0;
	r->mask = type_mask(r->root);
	if (r->mask != all_types()) {
		unsigned int nt = rules_type_count();
		r->types = calloc(nt + 1, sizeof(*r->types));
		if (!r->types)
			return -ENOMEM;
		for (unsigned int t = 0; t < nt; t++)
			if (r->mask & (1ull << t))
				r->types[r->ntypes++] = (uint16_t)rules_type_at(t);
	}
	return 0;
}

int rules_compile_all(struct rset *s, struct rerrs *e)
{
	struct rcompile c = { .set = s, .e = e };

	_Static_assert(RULES_TYPES_MAX <= 64, "the type mask is one u64");
	if (rules_type_count() + 1 > RULES_TYPES_MAX)
		return -E2BIG;
	for (size_t i = 0; i < s->nlists; i++)
		if (expand_list(&c, s->lists[i]) == -ENOMEM)
			return -ENOMEM;
	for (size_t i = 0; i < s->nmacros; i++) {
		s->macros[i]->ast = rules_parse(&s->macros[i]->cond, e);
		if (e->oom)
			return -ENOMEM;
		if (!s->macros[i]->ast)
			s->macros[i]->state = MACRO_BAD;
	}
	/* each macro on its own once, so its errors are reported once */
	for (size_t i = 0; i < s->nmacros; i++) {
		struct rmacro *m = s->macros[i];
		if (m->state != MACRO_NEW)
			continue;
		struct rast ref = { .kind = AST_REF, .name = m->name, .pos = m->pos };
		rnode_free(compile_ref(&c, &ref));
		if (e->oom)
			return -ENOMEM;
	}
	for (size_t i = 0; i < s->nrules; i++)
		if (compile_rule(&c, s->rules[i]))
			return -ENOMEM;
	return 0;
}
