/*
 * Ransomware behaviour per process tree: windowed counts, confirmed
 * read -> write-next-to -> destroy sequences, two alert levels and the
 * optional response. docs/detection.md explains the model.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "detect/ransomware.h"
#include "ward/xdr_types.h"

#define NIL UINT32_MAX
#define NBUCKETS 10          /* the window in tenths: counts expire per tenth */
#define NCOUNT (WARD_RANSOM_NTYPES + 1)
#define SEQ WARD_RANSOM_NTYPES /* counts[SEQ]: confirmed sequences */
#define PATH_SLOT 256         /* bytes kept per file name in an alert ring */

/* ---- a fixed-size hash table with LRU order (both tables below) ---- */

struct lnode {
	uint64_t key;
	uint32_t hnext;      /* hash chain */
	uint32_t prev, next; /* LRU list, most recent at head */
};

struct ltab {
	struct lnode *n;
	uint32_t *heads;
	uint32_t mask;       /* buckets - 1 */
	uint32_t cap, used;
	uint32_t mru, lru;
	uint64_t evicted;
};

static int ltab_init(struct ltab *t, uint32_t cap)
{
	uint32_t nb = 1;
	while (nb < cap * 2)
		nb <<= 1;
	t->n = calloc(cap, sizeof(*t->n));
	t->heads = malloc((size_t)nb * sizeof(*t->heads));
	if (!t->n || !t->heads)
		return -ENOMEM;
	memset(t->heads, 0xff, (size_t)nb * sizeof(*t->heads));
	t->mask = nb - 1;
	t->cap = cap;
	t->used = 0;
	t->mru = t->lru = NIL;
	t->evicted = 0;
	return 0;
}

static void ltab_fini(struct ltab *t)
{
	free(t->n);
	free(t->heads);
}

static uint32_t ltab_bucket(const struct ltab *t, uint64_t key)
{
	return (uint32_t)((key ^ (key >> 29) ^ (key >> 47)) & t->mask);
}

static uint32_t ltab_find(const struct ltab *t, uint64_t key)
{
	for (uint32_t i = t->heads[ltab_bucket(t, key)]; i != NIL; i = t->n[i].hnext)
		if (t->n[i].key == key)
			return i;
	return NIL;
}

static void lru_unlink(struct ltab *t, uint32_t i)
{
	struct lnode *x = &t->n[i];
	if (x->prev != NIL)
		t->n[x->prev].next = x->next;
	else
		t->mru = x->next;
	if (x->next != NIL)
		t->n[x->next].prev = x->prev;
	else
		t->lru = x->prev;
}

static void lru_push(struct ltab *t, uint32_t i)
{
	t->n[i].prev = NIL;
	t->n[i].next = t->mru;
	if (t->mru != NIL)
		t->n[t->mru].prev = i;
	t->mru = i;
	if (t->lru == NIL)
		t->lru = i;
}

static void ltab_touch(struct ltab *t, uint32_t i)
{
	if (t->mru == i)
		return;
	lru_unlink(t, i);
	lru_push(t, i);
}

/* A slot for a key not in the table: a free one, else the least recently used. */
static uint32_t ltab_insert(struct ltab *t, uint64_t key)
{
	uint32_t i;
	if (t->used < t->cap) {
		i = t->used++;
	} else {
		i = t->lru;
		lru_unlink(t, i);
		uint32_t *pp = &t->heads[ltab_bucket(t, t->n[i].key)];
		while (*pp != i)
			pp = &t->n[*pp].hnext;
		*pp = t->n[i].hnext;
		t->evicted++;
	}
	uint32_t b = ltab_bucket(t, key);
	t->n[i].key = key;
	t->n[i].hnext = t->heads[b];
	t->heads[b] = i;
	lru_push(t, i);
	return i;
}

/* ---- state ---- */

struct ring {
	uint8_t n, pos;
	char path[WARD_RANSOM_FILES_KEPT][PATH_SLOT];
};

