// SPDX-License-Identifier: GPL-2.0
/*
 * Why a component walker rather than realpath(3) or open(O_PATH) + readlink(/proc/self/fd/N):
 * both of those let ward's own process interpret "/proc/self" wherever the walk meets it, not
 * only as a leading prefix: through a symlink ("ln -s /proc/self x; cat x/fd/3"), after ".."
 * ("/tmp/../proc/self/fd/3"), or inside /proc's own links (/proc/mounts -> self/mounts). A
 * sensor that resolves the acting process's path through its own fd table reports the wrong
 * file, and the attacker chooses which. Walking one component at a time with lstat(2) and
 * readlink(2), which is what realpath does internally (about one syscall per component), lets
 * us substitute the acting task where the kernel would, stop ".." at the task's root the way
 * the kernel does, and tell /proc magic links from ordinary symlinks. Everything lives in
 * fixed stack buffers, about 20 KiB, so a call never allocates.
 */
#include <errno.h>
#include <limits.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "path_resolve.h"

/* The kernel gives up with ELOOP after this many links in one lookup (MAXSYMLINKS). */
#define WARD_MAXSYMLINKS 40

/* An absolute path being built in a caller's buffer: no trailing '/' except for "/" itself. */
struct path {
	char *s;
	size_t len;
	size_t size;
};

static int path_init_root(struct path *p, char *s, size_t size)
{
	/* Lengths are returned as int. */
	if (size > INT_MAX)
		size = INT_MAX;
	p->s = s;
	p->size = size;
	p->len = 0;
	if (size < 2)
		return -ENAMETOOLONG;
	s[0] = '/';
	s[1] = '\0';
	p->len = 1;
	return 0;
}

static void path_truncate(struct path *p, size_t len)
{
	p->len = len;
	p->s[len] = '\0';
}

static int path_push(struct path *p, const char *comp, size_t n)
{
	size_t sep = p->len > 1;

	if (p->len + sep + n >= p->size)
		return -ENAMETOOLONG;
	if (sep)
		p->s[p->len++] = '/';
	memcpy(p->s + p->len, comp, n);
	path_truncate(p, p->len + n);
	return 0;
}

/*
 * "..": like the kernel's follow_dotdot(), stop only when standing exactly on the task's root,
 * so a chrooted task cannot climb out lexically, yet a walk that left the root through a magic
 * link climbs freely, as the real one would.
 */
static void path_pop(struct path *p, const char *root, size_t rootlen)
{
	size_t len = p->len;

	if (len == rootlen && !memcmp(p->s, root, rootlen))
		return;
	while (len > 1 && p->s[len - 1] != '/')
		len--;
	if (len > 1)
		len--;
	path_truncate(p, len);
}

static const char *next_comp(const char *s, size_t *n)
{
	while (*s == '/')
		s++;
	*n = strcspn(s, "/");
	return s;
}

static bool is_dot(const char *c, size_t n)
{
	return n == 1 && c[0] == '.';
}

static bool is_dotdot(const char *c, size_t n)
{
	return n == 2 && c[0] == '.' && c[1] == '.';
}

static int walk_lexical(struct path *p, const char *root, size_t rootlen, const char *s)
{
	for (;;) {
		size_t n;
		const char *c = next_comp(s, &n);
		int ret;

		if (!n)
			return 0;
		s = c + n;
		if (is_dot(c, n))
			continue;
		if (is_dotdot(c, n)) {
			path_pop(p, root, rootlen);
			continue;
		}
		ret = path_push(p, c, n);
		if (ret)
			return ret;
	}
}

int ward_path_normalize(const char *in, char *out, size_t outsz)
{
	struct path p;
	int ret;

	if (in[0] != '/')
		return -EINVAL;
	ret = path_init_root(&p, out, outsz);
	if (!ret)
		ret = walk_lexical(&p, "/", 1, in);
	if (ret) {
		if (outsz)
			out[0] = '\0';
		return ret;
	}
	return (int)p.len;
}

/*
 * Lexical join into p. *rootlen is the length of the task's root at the start of p: base for
 * an absolute req, "/" otherwise. The root prefix is never rewritten, only appended to.
 */
