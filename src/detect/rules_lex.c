/* Condition text -> tokens: ( ) , comparison symbols, words, quoted strings. */
#include <string.h>

#include "detect/rules_int.h"

void rlex_init(struct rlex *l, const char *text, size_t len)
{
	l->text = text;
	l->len = len;
	l->pos = 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Bytes that end a bare word ('!' only as the start of "!="). */
static bool is_delim(char c, char next)
{
	return is_space(c) || strchr("()',\"=<>", c) != NULL || (c == '!' && next == '=');
}

struct rtok rlex_next(struct rlex *l)
{
	const char *t = l->text;
	struct rtok k = { 0 };

	while (l->pos < l->len && is_space(t[l->pos]))
		l->pos++;
	k.off = l->pos;
	k.s = t + l->pos;
	if (l->pos >= l->len) {
		k.kind = TK_EOF;
		return k;
	}
	char c = t[l->pos];
	char n = l->pos + 1 < l->len ? t[l->pos + 1] : 0;
	switch (c) {
	case '(': k.kind = TK_LP; k.len = 1; break;
	case ')': k.kind = TK_RP; k.len = 1; break;
	case ',': k.kind = TK_COMMA; k.len = 1; break;
	case '=':
		k.kind = TK_OP;
		k.len = n == '=' ? 2 : 1;
		break;
	case '<':
	case '>':
		k.kind = TK_OP;
		k.len = n == '=' ? 2 : 1;
		break;
	case '!':
		k.kind = n == '=' ? TK_OP : TK_BAD;
		k.len = n == '=' ? 2 : 1;
		break;
	case '\'':
	case '"': {
		const char *end = memchr(t + l->pos + 1, c, l->len - l->pos - 1);
		if (!end) {
			k.kind = TK_BAD;
			k.len = l->len - l->pos;
			l->pos = l->len;
			return k;
		}
		k.kind = TK_STR;
		k.s = t + l->pos + 1;
		k.len = (size_t)(end - k.s);
		l->pos = (size_t)(end - t) + 1;
		return k;
	}
	default:
		k.kind = TK_WORD;
		while (l->pos + k.len < l->len &&
		       !is_delim(t[l->pos + k.len],
				 l->pos + k.len + 1 < l->len ? t[l->pos + k.len + 1] : 0))
			k.len++;
		break;
	}
	l->pos += k.len;
	return k;
}