struct rproc {
	uint32_t tgid;
	uint64_t hash_id;
	uint64_t epoch[NBUCKETS];
	uint32_t cnt[NBUCKETS][NCOUNT];
	uint64_t crypto_ns;        /* last encryption API use in this tree */
	uint64_t minor_ns, major_ns; /* last alerts raised with this as root */
	/* the ancestors this process's counts go to, valid while chain_gen
	 * equals the detector's generation (bumped by every exec and exit) */
	uint64_t chain_gen;
	uint32_t chain[WARD_RANSOM_MAX_DEPTH];
	uint8_t chain_n;
	struct ring recent;        /* files of counted events (minor alerts) */
	struct ring originals;     /* originals of confirmed sequences (major) */
};

enum { F_FILE = 1, F_DIR = 2, F_BASE = 3 };
enum {
	F_READ = 1,        /* opened for reading by the tree */
	F_OWN = 2,         /* the tree created this name */
	F_CONFIRMED = 4,   /* already counted as a sequence */
	F_MULTIDIR = 8,    /* F_BASE: this name was read in several directories */
};

struct rfile {
	uint8_t flags;
	uint64_t read_ns;  /* F_FILE: last read; F_BASE: last read of the name */
	uint64_t made_ns;  /* F_FILE: created; F_DIR: last file created in it */
	uint64_t dir;      /* F_BASE: directory of the first read */
};

struct ward_ransomware {
	struct ward_ransomware_opts o;
	uint64_t bucket_ns;
	uint64_t gen;
	struct ltab ptab, ftab;
	struct rproc *procs;
	struct rfile *files;
	struct ward_ransomware_counters c;
	/* the alert being built; borrowed by emit */
	char out[768];
	const char *files_out[WARD_ALERT_MAX_FILES];
};

static const char *const default_boundary[] = {
	"systemd", "init", "sshd", "sshd-session", "login", "agetty", "cron", "crond",
	"tmux*", "screen", "SCREEN", "containerd-shim*", "conmon", "runc",
};

static const char *const type_names[WARD_RANSOM_NTYPES] = {
	"open", "create", "delete", "move", "modify",
};

int ward_ransom_type_parse(const char *s)
{
	for (int i = 0; s && i < WARD_RANSOM_NTYPES; i++)
		if (!strcasecmp(s, type_names[i]))
			return i;
	return -EINVAL;
}

const char *ward_ransom_type_name(enum ward_ransom_type t)
{
	return (unsigned)t < WARD_RANSOM_NTYPES ? type_names[t] : "unknown";
}

struct ward_ransomware *ward_ransomware_new(const struct ward_ransomware_opts *o)
{
	struct ward_ransomware *r;
	int err;

	if (!o || (o->max_procs && (o->max_procs < 64 || o->max_procs > WARD_RANSOM_MAX_PROCS)) ||
	    (o->max_files && (o->max_files < 64 || o->max_files > WARD_RANSOM_MAX_FILES)) ||
	    (o->window_ns && o->window_ns < NBUCKETS) ||
	    (o->nboundary && !o->boundary) || (o->response.nallow && !o->response.allow) ||
	    (unsigned)o->response.action > WARD_RESPONSE_KILL) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		errno = ENOMEM;
		return NULL;
	}
	r->o = *o;
	if (!r->o.window_ns)
		r->o.window_ns = WARD_RANSOM_DEFAULT_WINDOW_NS;
	for (int i = 0; i < WARD_RANSOM_NTYPES; i++)
		if (!r->o.thresholds[i])
			r->o.thresholds[i] = WARD_RANSOM_DEFAULT_THRESHOLD;
	if (!r->o.sequence_threshold)
		r->o.sequence_threshold = WARD_RANSOM_DEFAULT_SEQUENCES;
	if (!r->o.max_procs)
		r->o.max_procs = WARD_RANSOM_DEFAULT_PROCS;
	if (!r->o.max_files)
		r->o.max_files = WARD_RANSOM_DEFAULT_FILES;
	if (!r->o.boundary) {
		r->o.boundary = default_boundary;
		r->o.nboundary = sizeof(default_boundary) / sizeof(default_boundary[0]);
	}
	r->bucket_ns = r->o.window_ns / NBUCKETS;
	r->gen = 1;
	err = ltab_init(&r->ptab, (uint32_t)r->o.max_procs);
	if (err)
		goto err_tables;
	err = ltab_init(&r->ftab, (uint32_t)r->o.max_files);
	if (err)
		goto err_tables;
	r->procs = calloc(r->o.max_procs, sizeof(*r->procs));
	r->files = calloc(r->o.max_files, sizeof(*r->files));
	if (!r->procs || !r->files)
		goto err_tables;
	return r;

