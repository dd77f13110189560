#include "derive.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hooks.h"
#include "ward/xdr_types.h"

/* ---- account files ---- */

enum { ACC_PASSWD, ACC_SHADOW, ACC_GROUP, ACC_GSHADOW, ACC_FILES };

static const char *const acc_paths[ACC_FILES] = {
	"/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow",
};

struct acc_entry {
	char name[64];
	uint32_t id;      /* uid or gid; 0 for shadow files */
	uint64_t line;    /* hash of the whole line: a change is a modification */
};

struct acc_table {
	struct acc_entry *e;
	size_t n;
	bool loaded;
};

/* Account files are small; more than this is not an account file. */
#define ACC_FILE_MAX (4 << 20)

struct ward_deriver {
	struct ward_proc_cache *cache;
	char root[PATH_MAX];
	struct acc_table acc[ACC_FILES];
	char name_buf[17];
	char old_buf[17];
};

static uint64_t fnv(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

/* Parse "name:x:id:..." lines; id is the third field for passwd/group. */
static int acc_load(struct ward_deriver *d, int which, struct acc_table *out)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s%s", strcmp(d->root, "/") ? d->root : "", acc_paths[which]);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	char *buf = malloc(ACC_FILE_MAX + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	size_t len = 0;
	for (;;) {
		ssize_t r = read(fd, buf + len, ACC_FILE_MAX - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += r;
		if (len == ACC_FILE_MAX)
			break;
	}
	close(fd);
	buf[len] = 0;

	size_t cap = 64, n = 0;
	struct acc_entry *e = malloc(cap * sizeof(*e));
	if (!e) {
		free(buf);
		return -ENOMEM;
	}
	for (char *line = buf; line < buf + len;) {
		char *nl = memchr(line, '\n', buf + len - line);
		size_t ll = nl ? (size_t)(nl - line) : (size_t)(buf + len - line);
		char *colon = memchr(line, ':', ll);
		if (colon && colon > line && line[0] != '#') {
			if (n == cap) {
				struct acc_entry *ne = realloc(e, 2 * cap * sizeof(*e));
				if (!ne)
					break;
				e = ne;
				cap *= 2;
			}
			struct acc_entry *x = &e[n++];
			size_t nl_len = colon - line < 63 ? (size_t)(colon - line) : 63;
			memcpy(x->name, line, nl_len);
			x->name[nl_len] = 0;
			x->id = 0;
			if (which == ACC_PASSWD || which == ACC_GROUP) {
				char *f2 = memchr(colon + 1, ':', line + ll - colon - 1);
				if (f2)
					x->id = strtoul(f2 + 1, NULL, 10);
			}
			x->line = fnv(line, ll);
		}
		line += ll + 1;
	}
	free(buf);
	free(out->e);
	out->e = e;
	out->n = n;
	out->loaded = true;
	return 0;
}

static const struct acc_entry *acc_find(const struct acc_table *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->e[i].name, name))
			return &t->e[i];
	return NULL;
}

static void emit_account(const struct ward_event *src, unsigned int access,
			 const struct acc_entry *x, int which, ward_emit_fn emit, void *ctx)
{
	struct ward_event ev = *src;
	ev.event_type = XDR_EVENT_ACCOUNT;
	ev.access_type = access;
	ev.count = 1;
	memset(&ev.file, 0, sizeof(ev.file));
	ev.account.name = x->name;
	ev.account.id = x->id;
	ev.account.file = acc_paths[which];
	ev.account.group = which == ACC_GROUP || which == ACC_GSHADOW;
	ev.account.has_id = which == ACC_PASSWD || which == ACC_GROUP;
	emit(ctx, &ev);
}

/* Compare the file with what ward last saw and report each difference. */
static void acc_check(struct ward_deriver *d, int which, const struct ward_event *src,
		      ward_emit_fn emit, void *ctx)
{
	struct acc_table now = { 0 };
	if (acc_load(d, which, &now) < 0)
		return;
	struct acc_table *old = &d->acc[which];
	if (old->loaded) {
		for (size_t i = 0; i < now.n; i++) {
			const struct acc_entry *o = acc_find(old, now.e[i].name);
			if (!o)
				emit_account(src, XDR_ACCOUNT_ADD, &now.e[i], which, emit, ctx);
			else if (o->line != now.e[i].line)
				emit_account(src, XDR_ACCOUNT_MODIFY, &now.e[i], which, emit, ctx);
		}
		for (size_t i = 0; i < old->n; i++)
			if (!acc_find(&now, old->e[i].name))
				emit_account(src, XDR_ACCOUNT_DELETE, &old->e[i], which, emit, ctx);
	}
	free(old->e);
	*old = now;
}

static int acc_which(struct ward_str_ref p)
{
	if (!p.s)
		return -1;
	for (int i = 0; i < ACC_FILES; i++)
		if (p.len == strlen(acc_paths[i]) && !memcmp(p.s, acc_paths[i], p.len))
			return i;
	return -1;
}

/* ---- /proc/PID/mem and /proc/PID/comm ---- */

/* "/proc/1234/mem" -> 1234 and "mem"; also /proc/1234/task/1235/comm. */
static uint32_t proc_file(struct ward_str_ref p, const char **leaf)
{
	if (!p.s || p.len < 8 || memcmp(p.s, "/proc/", 6))
		return 0;
	char *end;
	unsigned long pid = strtoul(p.s + 6, &end, 10);
	if (end == p.s + 6 || *end != '/' || !pid)
		return 0;
	const char *rest = end + 1;
	if (!strncmp(rest, "task/", 5)) {
		strtoul(rest + 5, &end, 10);
		if (*end != '/')
			return 0;
		rest = end + 1;
	}
	*leaf = rest;
	return pid;
}

