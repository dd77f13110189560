/* Learn a profile from what an application does. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "detect/profile.h"
#include "detect/profile_learn.h"
#include "ward/xdr_types.h"

/* A set of strings with counts: open addressing over a fixed slot array. */
struct entry {
	char *s;
	uint64_t count;
	uint32_t port;  /* connect: port << 8 | protocol, for numeric order */
};

struct set {
	struct entry *e;   /* WARD_PROFILE_MAX_ENTRIES */
	uint32_t *slot;    /* index + 1; 0 = empty */
	size_t n;
	uint64_t dropped;  /* distinct entries beyond the limit */
};

#define SLOTS (WARD_PROFILE_MAX_ENTRIES * 2)

struct ward_profile_learner {
	char *app;
	size_t app_len;
	uint64_t events;
	struct set files, exec, connect;
};

static int set_init(struct set *s)
{
	s->e = calloc(WARD_PROFILE_MAX_ENTRIES, sizeof(*s->e));
	s->slot = calloc(SLOTS, sizeof(*s->slot));
	return s->e && s->slot ? 0 : -ENOMEM;
}

static void set_fini(struct set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->e[i].s);
	free(s->e);
	free(s->slot);
}

static uint64_t hash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static struct entry *set_add(struct set *s, const char *str, size_t len)
{
	size_t i = hash(str, len) & (SLOTS - 1);
	for (;; i = (i + 1) & (SLOTS - 1)) {
		uint32_t x = s->slot[i];
		if (!x)
			break;
		struct entry *e = &s->e[x - 1];
		if (!strncmp(e->s, str, len) && !e->s[len]) {
			e->count++;
			return e;
		}
	}
	if (s->n == WARD_PROFILE_MAX_ENTRIES) {
		s->dropped++;
		return NULL;
	}
	char *copy = strndup(str, len);
	if (!copy) {
		s->dropped++;
		return NULL;
	}
	struct entry *e = &s->e[s->n];
	*e = (struct entry){ .s = copy, .count = 1 };
	s->slot[i] = (uint32_t)++s->n;
	return e;
}

struct ward_profile_learner *ward_profile_learner_new(const char *app_exe)
{
	struct ward_profile_learner *l;
	if (!app_exe || app_exe[0] != '/') {
		errno = EINVAL;
		return NULL;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		goto err;
	l->app = strdup(app_exe);
	if (!l->app || set_init(&l->files) || set_init(&l->exec) || set_init(&l->connect))
		goto err_learner;
	l->app_len = strlen(app_exe);
	return l;

err_learner:
	ward_profile_learner_free(l);
err:
	errno = ENOMEM;
	return NULL;
}

void ward_profile_learner_free(struct ward_profile_learner *l)
{
	if (!l)
		return;
	set_fini(&l->files);
	set_fini(&l->exec);
	set_fini(&l->connect);
	free(l->app);
	free(l);
}

uint64_t ward_profile_learner_events(const struct ward_profile_learner *l)
{
	return l->events;
}

/* ---- generalisation ---- */

/* A name part that a program made up at run time: mkstemp's XXXXXX
 * ("cco2pTEn", "ByGygJ"), a long hex id, a long number (a pid). */
static bool random_token(const char *s, size_t n)
{
	size_t up = 0, low = 0, dig = 0, hex = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		up += isupper(c) != 0;
		low += islower(c) != 0;
		dig += isdigit(c) != 0;
		hex += isxdigit(c) != 0;
	}
	if (n >= 6 && up && low && (dig || up >= 2) && up + low + dig == n)
		return true;
	if (n >= 8 && hex == n && dig && dig < n)
		return true;
	return n >= 5 && dig == n;
}

static bool random_name(const char *s, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.' || s[i] == '-' || s[i] == '_') {
			if (random_token(s + start, i - start))
				return true;
			start = i + 1;
		}
	}
	return false;
}

