/*
 * Glob patterns, fnmatch-style with FNM_PATHNAME: '*' and '?' never match
 * '/', '[...]' is a class ('!' or '^' negates), '\' escapes, and '**'
 * matches across slashes (a '**' between two slashes also matches no directory).
 *
 * Matching simulates the pattern as an automaton over a bitset of states:
 * linear in the subject, no recursion, no backtracking blow-up on hostile
 * paths, no allocation.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "detect/rules_int.h"

enum gkind { G_LIT, G_ANY, G_CLASS, G_STAR, G_DSTAR, G_DSTAR_SLASH };

struct gtok {
	uint8_t kind;
	uint8_t c;
	uint8_t cls[32];       /* G_CLASS: bitmap of bytes */
};

#define GWORDS ((RULES_GLOB_MAX + 1 + 63) / 64)

struct rglob {
	size_t n;
	struct gtok t[];
};

static void set_bit(uint8_t *m, unsigned int c)
{
	m[c >> 3] |= (uint8_t)(1u << (c & 7));
}

static bool has_bit(const uint8_t *m, unsigned int c)
{
	return m[c >> 3] & (1u << (c & 7));
}

/* [...] at p (just after '['); returns the length consumed up to and with
 * ']', or 0 when there is no closing ']' (then '[' is a literal). */
static size_t parse_class(const char *p, size_t n, struct gtok *t)
{
	size_t i = 0;
	bool neg = false;
	memset(t->cls, 0, sizeof(t->cls));
	if (i < n && (p[i] == '!' || p[i] == '^')) {
		neg = true;
		i++;
	}
	bool first = true;
	while (i < n && (p[i] != ']' || first)) {
		unsigned char lo = (unsigned char)p[i], hi = lo;
		first = false;
		if (lo == '\\' && i + 1 < n)
			lo = hi = (unsigned char)p[++i];
		if (i + 2 < n && p[i + 1] == '-' && p[i + 2] != ']') {
			hi = (unsigned char)p[i + 2];
			i += 2;
		}
		for (unsigned int c = lo; c <= hi; c++)
			set_bit(t->cls, c);
		i++;
	}
	if (i >= n)
		return 0;
	if (neg)
		for (unsigned int k = 0; k < sizeof(t->cls); k++)
			t->cls[k] = (uint8_t)~t->cls[k];
	t->kind = G_CLASS;
	return i + 1;
}

struct rglob *rglob_compile(const char *pat, size_t len, const char **why)
{
	struct rglob *g = malloc(sizeof(*g) + (len + 1) * sizeof(struct gtok));
	if (!g) {
		*why = "out of memory";
		return NULL;
	}
	g->n = 0;
	for (size_t i = 0; i < len;) {
		struct gtok *t = &g->t[g->n];
		char c = pat[i];
		memset(t, 0, sizeof(*t));
		if (c == '*') {
			size_t stars = 0;
			while (i < len && pat[i] == '*') {
				stars++;
				i++;
			}
			if (stars == 1) {
				t->kind = G_STAR;
			} else if (i < len && pat[i] == '/' && (i - stars == 0 || pat[i - stars - 1] == '/')) {
				t->kind = G_DSTAR_SLASH; /* "**" + "/": any directories, or none */
				i++;
			} else {
				t->kind = G_DSTAR;
			}
		} else if (c == '?') {
			t->kind = G_ANY;
			i++;
		} else if (c == '[' && (i + 1 < len)) {
			size_t used = parse_class(pat + i + 1, len - i - 1, t);
			if (used) {
				i += 1 + used;
			} else {
				t->kind = G_LIT;
				t->c = '[';
				i++;
			}
		} else {
			if (c == '\\' && i + 1 < len)
				c = pat[++i];
			t->kind = G_LIT;
			t->c = (uint8_t)c;
			i++;
		}
		if (++g->n > RULES_GLOB_MAX) {
			free(g);
			*why = "glob pattern too long";
			return NULL;
		}
	}
	return g;
}

void rglob_free(struct rglob *g)
{
	free(g);
}

static void closure(const struct rglob *g, uint64_t *set)
{
	/* the only empty moves are "skip a star", always to the next state,
	 * so one ascending pass closes the set */
	for (size_t i = 0; i < g->n; i++)
		if ((set[i / 64] >> (i % 64)) & 1) {
			uint8_t k = g->t[i].kind;
			if (k == G_STAR || k == G_DSTAR || k == G_DSTAR_SLASH)
				set[(i + 1) / 64] |= 1ull << ((i + 1) % 64);
		}
}

bool rglob_match(const struct rglob *g, const char *s, size_t len)
{
	uint64_t cur[GWORDS] = { 1 }, next[GWORDS];
	size_t words = g->n / 64 + 1;

	closure(g, cur);
	for (size_t p = 0; p < len; p++) {
		unsigned char c = (unsigned char)s[p];
		bool any = false;
		memset(next, 0, sizeof(next));
		for (size_t w = 0; w < words; w++) {
			uint64_t bits = cur[w];
			while (bits) {
				size_t i = w * 64 + (size_t)__builtin_ctzll(bits);
				bits &= bits - 1;
				if (i >= g->n)
					continue;
				const struct gtok *t = &g->t[i];
				size_t to = i + 1;
				switch (t->kind) {
				case G_LIT: if (c != t->c) continue; break;
				case G_ANY: if (c == '/') continue; break;
				case G_CLASS: if (c == '/' || !has_bit(t->cls, c)) continue; break;
				case G_STAR: if (c == '/') continue; to = i; break;
				case G_DSTAR: to = i; break;
				case G_DSTAR_SLASH:
					next[i / 64] |= 1ull << (i % 64);
					if (c != '/')
						continue;
					break;
				}
				next[to / 64] |= 1ull << (to % 64);
				any = true;
			}
		}
		for (size_t w = 0; w < GWORDS; w++)
			any |= next[w] != 0;
		if (!any)
			return false;
		memcpy(cur, next, sizeof(cur));
		closure(g, cur);
	}
	return (cur[g->n / 64] >> (g->n % 64)) & 1;
}
