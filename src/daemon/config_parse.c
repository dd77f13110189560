/*
 * The YAML walk: libyaml's event stream, checked against the key table.
 *
 * Events rather than a document tree because every scalar carries its own
 * mark (line, column) and nothing needs to be held beyond one value. A bad
 * value or an unknown key is reported and its node skipped, so the walk goes
 * on and one run reports every error; only a syntax error, which leaves
 * libyaml unable to continue, ends it.
 */
#include "daemon/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "alert.h"
#include "daemon/config_keys.h"
#include "xdr_names.h"

#define MAX_SECTIONS 32
#define KEY_MAX 128 /* dotted path kept for messages; longer ones are cut */

struct loader {
	yaml_parser_t parser;
	const char *data;             /* the file, for marks libyaml does not give */
	size_t len;
	struct ward_config *c;
	struct ward_config_error *err; /* may be NULL */
	size_t nerrors;
	bool stop;                    /* libyaml cannot go on, or out of memory */
	bool oom;
	/* where each key and section was first seen (line 0: not yet) */
	yaml_mark_t key_mark[WARD_CONFIG_MAX_KEYS];
	bool key_seen[WARD_CONFIG_MAX_KEYS];
	yaml_mark_t sec_mark[MAX_SECTIONS];
	bool sec_seen[MAX_SECTIONS];
};

__attribute__((format(printf, 5, 0)))
static void add_error(struct ward_config_error *err, unsigned int line, unsigned int col,
		      const char *key, const char *fmt, va_list ap)
{
	struct ward_config_error_item *it;

	if (!err)
		return;
	err->total++;
	if (err->n == WARD_CONFIG_MAX_ERRORS)
		return;
	it = &err->items[err->n++];
	it->line = line;
	it->col = col;
	snprintf(it->key, sizeof(it->key), "%s", key ? key : "");
	/* a key from the file may hold anything; keep the message on one line */
	for (char *p = it->key; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	vsnprintf(it->msg, sizeof(it->msg), fmt, ap);
}

__attribute__((format(printf, 2, 3)))
static void file_level_error(struct ward_config_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_error(err, 0, 0, NULL, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 5, 6)))
static void error_at(struct loader *l, unsigned int line, unsigned int col, const char *key,
		     const char *fmt, ...)
{
	va_list ap;

	l->nerrors++;
	va_start(ap, fmt);
	add_error(l->err, line, col, key, fmt, ap);
	va_end(ap);
}

#define ERR(l, mark, key, ...) \
	error_at(l, (unsigned int)(mark).line + 1, (unsigned int)(mark).column + 1, key, __VA_ARGS__)

