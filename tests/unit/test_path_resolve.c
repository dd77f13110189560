// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "path_resolve.h"
#include "unit.h"

#define CHECK_NORM(in, expected) ({					\
	char out_[PATH_MAX];						\
	int n_ = ward_path_normalize((in), out_, sizeof(out_));	\
	CHECK_EQ_STR(out_, (expected)) & CHECK_EQ_INT(n_, strlen(expected)); \
})

#define CHECK_JOIN(base, req, expected) ({				\
	char out_[PATH_MAX];						\
	int n_ = ward_path_join((base), (req), out_, sizeof(out_));	\
	CHECK_EQ_STR(out_, (expected)) & CHECK_EQ_INT(n_, strlen(expected)); \
})

/* Resolve and require both the exact path and whether the file system confirmed it. */
#define CHECK_RESOLVE(base, req, flags, pid, tid, expected, fs) ({	\
	char out_[PATH_MAX];						\
	bool fs_ = !(fs);						\
	int n_ = ward_path_resolve((base), (req), (flags), (pid), (tid), out_, sizeof(out_), \
				   &fs_);					\
	bool ok_ = CHECK_EQ_STR(out_, (expected)) & CHECK_EQ_INT(n_, strlen(expected)) & \
		   CHECK_EQ_INT(fs_, (fs));				\
	if (!ok_)							\
		fprintf(stderr, "    base=%s req=%s flags=%u\n", (base), (req), (flags)); \
	ok_;								\
})

#define NOFOLLOW WARD_RESOLVE_NOFOLLOW

UNIT_TEST(normalize_basics)
{
	CHECK_NORM("/a//b/./c/../d", "/a/b/d");
	CHECK_NORM("/..", "/");
	CHECK_NORM("/a/b/../../..", "/");
	CHECK_NORM("/a/b/", "/a/b");
	CHECK_NORM("/a/b/.", "/a/b");
	CHECK_NORM("/a/b/..", "/a");
	CHECK_NORM("/", "/");
	CHECK_NORM("//", "/");
	CHECK_NORM("/./.", "/");
	CHECK_NORM("///etc///passwd", "/etc/passwd");
	/* only "." and ".." are special; names that merely start with dots are kept */
	CHECK_NORM("/.../.a/..b/a..", "/.../.a/..b/a..");
}

UNIT_TEST(normalize_rejects_relative_and_short_buffers)
{
	char out[8];

	CHECK_EQ_INT(ward_path_normalize("a/b", out, sizeof(out)), -EINVAL);
	CHECK_EQ_INT(ward_path_normalize("", out, sizeof(out)), -EINVAL);
	CHECK_EQ_INT(ward_path_normalize("/abcdef", out, 8), 7);
	CHECK_EQ_STR(out, "/abcdef");
	CHECK_EQ_INT(ward_path_normalize("/abcdefg", out, 8), -ENAMETOOLONG);
	CHECK_EQ_STR(out, "");
	/* what matters is the normalised length, not the input's */
	CHECK_EQ_INT(ward_path_normalize("/x/../abcdef/./", out, 8), 7);
	CHECK_EQ_INT(ward_path_normalize("/", out, 1), -ENAMETOOLONG);
	CHECK_EQ_INT(ward_path_normalize("/", out, 0), -ENAMETOOLONG);
}

UNIT_TEST(join_relative_and_absolute)
{
	CHECK_JOIN("/etc", "shadow", "/etc/shadow");
	CHECK_JOIN("/", "/etc/passwd", "/etc/passwd");
	CHECK_JOIN("/", "etc/passwd", "/etc/passwd");
	CHECK_JOIN("/srv/jail", "/etc/passwd", "/srv/jail/etc/passwd");
	CHECK_JOIN("/home/u", "../../../etc/./passwd", "/etc/passwd");
	CHECK_JOIN("/etc/", "./x//y/", "/etc/x/y");
	CHECK_JOIN("//etc/./", "..", "/");
}

UNIT_TEST(join_empty_req_gives_base)
{
	CHECK_JOIN("/etc", "", "/etc");
	CHECK_JOIN("/etc/", NULL, "/etc");
	CHECK_JOIN("/", "", "/");
	CHECK_JOIN("/srv/jail", "/", "/srv/jail");
}

/* A chrooted task's ".." stops at its root, so the lexical join must not climb out either. */
UNIT_TEST(join_absolute_stays_under_root)
{
	CHECK_JOIN("/srv/jail", "/../../etc/passwd", "/srv/jail/etc/passwd");
	CHECK_JOIN("/srv/jail", "/etc/../../shadow", "/srv/jail/shadow");
	/* a relative req from a cwd is not clamped: the root is unknown, so it is "/" */
	CHECK_JOIN("/srv/jail/home", "../../../etc", "/etc");
}

