/*
 * One rules file: YAML -> list, macro and rule items, each checked for its
 * keys and their types, then merged into the set in file order (append,
 * redefinition, `enabled:` overrides). Conditions stay text here; they are
 * parsed once every file is loaded, since a macro may be defined after the
 * rule that uses it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "detect/rules_int.h"

struct loader {
	struct rset *s;
	const char *file;
	const char *raw;
	size_t len;
	struct rerrs *e;
	yaml_document_t *doc;
};

enum kind { K_LIST, K_MACRO, K_RULE, K_VERSION };

static const char *const kind_names[] = { "list", "macro", "rule", "required_engine_version" };

/* Keys each kind of item accepts. */
static const char *const keys_list[] = { "list", "items", "append", NULL };
static const char *const keys_macro[] = { "macro", "condition", "append", NULL };
static const char *const keys_rule[] = { "rule", "desc", "condition", "output", "priority",
					 "severity", "tags", "enabled", "append", NULL };
static const char *const keys_version[] = { "required_engine_version", NULL };
static const char *const *const kind_keys[] = { keys_list, keys_macro, keys_rule, keys_version };

/* The values of one item, by key. */
struct item {
	enum kind kind;
	struct rpos pos;
	yaml_node_t *v[10];
	struct rpos vpos[10];
	const char *name;
};

static struct rpos node_pos(const struct loader *L, const yaml_node_t *n)
{
	struct rpos p = { L->file, (unsigned int)n->start_mark.line + 1,
			  (unsigned int)n->start_mark.column + 1 };
	return p;
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int key_index(enum kind k, const char *key)
{
	for (int i = 0; kind_keys[k][i]; i++)
		if (!strcmp(kind_keys[k][i], key))
			return i;
	return -1;
}

static yaml_node_t *get(struct item *it, const char *key, struct rpos *pos)
{
	int i = key_index(it->kind, key);
	if (i < 0 || !it->v[i])
		return NULL;
	if (pos)
		*pos = it->vpos[i];
	return it->v[i];
}

static bool valid_ident(const char *s)
{
	if (!s[0] || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '.' || *p == '-'))
			return false;
	return true;
}

/* A scalar of the item, or an error; *ok is cleared on error. */
static const char *want_str(struct loader *L, struct item *it, const char *key, bool *ok)
{
	struct rpos p;
	yaml_node_t *n = get(it, key, &p);
	if (!n)
		return NULL;
	const char *s = scalar(n);
	if (!s) {
		rerr(L->e, &p, "'%s' must be a string", key);
		*ok = false;
	}
	return s;
}

/* true/false (also yes/no, on/off); -1 when absent. */
static int want_bool(struct loader *L, struct item *it, const char *key, bool *ok)
{
	struct rpos p;
	yaml_node_t *n = get(it, key, &p);
	if (!n)
		return -1;
	const char *s = scalar(n);
	if (s && (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcasecmp(s, "on")))
		return 1;
	if (s && (!strcasecmp(s, "false") || !strcasecmp(s, "no") || !strcasecmp(s, "off")))
		return 0;
	rerr(L->e, &p, "'%s' must be true or false", key);
	*ok = false;
	return -1;
}

static int make_frag(struct loader *L, const yaml_node_t *n, struct rfrag *f)
{
	memset(f, 0, sizeof(*f));
	f->len = n->data.scalar.length;
	f->text = strndup((const char *)n->data.scalar.value, f->len);
	if (!f->text)
		return -ENOMEM;
	f->file = L->file;
	f->raw = L->raw;
	f->raw_len = L->len;
	f->index = n->start_mark.index;
	f->style = n->data.scalar.style;
	f->line = (unsigned int)n->start_mark.line + 1;
	f->col = (unsigned int)n->start_mark.column + 1;
	return 0;
}

static int text_add(struct rtext *t, struct loader *L, const yaml_node_t *n, const struct rpos *p)
{
	size_t total = 0;
	for (size_t i = 0; i < t->n; i++)
		total += t->f[i].len + 1;
	if (total + n->data.scalar.length > RULES_COND_MAX) {
		rerr(L->e, p, "condition longer than %u bytes", RULES_COND_MAX);
		return 0;
	}
	struct rfrag *f = realloc(t->f, (t->n + 1) * sizeof(*f));
	if (!f)
		return -ENOMEM;
	t->f = f;
	if (make_frag(L, n, &t->f[t->n]))
		return -ENOMEM;
	t->n++;
	return 0;
}