/* Line and column of a byte offset, for reader errors that carry only the offset. */
static void offset_mark(const struct loader *l, size_t off, unsigned int *line, unsigned int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < l->len; i++) {
		if (l->data[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)l->data[i] & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

static void syntax_error(struct loader *l)
{
	const yaml_parser_t *p = &l->parser;
	unsigned int line, col;
	char ctx[160] = "";

	l->stop = true;
	if (p->error == YAML_MEMORY_ERROR) {
		l->oom = true;
		error_at(l, 0, 0, NULL, "out of memory");
		return;
	}
	if (p->error == YAML_READER_ERROR) {
		offset_mark(l, p->problem_offset, &line, &col);
		error_at(l, line, col, NULL, "YAML syntax error: %s",
			 p->problem ? p->problem : "unreadable input");
		return;
	}
	if (p->context)
		snprintf(ctx, sizeof(ctx), " (%s at line %zu, column %zu)", p->context,
			 p->context_mark.line + 1, p->context_mark.column + 1);
	ERR(l, p->problem_mark, NULL, "YAML syntax error: %s%s",
	    p->problem ? p->problem : "invalid YAML", ctx);
}

/* The next event; -1 (and l->stop) on a syntax error. */
static int next(struct loader *l, yaml_event_t *ev)
{
	if (l->stop)
		return -1;
	if (!yaml_parser_parse(&l->parser, ev)) {
		syntax_error(l);
		return -1;
	}
	return 0;
}

static const char *kind(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_MAPPING_START_EVENT: return "a mapping";
	case YAML_SEQUENCE_START_EVENT: return "a list";
	case YAML_ALIAS_EVENT: return "an alias";
	default: return "a scalar";
	}
}

/* Consume the rest of a node whose first event is ev; bounded in depth. */
static int skip_rest(struct loader *l, const yaml_event_t *ev, size_t depth)
{
	size_t open = 1;

	if (ev->type != YAML_MAPPING_START_EVENT && ev->type != YAML_SEQUENCE_START_EVENT)
		return 0;
	while (open) {
		yaml_event_t e;

		if (next(l, &e))
			return -1;
		if (e.type == YAML_MAPPING_START_EVENT || e.type == YAML_SEQUENCE_START_EVENT) {
			open++;
			if (depth + open > WARD_CONFIG_MAX_DEPTH) {
				ERR(l, e.start_mark, NULL, "nested deeper than %d levels",
				    WARD_CONFIG_MAX_DEPTH);
				l->stop = true;
				yaml_event_delete(&e);
				return -1;
			}
		} else if (e.type == YAML_MAPPING_END_EVENT || e.type == YAML_SEQUENCE_END_EVENT) {
			open--;
		}
		yaml_event_delete(&e);
	}
	return 0;
}

static bool is_null(const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;

	if (ev->type != YAML_SCALAR_EVENT || ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	       !strcmp(s, "NULL");
}

/* Levenshtein distance of two short strings; large when either is too long to matter. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[65];

	if (la > 64 || lb > 64)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* Does path sit directly under prefix ("" = top)? Then *name is its last part. */
static bool child_of(const char *path, const char *prefix, const char **name)
{
	size_t n = strlen(prefix);
	const char *rest = path;

	if (n) {
		if (strncmp(path, prefix, n) || path[n] != '.')
			return false;
		rest = path + n + 1;
	}
	if (strchr(rest, '.'))
		return false;
	*name = rest;
	return true;
}

static const char *last_part(const char *path)
{
	const char *dot = strrchr(path, '.');

	return dot ? dot + 1 : path;
}

/*
 * A name close to the unknown one among its siblings ("segment_sise" ->
 * "segment_size"), else a key of that exact name in another section
 * ("stats_interval" under sensor -> "daemon.stats_interval"), else NULL.
 */
static const char *suggest(const char *prefix, const char *name)
{
	const char *best = NULL, *cand;
	size_t best_d = 3, d;

	for (size_t i = 0; i < cfg_nkeys + cfg_nsections; i++) {
		const char *path = i < cfg_nkeys ? cfg_keys[i].key : cfg_sections[i - cfg_nkeys];

		if (!child_of(path, prefix, &cand))
			continue;
		d = distance(name, cand);
		if (d < best_d && d < strlen(name)) {
			best_d = d;
			best = cand;
		}
	}
	if (best)
		return best;
	for (size_t i = 0; i < cfg_nkeys + cfg_nsections; i++) {
		const char *path = i < cfg_nkeys ? cfg_keys[i].key : cfg_sections[i - cfg_nkeys];

		if (!strcmp(last_part(path), name))
			return path;
	}
	return NULL;
}

/* The scalar as a C string, or NULL (reported) when it holds a NUL or is too long. */
static const char *scalar_text(struct loader *l, const yaml_event_t *ev, const struct cfg_key *k)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t max = k->maxlen ? k->maxlen : WARD_CONFIG_MAX_STRING;

	if (strlen(s) != ev->data.scalar.length) {
		ERR(l, ev->start_mark, k->key, "a NUL byte in the value");
		return NULL;
	}
	if (ev->data.scalar.length > max) {
		ERR(l, ev->start_mark, k->key, "longer than %zu bytes", max);
		return NULL;
	}
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			ERR(l, ev->start_mark, k->key, "a control character in the value");
			return NULL;
		}
	return s;
}

