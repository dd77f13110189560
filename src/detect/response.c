/* Stop or kill a process tree found through procfs ppid links. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "detect/response.h"

struct pp {
	uint32_t pid, ppid;
};

int ward_response_parse(const char *s)
{
	if (!s)
		return -EINVAL;
	if (!strcasecmp(s, "none"))
		return WARD_RESPONSE_NONE;
	if (!strcasecmp(s, "stop"))
		return WARD_RESPONSE_STOP;
	if (!strcasecmp(s, "kill"))
		return WARD_RESPONSE_KILL;
	return -EINVAL;
}

const char *ward_response_name(enum ward_response_action a)
{
	switch (a) {
	case WARD_RESPONSE_NONE: return "none";
	case WARD_RESPONSE_STOP: return "stop";
	case WARD_RESPONSE_KILL: return "kill";
	}
	return "unknown";
}

int ward_response_allowed(const struct ward_response_opts *o, const char *exe)
{
	if (!exe || !o->allow)
		return 0;
	for (size_t i = 0; i < o->nallow; i++)
		if (o->allow[i] && !fnmatch(o->allow[i], exe, 0))
			return 1;
	return 0;
}

static const char *root_of(const char *procfs_root)
{
	return procfs_root ? procfs_root : "/proc";
}

/* "pid (comm) S ppid ...": comm may hold spaces and ')', so parse after the last ')'. */
static int read_ppid(int dirfd, const char *name, uint32_t *ppid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "%s/stat", name);
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	int err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	buf[n] = '\0';
	char *rp = strrchr(buf, ')');
	if (!rp)
		return -EINVAL;
	char state;
	unsigned long v;
	if (sscanf(rp + 1, " %c %lu", &state, &v) != 2 || v > UINT32_MAX)
		return -EINVAL;
	*ppid = (uint32_t)v;
	return 0;
}

static int cmp_ppid(const void *a, const void *b)
{
	const struct pp *x = a, *y = b;
	if (x->ppid != y->ppid)
		return x->ppid < y->ppid ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static bool is_pid_name(const char *s, uint32_t *pid)
{
	unsigned long v = 0;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > UINT32_MAX)
			return false;
	}
	*pid = (uint32_t)v;
	return true;
}

int ward_response_tree(const char *procfs_root, uint32_t root_pid, uint32_t *out, size_t max)
{
	const char *root = root_of(procfs_root);
	size_t n = 0, cap = 1024, nout = 0;
	bool have_root = false;
	struct pp *all = NULL;
	int err = 0;

	if (!max)
		return -EINVAL;
	int dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	DIR *d = fdopendir(dfd);
	if (!d) {
		err = -errno;
		close(dfd);
		return err;
	}
	all = malloc(cap * sizeof(*all));
	if (!all) {
		err = -ENOMEM;
		goto out_dir;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		uint32_t pid, ppid;
		if (!is_pid_name(de->d_name, &pid))
			continue;
		if (read_ppid(dfd, de->d_name, &ppid))
			continue; /* gone meanwhile, or not a process */
		if (pid == root_pid)
			have_root = true;
		if (n == WARD_RESPONSE_MAX_PROCS)
			break;
		if (n == cap) {
			struct pp *p = realloc(all, cap * 2 * sizeof(*all));
			if (!p) {
				err = -ENOMEM;
				goto out_all;
			}
			all = p;
			cap *= 2;
		}
		all[n++] = (struct pp){ pid, ppid };
	}
	if (!have_root) {
		err = -ESRCH;
		goto out_all;
	}
	qsort(all, n, sizeof(*all), cmp_ppid);
	/* Breadth first from the root; out[] doubles as the queue. A pid is
	 * listed once: ppid links form a tree, but a torn read of a racing
	 * procfs must not loop. */
	out[nout++] = root_pid;
	for (size_t q = 0; q < nout && nout < max; q++) {
		struct pp key = { 0, out[q] };
		size_t lo = 0, hi = n;
		while (lo < hi) { /* first entry with ppid >= out[q] */
			size_t mid = (lo + hi) / 2;
			if (all[mid].ppid < key.ppid)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t i = lo; i < n && all[i].ppid == out[q] && nout < max; i++) {
			bool dup = false;
			if (all[i].pid == out[q])
				continue;
			for (size_t j = 0; j < nout && !dup; j++)
				dup = out[j] == all[i].pid;
			if (!dup)
				out[nout++] = all[i].pid;
		}
	}
	err = (int)nout;
out_all:
	free(all);
out_dir:
	closedir(d);
	return err;
}

