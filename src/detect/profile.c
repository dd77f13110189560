/* Profiles: loading YAML files (libyaml events, errors with line and
 * column), the set sorted by executable, and glob matching. */
#include <dirent.h>
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

#include "detect/profile.h"
#include "ward/xdr_types.h"

struct ward_profiles {
	struct ward_profile **v; /* sorted by application */
	size_t n;
};

struct ward_profiles *ward_profiles_new(void)
{
	struct ward_profiles *ps = calloc(1, sizeof(*ps));
	if (!ps)
		errno = ENOMEM;
	return ps;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void profile_free(struct ward_profile *p)
{
	if (!p)
		return;
	free(p->application);
	free(p->source);
	free_list(p->files, p->nfiles);
	free_list(p->exec, p->nexec);
	free(p->ports);
	free(p);
}

void ward_profiles_free(struct ward_profiles *ps)
{
	if (!ps)
		return;
	for (size_t i = 0; i < ps->n; i++)
		profile_free(ps->v[i]);
	free(ps->v);
	free(ps);
}

size_t ward_profiles_count(const struct ward_profiles *ps)
{
	return ps->n;
}

static int cmp_exe(const char *a, const char *b, size_t blen)
{
	size_t alen = strlen(a);
	int c = memcmp(a, b, alen < blen ? alen : blen);
	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* Index of exe, or where it would go (*found false). */
static size_t find_pos(const struct ward_profiles *ps, const char *exe, size_t len, bool *found)
{
	size_t lo = 0, hi = ps->n;
	*found = false;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = cmp_exe(ps->v[mid]->application, exe, len);
		if (!c) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct ward_profile *ward_profiles_find(const struct ward_profiles *ps, const char *exe,
					      size_t len)
{
	bool found;
	if (!exe)
		return NULL;
	size_t i = find_pos(ps, exe, len, &found);
	return found ? ps->v[i] : NULL;
}

/* ---- globs ---- */

enum { G_ANY1 = -1, G_STAR = -2, G_DSTAR = -3 };

bool ward_glob_match(const char *pat, const char *s, size_t len)
{
	size_t m = strlen(pat);
	if (m > WARD_PROFILE_PATTERN_MAX)
		return false;
	/* the literal prefix settles most patterns without the table below */
	size_t lit = strcspn(pat, "*?");
	if (lit == m)
		return len == m && !memcmp(pat, s, m);
	if (len < lit || memcmp(pat, s, lit))
		return false;
	int16_t tok[WARD_PROFILE_PATTERN_MAX];
	size_t nt = 0;
	for (size_t i = lit; i < m;) {
		if (pat[i] == '*') {
			bool dbl = pat[i + 1] == '*';
			while (pat[i] == '*')
				i++;
			tok[nt++] = dbl ? G_DSTAR : G_STAR;
		} else if (pat[i] == '?') {
			tok[nt++] = G_ANY1;
			i++;
		} else {
			tok[nt++] = (unsigned char)pat[i++];
		}
	}
	/* dynamic programming over (string prefix, pattern prefix): linear in
	 * both, however many stars the pattern has */
	bool rows[2][WARD_PROFILE_PATTERN_MAX + 1];
	bool *prev = rows[0], *cur = rows[1];
	prev[0] = true;
	for (size_t j = 1; j <= nt; j++)
		prev[j] = prev[j - 1] && (tok[j - 1] == G_STAR || tok[j - 1] == G_DSTAR);
	for (size_t i = lit; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		bool any = false;
		cur[0] = false;
		for (size_t j = 1; j <= nt; j++) {
			switch (tok[j - 1]) {
			case G_ANY1: cur[j] = prev[j - 1] && c != '/'; break;
			case G_STAR: cur[j] = cur[j - 1] || (prev[j] && c != '/'); break;
			case G_DSTAR: cur[j] = cur[j - 1] || prev[j]; break;
			default: cur[j] = prev[j - 1] && c == tok[j - 1]; break;
			}
			any |= cur[j];
		}
		if (!any)
			return false;
		bool *t = prev;
		prev = cur;
		cur = t;
	}
	return prev[nt];
}

static bool any_glob(char *const *v, size_t n, const char *s, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (ward_glob_match(v[i], s, len))
			return true;
	return false;
}

bool ward_profile_file_allowed(const struct ward_profile *p, const char *path, size_t len)
{
	return path && any_glob(p->files, p->nfiles, path, len);
}

bool ward_profile_exec_allowed(const struct ward_profile *p, const char *exe, size_t len)
{
	return exe && any_glob(p->exec, p->nexec, exe, len);
}

bool ward_profile_port_allowed(const struct ward_profile *p, uint16_t port, uint8_t protocol)
{
	for (size_t i = 0; i < p->nports; i++) {
		const struct ward_profile_port *pp = &p->ports[i];
		if (port >= pp->lo && port <= pp->hi && (!pp->protocol || pp->protocol == protocol))
			return true;
	}
	return false;
}

/* ---- loading ---- */

void ward_profile_error_format(const struct ward_profile_error *e, char *buf, size_t len)
{
	if (e->line)
		snprintf(buf, len, "%s:%u:%u: %s", e->file, e->line, e->column, e->what);
	else
		snprintf(buf, len, "%s: %s", e->file, e->what);
}

__attribute__((format(printf, 4, 5)))
static int fail(struct ward_profile_error *err, const char *name, const yaml_mark_t *mark,
		const char *fmt, ...)
{
	va_list ap;
	if (!err)
		return -EINVAL;
	snprintf(err->file, sizeof(err->file), "%s", name);
	err->line = mark ? (unsigned int)mark->line + 1 : 0;
	err->column = mark ? (unsigned int)mark->column + 1 : 0;
	va_start(ap, fmt);
	vsnprintf(err->what, sizeof(err->what), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* "80", "443/tcp", "53/udp", "8000-8099", "8000-8099/tcp" */
static int parse_port(const char *s, struct ward_profile_port *out)
{
	char *end;
	unsigned long lo, hi;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	lo = strtoul(s, &end, 10);
	hi = lo;
	if (*end == '-') {
		if (end[1] < '0' || end[1] > '9')
			return -EINVAL;
		hi = strtoul(end + 1, &end, 10);
	}
	if (!lo || lo > 65535 || hi > 65535 || hi < lo)
		return -ERANGE;
	out->lo = (uint16_t)lo;
	out->hi = (uint16_t)hi;
	out->protocol = 0;
	if (!*end)
		return 0;
	if (!strcasecmp(end, "/tcp"))
		out->protocol = XDR_CONNECTION_TCP;
	else if (!strcasecmp(end, "/udp"))
		out->protocol = XDR_CONNECTION_UDP;
	else
		return -EINVAL;
	return 0;
}

enum key { K_NONE, K_APP, K_SEV, K_FILES, K_EXEC, K_CONNECT };

static const char *const key_names[] = { NULL, "application", "severity", "files", "exec",
					 "connect" };

static enum key key_of(const char *s)
{
	for (int i = 1; i <= K_CONNECT; i++)
		if (!strcmp(s, key_names[i]))
			return (enum key)i;
	return K_NONE;
}

static int push_str(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	if (!(nv[*n] = strdup(s)))
		return -ENOMEM;
	(*n)++;
	return 0;
}

static int push_port(struct ward_profile *p, const struct ward_profile_port *pp)
{
	struct ward_profile_port *nv = realloc(p->ports, (p->nports + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	p->ports = nv;
	p->ports[p->nports++] = *pp;
	return 0;
}

/* One list entry of key k; the scalar's mark for errors. */
static int add_entry(struct ward_profile *p, enum key k, const yaml_event_t *ev, const char *name,
		     struct ward_profile_error *err)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	const yaml_mark_t *mk = &ev->start_mark;
	size_t count = k == K_FILES ? p->nfiles : k == K_EXEC ? p->nexec : p->nports;

	if (count >= WARD_PROFILE_MAX_ENTRIES)
		return fail(err, name, mk, "more than %d entries", WARD_PROFILE_MAX_ENTRIES);
	if (strlen(s) != len)
		return fail(err, name, mk, "NUL byte in a string");
	if (k == K_CONNECT) {
		struct ward_profile_port pp;
		int e = parse_port(s, &pp);
		if (e == -ERANGE)
			return fail(err, name, mk, "port out of range (1-65535): '%s'", s);
		if (e)
			return fail(err, name, mk,
				    "bad port '%s' (expected PORT, PORT/tcp, PORT/udp or LOW-HIGH)", s);
		return push_port(p, &pp);
	}
	if (s[0] != '/')
		return fail(err, name, mk, "%s entry must be an absolute path or glob: '%s'",
			    k == K_FILES ? "files" : "exec", s);
	if (len > WARD_PROFILE_PATTERN_MAX)
		return fail(err, name, mk, "pattern longer than %d bytes", WARD_PROFILE_PATTERN_MAX);
	return k == K_FILES ? push_str(&p->files, &p->nfiles, s)
			    : push_str(&p->exec, &p->nexec, s);
}

static const char *event_what(yaml_event_type_t t)
{
	switch (t) {
	case YAML_SCALAR_EVENT: return "a scalar";
	case YAML_SEQUENCE_START_EVENT: return "a list";
	case YAML_MAPPING_START_EVENT: return "a mapping";
	case YAML_ALIAS_EVENT: return "an alias";
	default: return "the end";
	}
}

struct parse {
	yaml_parser_t parser;
	yaml_event_t ev;
	bool have_ev;
	const char *name;
	struct ward_profile_error *err;
};

static int next(struct parse *ps)
{
	if (ps->have_ev)
		yaml_event_delete(&ps->ev);
	ps->have_ev = false;
	if (!yaml_parser_parse(&ps->parser, &ps->ev)) {
		yaml_parser_t *y = &ps->parser;
		if (y->error == YAML_MEMORY_ERROR)
			return -ENOMEM;
		return fail(ps->err, ps->name, &y->problem_mark, "%s%s%s",
			    y->problem ? y->problem : "YAML error",
			    y->context ? " " : "", y->context ? y->context : "");
	}
	ps->have_ev = true;
	if (ps->ev.type == YAML_ALIAS_EVENT)
		return fail(ps->err, ps->name, &ps->ev.start_mark, "YAML aliases are not supported");
	return 0;
}

static int parse_profile(struct parse *ps, struct ward_profile *p)
{
	bool seen[K_CONNECT + 1] = { false };
	yaml_mark_t start;
	int e;

	do { /* stream start, document start */
		if ((e = next(ps)))
			return e;
	} while (ps->ev.type == YAML_STREAM_START_EVENT || ps->ev.type == YAML_DOCUMENT_START_EVENT);
	if (ps->ev.type == YAML_STREAM_END_EVENT)
		return fail(ps->err, ps->name, NULL, "empty file: a profile needs 'application'");
	if (ps->ev.type != YAML_MAPPING_START_EVENT)
		return fail(ps->err, ps->name, &ps->ev.start_mark,
			    "a profile is a mapping (application:, files:, exec:, connect:), not %s",
			    event_what(ps->ev.type));
	start = ps->ev.start_mark;
	for (;;) {
		if ((e = next(ps)))
			return e;
		if (ps->ev.type == YAML_MAPPING_END_EVENT)
			break;
		if (ps->ev.type != YAML_SCALAR_EVENT)
			return fail(ps->err, ps->name, &ps->ev.start_mark, "expected a key, found %s",
				    event_what(ps->ev.type));
		const char *ks = (const char *)ps->ev.data.scalar.value;
		enum key k = key_of(ks);
		if (k == K_NONE)
			return fail(ps->err, ps->name, &ps->ev.start_mark,
				    "unknown key '%s' (expected application, severity, files, exec, "
				    "connect)", ks);
		if (seen[k])
			return fail(ps->err, ps->name, &ps->ev.start_mark, "duplicate key '%s'", ks);
		seen[k] = true;
		ks = key_names[k]; /* the key's event is gone after next() */
		if ((e = next(ps)))
			return e;
		yaml_event_t *v = &ps->ev;
		const char *vs = (const char *)v->data.scalar.value;
		if (k == K_APP || k == K_SEV) {
			if (v->type != YAML_SCALAR_EVENT)
				return fail(ps->err, ps->name, &v->start_mark, "'%s' must be a scalar, not %s",
					    k == K_APP ? "application" : "severity", event_what(v->type));
			if (k == K_APP) {
				if (vs[0] != '/' || strlen(vs) != v->data.scalar.length ||
				    v->data.scalar.length > WARD_PROFILE_PATTERN_MAX)
					return fail(ps->err, ps->name, &v->start_mark,
						    "application must be an absolute executable path: '%s'", vs);
				if (!(p->application = strdup(vs)))
					return -ENOMEM;
			} else {
				int sev = ward_severity_parse(vs);
				if (sev < 0)
					return fail(ps->err, ps->name, &v->start_mark,
						    "unknown severity '%s' (EMERGENCY ... DEBUG)", vs);
				p->severity = (enum ward_severity)sev;
			}
			continue;
		}
		/* a list; an empty value ("exec:" or "exec: ~") is an empty list */
		if (v->type == YAML_SCALAR_EVENT && v->data.scalar.plain_implicit &&
		    (!v->data.scalar.length || !strcmp(vs, "~") || !strcmp(vs, "null")))
			continue;
		if (v->type != YAML_SEQUENCE_START_EVENT)
			return fail(ps->err, ps->name, &v->start_mark, "'%s' must be a list, not %s", ks,
				    event_what(v->type));
		for (;;) {
			if ((e = next(ps)))
				return e;
			if (ps->ev.type == YAML_SEQUENCE_END_EVENT)
				break;
			if (ps->ev.type != YAML_SCALAR_EVENT)
				return fail(ps->err, ps->name, &ps->ev.start_mark,
					    "list entries must be scalars, not %s", event_what(ps->ev.type));
			if ((e = add_entry(p, k, &ps->ev, ps->name, ps->err)))
				return e;
		}
	}
	if (!p->application)
		return fail(ps->err, ps->name, &start, "missing key 'application'");
	if ((e = next(ps)))
		return e;
	if (ps->ev.type == YAML_DOCUMENT_END_EVENT && (e = next(ps)))
		return e;
	if (ps->ev.type != YAML_STREAM_END_EVENT)
		return fail(ps->err, ps->name, &ps->ev.start_mark, "one profile per file");
	return 0;
}

int ward_profiles_load_buf(struct ward_profiles *ps, const char *name, const char *data,
			   size_t len, struct ward_profile_error *err)
{
	struct parse st = { .name = name, .err = err };
	struct ward_profile *p;
	int e;

	if (len > WARD_PROFILE_FILE_MAX)
		return fail(err, name, NULL, "larger than %d bytes", WARD_PROFILE_FILE_MAX);
	if (ps->n >= WARD_PROFILE_MAX)
		return fail(err, name, NULL, "more than %d profiles", WARD_PROFILE_MAX);
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->severity = WARD_SEV_WARNING;
	if (!yaml_parser_initialize(&st.parser)) {
		free(p);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&st.parser, (const unsigned char *)data, len);
	e = parse_profile(&st, p);
	if (st.have_ev)
		yaml_event_delete(&st.ev);
	yaml_parser_delete(&st.parser);
	if (e)
		goto err_profile;
	if (!(p->source = strdup(name))) {
		e = -ENOMEM;
		goto err_profile;
	}
	bool found;
	size_t pos = find_pos(ps, p->application, strlen(p->application), &found);
	if (found) {
		fail(err, name, NULL, "a second profile for %s (the first is in %s)", p->application,
		     ps->v[pos]->source);
		e = -EEXIST;
		goto err_profile;
	}
	struct ward_profile **nv = realloc(ps->v, (ps->n + 1) * sizeof(*nv));
	if (!nv) {
		e = -ENOMEM;
		goto err_profile;
	}
	ps->v = nv;
	memmove(&ps->v[pos + 1], &ps->v[pos], (ps->n - pos) * sizeof(*nv));
	ps->v[pos] = p;
	ps->n++;
	return 0;

err_profile:
	profile_free(p);
	return e;
}

int ward_profiles_load_file(struct ward_profiles *ps, const char *path,
			    struct ward_profile_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	struct stat st;
	int e = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = -errno;
		fail(err, path, NULL, "%s", strerror(-e));
		return e;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > WARD_PROFILE_FILE_MAX) {
		e = fail(err, path, NULL, "not a regular file of at most %d bytes",
			 WARD_PROFILE_FILE_MAX);
		goto out_fd;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		e = -ENOMEM;
		goto out_fd;
	}
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n < 0 ? -errno : -EIO;
			fail(err, path, NULL, "read: %s", strerror(-e));
			goto out_buf;
		}
		len += (size_t)n;
	}
	e = ward_profiles_load_buf(ps, path, buf, len, err);
out_buf:
	free(buf);
out_fd:
	close(fd);
	return e;
}

static int yaml_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	if (d->d_name[0] == '.')
		return 0;
	return (n > 5 && !strcmp(d->d_name + n - 5, ".yaml")) ||
	       (n > 4 && !strcmp(d->d_name + n - 4, ".yml"));
}

int ward_profiles_load_dir(struct ward_profiles *ps, const char *dir,
			   struct ward_profile_error *err)
{
	struct dirent **names = NULL;
	char path[4096];
	int e = 0;
	int n = scandir(dir, &names, yaml_name, alphasort);
	if (n < 0) {
		e = -errno;
		fail(err, dir, NULL, "%s", strerror(-e));
		return e;
	}
	for (int i = 0; i < n; i++) {
		if (!e) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			e = ward_profiles_load_file(ps, path, err);
		}
		free(names[i]);
	}
	free(names);
	return e;
}
