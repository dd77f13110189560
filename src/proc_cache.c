#include "proc_cache.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Open addressing, linear probing, backward-shift deletion: no tombstones,
 * so lookups stay short however many processes come and go. */
struct ward_proc_cache {
	struct ward_proc **slots;
	size_t cap;   /* power of two */
	size_t count;
	uint64_t salt;
	uint64_t grace_ns;
	uint64_t tick_ns;
};

#define INITIAL_CAP 1024

static uint64_t mix64(uint64_t x)
{
	/* splitmix64 finaliser */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static size_t slot_of(const struct ward_proc_cache *c, uint32_t tgid)
{
	return mix64(tgid) & (c->cap - 1);
}

struct ward_proc_cache *ward_proc_cache_new(uint64_t boot_salt, uint64_t grace_ns)
{
	struct ward_proc_cache *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->slots = calloc(INITIAL_CAP, sizeof(*c->slots));
	if (!c->slots) {
		free(c);
		return NULL;
	}
	c->cap = INITIAL_CAP;
	c->salt = boot_salt;
	c->grace_ns = grace_ns;
	long hz = sysconf(_SC_CLK_TCK);
	c->tick_ns = 1000000000ULL / (uint64_t)(hz > 0 ? hz : 100);
	return c;
}

static void proc_free(struct ward_proc *p)
{
	if (!p)
		return;
	free(p->exe);
	free(p->cmdline);
	free(p->cwd);
	free(p);
}

void ward_proc_cache_free(struct ward_proc_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->cap; i++)
		proc_free(c->slots[i]);
	free(c->slots);
	free(c);
}

uint64_t ward_proc_hash_id(const struct ward_proc_cache *c, uint32_t tgid,
			   uint64_t start_boottime_ns)
{
	uint64_t ticks = start_boottime_ns / c->tick_ns;
	return mix64(c->salt ^ mix64(((uint64_t)tgid << 32) ^ mix64(ticks)));
}

struct ward_proc *ward_proc_get(struct ward_proc_cache *c, uint32_t tgid)
{
	for (size_t i = slot_of(c, tgid);; i = (i + 1) & (c->cap - 1)) {
		struct ward_proc *p = c->slots[i];
		if (!p)
			return NULL;
		if (p->tgid == tgid)
			return p;
	}
}

static void remove_at(struct ward_proc_cache *c, size_t i)
{
	proc_free(c->slots[i]);
	c->slots[i] = NULL;
	c->count--;
	/* Shift back the entries of the probe run that follows. */
	for (size_t j = (i + 1) & (c->cap - 1); c->slots[j]; j = (j + 1) & (c->cap - 1)) {
		size_t home = slot_of(c, c->slots[j]->tgid);
		/* Move j to i if its home is not in (i, j] cyclically. */
		if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
			c->slots[i] = c->slots[j];
			c->slots[j] = NULL;
			i = j;
		}
	}
}

static int grow(struct ward_proc_cache *c)
{
	size_t ncap = c->cap * 2;
	struct ward_proc **ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	for (size_t i = 0; i < c->cap; i++) {
		struct ward_proc *p = c->slots[i];
		if (!p)
			continue;
		size_t j = mix64(p->tgid) & (ncap - 1);
		while (ns[j])
			j = (j + 1) & (ncap - 1);
		ns[j] = p;
	}
	free(c->slots);
	c->slots = ns;
	c->cap = ncap;
	return 0;
}

struct ward_proc *ward_proc_upsert(struct ward_proc_cache *c, uint32_t tgid,
				   uint64_t start_boottime_ns, bool *created)
{
	size_t i = slot_of(c, tgid);
	for (;; i = (i + 1) & (c->cap - 1)) {
		struct ward_proc *p = c->slots[i];
		if (!p)
			break;
		if (p->tgid != tgid)
			continue;
		if (p->start_boottime_ns / c->tick_ns == start_boottime_ns / c->tick_ns) {
			/* Same instance; keep the most precise start time. */
			if (start_boottime_ns % c->tick_ns)
				p->start_boottime_ns = start_boottime_ns;
			*created = false;
			return p;
		}
		/* The pid was reused: the old instance is gone. */
		remove_at(c, i);
		return ward_proc_upsert(c, tgid, start_boottime_ns, created);
	}
	if ((c->count + 1) * 4 > c->cap * 3) {
		if (grow(c) < 0)
			return NULL;
		return ward_proc_upsert(c, tgid, start_boottime_ns, created);
	}
	struct ward_proc *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->tgid = tgid;
	p->start_boottime_ns = start_boottime_ns;
	p->hash_id = ward_proc_hash_id(c, tgid, start_boottime_ns);
	c->slots[i] = p;
	c->count++;
	*created = true;
	return p;
}

int ward_proc_set_str(char **dst, size_t *dst_len, const char *s, size_t len)
{
	char *n = malloc(len + 1);
	if (!n)
		return -ENOMEM;
	memcpy(n, s, len);
	n[len] = 0;
	free(*dst);
	*dst = n;
	*dst_len = len;
	return 0;
}

int ward_proc_set_argv(struct ward_proc *p, const char *argv, size_t len)
{
	/* argv ends with a NUL; drop trailing ones, join the rest with spaces */
	while (len && argv[len - 1] == 0)
		len--;
	char *n = malloc(len + 1);
	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++)
		n[i] = argv[i] ? argv[i] : ' ';
	n[len] = 0;
	free(p->cmdline);
	p->cmdline = n;
	p->cmdline_len = len;
	return 0;
}