static void emit_proc_access(struct ward_deriver *d, const struct ward_event *src,
			     unsigned int access, uint32_t target, ward_emit_fn emit, void *ctx)
{
	struct ward_event ev = *src;
	ev.event_type = XDR_EVENT_MODIFIED_PROCESS;
	ev.access_type = access;
	memset(&ev.file, 0, sizeof(ev.file));
	memset(&ev.target, 0, sizeof(ev.target));
	memset(&ev.act, 0, sizeof(ev.act));
	ev.target.pid = target;
	struct ward_proc *t = ward_proc_get(d->cache, target);
	if (t) {
		ev.target.exe = (struct ward_str_ref){ t->exe, t->exe ? t->exe_len : 0 };
		ev.target.cmdline = (struct ward_str_ref){ t->cmdline, t->cmdline ? t->cmdline_len : 0 };
		ev.target.comm = t->comm;
		ev.target.hash_id = t->hash_id;
	}
	ev.act.syscall = src->access_type == XDR_FILE_OPEN ? "open" : "write";
	if (access == XDR_MODIFIED_PROCESS_WRITE_PROCESS_NAME) {
		/* Writes to comm are allowed only within the writer's own
		 * process: the record's comm is the name after the write.
		 * Another thread's name needs a read of /proc (rare). */
		snprintf(d->old_buf, sizeof(d->old_buf), "%s",
			 src->process.comm_before ? src->process.comm_before : t ? t->comm : "");
		d->name_buf[0] = 0;
		if (target == src->process.pid && src->process.comm) {
			snprintf(d->name_buf, sizeof(d->name_buf), "%s", src->process.comm);
		} else {
			char path[64];
			snprintf(path, sizeof(path), "/proc/%u/comm", target);
			int fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd >= 0) {
				ssize_t n = read(fd, d->name_buf, 16);
				close(fd);
				if (n > 0) {
					d->name_buf[n] = 0;
					d->name_buf[strcspn(d->name_buf, "\n")] = 0;
				}
			}
		}
		if (!d->name_buf[0] || !strcmp(d->name_buf, d->old_buf))
			return;
		ev.act.old_name = d->old_buf;
		ev.act.new_name = d->name_buf;
		ev.target.comm = d->name_buf;
		if (t)
			snprintf(t->comm, sizeof(t->comm), "%s", d->name_buf);
	}
	emit(ctx, &ev);
}

void ward_derive(struct ward_deriver *d, const struct ward_event *ev, ward_emit_fn emit, void *ctx)
{
	if (ev->event_type != XDR_EVENT_FILE)
		return;
	unsigned int a = ev->access_type;

	int which = acc_which(a == XDR_FILE_MOVE ? ev->file.new_path : ev->file.path);
	if (which >= 0 && (a == XDR_FILE_MODIFY || a == XDR_FILE_CLOSE || a == XDR_FILE_MOVE ||
			   a == XDR_FILE_CREATE)) {
		acc_check(d, which, ev, emit, ctx);
		return;
	}

	const char *leaf = NULL;
	uint32_t target = proc_file(ev->file.path, &leaf);
	if (!target)
		return;
	/* A modification by a write, not the truncation of an O_TRUNC open
	 * (which changes nothing in a /proc file). */
	const char *sc = ward_syscall_name(ev->file.syscall_nr);
	bool by_write = sc && (!strcmp(sc, "write") || !strcmp(sc, "pwrite64") ||
			       !strcmp(sc, "writev") || !strcmp(sc, "pwritev") ||
			       !strcmp(sc, "pwritev2"));
	if (!strcmp(leaf, "mem") && target != ev->process.pid) {
		int acc = ev->file.flags & 3;
		if (a == XDR_FILE_OPEN && acc != 1 /* O_WRONLY */)
			emit_proc_access(d, ev, XDR_MODIFIED_PROCESS_READ_PROCESS, target, emit, ctx);
		else if (a == XDR_FILE_MODIFY && by_write)
			emit_proc_access(d, ev, XDR_MODIFIED_PROCESS_WRITE_MEMORY, target, emit, ctx);
	} else if (!strcmp(leaf, "comm") && ((a == XDR_FILE_MODIFY && by_write) ||
					     a == XDR_FILE_CLOSE)) {
		/* (the kernel allows it only within the writer's own process;
		 * a rename is reported only if the name really changed) */
		emit_proc_access(d, ev, XDR_MODIFIED_PROCESS_WRITE_PROCESS_NAME, target, emit, ctx);
	}
}

struct ward_deriver *ward_deriver_new(struct ward_proc_cache *cache, const char *root)
{
	struct ward_deriver *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->cache = cache;
	snprintf(d->root, sizeof(d->root), "%s", root);
	/* The baseline every later change is compared with. */
	for (int i = 0; i < ACC_FILES; i++)
		acc_load(d, i, &d->acc[i]);
	return d;
}

void ward_deriver_free(struct ward_deriver *d)
{
	if (!d)
		return;
	for (int i = 0; i < ACC_FILES; i++)
		free(d->acc[i].e);
	free(d);
}