static int grow(void *pp, size_t n, size_t size)
{
	void **p = pp;
	void *q = realloc(*p, (n + 1) * size);
	if (!q)
		return -ENOMEM;
	*p = q;
	return 0;
}

static int load_list(struct loader *L, struct item *it, bool append)
{
	struct rpos ipos;
	yaml_node_t *items = get(it, "items", &ipos);
	struct rlist *l = rset_list(L->s, it->name, strlen(it->name));

	if (append && !l) {
		rerr(L->e, &it->pos, "list '%s' is appended to but was never defined", it->name);
		return 0;
	}
	if (!items) {
		rerr(L->e, &it->pos, "list '%s' has no items", it->name);
		return 0;
	}
	if (items->type != YAML_SEQUENCE_NODE) {
		rerr(L->e, &ipos, "'items' must be a sequence");
		return 0;
	}
	for (yaml_node_item_t *i = items->data.sequence.items.start;
	     i < items->data.sequence.items.top; i++) {
		yaml_node_t *n = yaml_document_get_node(L->doc, *i);
		if (!scalar(n)) {
			struct rpos p = node_pos(L, n);
			rerr(L->e, &p, "list items must be strings");
			return 0;
		}
	}
	if (!l) {
		if (grow(&L->s->lists, L->s->nlists, sizeof(*L->s->lists)))
			return -ENOMEM;
		l = calloc(1, sizeof(*l));
		if (!l || !(l->name = strdup(it->name))) {
			free(l);
			return -ENOMEM;
		}
		L->s->lists[L->s->nlists++] = l;
		L->s->nitems++;
	} else if (!append) { /* a redefinition replaces the items */
		for (size_t i = 0; i < l->n; i++)
			free(l->items[i]);
		l->n = 0;
	}
	l->pos = append ? l->pos : it->pos;
	for (yaml_node_item_t *i = items->data.sequence.items.start;
	     i < items->data.sequence.items.top; i++) {
		if (l->n >= RULES_LIST_ITEMS_MAX) {
			rerr(L->e, &ipos, "list '%s' has more than %u items", l->name,
			     RULES_LIST_ITEMS_MAX);
			return 0;
		}
		if (grow(&l->items, l->n, sizeof(*l->items)))
			return -ENOMEM;
		if (!(l->items[l->n] = strdup(scalar(yaml_document_get_node(L->doc, *i)))))
			return -ENOMEM;
		l->n++;
	}
	return 0;
}

static int load_macro(struct loader *L, struct item *it, bool append, bool *ok)
{
	struct rpos cpos;
	yaml_node_t *c = get(it, "condition", &cpos);
	const char *cs = want_str(L, it, "condition", ok);
	struct rmacro *m = rset_macro(L->s, it->name, strlen(it->name));

	if (!*ok)
		return 0;
	if (!c) {
		rerr(L->e, &it->pos, "macro '%s' has no condition", it->name);
		return 0;
	}
	(void)cs;
	if (append && !m) {
		rerr(L->e, &it->pos, "macro '%s' is appended to but was never defined", it->name);
		return 0;
	}
	if (!m) {
		if (grow(&L->s->macros, L->s->nmacros, sizeof(*L->s->macros)))
			return -ENOMEM;
		m = calloc(1, sizeof(*m));
		if (!m || !(m->name = strdup(it->name))) {
			free(m);
			return -ENOMEM;
		}
		L->s->macros[L->s->nmacros++] = m;
		L->s->nitems++;
	} else if (!append) {
		rtext_free(&m->cond);
	}
	if (!append)
		m->pos = it->pos;
	return text_add(&m->cond, L, c, &cpos);
}