err_tables:
	ward_ransomware_free(r);
	errno = ENOMEM;
	return NULL;
}

void ward_ransomware_free(struct ward_ransomware *r)
{
	if (!r)
		return;
	ltab_fini(&r->ptab);
	ltab_fini(&r->ftab);
	free(r->procs);
	free(r->files);
	free(r);
}

void ward_ransomware_counters(const struct ward_ransomware *r,
			      struct ward_ransomware_counters *out)
{
	*out = r->c;
	out->procs_evicted = r->ptab.evicted;
	out->files_evicted = r->ftab.evicted;
	out->procs = r->ptab.used;
	out->files = r->ftab.used;
}

/* ---- windowed counts ---- */

static void count_add(const struct ward_ransomware *r, struct rproc *p, uint64_t now, int type)
{
	uint64_t e = now / r->bucket_ns;
	unsigned int i = (unsigned int)(e % NBUCKETS);
	if (p->epoch[i] != e) {
		if (p->epoch[i] > e)
			return; /* older than the window this slot now holds */
		memset(p->cnt[i], 0, sizeof(p->cnt[i]));
		p->epoch[i] = e;
	}
	p->cnt[i][type]++;
}

static uint32_t count_total(const struct ward_ransomware *r, const struct rproc *p,
			    uint64_t now, int type)
{
	uint64_t e = now / r->bucket_ns;
	uint32_t sum = 0;
	for (unsigned int i = 0; i < NBUCKETS; i++)
		if (p->epoch[i] <= e && e - p->epoch[i] < NBUCKETS)
			sum += p->cnt[i][type];
	return sum;
}

static bool within(const struct ward_ransomware *r, uint64_t then, uint64_t now)
{
	if (!then)
		return false;
	if (then >= now) /* events from several CPUs arrive slightly out of order */
		return then - now <= r->bucket_ns;
	return now - then <= r->o.window_ns;
}

static void ring_put(struct ring *g, const struct ward_str_ref *s)
{
	char *dst = g->path[g->pos];
	size_t len = s->len;
	if (g->n) { /* the same file twice in a row (open, then write) is listed once */
		const char *last = g->path[(g->pos + WARD_RANSOM_FILES_KEPT - 1) % WARD_RANSOM_FILES_KEPT];
		if (len < PATH_SLOT && !strncmp(last, s->s, len) && !last[len])
			return;
	}
	if (len < PATH_SLOT) {
		memcpy(dst, s->s, len);
		dst[len] = '\0';
	} else { /* keep the end, where the file's own name is */
		memcpy(dst, "...", 3);
		memcpy(dst + 3, s->s + len - (PATH_SLOT - 4), PATH_SLOT - 4);
		dst[PATH_SLOT - 1] = '\0';
	}
	g->pos = (uint8_t)((g->pos + 1) % WARD_RANSOM_FILES_KEPT);
	if (g->n < WARD_RANSOM_FILES_KEPT)
		g->n++;
}

