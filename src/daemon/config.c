/*
 * The config as a whole: defaults, owned memory, comparison and merge for
 * SIGHUP, and the YAML writer behind `ward config show`. Parsing is in
 * config_parse.c, the key table in config_keys.c.
 */
#include "daemon/config.h"

#include <errno.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config_keys.h"
#include "lib/buf.h"

struct ward_config_mem {
	struct ward_config_mem *next;
	alignas(max_align_t) char data[];
};

void *cfg_alloc(struct ward_config *c, size_t n)
{
	struct ward_config_mem *m = malloc(sizeof(*m) + n);

	if (!m)
		return NULL;
	m->next = c->mem;
	c->mem = m;
	return m->data;
}

char *cfg_strdup(struct ward_config *c, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = cfg_alloc(c, n);

	if (p)
		memcpy(p, s, n);
	return p;
}

static void set_default(struct ward_config *c, const struct cfg_key *k)
{
	switch (k->type) {
	case CFG_BOOL: *CFG_FIELD(c, k, bool) = k->def != 0; break;
	case CFG_INT: *CFG_FIELD(c, k, int64_t) = (int64_t)k->def; break;
	case CFG_SIZE:
	case CFG_DURATION: *CFG_FIELD(c, k, uint64_t) = k->def; break;
	case CFG_ENUM:
	case CFG_SEVERITY: *CFG_FIELD(c, k, int) = (int)k->def; break;
	case CFG_MODE: *CFG_FIELD(c, k, unsigned int) = (unsigned int)k->def; break;
	case CFG_STRING:
	case CFG_PATH: *CFG_FIELD(c, k, const char *) = k->def_str; break;
	case CFG_LIST:
		CFG_FIELD(c, k, struct ward_strv)->v = k->def_list;
		CFG_FIELD(c, k, struct ward_strv)->n = k->def_nlist;
		break;
	}
}

void ward_config_defaults(struct ward_config *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < cfg_nkeys; i++)
		set_default(c, &cfg_keys[i]);
}

void ward_config_free(struct ward_config *c)
{
	struct ward_config_mem *m, *next;

	if (!c)
		return;
	for (m = c->mem; m; m = next) {
		next = m->next;
		free(m);
	}
	ward_config_defaults(c);
}

static bool strv_equal(const struct ward_strv *a, const struct ward_strv *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]))
			return false;
	return true;
}

static bool key_equal(const struct ward_config *a, const struct ward_config *b,
		      const struct cfg_key *k)
{
	switch (k->type) {
	case CFG_BOOL: return *CFG_CFIELD(a, k, bool) == *CFG_CFIELD(b, k, bool);
	case CFG_INT: return *CFG_CFIELD(a, k, int64_t) == *CFG_CFIELD(b, k, int64_t);
	case CFG_SIZE:
	case CFG_DURATION: return *CFG_CFIELD(a, k, uint64_t) == *CFG_CFIELD(b, k, uint64_t);
	case CFG_ENUM:
	case CFG_SEVERITY: return *CFG_CFIELD(a, k, int) == *CFG_CFIELD(b, k, int);
	case CFG_MODE: return *CFG_CFIELD(a, k, unsigned int) == *CFG_CFIELD(b, k, unsigned int);
	case CFG_STRING:
	case CFG_PATH:
		return !strcmp(*CFG_CFIELD(a, k, const char *), *CFG_CFIELD(b, k, const char *));
	case CFG_LIST:
		return strv_equal(CFG_CFIELD(a, k, struct ward_strv), CFG_CFIELD(b, k, struct ward_strv));
	}
	return false;
}

int ward_config_diff_reload(const struct ward_config *old, const struct ward_config *new,
			    struct ward_config_change *out, size_t max)
{
	int n = 0;

	for (size_t i = 0; i < cfg_nkeys; i++) {
		if (key_equal(old, new, &cfg_keys[i]))
			continue;
		if ((size_t)n < max) {
			out[n].key = cfg_keys[i].key;
			out[n].reloadable = cfg_keys[i].reloadable;
		}
		n++;
	}
	return n;
}