static int default_signal(void *ctx, uint32_t pid, int sig)
{
	(void)ctx;
	return kill((pid_t)pid, sig) ? -errno : 0;
}

/* The exe of pid as procfs shows it; "" when unreadable (kernel thread, gone). */
static void read_exe(const char *root, uint32_t pid, char *buf, size_t len)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%u/exe", root, pid);
	ssize_t n = readlink(path, buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
}

static bool protected_pid(const struct ward_response_opts *o, uint32_t self, uint32_t pid)
{
	char exe[PATH_MAX];
	if (pid <= 1 || pid == self)
		return true;
	if (!o->nallow)
		return false;
	read_exe(root_of(o->procfs_root), pid, exe, sizeof(exe));
	return ward_response_allowed(o, exe);
}

static bool listed(const uint32_t *v, size_t n, uint32_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == pid)
			return true;
	return false;
}

int ward_response_run(const struct ward_response_opts *o, uint32_t root_pid,
		      struct ward_response_result *res)
{
	int (*sig_fn)(void *, uint32_t, int) = o->signal_fn ? o->signal_fn : default_signal;
	uint32_t self = o->self_pid ? o->self_pid : (uint32_t)getpid();
	uint32_t *tree = NULL, *done = NULL;
	size_t ndone = 0;
	int err = 0;

	*res = (struct ward_response_result){ .action = WARD_RESPONSE_NONE, .root_pid = root_pid };
	if (o->action == WARD_RESPONSE_NONE)
		return 0;
	if (o->action != WARD_RESPONSE_STOP && o->action != WARD_RESPONSE_KILL) {
		err = -EINVAL;
		goto out;
	}
	if (protected_pid(o, self, root_pid)) {
		err = -EPERM;
		goto out;
	}
	tree = calloc(WARD_RESPONSE_MAX_TREE, sizeof(*tree));
	done = calloc(WARD_RESPONSE_MAX_TREE, sizeof(*done));
	if (!tree || !done) {
		err = -ENOMEM;
		goto out;
	}
	/* Freeze the root before reading the tree: a stopped process forks no more. */
	err = sig_fn(o->signal_ctx, root_pid, SIGSTOP);
	if (err)
		goto out;
	done[ndone++] = root_pid;
	res->action = o->action;
	/* Two passes: children forked between the root's stop and the first
	 * read, by descendants not yet stopped, show up in the second. */
	for (int pass = 0; pass < 2; pass++) {
		int n = ward_response_tree(o->procfs_root, root_pid, tree, WARD_RESPONSE_MAX_TREE);
		if (n < 0) {
			if (!err && n != -ESRCH)
				err = n;
			break;
		}
		for (int i = 0; i < n && ndone < WARD_RESPONSE_MAX_TREE; i++) {
			if (listed(done, ndone, tree[i]) || protected_pid(o, self, tree[i]))
				continue;
			int e = sig_fn(o->signal_ctx, tree[i], SIGSTOP);
			if (e == -ESRCH)
				continue; /* exited meanwhile */
			if (e) {
				if (!err)
					err = e;
				continue;
			}
			done[ndone++] = tree[i];
		}
	}
	if (o->action == WARD_RESPONSE_KILL) {
		for (size_t i = 0; i < ndone; i++) {
			int e = sig_fn(o->signal_ctx, done[i], SIGKILL);
			if (e && e != -ESRCH && !err)
				err = e;
		}
	}
	res->count = (uint32_t)ndone;
out:
	res->error = -err;
	free(tree);
	free(done);
	return err;
}