static int join(const char *base, const char *req, struct path *p, size_t *rootlen)
{
	int ret;

	if (!base || base[0] != '/')
		return -EINVAL;
	ret = walk_lexical(p, "/", 1, base);
	if (ret)
		return ret;
	if (req[0] == '/') {
		*rootlen = p->len;
		return walk_lexical(p, p->s, p->len, req);
	}
	*rootlen = 1;
	return walk_lexical(p, "/", 1, req);
}

int ward_path_join(const char *base, const char *req, char *out, size_t outsz)
{
	struct path p;
	size_t rootlen;
	int ret;

	ret = path_init_root(&p, out, outsz);
	if (!ret)
		ret = join(base, req ? req : "", &p, &rootlen);
	if (ret) {
		if (outsz)
			out[0] = '\0';
		return ret;
	}
	return (int)p.len;
}

static size_t put_u32(char *dst, uint32_t v)
{
	char tmp[10];
	size_t i = sizeof(tmp), n;

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	n = sizeof(tmp) - i;
	memcpy(dst, tmp + i, n);
	return n;
}

static bool is_self(const char *c, size_t n)
{
	return (n == 4 && !memcmp(c, "self", 4)) || (n == 11 && !memcmp(c, "thread-self", 11));
}

/* What /proc/self or /proc/thread-self would read as for the acting task; dst >= 32 bytes. */
static size_t proc_self_target(const char *c, size_t n, uint32_t pid, uint32_t tid, char *dst)
{
	size_t len = put_u32(dst, pid);

	if (n == 4)
		return len;
	memcpy(dst + len, "/task/", 6);
	len += 6;
	return len + put_u32(dst + len, tid);
}

/* Lexical fallback: replace "<root>/proc/self" or "<root>/proc/thread-self" at the start. */
static int subst_proc_self(struct path *p, size_t rootlen, uint32_t pid, uint32_t tid)
{
	size_t off = (rootlen > 1 ? rootlen : 0) + 6, n, tl;
	char target[32];

	if (!pid || p->len < off || memcmp(p->s + off - 6, "/proc/", 6))
		return 0;
	n = strcspn(p->s + off, "/");
	if (!is_self(p->s + off, n))
		return 0;
	tl = proc_self_target(p->s + off, n, pid, tid, target);
	if (p->len - n + tl >= p->size)
		return -ENAMETOOLONG;
	memmove(p->s + off + tl, p->s + off + n, p->len - off - n + 1);
	memcpy(p->s + off, target, tl);
	p->len = p->len - n + tl;
	return 0;
}

struct walker {
	struct path cur;	/* resolved so far: no symlinks in it */
	const char *root;	/* the task's root, where ".." stops and absolute links restart */
	size_t rootlen;
	char *rest;		/* what is left to walk; a link's target is spliced in front */
	size_t restsz;
	char *link;
	size_t linksz;
	uint32_t pid, tid;
	int nlinks;
};

/* Is the directory cur[0..len) on procfs? statfs(2) on a directory we already resolved. */
static bool on_procfs(struct path *p, size_t len)
{
	struct statfs sfs;
	char saved = p->s[len];
	int ret;

	p->s[len] = '\0';
	ret = statfs(p->s, &sfs);
	p->s[len] = saved;
	return ret == 0 && sfs.f_type == PROC_SUPER_MAGIC;
}

/* Continue the walk with text followed by whatever came after the link (after). */
static int splice(struct walker *w, const char **pos, const char *after, const char *text,
		  size_t tl)
{
	size_t al = strlen(after);

	if (tl + al >= w->restsz)
		return -ENAMETOOLONG;
	memmove(w->rest + tl, after, al + 1);
	memcpy(w->rest, text, tl);
	*pos = w->rest;
	return 0;
}