UNIT_TEST(join_errors)
{
	char out[16];

	CHECK_EQ_INT(ward_path_join("etc", "x", out, sizeof(out)), -EINVAL);
	CHECK_EQ_INT(ward_path_join("/etc", "0123456789", out, sizeof(out)), 15);
	CHECK_EQ_INT(ward_path_join("/etc", "0123456789a", out, sizeof(out)), -ENAMETOOLONG);
	CHECK_EQ_STR(out, "");
}

/*
 * The fixture, under a fresh mkdtemp directory T (itself canonicalised, in case /tmp is a link):
 *   T/real/            directory         T/real/file       regular file
 *   T/real/sub/        directory         T/real/jabs ->    /real/file (absolute, for a jail at T)
 *   T/dirlink ->       real              T/filelink ->     real/file
 *   T/abslink ->       T/real/file       T/sublink ->      real/sub
 *   T/dangling ->      nonexistent       T/loop1 -> loop2, T/loop2 -> loop1
 *   T/procself ->      /proc/self
 */
static char T[PATH_MAX];

/* T + rel, in one of two slots so that P() and E() can appear in one expression. */
static const char *tpath(int slot, const char *rel)
{
	static char bufs[2][PATH_MAX];
	size_t tl = strlen(T), rl = strlen(rel);

	if (tl + rl >= PATH_MAX)
		abort();
	memcpy(bufs[slot], T, tl);
	memcpy(bufs[slot] + tl, rel, rl + 1);
	return bufs[slot];
}
#define P(rel) tpath(0, rel)	/* a request */
#define E(rel) tpath(1, rel)	/* an expected result */

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path);
}

