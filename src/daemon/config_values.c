/*
 * Config values as text: the strict parsers for bool, number, size, duration
 * and mode, and the writers that give back a spelling the parsers accept, so
 * `ward config show` loads back to the same config.
 */
#include "daemon/config_keys.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "alert.h"
#include "lib/buf.h"

int cfg_parse_bool(const char *s, bool *out, const char **why)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };

	for (size_t i = 0; i < 3; i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	*why = "not a bool (true/false, yes/no, on/off)";
	return -EINVAL;
}

/* Leading digits of s into *v; *end after them. -ERANGE on overflow, -EINVAL if none. */
static int digits(const char *s, uint64_t *v, const char **end)
{
	uint64_t n = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -ERANGE;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	*v = n;
	*end = p;
	return 0;
}

int cfg_parse_uint(const char *s, uint64_t *out, const char **why)
{
	const char *end;
	int err;

	if (*s == '-' && s[1] >= '0' && s[1] <= '9') {
		*why = "out of range";
		return -ERANGE;
	}
	err = digits(s, out, &end);
	if (err == -ERANGE) {
		*why = "out of range";
		return err;
	}
	if (err || *end) {
		*why = "not a whole number";
		return -EINVAL;
	}
	return 0;
}

/* *v * mult, or -ERANGE. */
static int scale(uint64_t *v, uint64_t mult, const char **why)
{
	if (*v && mult > UINT64_MAX / *v) {
		*why = "out of range";
		return -ERANGE;
	}
	*v *= mult;
	return 0;
}

int cfg_parse_size(const char *s, uint64_t *out, const char **why)
{
	static const char units[] = "KMGT";
	const char *end, *u;
	uint64_t v;
	int err = digits(s, &v, &end);

	if (err == -ERANGE) {
		*why = "out of range";
		return err;
	}
	if (err) {
		*why = "not a size (bytes, or with a unit: 512K, 64M, 1G)";
		return -EINVAL;
	}
	if (!*end) {
		*out = v;
		return 0;
	}
	u = end[1] ? NULL : strchr(units, end[0] & ~0x20);
	if (!u || !*u) {
		*why = "bad size unit (K, M, G or T; 1K = 1024 bytes)";
		return -EINVAL;
	}
	err = scale(&v, 1ULL << (10 * (u - units + 1)), why);
	if (err)
		return err;
	*out = v;
	return 0;
}

int cfg_parse_duration(const char *s, uint64_t *ms, const char **why)
{
	static const struct {
		const char *unit;
		uint64_t ms;
	} units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 }, { "d", 86400000 },
	};
	const char *end;
	uint64_t v;
	int err = digits(s, &v, &end);

	if (err == -ERANGE) {
		*why = "out of range";
		return err;
	}
	if (err) {
		*why = "not a duration (500ms, 10s, 5m, 1h, 7d)";
		return -EINVAL;
	}
	if (!*end) {
		*why = "a duration needs a unit (ms, s, m, h or d)";
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(end, units[i].unit)) {
			err = scale(&v, units[i].ms, why);
			if (err)
				return err;
			*ms = v;
			return 0;
		}
	*why = "bad duration unit (ms, s, m, h or d)";
	return -EINVAL;
}

int cfg_parse_mode(const char *s, unsigned int *out, const char **why)
{
	size_t n = strlen(s);
	unsigned int v = 0;

	/* "600" and "0600" both mean rw-------; a fifth digit would be a typo */
	if (n < 3 || n > 4)
		goto bad;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '7')
			goto bad;
		v = v * 8 + (unsigned int)(s[i] - '0');
	}
	*out = v;
	return 0;
bad:
	*why = "not an octal mode (e.g. \"0600\")";
	return -EINVAL;
}

void cfg_put_size(struct ward_buf *b, uint64_t v)
{
	static const char units[] = "TGMK";

	for (int i = 0; i < 4 && v; i++) {
		uint64_t mult = 1ULL << (10 * (4 - i));

		if (v % mult == 0) {
			ward_buf_put_u64(b, v / mult);
			ward_buf_putc(b, units[i]);
			return;
		}
	}
	ward_buf_put_u64(b, v);
}