/* A path as the key wants it; NULL (reported) otherwise. */
static const char *check_path(struct loader *l, const yaml_event_t *ev, const struct cfg_key *k,
			      const char *s)
{
	if ((k->flags & CFG_DASH) && !strcmp(s, "-"))
		return s;
	if (s[0] != '/') {
		ERR(l, ev->start_mark, k->key, "'%s' is not an absolute path%s", s,
		    k->flags & CFG_DASH ? " (or \"-\" for stdout)" : "");
		return NULL;
	}
	return s;
}

static void store_string(struct loader *l, const struct cfg_key *k, const char *s)
{
	char *copy = cfg_strdup(l->c, s);

	if (!copy) {
		l->oom = l->stop = true;
		return;
	}
	*CFG_FIELD(l->c, k, const char *) = copy;
}

/* A number-like value against the key's range. */
static bool in_range(struct loader *l, const yaml_event_t *ev, const struct cfg_key *k,
		     uint64_t v)
{
	if (v < k->min || v > k->max) {
		ERR(l, ev->start_mark, k->key, "%s is out of range (%s)",
		    (const char *)ev->data.scalar.value, k->range);
		return false;
	}
	return true;
}

static void scalar_value(struct loader *l, const yaml_event_t *ev, const struct cfg_key *k)
{
	const char *s = scalar_text(l, ev, k), *why = NULL;
	uint64_t u;
	unsigned int mode;
	bool b;
	int err, sev;

	if (!s)
		return;
	switch (k->type) {
	case CFG_BOOL:
		if (cfg_parse_bool(s, &b, &why))
			break;
		*CFG_FIELD(l->c, k, bool) = b;
		return;
	case CFG_INT:
	case CFG_SIZE:
	case CFG_DURATION:
		err = k->type == CFG_INT    ? cfg_parse_uint(s, &u, &why)
		      : k->type == CFG_SIZE ? cfg_parse_size(s, &u, &why)
					    : cfg_parse_duration(s, &u, &why);
		if (err == -ERANGE) {
			ERR(l, ev->start_mark, k->key, "%s is out of range (%s)", s, k->range);
			return;
		}
		if (err)
			break;
		if (!in_range(l, ev, k, u))
			return;
		if ((k->flags & CFG_POW2) && (u & (u - 1))) {
			ERR(l, ev->start_mark, k->key, "%s is not a power of two", s);
			return;
		}
		if (k->type == CFG_INT)
			*CFG_FIELD(l->c, k, int64_t) = (int64_t)u;
		else
			*CFG_FIELD(l->c, k, uint64_t) = u;
		return;
	case CFG_MODE:
		if (cfg_parse_mode(s, &mode, &why))
			break;
		if (!in_range(l, ev, k, mode))
			return;
		*CFG_FIELD(l->c, k, unsigned int) = mode;
		return;
	case CFG_ENUM:
		for (const struct cfg_name *n = k->names; n->name; n++)
			if (!strcasecmp(s, n->name)) {
				*CFG_FIELD(l->c, k, int) = n->value;
				return;
			}
		ERR(l, ev->start_mark, k->key, "unknown value '%s' (%s)", s, k->range);
		return;
	case CFG_SEVERITY:
		sev = ward_severity_parse(s);
		if (sev < 0) {
			ERR(l, ev->start_mark, k->key, "unknown severity '%s' (%s)", s, k->range);
			return;
		}
		*CFG_FIELD(l->c, k, int) = sev;
		return;
	case CFG_STRING:
		if ((k->flags & CFG_NONEMPTY) && !*s) {
			ERR(l, ev->start_mark, k->key, "must not be empty");
			return;
		}
		store_string(l, k, s);
		return;
	case CFG_PATH:
		if (check_path(l, ev, k, s))
			store_string(l, k, s);
		return;
	case CFG_LIST:
		return;
	}
	ERR(l, ev->start_mark, k->key, "'%s': %s", s, why);
}