static void fixture_teardown(void)
{
	if (T[0])
		nftw(T, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	T[0] = '\0';
}

static bool fixture_setup(void)
{
	static const char *const links[][2] = {
		{ "/dirlink", "real" }, { "/filelink", "real/file" }, { "/sublink", "real/sub" },
		{ "/dangling", "nonexistent" }, { "/loop1", "loop2" }, { "/loop2", "loop1" },
		{ "/procself", "/proc/self" }, { "/real/jabs", "/real/file" },
	};
	char tmpl[] = "/tmp/ward-unit-XXXXXX";
	size_t i;
	int fd;

	if (!CHECK(mkdtemp(tmpl) != NULL) || !CHECK(realpath(tmpl, T) != NULL))
		return false;
	if (!CHECK_EQ_INT(mkdir(P("/real"), 0700), 0) ||
	    !CHECK_EQ_INT(mkdir(P("/real/sub"), 0700), 0))
		return false;
	fd = open(P("/real/file"), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (!CHECK(fd >= 0))
		return false;
	close(fd);
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (!CHECK_EQ_INT(symlink(links[i][1], P(links[i][0])), 0))
			return false;
	return CHECK_EQ_INT(symlink(E("/real/file"), P("/abslink")), 0);
}

UNIT_TEST(resolve_symlinks_follow_vs_nofollow)
{
	uint32_t me = (uint32_t)getpid();

	if (!fixture_setup())
		goto out;
	/* a symlinked directory in the middle is followed either way */
	CHECK_RESOLVE("/", P("/dirlink/file"), 0, me, me, E("/real/file"), true);
	CHECK_RESOLVE("/", P("/dirlink/file"), NOFOLLOW, me, me, E("/real/file"), true);
	/* a final symlink to a file: followed, or kept with NOFOLLOW */
	CHECK_RESOLVE("/", P("/filelink"), 0, me, me, E("/real/file"), true);
	CHECK_RESOLVE("/", P("/filelink"), NOFOLLOW, me, me, E("/filelink"), true);
	CHECK_RESOLVE("/", P("/abslink"), 0, me, me, E("/real/file"), true);
	CHECK_RESOLVE("/", P("/abslink"), NOFOLLOW, me, me, E("/abslink"), true);
	/* a final symlink to a directory; a trailing slash follows it even with NOFOLLOW */
	CHECK_RESOLVE("/", P("/dirlink"), 0, me, me, E("/real"), true);
	CHECK_RESOLVE("/", P("/dirlink"), NOFOLLOW, me, me, E("/dirlink"), true);
	CHECK_RESOLVE("/", P("/dirlink/"), NOFOLLOW, me, me, E("/real"), true);
	CHECK_RESOLVE("/", P("/dirlink/."), NOFOLLOW, me, me, E("/real"), true);
	/* plain paths come back canonical */
	CHECK_RESOLVE("/", P("//real/./sub/../file"), 0, me, me, E("/real/file"), true);
out:
	fixture_teardown();
}

UNIT_TEST(resolve_relative_to_base)
{
	uint32_t me = (uint32_t)getpid();

	if (!fixture_setup())
		goto out;
	CHECK_RESOLVE(T, "dirlink/file", 0, me, me, E("/real/file"), true);
	CHECK_RESOLVE(P("/real"), "../filelink", 0, me, me, E("/real/file"), true);
	CHECK_RESOLVE(P("/real"), "../filelink", NOFOLLOW, me, me, E("/filelink"), true);
	CHECK_RESOLVE(P("/real"), "", 0, me, me, E("/real"), true);
	CHECK_RESOLVE(P("/real"), "/", 0, me, me, E("/real"), true);
out:
	fixture_teardown();
}

/* After a symlink, ".." is the parent of its target, as in the kernel, not lexical. */
UNIT_TEST(resolve_dotdot_after_symlink)
{
	uint32_t me = (uint32_t)getpid();
	char lex[PATH_MAX];

	if (!fixture_setup())
		goto out;
	CHECK_RESOLVE(T, "sublink/../file", 0, me, me, E("/real/file"), true);
	ward_path_join(T, "sublink/../file", lex, sizeof(lex));
	CHECK_EQ_STR(lex, E("/file"));
out:
	fixture_teardown();
}

UNIT_TEST(resolve_missing_final_component_keeps_directory)
{
	uint32_t me = (uint32_t)getpid();

	if (!fixture_setup())
		goto out;
	CHECK_RESOLVE("/", P("/dirlink/newfile"), 0, me, me, E("/real/newfile"), true);
	CHECK_RESOLVE("/", P("/dirlink/newfile"), NOFOLLOW, me, me, E("/real/newfile"), true);
	CHECK_RESOLVE("/", P("/dirlink/newdir/"), 0, me, me, E("/real/newdir"), true);
	/* O_CREAT through a dangling link creates its target, so that is the answer */
	CHECK_RESOLVE("/", P("/dangling"), 0, me, me, E("/nonexistent"), true);
	CHECK_RESOLVE("/", P("/dangling"), NOFOLLOW, me, me, E("/dangling"), true);
out:
	fixture_teardown();
}

UNIT_TEST(resolve_missing_directory_falls_back_to_lexical)
{
	uint32_t me = (uint32_t)getpid();

	if (!fixture_setup())
		goto out;
	CHECK_RESOLVE("/", P("/nodir/x"), 0, me, me, E("/nodir/x"), false);
	CHECK_RESOLVE("/", P("/dirlink/nodir/../x"), 0, me, me, E("/dirlink/x"), false);
	CHECK_RESOLVE(P("/gone"), "a/./b", NOFOLLOW, me, me, E("/gone/a/b"), false);
	/* a file used as a directory */
	CHECK_RESOLVE("/", P("/real/file/x"), 0, me, me, E("/real/file/x"), false);
	/* a symlink loop fails like ELOOP in the kernel */
	CHECK_RESOLVE("/", P("/loop1"), 0, me, me, E("/loop1"), false);
	CHECK_RESOLVE("/", P("/loop1"), NOFOLLOW, me, me, E("/loop1"), true);
out:
	fixture_teardown();
}

UNIT_TEST(resolve_proc_self_root)
{
	uint32_t me = (uint32_t)getpid();

	CHECK_RESOLVE("/", "/proc/self/root/etc/passwd", 0, me, me, "/etc/passwd", true);
	CHECK_RESOLVE("/proc", "self/root/etc/passwd", 0, me, 0, "/etc/passwd", true);
}

/* A jailed task: base is its root, absolute links and ".." stay inside it. */
UNIT_TEST(resolve_under_chroot_base)
{
	uint32_t me = (uint32_t)getpid();

	if (!fixture_setup())
		goto out;
	CHECK_RESOLVE(T, "/real/file", 0, me, me, E("/real/file"), true);
	CHECK_RESOLVE(T, "/../../real/file", 0, me, me, E("/real/file"), true);
	CHECK_RESOLVE(T, "/real/jabs", 0, me, me, E("/real/file"), true);
	CHECK_RESOLVE(T, "/real/jabs", NOFOLLOW, me, me, E("/real/jabs"), true);
	/* seen from the host root the same link points into /real, which does not exist */
	CHECK_RESOLVE("/", P("/real/jabs"), 0, me, me, E("/real/jabs"), false);
out:
	fixture_teardown();
}

/*
 * "/proc/self" must mean the acting task, wherever the walk meets it. The acting task here is
 * a child whose cwd is T/real and which holds a pipe; ward's (our) cwd is elsewhere.
 */
UNIT_TEST(resolve_proc_self_is_the_acting_task)
{
	char expect[PATH_MAX], req[64], cwd[PATH_MAX];
	int sync[2] = { -1, -1 }, data[2] = { -1, -1 };
	pid_t child = -1;
	uint32_t pid;
	char c;

	if (!fixture_setup())
		goto out;
	if (!CHECK_EQ_INT(pipe2(sync, O_CLOEXEC), 0) || !CHECK_EQ_INT(pipe(data), 0))
		goto out;
	child = fork();
	if (!CHECK(child >= 0))
		goto out;
	if (child == 0) {
		if (chdir(P("/real")) < 0 || write(sync[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	if (!CHECK_EQ_INT(read(sync[0], &c, 1), 1))
		goto out;
	CHECK(getcwd(cwd, sizeof(cwd)) && strcmp(cwd, P("/real")));
	pid = (uint32_t)child;

	CHECK_RESOLVE("/", "/proc/self/cwd/file", 0, pid, pid, E("/real/file"), true);
	CHECK_RESOLVE("/", "/proc/thread-self/cwd/file", 0, pid, pid, E("/real/file"), true);
	CHECK_RESOLVE("/", "/proc/thread-self/cwd/file", 0, pid, 0, E("/real/file"), true);
	/* reached through a symlink, after "..", and through procfs's own self/ links */
	CHECK_RESOLVE("/", P("/procself/cwd/file"), 0, pid, pid, E("/real/file"), true);
	CHECK_RESOLVE("/", "/proc/../proc//self/cwd/file", 0, pid, pid, E("/real/file"), true);
	/* magic links read as paths from ward's root, even for a task chrooted elsewhere */
	CHECK_RESOLVE("/proc", "/self/cwd/file", 0, pid, pid, E("/real/file"), true);
	snprintf(expect, sizeof(expect), "/proc/%u/mounts", pid);
	CHECK_RESOLVE("/", "/proc/mounts", 0, pid, pid, expect, true);
	/* a magic link to a pipe has no path: the link itself is the answer */
	snprintf(req, sizeof(req), "/proc/self/fd/%d", data[0]);
	snprintf(expect, sizeof(expect), "/proc/%u/fd/%d", pid, data[0]);
	CHECK_RESOLVE("/", req, 0, pid, pid, expect, true);
	snprintf(req, sizeof(req), "/proc/self/fd/%d/x", data[0]);
	snprintf(expect, sizeof(expect), "/proc/%u/fd/%d/x", pid, data[0]);
	CHECK_RESOLVE("/", req, 0, pid, pid, expect, false);
	/* the lexical fallback substitutes the leading /proc/self too */
	snprintf(expect, sizeof(expect), "/proc/%u/nodir/x", pid);
	CHECK_RESOLVE("/", "/proc/self/nodir/x", 0, pid, pid, expect, false);
	snprintf(expect, sizeof(expect), "/proc/%u/task/%u/nodir", pid, pid + 1);
	CHECK_RESOLVE("/", "/proc/thread-self/nodir/", 0, pid, pid + 1, expect, false);
	/* without a pid the file system cannot answer for the task */
	CHECK_RESOLVE("/", "/proc/self/cwd/file", 0, 0, 0, "/proc/self/cwd/file", false);
out:
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	if (sync[0] >= 0) {
		close(sync[0]);
		close(sync[1]);
	}
	if (data[0] >= 0) {
		close(data[0]);
		close(data[1]);
	}
	fixture_teardown();
}

UNIT_TEST(resolve_result_too_long)
{
	uint32_t me = (uint32_t)getpid();
	size_t need;
	char out[PATH_MAX];
	bool fs = true;

	if (!fixture_setup())
		goto out;
	need = strlen(E("/real/file")) + 1;
	CHECK_EQ_INT(ward_path_resolve("/", P("/filelink"), 0, me, me, out, need, &fs),
		     need - 1);
	CHECK(fs);
	/* the lexical path fits, the resolved one does not */
	CHECK(strlen(P("/filelink")) < strlen(E("/real/file")));
	CHECK_EQ_INT(ward_path_resolve("/", P("/filelink"), 0, me, me, out, need - 1, &fs),
		     -ENAMETOOLONG);
	CHECK_EQ_STR(out, "");
	CHECK(!fs);
	/* nothing fits */
	CHECK_EQ_INT(ward_path_resolve("/", "/etc/passwd", 0, me, me, out, 5, &fs), -ENAMETOOLONG);
	CHECK_EQ_INT(ward_path_resolve("/", P("/nodir/x"), 0, me, me, out, 8, &fs), -ENAMETOOLONG);
	CHECK_EQ_INT(ward_path_resolve("rel", "x", 0, me, me, out, sizeof(out), &fs), -EINVAL);
out:
	fixture_teardown();
}

UNIT_MAIN()