static int load_tags(struct loader *L, struct rrule *r, yaml_node_t *tags, const struct rpos *p)
{
	if (tags->type != YAML_SEQUENCE_NODE) {
		rerr(L->e, p, "'tags' must be a sequence of strings");
		return 0;
	}
	for (yaml_node_item_t *i = tags->data.sequence.items.start;
	     i < tags->data.sequence.items.top; i++) {
		yaml_node_t *n = yaml_document_get_node(L->doc, *i);
		struct rpos tp = node_pos(L, n);
		if (!scalar(n)) {
			rerr(L->e, &tp, "'tags' must be a sequence of strings");
			return 0;
		}
		if (r->ntags >= WARD_ALERT_MAX_TAGS) {
			rerr(L->e, &tp, "rule '%s' has more than %d tags", r->name, WARD_ALERT_MAX_TAGS);
			return 0;
		}
		if (grow(&r->tags, r->ntags, sizeof(*r->tags)))
			return -ENOMEM;
		if (!(r->tags[r->ntags] = strdup(scalar(n))))
			return -ENOMEM;
		r->ntags++;
	}
	return 0;
}

static void rule_clear(struct rrule *r)
{
	free(r->desc);
	r->desc = NULL;
	free(r->output.text);
	r->output.text = NULL;
	r->has_output = false;
	for (size_t i = 0; i < r->ntags; i++)
		free(r->tags[i]);
	free(r->tags);
	r->tags = NULL;
	r->ntags = 0;
	rtext_free(&r->cond);
}

static int load_rule(struct loader *L, struct item *it, bool append, bool *ok)
{
	struct rpos cpos, tpos, ppos;
	yaml_node_t *c = get(it, "condition", &cpos);
	yaml_node_t *tags = get(it, "tags", &tpos);
	const char *desc = want_str(L, it, "desc", ok);
	const char *out = want_str(L, it, "output", ok);
	const char *prio = want_str(L, it, "priority", ok);
	int enabled = want_bool(L, it, "enabled", ok);
	struct rrule *r = rset_rule(L->s, it->name);
	int sev = -1;

	want_str(L, it, "condition", ok);
	if (!prio)
		prio = want_str(L, it, "severity", ok);
	if (get(it, "priority", NULL) && get(it, "severity", NULL)) {
		get(it, "severity", &ppos);
		rerr(L->e, &ppos, "rule '%s' has both 'priority' and 'severity'", it->name);
		return 0;
	}
	if (!*ok)
		return 0;
	if (prio) {
		if (!get(it, "priority", &ppos))
			get(it, "severity", &ppos);
		sev = ward_severity_parse(prio);
		if (sev < 0) {
			rerr(L->e, &ppos, "unknown priority '%s' (EMERGENCY, ALERT, CRITICAL, ERROR, "
			     "WARNING, NOTICE, INFORMATIONAL, DEBUG)", prio);
			return 0;
		}
	}
	if (append) {
		if (!r) {
			rerr(L->e, &it->pos, "rule '%s' is appended to but was never defined", it->name);
			return 0;
		}
		if (desc || out || prio || enabled >= 0) {
			rerr(L->e, &it->pos, "rule '%s': with 'append: true' only 'condition' and 'tags' "
			     "are taken", it->name);
			return 0;
		}
		if (c && text_add(&r->cond, L, c, &cpos))
			return -ENOMEM;
		return tags ? load_tags(L, r, tags, &tpos) : 0;
	}
	if (!c && !desc && !out && !prio && !tags && enabled >= 0) {
		/* an override: `- rule: X` + `enabled: false` */
		if (!r) {
			rerr(L->e, &it->pos, "rule '%s' is not defined: 'enabled' alone changes an "
			     "earlier rule", it->name);
			return 0;
		}
		r->enabled = enabled;
		return 0;
	}
	static const char *const required[] = { "condition", "desc", "output", "priority" };
	const void *have[] = { c, desc, out, prio };
	for (size_t i = 0; i < 4; i++)
		if (!have[i]) {
			rerr(L->e, &it->pos, "rule '%s' has no %s", it->name, required[i]);
			return 0;
		}
	if (!r) {
		if (grow(&L->s->rules, L->s->nrules, sizeof(*L->s->rules)))
			return -ENOMEM;
		r = calloc(1, sizeof(*r));
		if (!r || !(r->name = strdup(it->name))) {
			free(r);
			return -ENOMEM;
		}
		L->s->rules[L->s->nrules++] = r;
		L->s->nitems++;
	} else {
		rule_clear(r); /* a redefinition replaces it, in its place */
	}
	r->pos = it->pos;
	r->severity = sev;
	r->enabled = enabled != 0;
	if (!(r->desc = strdup(desc)))
		return -ENOMEM;
	if (make_frag(L, get(it, "output", NULL), &r->output))
		return -ENOMEM;
	r->has_output = true;
	if (text_add(&r->cond, L, c, &cpos))
		return -ENOMEM;
	return tags ? load_tags(L, r, tags, &tpos) : 0;
}