/* One list entry, checked and copied; NULL (reported, or out of memory) otherwise. */
static const char *list_entry(struct loader *l, const yaml_event_t *ev, const struct cfg_key *k)
{
	const char *s = scalar_text(l, ev, k), *name;
	unsigned int type;
	int is_event;

	if (!s)
		return NULL;
	switch (k->elem) {
	case CFG_ELEM_PATH:
		if (!check_path(l, ev, k, s))
			return NULL;
		break;
	case CFG_ELEM_XDR_TYPE:
		if (ward_type_parse(s, &type, &is_event)) {
			ERR(l, ev->start_mark, k->key,
			    "unknown event or access type '%s' (FILE, FILE_OPEN, DNS_QUERY, ...)", s);
			return NULL;
		}
		/* the canonical spelling, so the daemon compares names only */
		name = is_event ? ward_event_type_name(type) : ward_access_type_name(type);
		s = name ? name : s;
		break;
	}
	name = cfg_strdup(l->c, s);
	if (!name)
		l->oom = l->stop = true;
	return name;
}

/* The list whose SEQUENCE_START was just read. */
static int list_value(struct loader *l, const struct cfg_key *k, size_t depth)
{
	const char *tmp[WARD_CONFIG_MAX_LIST];
	size_t n = 0;
	bool bad = false;
	const char **v;

	for (;;) {
		yaml_event_t ev;
		const char *s;

		if (next(l, &ev))
			return -1;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (ev.type != YAML_SCALAR_EVENT || is_null(&ev)) {
			ERR(l, ev.start_mark, k->key, "a list entry must be a string, not %s",
			    is_null(&ev) ? "empty" : kind(&ev));
			bad = true;
			if (skip_rest(l, &ev, depth + 1)) {
				yaml_event_delete(&ev);
				return -1;
			}
		} else if (n == WARD_CONFIG_MAX_LIST) {
			if (!bad)
				ERR(l, ev.start_mark, k->key, "more than %d entries",
				    WARD_CONFIG_MAX_LIST);
			bad = true;
		} else if ((s = list_entry(l, &ev, k))) {
			tmp[n++] = s;
		} else {
			bad = true;
		}
		yaml_event_delete(&ev);
		if (l->stop)
			return -1;
	}
	if (bad)
		return 0;
	v = cfg_alloc(l->c, (n ? n : 1) * sizeof(*v));
	if (!v) {
		l->oom = l->stop = true;
		return -1;
	}
	memcpy(v, tmp, n * sizeof(*v));
	CFG_FIELD(l->c, k, struct ward_strv)->v = v;
	CFG_FIELD(l->c, k, struct ward_strv)->n = n;
	return 0;
}

/* The value node of key k, whose first event is ev. */
static int key_value(struct loader *l, const struct cfg_key *k, const yaml_event_t *ev,
		     size_t depth)
{
	if (ev->type == YAML_ALIAS_EVENT) {
		ERR(l, ev->start_mark, k->key, "aliases are not supported");
		return 0;
	}
	if (k->type == CFG_LIST) {
		if (ev->type == YAML_SEQUENCE_START_EVENT)
			return list_value(l, k, depth + 1);
		ERR(l, ev->start_mark, k->key, "expected a list (\"[]\" for none), not %s",
		    is_null(ev) ? "nothing" : kind(ev));
		return skip_rest(l, ev, depth);
	}
	if (ev->type != YAML_SCALAR_EVENT) {
		ERR(l, ev->start_mark, k->key, "expected a %s value, not %s", cfg_type_name(k->type),
		    kind(ev));
		return skip_rest(l, ev, depth);
	}
	if (is_null(ev)) {
		ERR(l, ev->start_mark, k->key, "missing value%s",
		    k->type == CFG_STRING ? " (\"\" for an empty string)" : "");
		return 0;
	}
	scalar_value(l, ev, k);
	return 0;
}

static int walk_mapping(struct loader *l, const char *prefix, size_t depth);

/* First time here? Otherwise report the duplicate. */
static bool first_time(struct loader *l, bool *seen, yaml_mark_t *first, yaml_mark_t at,
		       const char *path)
{
	if (*seen) {
		ERR(l, at, path, "duplicate key (first at line %zu)", first->line + 1);
		return false;
	}
	*seen = true;
	*first = at;
	return true;
}