/* Oldest first. */
static size_t ring_list(const struct ring *g, const char **out)
{
	size_t start = (g->pos + WARD_RANSOM_FILES_KEPT - g->n) % WARD_RANSOM_FILES_KEPT;
	for (size_t i = 0; i < g->n; i++)
		out[i] = g->path[(start + i) % WARD_RANSOM_FILES_KEPT];
	return g->n;
}

/* ---- process trees ---- */

static struct rproc *proc_get(struct ward_ransomware *r, uint32_t tgid, uint64_t hash_id)
{
	uint32_t i = ltab_find(&r->ptab, tgid);
	struct rproc *p;
	if (i != NIL) {
		ltab_touch(&r->ptab, i);
		p = &r->procs[i];
		if (!hash_id || !p->hash_id || p->hash_id == hash_id) {
			if (!p->hash_id)
				p->hash_id = hash_id;
			return p;
		}
		/* the pid was reused: a new process, new counts */
	} else {
		i = ltab_insert(&r->ptab, tgid);
		p = &r->procs[i];
	}
	memset(p, 0, sizeof(*p));
	p->tgid = tgid;
	p->hash_id = hash_id;
	return p;
}

static const char *base_name(const char *s)
{
	const char *b = strrchr(s, '/');
	return b ? b + 1 : s;
}

static bool is_boundary(const struct ward_ransomware *r, uint32_t pid, const struct ward_proc *p)
{
	if (pid <= 1)
		return true;
	if (!p)
		return false;
	if (p->ppid == 0)
		return true; /* kthreadd and anything else the kernel started */
	if (p->cmdline && p->cmdline[0] == '-')
		return true; /* a login shell: argv[0] "-bash" */
	if (!p->exe)
		return false;
	for (size_t i = 0; i < r->o.nboundary; i++) {
		const char *pat = r->o.boundary[i];
		if (pat && !fnmatch(pat, strchr(pat, '/') ? p->exe : base_name(p->exe), 0))
			return true;
	}
	return false;
}

/* The ancestors of the acting process that its counts also go to. */
static void chain_build(struct ward_ransomware *r, struct rproc *self, uint32_t ppid)
{
	self->chain_n = 0;
	self->chain_gen = r->gen;
	for (uint32_t pid = ppid; self->chain_n < WARD_RANSOM_MAX_DEPTH;) {
		const struct ward_proc *p = r->o.get ? r->o.get(r->o.get_ctx, pid) : NULL;
		if (is_boundary(r, pid, p) || pid == self->tgid)
			break;
		bool loop = false;
		for (unsigned int i = 0; i < self->chain_n; i++)
			loop |= self->chain[i] == pid;
		if (loop)
			break;
		self->chain[self->chain_n++] = pid;
		if (!p)
			break; /* unknown beyond this one */
		pid = p->ppid;
	}
}

/* ---- files ---- */