static bool all_digits(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

static size_t put(char *out, size_t len, size_t at, const char *s, size_t n)
{
	if (at < len) {
		size_t k = at + n < len ? n : len - at - 1;
		memcpy(out + at, s, k);
		out[at + k] = '\0';
	}
	return at + n;
}

size_t ward_profile_generalize(const char *path, size_t plen, char *out, size_t len)
{
	static const char *const temp_dirs[] = { "/tmp/", "/var/tmp/", "/dev/shm/" };
	size_t at = 0;

	if (len)
		out[0] = '\0';
	for (size_t t = 0; t < sizeof(temp_dirs) / sizeof(temp_dirs[0]); t++) {
		size_t dl = strlen(temp_dirs[t]);
		if (plen > dl && !strncmp(path, temp_dirs[t], dl)) {
			/* anything in a temporary directory is named at run time */
			bool deeper = memchr(path + dl, '/', plen - dl) != NULL;
			at = put(out, len, 0, path, dl);
			return put(out, len, at, deeper ? "**" : "*", deeper ? 2 : 1);
		}
	}
	if (!plen || path[0] != '/')
		return put(out, len, 0, path, plen); /* not canonical: keep as is */
	/* component by component: pids in /proc, random names anywhere */
	bool proc = plen >= 6 && !strncmp(path, "/proc/", 6);
	const char *prev = NULL;
	size_t prev_n = 0;
	for (size_t i = 0, comp = 0; i < plen; comp++) {
		size_t j = i + 1;
		while (j < plen && path[j] != '/')
			j++;
		const char *c = path + i + 1; /* after the '/' */
		size_t cn = j - i - 1;
		bool pid = proc && all_digits(c, cn) &&
			   (comp == 1 || (comp == 3 && prev_n == 4 && !strncmp(prev, "task", 4)));
		if (pid || (j >= plen && random_name(c, cn)))
			at = put(out, len, at, "/*", 2);
		else
			at = put(out, len, at, path + i, j - i);
		prev = c;
		prev_n = cn;
		i = j;
	}
	return at;
}

/* ---- observing ---- */

static void add_path(struct set *s, const struct ward_str_ref *p)
{
	char buf[4200];
	if (!p->s || !p->len)
		return;
	size_t n = ward_profile_generalize(p->s, p->len, buf, sizeof(buf));
	if (n < sizeof(buf))
		set_add(s, buf, n);
	else
		s->dropped++; /* too long to be a useful pattern */
}

void ward_profile_learner_observe(struct ward_profile_learner *l, const struct ward_event *ev)
{
	const struct ward_str_ref *exe = &ev->process.exe;
	if (!exe->s || exe->len != l->app_len || memcmp(exe->s, l->app, l->app_len))
		return;
	l->events++;
	switch (ev->access_type) {
	case XDR_FILE_OPEN:
	case XDR_FILE_CREATE:
	case XDR_FILE_DELETE:
		add_path(&l->files, &ev->file.path);
		break;
	case XDR_FILE_MOVE:
		add_path(&l->files, &ev->file.path);
		add_path(&l->files, &ev->file.new_path);
		break;
	case XDR_PROCESS_EXECUTE:
		if (ev->target.exe.s && ev->target.exe.len)
			set_add(&l->exec, ev->target.exe.s, ev->target.exe.len);
		break;
	case XDR_CONNECTION_CONNECT_OUTBOUND: {
		char buf[16];
		const char *proto = ev->conn.protocol == XDR_CONNECTION_UDP ? "udp" : "tcp";
		int n = snprintf(buf, sizeof(buf), "%u/%s", ev->conn.remote_port, proto);
		struct entry *e = set_add(&l->connect, buf, (size_t)n);
		if (e)
			e->port = (uint32_t)ev->conn.remote_port << 8 | ev->conn.protocol;
		break;
	}
	}
}

/* ---- writing ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->s, ((const struct entry *)b)->s);
}

static int cmp_port(const void *a, const void *b)
{
	uint32_t x = ((const struct entry *)a)->port, y = ((const struct entry *)b)->port;
	return x < y ? -1 : x > y;
}

/* A YAML double-quoted scalar: always quoted, so ':', '#', '*' or a leading
 * '-' in a name can never change the document's structure. */
static void put_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void put_list(FILE *f, const char *key, struct set *s, int (*cmp)(const void *, const void *))
{
	qsort(s->e, s->n, sizeof(*s->e), cmp);
	/* the slot index is stale after sorting: rebuild it */
	memset(s->slot, 0, SLOTS * sizeof(*s->slot));
	for (size_t i = 0; i < s->n; i++) {
		size_t k = hash(s->e[i].s, strlen(s->e[i].s)) & (SLOTS - 1);
		while (s->slot[k])
			k = (k + 1) & (SLOTS - 1);
		s->slot[k] = (uint32_t)(i + 1);
	}
	if (!s->n) {
		fprintf(f, "%s: []\n", key);
	} else {
		fprintf(f, "%s:\n", key);
		for (size_t i = 0; i < s->n; i++) {
			fputs("  - ", f);
			if (s->e[i].port)
				fputs(s->e[i].s, f); /* "443/tcp": plain is clearer */
			else
				put_quoted(f, s->e[i].s);
			fprintf(f, "  # %llu\n", (unsigned long long)s->e[i].count);
		}
	}
	if (s->dropped)
		fprintf(f, "  # %llu more not kept (more than %d entries, or too long)\n",
			(unsigned long long)s->dropped, WARD_PROFILE_MAX_ENTRIES);
}

int ward_profile_learner_write(struct ward_profile_learner *l, FILE *out, const char *comment)
{
	fprintf(out, "# ward profile for %s\n", l->app);
	for (const char *c = comment; c && *c;) {
		const char *nl = strchr(c, '\n');
		size_t n = nl ? (size_t)(nl - c) : strlen(c);
		fprintf(out, "# %.*s\n", (int)n, c);
		c += n + (nl ? 1 : 0);
	}
	fprintf(out, "# learned from %llu events; the number after each entry is how often it "
		"was seen.\n# Review before use: everything not listed raises an alert.\n",
		(unsigned long long)l->events);
	fputs("application: ", out);
	put_quoted(out, l->app);
	fputs("\nseverity: WARNING\n", out);
	put_list(out, "files", &l->files, cmp_str);
	put_list(out, "exec", &l->exec, cmp_str);
	put_list(out, "connect", &l->connect, cmp_port);
	if (fflush(out) || ferror(out))
		return -EIO;
	return 0;
}