/* Key k of src into dst, with copies dst owns. */
static int copy_key(struct ward_config *dst, const struct ward_config *src, const struct cfg_key *k)
{
	const struct ward_strv *l;
	const char **v;
	char *s;

	switch (k->type) {
	case CFG_STRING:
	case CFG_PATH:
		s = cfg_strdup(dst, *CFG_CFIELD(src, k, const char *));
		if (!s)
			return -ENOMEM;
		*CFG_FIELD(dst, k, const char *) = s;
		return 0;
	case CFG_LIST:
		l = CFG_CFIELD(src, k, struct ward_strv);
		v = cfg_alloc(dst, (l->n ? l->n : 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		for (size_t i = 0; i < l->n; i++) {
			v[i] = cfg_strdup(dst, l->v[i]);
			if (!v[i])
				return -ENOMEM;
		}
		CFG_FIELD(dst, k, struct ward_strv)->v = v;
		CFG_FIELD(dst, k, struct ward_strv)->n = l->n;
		return 0;
	default:
		/* a scalar: the field's bytes */
		memcpy((char *)dst + k->off, (const char *)src + k->off,
		       k->type == CFG_BOOL ? sizeof(bool)
		       : k->type == CFG_ENUM || k->type == CFG_SEVERITY ? sizeof(int)
		       : k->type == CFG_MODE ? sizeof(unsigned int)
		       : sizeof(uint64_t));
		return 0;
	}
}

int ward_config_merge_reloadable(struct ward_config *out, const struct ward_config *running,
				 const struct ward_config *loaded)
{
	ward_config_defaults(out);
	for (size_t i = 0; i < cfg_nkeys; i++) {
		const struct ward_config *src = cfg_keys[i].reloadable ? loaded : running;

		if (copy_key(out, src, &cfg_keys[i])) {
			ward_config_free(out);
			return -ENOMEM;
		}
		if (src->from_file[i / 64] & (1ULL << (i % 64)))
			out->from_file[i / 64] |= 1ULL << (i % 64);
	}
	return 0;
}

/* The number of leading dot-separated components a and b share. */
static size_t common_sections(const char *a, const char *b)
{
	size_t n = 0;

	for (size_t i = 0; a[i] && a[i] == b[i]; i++)
		if (a[i] == '.')
			n++;
	return n;
}

static void indent(struct ward_buf *b, size_t depth)
{
	for (size_t i = 0; i < depth; i++)
		ward_buf_puts(b, "  ");
}

int ward_config_write_yaml(const struct ward_config *c, struct ward_buf *out, unsigned int flags)
{
	const char *prev = "";

	for (size_t i = 0; i < cfg_nkeys; i++) {
		const struct cfg_key *k = &cfg_keys[i];
		size_t depth = common_sections(prev, k->key);
		const char *p = k->key;

		/* skip the sections already open, then open the rest */
		for (size_t d = 0; d < depth; d++)
			p = strchr(p, '.') + 1;
		if (depth == 0 && i)
			ward_buf_putc(out, '\n');
		for (const char *dot; (dot = strchr(p, '.')); p = dot + 1, depth++) {
			indent(out, depth);
			ward_buf_put(out, p, (size_t)(dot - p));
			ward_buf_puts(out, ":\n");
		}
		if (flags & WARD_CONFIG_YAML_COMMENTS) {
			indent(out, depth);
			ward_buf_puts(out, "# ");
			ward_buf_puts(out, k->help);
			if (k->range && k->type != CFG_BOOL) {
				ward_buf_puts(out, "; ");
				ward_buf_puts(out, k->range);
			}
			ward_buf_puts(out, k->reloadable ? " (reloadable)\n" : "\n");
		}
		indent(out, depth);
		ward_buf_puts(out, p);
		ward_buf_puts(out, ": ");
		cfg_put_value(out, c, k);
		ward_buf_putc(out, '\n');
		prev = k->key;
	}
	return out->oom ? -ENOMEM : 0;
}

int ward_config_format_value(const struct ward_config *c, size_t i, char *buf, size_t len)
{
	struct ward_buf b;
	int n;

	if (i >= cfg_nkeys)
		return -ENOENT;
	ward_buf_init(&b);
	cfg_put_value(&b, c, &cfg_keys[i]);
	if (b.oom) {
		ward_buf_free(&b);
		return -ENOMEM;
	}
	n = snprintf(buf, len, "%s", ward_buf_cstr(&b));
	ward_buf_free(&b);
	return n;
}

int ward_config_error_format(const struct ward_config_error *e, size_t i, char *buf, size_t len)
{
	const struct ward_config_error_item *it;
	char pos[32] = "";

	if (i >= e->n)
		return snprintf(buf, len, "%s", "");
	it = &e->items[i];
	if (it->line)
		snprintf(pos, sizeof(pos), ":%u:%u", it->line, it->col);
	return snprintf(buf, len, "%s%s: %s%s%s", e->file, pos, it->key, it->key[0] ? ": " : "",
			it->msg);
}
