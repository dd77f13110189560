/*
 * The rule set: files loaded in order (embedded defaults, then the user's
 * files and directories, then in-memory sources), compiled once, indexed by
 * access type so an event only meets the rules that can match it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detect/rules_embedded.h"
#include "detect/rules_int.h"
#include "proc_cache.h"

#define TYPE_IDS 1200 /* access type ids are below this (xdr_types.h) */

struct ward_rules {
	struct rset set;
	unsigned int ntypes;              /* known access types; index ntypes = unknown */
	uint8_t type_idx[TYPE_IDS];
	struct rrule **by_type[RULES_TYPES_MAX];
	size_t nby_type[RULES_TYPES_MAX];
	const struct ward_proc *(*lookup)(void *ctx, uint32_t tgid);
	void *lookup_ctx;
	struct ward_buf out;
	struct ward_rules_stats stats;
	/* file names and texts: positions point into them until the load ends */
	char **owned;
	size_t nowned;
};

/* ---- the item set ---- */

struct rlist *rset_list(const struct rset *s, const char *name, size_t len)
{
	for (size_t i = 0; i < s->nlists; i++)
		if (strlen(s->lists[i]->name) == len && !memcmp(s->lists[i]->name, name, len))
			return s->lists[i];
	return NULL;
}

struct rmacro *rset_macro(const struct rset *s, const char *name, size_t len)
{
	for (size_t i = 0; i < s->nmacros; i++)
		if (strlen(s->macros[i]->name) == len && !memcmp(s->macros[i]->name, name, len))
			return s->macros[i];
	return NULL;
}

struct rrule *rset_rule(const struct rset *s, const char *name)
{
	for (size_t i = 0; i < s->nrules; i++)
		if (!strcmp(s->rules[i]->name, name))
			return s->rules[i];
	return NULL;
}

void rset_free(struct rset *s)
{
	for (size_t i = 0; i < s->nlists; i++) {
		struct rlist *l = s->lists[i];
		for (size_t k = 0; k < l->n; k++)
			free(l->items[k]);
		free(l->items);
		free(l->name);
		free(l);
	}
	free(s->lists);
	for (size_t i = 0; i < s->nmacros; i++) {
		struct rmacro *m = s->macros[i];
		rtext_free(&m->cond);
		rast_free(m->ast);
		free(m->name);
		free(m);
	}
	free(s->macros);
	for (size_t i = 0; i < s->nrules; i++) {
		struct rrule *r = s->rules[i];
		free(r->name);
		free(r->desc);
		free(r->output.text);
		for (size_t k = 0; k < r->ntags; k++)
			free(r->tags[k]);
		free(r->tags);
		rtext_free(&r->cond);
		rnode_free(r->root);
		rtmpl_free(&r->tmpl);
		free(r->types);
		free(r);
	}
	free(s->rules);
	memset(s, 0, sizeof(*s));
}

/* ---- loading ---- */

static char *own(struct ward_rules *r, char *p)
{
	if (!p)
		return NULL;
	char **v = realloc(r->owned, (r->nowned + 1) * sizeof(*v));
	if (!v) {
		free(p);
		return NULL;
	}
	r->owned = v;
	v[r->nowned++] = p;
	return p;
}

/* 0, -ENOMEM, or another -errno after reporting it. */
static int read_file(const char *path, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	int err = 0;
	char *buf = NULL;
	size_t n = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		err = -EISDIR;
		goto out;
	}
	if (st.st_size > (off_t)RULES_FILE_MAX) {
		err = -EFBIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t k = read(fd, buf + n, (size_t)st.st_size + 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			err = -errno;
			goto out;
		}
		if (k == 0)
			break;
		n += (size_t)k;
		if (n > (size_t)st.st_size) { /* it grew while we read it */
			err = -EFBIG;
			goto out;
		}
	}
	buf[n] = 0;
	*out = buf;
	*len = n;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return err;
}

static int load_text(struct ward_rules *r, const char *name, const char *text, size_t len,
		     struct rerrs *e)
{
	char *n = own(r, strdup(name));
	if (!n)
		return -ENOMEM;
	return rules_yaml_load(&r->set, n, text, len, e);
}

