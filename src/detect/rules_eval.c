/*
 * Evaluation of a compiled condition against one event. Hot path: no
 * allocation, no syscalls; strings are compared by length first, `in` is
 * a binary search, a comparison on an absent field is false.
 */
#include <arpa/inet.h>
#include <string.h>

#include "detect/rules_int.h"

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* needle is already lower case (compiled so). */
static bool icontains(const char *s, size_t n, const char *needle, size_t m)
{
	if (m == 0)
		return true;
	for (size_t i = 0; i + m <= n; i++) {
		size_t k = 0;
		while (k < m && lower(s[i + k]) == needle[k])
			k++;
		if (k == m)
			return true;
	}
	return false;
}

/* s is the domain or a subdomain of d (lower case, no dots at the ends). */
static bool in_domain(const char *s, size_t n, const char *d, size_t m)
{
	while (n && s[n - 1] == '.') /* a fully qualified name */
		n--;
	if (m == 0 || n < m)
		return false;
	for (size_t i = 0; i < m; i++)
		if (lower(s[n - m + i]) != d[i])
			return false;
	return n == m || s[n - m - 1] == '.';
}

static bool in_cidr(const struct ward_value *v, const struct rval *vals, size_t nvals)
{
	char buf[64];
	uint8_t a4[4], a6[16];
	if (v->len >= sizeof(buf))
		return false;
	memcpy(buf, v->s, v->len);
	buf[v->len] = 0;
	bool is4 = inet_pton(AF_INET, buf, a4) == 1;
	bool is6 = !is4 && inet_pton(AF_INET6, buf, a6) == 1;
	if (!is4 && !is6)
		return false;
	const uint8_t *a = is4 ? a4 : a6;
	for (size_t i = 0; i < nvals; i++) {
		const struct rcidr *c = &vals[i].cidr;
		if (c->family != (is4 ? 4 : 6))
			continue;
		unsigned int full = c->bits / 8, rest = c->bits % 8;
		if (memcmp(a, c->addr, full))
			continue;
		if (rest) {
			uint8_t mask = (uint8_t)(0xff << (8 - rest));
			if ((a[full] & mask) != (c->addr[full] & mask))
				continue;
		}
		return true;
	}
	return false;
}

static bool str_in(const struct ward_value *v, const struct rval *vals, size_t n)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct rval *x = &vals[mid];
		size_t m = v->len < x->len ? v->len : x->len;
		int r = memcmp(v->s, x->s, m);
		if (!r)
			r = (v->len > x->len) - (v->len < x->len);
		if (!r)
			return true;
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

static bool int_in(int64_t x, const struct rval *vals, size_t n)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (vals[mid].n == x)
			return true;
		if (vals[mid].n > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

static bool str_eq(const struct ward_value *v, const struct rval *x)
{
	return v->len == x->len && !memcmp(v->s, x->s, x->len);
}

/* One value against the comparison's values. */
static bool test(const struct rnode *n, const struct ward_value *v)
{
	const struct rval *x = n->vals;

	if (n->field->type != WARD_FT_STR) {
		int64_t a = n->field->type == WARD_FT_BOOL ? v->b : v->n;
		switch (n->op) {
		case OP_EQ: return a == x->n;
		case OP_NE: return a != x->n;
		case OP_LT: return a < x->n;
		case OP_LE: return a <= x->n;
		case OP_GT: return a > x->n;
		case OP_GE: return a >= x->n;
		case OP_IN: return int_in(a, x, n->nvals);
		case OP_TRUE: return v->b;
		default: return false;
		}
	}
	switch (n->op) {
	case OP_EQ: return str_eq(v, x);
	case OP_NE: return !str_eq(v, x);
	case OP_IN: return str_in(v, x, n->nvals);
	case OP_IN_CIDR: return in_cidr(v, x, n->nvals);
	default: break;
	}
	for (size_t i = 0; i < n->nvals; i++, x++) {
		switch (n->op) {
		case OP_STARTSWITH:
			if (v->len >= x->len && !memcmp(v->s, x->s, x->len))
				return true;
			break;
		case OP_ENDSWITH:
			if (v->len >= x->len && !memcmp(v->s + v->len - x->len, x->s, x->len))
				return true;
			break;
		case OP_CONTAINS:
			if (memmem(v->s, v->len, x->s, x->len) || !x->len)
				return true;
			break;
		case OP_ICONTAINS:
			if (icontains(v->s, v->len, x->s, x->len))
				return true;
			break;
		case OP_GLOB:
			if (rglob_match(x->glob, v->s, v->len))
				return true;
			break;
		case OP_IN_DOMAIN:
			if (in_domain(v->s, v->len, x->s, x->len))
				return true;
			break;
		default:
			return false;
		}
	}
	return false;
}

static bool eval_cmp(const struct rnode *n, struct ward_field_ctx *c)
{
	struct ward_value v = { 0 };
	int id = n->field->id;

	if (n->op == OP_EXISTS)
		return ward_field_get(c, id, 0, &v);
	if (!(n->field->flags & WARD_FF_MULTI))
		return ward_field_get(c, id, 0, &v) && test(n, &v);
	/* several values: true if any matches; != means none is equal */
	bool any = false;
	for (size_t k = 0; ward_field_get(c, id, k, &v); k++) {
		any = true;
		if (n->op == OP_NE) {
			if (!test(n, &v))
				return false;
		} else if (test(n, &v)) {
			return true;
		}
	}
	return n->op == OP_NE && any;
}

bool rnode_eval(const struct rnode *n, struct ward_field_ctx *c)
{
	switch (n->kind) {
	case RN_AND:
		for (size_t i = 0; i < n->nkids; i++)
			if (!rnode_eval(n->kids[i], c))
				return false;
		return true;
	case RN_OR:
		for (size_t i = 0; i < n->nkids; i++)
			if (rnode_eval(n->kids[i], c))
				return true;
		return false;
	case RN_NOT: return !rnode_eval(n->kids[0], c);
	case RN_CONST: return n->cval;
	case RN_CMP: return eval_cmp(n, c);
	}
	return false;
}