static int load_item(struct loader *L, yaml_node_t *n)
{
	struct item it = { .pos = node_pos(L, n) };
	bool ok = true, found = false;

	if (n->type != YAML_MAPPING_NODE) {
		rerr(L->e, &it.pos, "an item must be a mapping with a 'rule', 'macro' or 'list' key");
		return 0;
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top && !found; p++) {
		const char *k = scalar(yaml_document_get_node(L->doc, p->key));
		for (int i = 0; k && i < 4; i++)
			if (!strcmp(k, kind_names[i])) {
				it.kind = (enum kind)i;
				found = true;
			}
	}
	if (!found) {
		rerr(L->e, &it.pos, "item has no 'rule', 'macro' or 'list' key");
		return 0;
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(L->doc, p->key);
		struct rpos kp = node_pos(L, kn);
		const char *k = scalar(kn);
		int i = k ? key_index(it.kind, k) : -1;
		if (i < 0) {
			rerr(L->e, &kp, "unknown key '%s' in a %s item", k ? k : "?", kind_names[it.kind]);
			ok = false;
			continue;
		}
		if (it.v[i]) {
			rerr(L->e, &kp, "duplicate key '%s'", k);
			ok = false;
			continue;
		}
		it.v[i] = yaml_document_get_node(L->doc, p->value);
		it.vpos[i] = node_pos(L, it.v[i]);
	}
	if (!ok || it.kind == K_VERSION)
		return 0;
	struct rpos np;
	yaml_node_t *nn = get(&it, kind_names[it.kind], &np);
	it.name = scalar(nn);
	if (!it.name || !it.name[0] || strlen(it.name) > RULES_NAME_MAX) {
		rerr(L->e, &np, "the %s name must be a string of 1 to %d bytes", kind_names[it.kind],
		     RULES_NAME_MAX);
		return 0;
	}
	if (it.kind != K_RULE && !valid_ident(it.name)) {
		rerr(L->e, &np, "%s name '%s' is not an identifier (letters, digits, _ . -)",
		     kind_names[it.kind], it.name);
		return 0;
	}
	if (L->s->nitems >= RULES_ITEMS_MAX) {
		rerr(L->e, &it.pos, "more than %u items", RULES_ITEMS_MAX);
		return 0;
	}
	int append = want_bool(L, &it, "append", &ok);
	if (!ok)
		return 0;
	switch (it.kind) {
	case K_LIST: return load_list(L, &it, append == 1);
	case K_MACRO: return load_macro(L, &it, append == 1, &ok);
	case K_RULE: return load_rule(L, &it, append == 1, &ok);
	case K_VERSION: break;
	}
	return 0;
}

int rules_yaml_load(struct rset *s, const char *file, const char *raw, size_t len,
		    struct rerrs *e)
{
	struct loader L = { .s = s, .file = file, .raw = raw, .len = len, .e = e };
	yaml_parser_t parser;
	yaml_document_t doc;
	int ret = 0;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)raw, len);
	if (!yaml_parser_load(&parser, &doc)) {
		yaml_mark_t m = parser.problem_mark;
		struct rpos p = { file, (unsigned int)m.line + 1, (unsigned int)m.column + 1 };
		if (parser.error == YAML_MEMORY_ERROR)
			ret = -ENOMEM;
		else
			rerr(e, &p, "invalid YAML: %s%s%s", parser.problem ? parser.problem : "error",
			     parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		return ret;
	}
	L.doc = &doc;
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (root && root->type != YAML_SEQUENCE_NODE) {
		struct rpos p = node_pos(&L, root);
		rerr(e, &p, "a rules file is a sequence of list, macro and rule items");
	} else if (root) {
		for (yaml_node_item_t *i = root->data.sequence.items.start;
		     i < root->data.sequence.items.top && !ret; i++)
			ret = load_item(&L, yaml_document_get_node(&doc, *i));
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return ret;
}