int ward_proc_inherit(struct ward_proc *child, const struct ward_proc *parent)
{
	int err = 0;
	if (parent->exe)
		err |= ward_proc_set_str(&child->exe, &child->exe_len, parent->exe, parent->exe_len);
	if (parent->cmdline)
		err |= ward_proc_set_str(&child->cmdline, &child->cmdline_len, parent->cmdline,
					 parent->cmdline_len);
	if (parent->cwd)
		err |= ward_proc_set_str(&child->cwd, &child->cwd_len, parent->cwd, parent->cwd_len);
	memcpy(child->comm, parent->comm, sizeof(child->comm));
	child->uid = parent->uid;
	child->euid = parent->euid;
	child->gid = parent->gid;
	child->suid = parent->suid;
	child->fsuid = parent->fsuid;
	child->egid = parent->egid;
	child->sgid = parent->sgid;
	child->fsgid = parent->fsgid;
	return err ? -ENOMEM : 0;
}

void ward_proc_mark_exited(struct ward_proc *p, uint64_t now_boot_ns)
{
	p->exited_at_ns = now_boot_ns ? now_boot_ns : 1;
}

void ward_proc_cache_expire(struct ward_proc_cache *c, uint64_t now_boot_ns)
{
	for (size_t i = 0; i < c->cap; i++) {
		struct ward_proc *p = c->slots[i];
		while (p && p->exited_at_ns && p->exited_at_ns + c->grace_ns <= now_boot_ns) {
			/* remove_at may shift another entry into slot i */
			remove_at(c, i);
			p = c->slots[i];
		}
	}
}

size_t ward_proc_cache_size(const struct ward_proc_cache *c)
{
	return c->count;
}

/* ---- procfs ---- */

static ssize_t read_file(int dirfd, const char *name, char *buf, size_t size)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t n = 0;
	while (n < size) {
		ssize_t r = read(fd, buf + n, size - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int err = -errno;
			close(fd);
			return err;
		}
		if (r == 0)
			break;
		n += r;
	}
	close(fd);
	return n;
}

static int read_link(int dirfd, const char *name, char **dst, size_t *dst_len)
{
	char buf[PATH_MAX];
	ssize_t n = readlinkat(dirfd, name, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	return ward_proc_set_str(dst, dst_len, buf, n);
}

/* /proc/PID/stat: "pid (comm) state ppid ... starttime(22) ..."; comm may
 * contain spaces and parentheses, so parse from the last ')'. */
static int parse_stat(const char *buf, uint32_t *ppid, uint64_t *start_ticks, char comm[16])
{
	const char *open = strchr(buf, '(');
	const char *close = strrchr(buf, ')');
	if (!open || !close || close < open)
		return -EINVAL;
	size_t clen = close - open - 1;
	if (clen > 15)
		clen = 15;
	memcpy(comm, open + 1, clen);
	comm[clen] = 0;
	const char *p = close + 2; /* field 3: state */
	for (int field = 3; field < 22 && *p; field++) {
		if (field == 4)
			*ppid = strtoul(p, NULL, 10);
		p = strchr(p, ' ');
		if (!p)
			return -EINVAL;
		p++;
	}
	*start_ticks = strtoull(p, NULL, 10);
	return 0;
}

/* "Uid:\treal\teffective\tsaved\tfilesystem" */
static void parse_ids(const char *status, const char *key, uint32_t ids[4])
{
	const char *l = strstr(status, key);
	if (!l)
		return;
	const char *p = l + strlen(key);
	for (int i = 0; i < 4; i++) {
		char *end;
		ids[i] = strtoul(p, &end, 10);
		p = end;
	}
}

int ward_proc_load(struct ward_proc_cache *c, const char *procfs_root, uint32_t tgid,
		   struct ward_proc **out)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "%s/%u", procfs_root, tgid);
	int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;

	int err;
	ssize_t n = read_file(dfd, "stat", buf, sizeof(buf) - 1);
	if (n <= 0) {
		err = n < 0 ? (int)n : -ESRCH;
		goto out_close;
	}
	buf[n] = 0;
	uint32_t ppid = 0;
	uint64_t ticks = 0;
	char comm[16] = "";
	err = parse_stat(buf, &ppid, &ticks, comm);
	if (err)
		goto out_close;

	bool created;
	struct ward_proc *p = ward_proc_upsert(c, tgid, ticks * c->tick_ns, &created);
	if (!p) {
		err = -ENOMEM;
		goto out_close;
	}
	p->ppid = ppid;
	memcpy(p->comm, comm, sizeof(p->comm));

	n = read_file(dfd, "status", buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = 0;
		uint32_t u[4] = { 0 }, g[4] = { 0 };
		parse_ids(buf, "\nUid:", u);
		parse_ids(buf, "\nGid:", g);
		p->uid = u[0];
		p->euid = u[1];
		p->suid = u[2];
		p->fsuid = u[3];
		p->gid = g[0];
		p->egid = g[1];
		p->sgid = g[2];
		p->fsgid = g[3];
	}
	/* Kernel threads have no exe; that is not an error. */
	read_link(dfd, "exe", &p->exe, &p->exe_len);
	read_link(dfd, "cwd", &p->cwd, &p->cwd_len);
	n = read_file(dfd, "cmdline", buf, sizeof(buf));
	if (n > 0)
		ward_proc_set_argv(p, buf, n);
	if (out)
		*out = p;
	err = 0;
out_close:
	close(dfd);
	return err;
}

int ward_proc_cache_scan(struct ward_proc_cache *c, const char *procfs_root)
{
	DIR *d = opendir(procfs_root);
	if (!d)
		return -errno;
	int loaded = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		uint32_t tgid = strtoul(de->d_name, NULL, 10);
		if (ward_proc_load(c, procfs_root, tgid, NULL) == 0)
			loaded++;
	}
	closedir(d);
	return loaded;
}