/* One "key: value" of the mapping at prefix, after its key event. */
static int entry(struct loader *l, const char *prefix, const char *name, yaml_mark_t at,
		 size_t depth)
{
	char path[KEY_MAX];
	const struct cfg_key *k;
	const char *hint;
	yaml_event_t ev;
	size_t ki;
	int si, err = 0;

	snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", name);
	if (next(l, &ev))
		return -1;
	if (strchr(name, '.') || strlen(name) >= sizeof(path) - strlen(prefix) - 1) {
		ERR(l, at, path, "unknown key%s", strchr(name, '.') ?
		    " (write sections as nested mappings, not dotted keys)" : "");
		err = skip_rest(l, &ev, depth);
	} else if ((k = cfg_key_find(path, &ki))) {
		if (first_time(l, &l->key_seen[ki], &l->key_mark[ki], at, path)) {
			l->c->from_file[ki / 64] |= 1ULL << (ki % 64);
			err = key_value(l, k, &ev, depth);
		} else {
			err = skip_rest(l, &ev, depth);
		}
	} else if ((si = cfg_section_find(path)) >= 0) {
		if (!first_time(l, &l->sec_seen[si], &l->sec_mark[si], at, path)) {
			err = skip_rest(l, &ev, depth);
		} else if (ev.type == YAML_MAPPING_START_EVENT) {
			err = walk_mapping(l, path, depth + 1);
		} else if (!is_null(&ev)) {
			/* an empty section ("log:" and only comments under it) is fine */
			ERR(l, ev.start_mark, path, "expected a mapping of keys, not %s", kind(&ev));
			err = skip_rest(l, &ev, depth);
		}
	} else {
		hint = suggest(prefix, name);
		if (hint)
			ERR(l, at, path, "unknown key (did you mean '%s'?)", hint);
		else
			ERR(l, at, path, "unknown key");
		err = skip_rest(l, &ev, depth);
	}
	yaml_event_delete(&ev);
	return err;
}

/* The entries of a mapping whose MAPPING_START was just read, up to its end. */
static int walk_mapping(struct loader *l, const char *prefix, size_t depth)
{
	for (;;) {
		char name[KEY_MAX];
		yaml_mark_t at;
		yaml_event_t ev;
		int err;

		if (next(l, &ev))
			return -1;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			return 0;
		}
		at = ev.start_mark;
		if (ev.type != YAML_SCALAR_EVENT ||
		    strlen((const char *)ev.data.scalar.value) != ev.data.scalar.length) {
			ERR(l, at, prefix, "a key must be a plain name, not %s",
			    ev.type == YAML_SCALAR_EVENT ? "one with a NUL byte" : kind(&ev));
			err = skip_rest(l, &ev, depth);
			yaml_event_delete(&ev);
			if (err || next(l, &ev))
				return -1;
			err = skip_rest(l, &ev, depth);
			yaml_event_delete(&ev);
			if (err)
				return -1;
			continue;
		}
		snprintf(name, sizeof(name), "%s", (const char *)ev.data.scalar.value);
		yaml_event_delete(&ev);
		if (entry(l, prefix, name, at, depth))
			return -1;
	}
}

/* Keys that are fine alone but not together; reported at the one the file set. */
static void cross_check(struct loader *l)
{
	static const struct {
		const char *small, *large, *why;
	} rules[] = {
		{ "log.segment_size", "log.retention_size",
		  "log.retention_size is smaller than log.segment_size" },
		{ "log.block_size", "log.segment_size",
		  "log.block_size is larger than log.segment_size" },
	};

	for (size_t r = 0; r < sizeof(rules) / sizeof(rules[0]); r++) {
		size_t si, li;
		const struct cfg_key *ks = cfg_key_find(rules[r].small, &si);
		const struct cfg_key *kl = cfg_key_find(rules[r].large, &li);
		size_t at = l->key_seen[li] ? li : si;

		if (*CFG_CFIELD(l->c, ks, uint64_t) <= *CFG_CFIELD(l->c, kl, uint64_t))
			continue;
		/* the defaults agree, so the file set one of the two */
		ERR(l, l->key_mark[at], cfg_keys[at].key, "%s", rules[r].why);
	}
}