static uint64_t fnv(uint64_t h, const void *s, size_t len)
{
	const unsigned char *p = s;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t fkey(int kind, uint64_t tree, const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ ((uint64_t)kind << 56) ^ (tree * 0x9e3779b97f4a7c15ULL);
	h = fnv(h, s, len);
	return h ? h : 1;
}

static struct rfile *file_find(struct ward_ransomware *r, uint64_t key)
{
	uint32_t i = ltab_find(&r->ftab, key);
	if (i == NIL)
		return NULL;
	ltab_touch(&r->ftab, i);
	return &r->files[i];
}

static struct rfile *file_get(struct ward_ransomware *r, uint64_t key)
{
	struct rfile *f = file_find(r, key);
	if (f)
		return f;
	f = &r->files[ltab_insert(&r->ftab, key)];
	memset(f, 0, sizeof(*f));
	return f;
}

struct names {
	const char *path;
	size_t len, dlen; /* dir = path[0, dlen) */
	const char *base;
	size_t blen;
};

static void split(const struct ward_str_ref *s, struct names *n)
{
	const char *slash = memrchr(s->s, '/', s->len);
	n->path = s->s;
	n->len = s->len;
	n->dlen = slash ? (size_t)(slash - s->s) : 0;
	n->base = slash ? slash + 1 : s->s;
	n->blen = s->len - (size_t)(n->base - s->s);
}

/* The tree read a file of this name in another directory too: the new
 * content is a copy (rsync, cp, install), not a transformation. */
static bool is_copy(struct ward_ransomware *r, uint64_t tree, const struct names *n, uint64_t now)
{
	struct rfile *b = file_find(r, fkey(F_BASE, tree, n->base, n->blen));
	if (!b || !within(r, b->read_ns, now))
		return false;
	return (b->flags & F_MULTIDIR) || b->dir != fkey(F_DIR, tree, n->path, n->dlen);
}

struct ctx {
	struct rproc *ents[WARD_RANSOM_MAX_DEPTH + 1];
	unsigned int n;
	struct rproc *root;
	uint64_t tree;
	uint64_t now;
	bool confirmed;
};

static void confirm(struct ward_ransomware *r, struct ctx *c, struct rfile *f,
		    const struct ward_str_ref *path)
{
	f->flags |= F_CONFIRMED;
	for (unsigned int i = 0; i < c->n; i++)
		count_add(r, c->ents[i], c->now, SEQ);
	ring_put(&c->root->originals, path);
	r->c.sequences++;
	c->confirmed = true;
}

static bool readable(const struct rfile *f, const struct ward_ransomware *r, uint64_t now)
{
	return f && (f->flags & F_READ) && !(f->flags & (F_OWN | F_CONFIRMED)) &&
	       within(r, f->read_ns, now);
}

static void track(struct ward_ransomware *r, struct ctx *c, const struct ward_event *ev)
{
	const struct ward_file_info *fi = &ev->file;
	struct names n, m;
	struct rfile *f, *d;

	if (!fi->path.s || !fi->path.len || fi->path_truncated)
		return;
	split(&fi->path, &n);
	switch (ev->access_type) {
	case XDR_FILE_OPEN: {
		unsigned int acc = fi->flags & O_ACCMODE;
		if (acc != O_RDONLY && acc != O_RDWR)
			return;
		f = file_get(r, fkey(F_FILE, c->tree, n.path, n.len));
		f->flags |= F_READ;
		f->read_ns = c->now;
		uint64_t dk = fkey(F_DIR, c->tree, n.path, n.dlen);
		struct rfile *b = file_get(r, fkey(F_BASE, c->tree, n.base, n.blen));
		if (!b->read_ns)
			b->dir = dk;
		else if (b->dir != dk)
			b->flags |= F_MULTIDIR;
		b->read_ns = c->now;
		break;
	}
	case XDR_FILE_CREATE:
		if (S_ISDIR(fi->mode))
			return;
		f = file_get(r, fkey(F_FILE, c->tree, n.path, n.len));
		f->flags = F_OWN; /* a new file at this name: what was read here is gone */
		f->made_ns = c->now;
		d = file_get(r, fkey(F_DIR, c->tree, n.path, n.dlen));
		d->made_ns = c->now;
		break;
	case XDR_FILE_DELETE:
		f = file_find(r, fkey(F_FILE, c->tree, n.path, n.len));
		if (readable(f, r, c->now)) {
			d = file_find(r, fkey(F_DIR, c->tree, n.path, n.dlen));
			if (d && d->made_ns >= f->read_ns)
				confirm(r, c, f, &fi->path);
		}
		if (f)
			f->flags = 0;
		break;
	case XDR_FILE_MODIFY:
		if (fi->flags & O_APPEND)
			return; /* logs grow by appends; encryption rewrites */
		f = file_find(r, fkey(F_FILE, c->tree, n.path, n.len));
		if (readable(f, r, c->now))
			confirm(r, c, f, &fi->path);
		break;
	case XDR_FILE_MOVE: {
		if (!fi->new_path.s || !fi->new_path.len || fi->new_path_truncated)
			return;
		split(&fi->new_path, &m);
		struct rfile *src = file_find(r, fkey(F_FILE, c->tree, n.path, n.len));
		struct rfile saved = src ? *src : (struct rfile){ 0 };
		if (src)
			src->flags = 0;
		struct rfile *dst = file_find(r, fkey(F_FILE, c->tree, m.path, m.len));
		if (readable(dst, r, c->now) && (saved.flags & F_OWN) &&
		    saved.made_ns >= dst->read_ns && !is_copy(r, c->tree, &m, c->now))
			confirm(r, c, dst, &fi->new_path);
		/* the name now holds what the old name held: its history moves too */
		if (saved.flags || dst) {
			dst = file_get(r, fkey(F_FILE, c->tree, m.path, m.len));
			uint8_t keep = dst->flags & F_CONFIRMED;
			*dst = saved;
			dst->flags |= keep;
		}
		break;
	}
	}
}

static bool is_encryption_api(const char *name)
{
	static const char *const prefixes[] = {
		"EVP_Encrypt", "EVP_Cipher", "EVP_Seal", "EVP_PKEY_encrypt",
	};
	if (!name)
		return false;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

static int ransom_type(uint16_t access_type)
{
	switch (access_type) {
	case XDR_FILE_OPEN: return WARD_RANSOM_OPEN;
	case XDR_FILE_CREATE: return WARD_RANSOM_CREATE;
	case XDR_FILE_DELETE: return WARD_RANSOM_DELETE;
	case XDR_FILE_MOVE: return WARD_RANSOM_MOVE;
	case XDR_FILE_MODIFY: return WARD_RANSOM_MODIFY;
	}
	return -1;
}

static const char *type_phrase(int t)
{
	static const char *const p[] = {
		"file opens", "file creations", "file deletions", "file moves", "file modifications",
	};
	return p[t];
}

static void emit_alert(struct ward_ransomware *r, struct ctx *c, const struct ward_event *ev,
		       bool major, int type, uint32_t total, ward_alert_fn emit, void *ctx)
{
	struct ward_alert a = { 0 };
	struct ward_response_result res = { 0 };
	bool crypto = within(r, c->root->crypto_ns, c->now);
	const char *exe = ev->process.exe.s ? ev->process.exe.s : ev->process.comm;
	size_t ntags = 0;

	a.time_ns = ev->time_ns;
	a.source = WARD_ALERT_RANSOMWARE;
	a.rule = "ransomware";
	a.event = ev;
	a.level = major ? "major" : "minor";
	a.tags[ntags++] = "ransomware";
	a.tags[ntags++] = a.level;
	if (crypto)
		a.tags[ntags++] = "encryption-api";
	a.ntags = ntags;
	if (major) {
		a.severity = crypto ? WARD_SEV_ALERT : WARD_SEV_CRITICAL;
		a.nfiles = ring_list(&c->root->originals, r->files_out);
		r->c.alerts_major++;
		/* before the alert goes out: every millisecond is more files */
		if (r->o.response.action != WARD_RESPONSE_NONE) {
			ward_response_run(&r->o.response, c->root->tgid, &res);
			r->c.responses++;
			if (res.error)
				r->c.response_errors++;
			a.response = res.action;
			a.response_pid = res.root_pid;
			a.response_count = res.count;
			a.response_error = res.error;
		}
		snprintf(r->out, sizeof(r->out),
			 "ransomware behaviour (major): %u files read and then replaced or destroyed "
			 "within %llu s by %s (pid %u, tree %u)%s",
			 total, (unsigned long long)(r->o.window_ns / 1000000000ULL), exe,
			 ev->process.pid, c->root->tgid, crypto ? ", encryption API used" : "");
	} else {
		a.severity = crypto ? WARD_SEV_ERROR : WARD_SEV_WARNING;
		a.nfiles = ring_list(&c->root->recent, r->files_out);
		r->c.alerts_minor++;
		snprintf(r->out, sizeof(r->out),
			 "ransomware behaviour (minor): %u %s within %llu s by %s (pid %u, tree %u)%s",
			 total, type_phrase(type), (unsigned long long)(r->o.window_ns / 1000000000ULL),
			 exe, ev->process.pid, c->root->tgid, crypto ? ", encryption API used" : "");
	}
	for (size_t i = 0; i < a.nfiles; i++)
		a.files[i] = r->files_out[i];
	a.files_total = total > a.nfiles ? total : a.nfiles;
	a.output = r->out;
	if (emit)
		emit(ctx, &a);
}

void ward_ransomware_observe(struct ward_ransomware *r, const struct ward_event *ev,
			     ward_alert_fn emit, void *ctx)
{
	struct ctx c = { .now = ev->time_ns };
	int type = -1;

	r->c.events++;
	if (ev->event_type == XDR_EVENT_PROCESS) {
		/* an exec changes an exe (a boundary?), an exit reparents children */
		if (ev->access_type == XDR_PROCESS_EXECUTE || ev->access_type == XDR_PROCESS_TERMINATE)
			r->gen++;
		return;
	}
	bool crypto = ev->event_type == XDR_EVENT_BM && ev->access_type == XDR_BM_INVOKE_API &&
		      is_encryption_api(ev->act.api_name);
	if (!crypto) {
		type = ransom_type(ev->access_type);
		if (type < 0 || ev->event_type != XDR_EVENT_FILE)
			return;
		/* directories are walked and made by every tool; files are the data */
		if (S_ISDIR(ev->file.mode) || (type == WARD_RANSOM_OPEN && (ev->file.flags & O_DIRECTORY)))
			return;
	}

	struct rproc *self = proc_get(r, ev->process.pid, ev->process.hash_id);
	if (self->chain_gen != r->gen)
		chain_build(r, self, ev->process.ppid);
	c.ents[c.n++] = self;
	uint32_t chain[WARD_RANSOM_MAX_DEPTH];
	unsigned int chain_n = self->chain_n;
	memcpy(chain, self->chain, sizeof(chain));
	for (unsigned int i = 0; i < chain_n; i++) {
		const struct ward_proc *p = r->o.get ? r->o.get(r->o.get_ctx, chain[i]) : NULL;
		c.ents[c.n++] = proc_get(r, chain[i], p ? p->hash_id : 0);
	}
	c.root = c.ents[c.n - 1];
	c.tree = c.root->hash_id ? c.root->hash_id : c.root->tgid;

	if (crypto) {
		for (unsigned int i = 0; i < c.n; i++)
			c.ents[i]->crypto_ns = c.now;
		return;
	}
	r->c.counted++;
	for (unsigned int i = 0; i < c.n; i++)
		count_add(r, c.ents[i], c.now, type);
	if (ev->file.path.s && ev->file.path.len)
		ring_put(&c.root->recent, &ev->file.path);
	track(r, &c, ev);

	if (c.confirmed && !within(r, c.root->major_ns, c.now)) {
		uint32_t seq = count_total(r, c.root, c.now, SEQ);
		if (seq >= r->o.sequence_threshold) {
			c.root->major_ns = c.now;
			c.root->minor_ns = c.now; /* major says more than minor would */
			emit_alert(r, &c, ev, true, SEQ, seq, emit, ctx);
			return;
		}
	}
	if (!within(r, c.root->minor_ns, c.now) && !within(r, c.root->major_ns, c.now)) {
		uint32_t total = count_total(r, c.root, c.now, type);
		if (total >= r->o.thresholds[type]) {
			c.root->minor_ns = c.now;
			emit_alert(r, &c, ev, false, type, total, emit, ctx);
		}
	}
}