/* 0 with the answer in w->cur, or -errno when the file system cannot answer. */
static int walk_fs(struct walker *w, unsigned int flags)
{
	const char *pos = w->rest;

	for (;;) {
		size_t n, parent;
		const char *c = next_comp(pos, &n), *after = c + n;
		bool last, follow, procfs;
		struct stat st;
		ssize_t ln;
		int ret;

		if (!n)
			return 0;
		/* A trailing '/' makes the kernel follow the last link even under O_NOFOLLOW. */
		last = after[strspn(after, "/")] == '\0';
		follow = !last || *after || !(flags & WARD_RESOLVE_NOFOLLOW);
		if (is_dot(c, n)) {
			pos = after;
			continue;
		}
		if (is_dotdot(c, n)) {
			path_pop(&w->cur, w->root, w->rootlen);
			pos = after;
			continue;
		}

		parent = w->cur.len;
		if (is_self(c, n) && on_procfs(&w->cur, parent)) {
			/* procfs answers "self" by who asks; answer it for the acting task. */
			if (!w->pid)
				return -ESRCH;
			if (++w->nlinks > WARD_MAXSYMLINKS)
				return -ELOOP;
			ret = splice(w, &pos, after, w->link,
				     proc_self_target(c, n, w->pid, w->tid, w->link));
			if (ret)
				return ret;
			continue;
		}

		ret = path_push(&w->cur, c, n);
		if (ret)
			return ret;
		if (lstat(w->cur.s, &st) < 0) {
			/* Only the final name is missing: a file being created, or already gone. */
			if (errno == ENOENT && last)
				return 0;
			return -errno;
		}
		if (!S_ISLNK(st.st_mode) || !follow) {
			pos = after;
			continue;
		}

		if (++w->nlinks > WARD_MAXSYMLINKS)
			return -ELOOP;
		ln = readlink(w->cur.s, w->link, w->linksz);
		if (ln < 0)
			return -errno;
		if (ln == 0)
			return -ENOENT;
		if ((size_t)ln >= w->linksz)
			return -ENAMETOOLONG;

		/*
		 * procfs's own links (self, mounts -> self/mounts) are relative and contain no ':'.
		 * Its magic links read as an absolute path seen from ward's root, or as
		 * "pipe:[123]"-like names for objects with no path, which we must not walk.
		 */
		procfs = on_procfs(&w->cur, parent);
		if (procfs && w->link[0] != '/' && memchr(w->link, ':', (size_t)ln)) {
			if (!last)
				return -ENOTDIR;
			return 0;
		}
		path_truncate(&w->cur, parent);
		if (w->link[0] == '/') {
			if (procfs) {
				path_truncate(&w->cur, 1);
			} else {
				memcpy(w->cur.s, w->root, w->rootlen);
				path_truncate(&w->cur, w->rootlen);
			}
		}
		ret = splice(w, &pos, after, w->link, (size_t)ln);
		if (ret)
			return ret;
	}
}

int ward_path_resolve(const char *base, const char *req, unsigned int flags, uint32_t pid,
		      uint32_t tid, char *out, size_t outsz, bool *resolved_fs)
{
	char root[PATH_MAX], cur[PATH_MAX], rest[PATH_MAX], link[PATH_MAX];
	struct walker w = {
		.root = root, .rest = rest, .restsz = sizeof(rest),
		.link = link, .linksz = sizeof(link), .pid = pid, .tid = tid ? tid : pid,
	};
	struct path lex;
	size_t rootlen, reqlen;
	int ret;

	*resolved_fs = false;
	if (!req)
		req = "";

	/* The lexical answer first: it is the result whenever the file system cannot answer. */
	ret = path_init_root(&lex, out, outsz);
	if (!ret)
		ret = join(base, req, &lex, &rootlen);
	if (!ret)
		ret = subst_proc_self(&lex, rootlen, w.pid, w.tid);
	if (ret) {
		if (outsz)
			out[0] = '\0';
		return ret;
	}

	/* base comes from the kernel's d_path, so it is trusted to be free of symlinks. */
	if (path_init_root(&w.cur, cur, sizeof(cur)) || walk_lexical(&w.cur, "/", 1, base))
		return (int)lex.len;
	if (req[0] == '/') {
		memcpy(root, cur, w.cur.len + 1);
		w.rootlen = w.cur.len;
	} else {
		memcpy(root, "/", 2);
		w.rootlen = 1;
	}
	reqlen = strlen(req);
	if (reqlen >= sizeof(rest))
		return (int)lex.len;
	memcpy(rest, req, reqlen + 1);

	if (walk_fs(&w, flags) < 0)
		return (int)lex.len;
	if (w.cur.len >= lex.size) {
		out[0] = '\0';
		return -ENAMETOOLONG;
	}
	memcpy(out, cur, w.cur.len + 1);
	*resolved_fs = true;
	return (int)w.cur.len;
}