static void walk_stream(struct loader *l)
{
	yaml_event_t ev;

	if (next(l, &ev)) /* STREAM_START */
		return;
	yaml_event_delete(&ev);
	if (next(l, &ev))
		return;
	if (ev.type == YAML_STREAM_END_EVENT) { /* empty, or only comments */
		yaml_event_delete(&ev);
		return;
	}
	yaml_event_delete(&ev); /* DOCUMENT_START */
	if (next(l, &ev))
		return;
	if (ev.type == YAML_MAPPING_START_EVENT) {
		if (walk_mapping(l, "", 1)) {
			yaml_event_delete(&ev);
			return;
		}
	} else if (!is_null(&ev)) {
		ERR(l, ev.start_mark, NULL, "expected a mapping of sections (sensor:, log:, ...), not %s",
		    kind(&ev));
		if (skip_rest(l, &ev, 0)) {
			yaml_event_delete(&ev);
			return;
		}
	}
	yaml_event_delete(&ev);
	if (next(l, &ev)) /* DOCUMENT_END */
		return;
	yaml_event_delete(&ev);
	if (next(l, &ev))
		return;
	if (ev.type == YAML_DOCUMENT_START_EVENT)
		ERR(l, ev.start_mark, NULL, "more than one YAML document");
	yaml_event_delete(&ev);
}

static void error_init(struct ward_config_error *err, const char *name)
{
	if (!err)
		return;
	snprintf(err->file, sizeof(err->file), "%s", name);
	err->n = 0;
	err->total = 0;
}

int ward_config_load_buf(const char *name, const char *data, size_t len, struct ward_config *c,
			 struct ward_config_error *err)
{
	struct loader *l;
	int ret = 0;

	ward_config_defaults(c);
	error_init(err, name);
	if (len > WARD_CONFIG_MAX_FILE) {
		file_level_error(err, "larger than %u bytes", WARD_CONFIG_MAX_FILE);
		return -EFBIG;
	}
	/* the marks make it a few KiB: not for the stack of a signal-driven daemon */
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->c = c;
	l->err = err;
	l->data = data;
	l->len = len;
	if (!yaml_parser_initialize(&l->parser)) {
		free(l);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&l->parser, (const unsigned char *)data, len);
	walk_stream(l);
	if (!l->stop)
		cross_check(l);
	yaml_parser_delete(&l->parser);
	if (l->oom)
		ret = -ENOMEM;
	else if (l->nerrors)
		ret = -EINVAL;
	free(l);
	if (ret)
		ward_config_free(c);
	return ret;
}

/* Report a file that cannot be read, with errno's words. */
static int file_error(struct ward_config_error *err, const char *what, int e)
{
	char buf[128];

	file_level_error(err, "%s: %s", what, strerror_r(e, buf, sizeof(buf)));
	return -e;
}

int ward_config_load(const char *path, struct ward_config *c, struct ward_config_error *err)
{
	struct stat st;
	size_t len = 0;
	char *data;
	int fd, ret;

	ward_config_defaults(c);
	error_init(err, path);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return file_error(err, "cannot open", errno);
	if (fstat(fd, &st)) {
		ret = file_error(err, "cannot stat", errno);
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = file_error(err, "cannot read", S_ISDIR(st.st_mode) ? EISDIR : EINVAL);
		goto out_close;
	}
	/* one byte more than allowed, to see a file that grew past the limit */
	data = malloc(WARD_CONFIG_MAX_FILE + 1);
	if (!data) {
		ret = -ENOMEM;
		goto out_close;
	}
	while (len <= WARD_CONFIG_MAX_FILE) {
		ssize_t n = read(fd, data + len, WARD_CONFIG_MAX_FILE + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = file_error(err, "cannot read", errno);
			goto out_free;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	ret = ward_config_load_buf(path, data, len, c, err);
out_free:
	free(data);
out_close:
	close(fd);
	return ret;
}