void cfg_put_duration(struct ward_buf *b, uint64_t ms)
{
	static const struct {
		const char *unit;
		uint64_t ms;
	} units[] = { { "d", 86400000 }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 } };

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]) && ms; i++)
		if (ms % units[i].ms == 0) {
			ward_buf_put_u64(b, ms / units[i].ms);
			ward_buf_puts(b, units[i].unit);
			return;
		}
	ward_buf_put_u64(b, ms);
	ward_buf_puts(b, "ms");
}

void cfg_put_quoted(struct ward_buf *b, const char *s)
{
	ward_buf_putc(b, '"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			ward_buf_putc(b, '\\');
			ward_buf_putc(b, (char)ch);
		} else if (ch < 0x20 || ch == 0x7f) {
			/* the parser refuses these; escaped anyway so the YAML stays valid */
			char esc[8];

			snprintf(esc, sizeof(esc), "\\x%02x", ch);
			ward_buf_puts(b, esc);
		} else {
			ward_buf_putc(b, (char)ch);
		}
	}
	ward_buf_putc(b, '"');
}

static const char *enum_name(const struct cfg_key *k, int v)
{
	for (const struct cfg_name *n = k->names; n->name; n++)
		if (n->value == v)
			return n->name;
	return "?";
}

static void put_list(struct ward_buf *b, const char *const *v, size_t n)
{
	ward_buf_putc(b, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			ward_buf_puts(b, ", ");
		cfg_put_quoted(b, v[i]);
	}
	ward_buf_putc(b, ']');
}

/* One writer for a value and a default: the scalar fields arrive as a number. */
static void put_scalar(struct ward_buf *b, const struct cfg_key *k, uint64_t u, const char *s)
{
	char mode[16];

	switch (k->type) {
	case CFG_BOOL:
		ward_buf_puts(b, u ? "true" : "false");
		break;
	case CFG_INT:
		ward_buf_put_i64(b, (int64_t)u);
		break;
	case CFG_SIZE:
		cfg_put_size(b, u);
		break;
	case CFG_DURATION:
		cfg_put_duration(b, u);
		break;
	case CFG_ENUM:
		ward_buf_puts(b, enum_name(k, (int)u));
		break;
	case CFG_SEVERITY: {
		/* alert.h spells them in capitals; the config, like Falco's, in lower case */
		for (const char *p = ward_severity_name((enum ward_severity)u); *p; p++)
			ward_buf_putc(b, (char)(*p | 0x20));
		break;
	}
	case CFG_MODE:
		snprintf(mode, sizeof(mode), "\"%04o\"", (unsigned int)u);
		ward_buf_puts(b, mode);
		break;
	case CFG_STRING:
	case CFG_PATH:
		cfg_put_quoted(b, s ? s : "");
		break;
	case CFG_LIST:
		break;
	}
}

void cfg_put_value(struct ward_buf *b, const struct ward_config *c, const struct cfg_key *k)
{
	uint64_t u = 0;
	const char *s = NULL;

	switch (k->type) {
	case CFG_BOOL: u = *CFG_CFIELD(c, k, bool); break;
	case CFG_INT: u = (uint64_t)*CFG_CFIELD(c, k, int64_t); break;
	case CFG_SIZE:
	case CFG_DURATION: u = *CFG_CFIELD(c, k, uint64_t); break;
	case CFG_ENUM:
	case CFG_SEVERITY: u = (uint64_t)*CFG_CFIELD(c, k, int); break;
	case CFG_MODE: u = *CFG_CFIELD(c, k, unsigned int); break;
	case CFG_STRING:
	case CFG_PATH: s = *CFG_CFIELD(c, k, const char *); break;
	case CFG_LIST: {
		const struct ward_strv *l = CFG_CFIELD(c, k, struct ward_strv);

		put_list(b, l->v, l->n);
		return;
	}
	}
	put_scalar(b, k, u, s);
}

void cfg_put_default(struct ward_buf *b, const struct cfg_key *k)
{
	if (k->type == CFG_LIST)
		put_list(b, k->def_list, k->def_nlist);
	else
		put_scalar(b, k, k->def, k->def_str);
}