static int load_file(struct ward_rules *r, const char *path, struct rerrs *e, size_t *nfiles)
{
	char *text = NULL;
	size_t len = 0;
	struct rpos p = { path, 0, 0 };

	if (++*nfiles > RULES_FILES_MAX) {
		rerr(e, &p, "more than %d rules files", RULES_FILES_MAX);
		return 0;
	}
	int err = read_file(path, &text, &len);
	if (err == -ENOMEM)
		return err;
	if (err == -EFBIG) {
		rerr(e, &p, "file larger than %u bytes", RULES_FILE_MAX);
		return 0;
	}
	if (err) {
		rerr(e, &p, "cannot read: %s", strerror(-err));
		return 0;
	}
	if (!own(r, text))
		return -ENOMEM;
	return load_text(r, path, text, len, e);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory: its *.yaml files in name order. */
static int load_dir(struct ward_rules *r, const char *path, struct rerrs *e, size_t *nfiles)
{
	struct rpos p = { path, 0, 0 };
	int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	char **names = NULL;
	size_t n = 0;
	int err = 0;

	if (!d) {
		rerr(e, &p, "cannot read: %s", strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return 0;
	}
	for (struct dirent *de; (de = readdir(d));) {
		size_t len = strlen(de->d_name);
		if (len < 6 || strcmp(de->d_name + len - 5, ".yaml") || de->d_name[0] == '.')
			continue;
		if (n >= RULES_FILES_MAX) {
			rerr(e, &p, "more than %d rules files", RULES_FILES_MAX);
			break;
		}
		char **v = realloc(names, (n + 1) * sizeof(*v));
		if (!v || asprintf(&v[n], "%s/%s", path, de->d_name) < 0) {
			names = v ? v : names;
			err = -ENOMEM;
			break;
		}
		names = v;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n && !err; i++)
		err = load_file(r, names[i], e, nfiles);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return err;
}

static int build_index(struct ward_rules *r)
{
	r->ntypes = rules_type_count();
	memset(r->type_idx, (int)r->ntypes, sizeof(r->type_idx));
	for (unsigned int t = 0; t < r->ntypes; t++)
		if (rules_type_at(t) < TYPE_IDS)
			r->type_idx[rules_type_at(t)] = (uint8_t)t;
	for (unsigned int t = 0; t <= r->ntypes; t++) {
		for (size_t i = 0; i < r->set.nrules; i++) {
			struct rrule *x = r->set.rules[i];
			if (!x->enabled || !x->root || !(x->mask & (1ull << t)))
				continue;
			struct rrule **v = realloc(r->by_type[t], (r->nby_type[t] + 1) * sizeof(*v));
			if (!v)
				return -ENOMEM;
			r->by_type[t] = v;
			v[r->nby_type[t]++] = x;
		}
	}
	return 0;
}

struct ward_rules *ward_rules_load(const struct ward_rules_opts *o,
				   struct ward_rules_error_list *errs)
{
	struct rerrs e = { .out = errs };
	struct ward_rules *r = calloc(1, sizeof(*r));
	size_t nfiles = 0;
	int err = 0;

	if (!r)
		return NULL;
	ward_buf_init(&r->out);
	r->lookup = o->lookup;
	r->lookup_ctx = o->lookup_ctx;
	if (o->default_rules)
		for (size_t i = 0; i < ward_rules_embedded_count && !err; i++) {
			const struct ward_rules_embedded *f = &ward_rules_embedded[i];
			char name[256];
			snprintf(name, sizeof(name), "embedded:%s", f->name);
			err = load_text(r, name, f->text, f->len, &e);
		}
	for (size_t i = 0; i < o->nfiles && !err; i++) {
		struct stat st;
		if (!stat(o->files[i], &st) && S_ISDIR(st.st_mode))
			err = load_dir(r, o->files[i], &e, &nfiles);
		else
			err = load_file(r, o->files[i], &e, &nfiles);
	}
	for (size_t i = 0; i < o->nsources && !err; i++)
		err = load_text(r, o->sources[i].name, o->sources[i].text, o->sources[i].len, &e);
	/* compiled even after errors in the files, to report every error at once */
	if (!err)
		err = rules_compile_all(&r->set, &e);
	if (!err && !e.count)
		err = build_index(r);
	if (!err && (e.oom || e.count))
		err = e.oom ? -ENOMEM : -EINVAL;
	if (err) {
		ward_rules_free(r);
		errno = -err;
		return NULL;
	}
	return r;
}

void ward_rules_free(struct ward_rules *r)
{
	if (!r)
		return;
	rset_free(&r->set);
	for (size_t t = 0; t < RULES_TYPES_MAX; t++)
		free(r->by_type[t]);
	for (size_t i = 0; i < r->nowned; i++)
		free(r->owned[i]);
	free(r->owned);
	ward_buf_free(&r->out);
	free(r);
}

/* ---- evaluation ---- */

int ward_rules_eval(struct ward_rules *r, const struct ward_event *ev, ward_alert_fn emit,
		    void *ctx)
{
	unsigned int t = ev->access_type < TYPE_IDS ? r->type_idx[ev->access_type] : r->ntypes;
	struct rrule *const *list = r->by_type[t];
	size_t n = r->nby_type[t];
	struct ward_field_ctx fc;
	int matches = 0;

	ward_field_ctx_init(&fc, ev, r->lookup, r->lookup_ctx);
	r->stats.events++;
	r->stats.rules_evaluated += n;
	for (size_t i = 0; i < n; i++) {
		struct rrule *x = list[i];
		if (!rnode_eval(x->root, &fc))
			continue;
		x->matches++;
		matches++;
		if (!emit)
			continue;
		struct ward_alert a = { 0 };
		rtmpl_render(&x->tmpl, &fc, &r->out);
		a.time_ns = ev->time_ns;
		a.source = WARD_ALERT_RULE;
		a.rule = x->name;
		a.severity = (enum ward_severity)x->severity;
		a.output = ward_buf_cstr(&r->out);
		for (size_t k = 0; k < x->ntags; k++)
			a.tags[k] = x->tags[k];
		a.ntags = x->ntags;
		a.event = ev;
		emit(ctx, &a);
	}
	r->stats.matches += (uint64_t)matches;
	return matches;
}

void ward_rules_get_stats(const struct ward_rules *r, struct ward_rules_stats *s)
{
	*s = r->stats;
}

size_t ward_rules_count(const struct ward_rules *r)
{
	return r->set.nrules;
}

size_t ward_rules_macro_count(const struct ward_rules *r)
{
	return r->set.nmacros;
}

size_t ward_rules_list_count(const struct ward_rules *r)
{
	return r->set.nlists;
}

int ward_rules_rule_info(const struct ward_rules *r, size_t i, struct ward_rule_info *out)
{
	if (i >= r->set.nrules)
		return -ENOENT;
	const struct rrule *x = r->set.rules[i];
	memset(out, 0, sizeof(*out));
	out->name = x->name;
	out->desc = x->desc;
	out->severity = (enum ward_severity)x->severity;
	out->enabled = x->enabled;
	out->tags = (const char *const *)x->tags;
	out->ntags = x->ntags;
	out->matches = x->matches;
	out->all_types = !x->types;
	out->access_types = x->types;
	out->naccess_types = x->ntypes;
	return 0;
}
