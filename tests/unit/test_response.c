/* The response: tree walk over a fake procfs, the safety rules, and one real
 * tree of three sleeping processes stopped and then killed. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "detect/response.h"
#include "unit.h"

struct sigrec {
	uint32_t pid[64];
	int sig[64];
	int n;
	uint32_t fail_pid; /* answer -EPERM for this one */
};

static int rec_signal(void *ctx, uint32_t pid, int sig)
{
	struct sigrec *s = ctx;
	if (pid == s->fail_pid)
		return -EPERM;
	if (s->n < 64) {
		s->pid[s->n] = pid;
		s->sig[s->n++] = sig;
	}
	return 0;
}

static void fake_proc(const char *root, uint32_t pid, uint32_t ppid, const char *comm,
		      const char *exe)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%u", root, pid);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/%u/stat", root, pid);
	FILE *f = fopen(p, "we");
	if (f) {
		fprintf(f, "%u (%s) S %u 1 1 0 -1 4194560 1 0\n", pid, comm, ppid);
		fclose(f);
	}
	snprintf(p, sizeof(p), "%s/%u/exe", root, pid);
	if (symlink(exe, p))
		perror("symlink");
}

static void rm_tree(const char *root)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		fprintf(stderr, "cleanup of %s failed\n", root);
}

/*
 *   1 systemd
 *   ├─ 100 bash -c ./enc        (root of the response)
 *   │   ├─ 101 enc              comm with a space and ')'
 *   │   │   └─ 103 enc
 *   │   ├─ 102 rsync            allow-listed
 *   │   │   └─ 104 enc          (a child of an allowed process is not spared)
 *   │   └─ 105 ward             ward itself (self_pid)
 *   └─ 200 other
 */
static int make_tree(char *root)
{
	if (!mkdtemp(root))
		return -1;
	fake_proc(root, 1, 0, "systemd", "/usr/lib/systemd/systemd");
	fake_proc(root, 100, 1, "bash", "/usr/bin/bash");
	fake_proc(root, 101, 100, "en c) S 1", "/tmp/enc");
	fake_proc(root, 102, 100, "rsync", "/usr/bin/rsync");
	fake_proc(root, 103, 101, "enc", "/tmp/enc");
	fake_proc(root, 104, 102, "enc", "/tmp/enc");
	fake_proc(root, 105, 100, "ward", "/usr/sbin/ward");
	fake_proc(root, 200, 1, "other", "/usr/bin/other");
	/* noise a procfs has: non-pid entries, a pid dir without stat */
	char p[256];
	snprintf(p, sizeof(p), "%s/self", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/300", root);
	mkdir(p, 0755);
	return 0;
}

UNIT_TEST(tree_walk_fake_procfs)
{
	char root[] = "/tmp/ward-resp-XXXXXX";
	uint32_t out[16];
	if (!CHECK_EQ_INT(make_tree(root), 0))
		return;
	int n = ward_response_tree(root, 100, out, 16);
	CHECK_EQ_INT(n, 6);
	if (n == 6) {
		CHECK_EQ_INT(out[0], 100);
		CHECK_EQ_INT(out[1], 101); /* breadth first, children by pid */
		CHECK_EQ_INT(out[2], 102);
		CHECK_EQ_INT(out[3], 105);
		CHECK_EQ_INT(out[4], 103);
		CHECK_EQ_INT(out[5], 104);
	}
	CHECK_EQ_INT(ward_response_tree(root, 101, out, 16), 2);
	CHECK_EQ_INT(ward_response_tree(root, 100, out, 3), 3); /* bounded */
	CHECK_EQ_INT(ward_response_tree(root, 999, out, 16), -ESRCH);
	CHECK_EQ_INT(ward_response_tree("/nonexistent-ward", 1, out, 16), -ENOENT);
	rm_tree(root);
}

UNIT_TEST(stop_skips_self_and_allowed)
{
	char root[] = "/tmp/ward-resp-XXXXXX";
	if (!CHECK_EQ_INT(make_tree(root), 0))
		return;
	const char *allow[] = { "/usr/bin/rsync" };
	struct sigrec rec = { .n = 0 };
	struct ward_response_opts o = {
		.action = WARD_RESPONSE_STOP, .procfs_root = root, .allow = allow, .nallow = 1,
		.self_pid = 105, .signal_fn = rec_signal, .signal_ctx = &rec,
	};
	struct ward_response_result res;
	CHECK_EQ_INT(ward_response_run(&o, 100, &res), 0);
	CHECK_EQ_INT(res.action, WARD_RESPONSE_STOP);
	CHECK_EQ_INT(res.root_pid, 100);
	CHECK_EQ_INT(res.count, 4); /* 100, 101, 103, 104 */
	CHECK_EQ_INT(res.error, 0);
	CHECK_EQ_INT(rec.n, 4);
	CHECK_EQ_INT(rec.pid[0], 100);
	for (int i = 0; i < rec.n; i++) {
		CHECK_EQ_INT(rec.sig[i], SIGSTOP);
		CHECK(rec.pid[i] != 1 && rec.pid[i] != 102 && rec.pid[i] != 105 && rec.pid[i] != 200);
	}
	rm_tree(root);
}

UNIT_TEST(kill_stops_first_then_kills)
{
	char root[] = "/tmp/ward-resp-XXXXXX";
	if (!CHECK_EQ_INT(make_tree(root), 0))
		return;
	struct sigrec rec = { .n = 0 };
	struct ward_response_opts o = {
		.action = WARD_RESPONSE_KILL, .procfs_root = root, .self_pid = 105,
		.signal_fn = rec_signal, .signal_ctx = &rec,
	};
	struct ward_response_result res;
	CHECK_EQ_INT(ward_response_run(&o, 101, &res), 0);
	CHECK_EQ_INT(res.count, 2);
	CHECK_EQ_INT(rec.n, 4);
	CHECK_EQ_INT(rec.pid[0], 101);
	CHECK_EQ_INT(rec.sig[0], SIGSTOP);
	CHECK_EQ_INT(rec.pid[1], 103);
	CHECK_EQ_INT(rec.sig[1], SIGSTOP);
	CHECK_EQ_INT(rec.sig[2], SIGKILL);
	CHECK_EQ_INT(rec.sig[3], SIGKILL);
	rm_tree(root);
}

UNIT_TEST(protected_roots_refused)
{
	char root[] = "/tmp/ward-resp-XXXXXX";
	if (!CHECK_EQ_INT(make_tree(root), 0))
		return;
	const char *allow[] = { "/usr/bin/rs*" };
	struct sigrec rec = { .n = 0 };
	struct ward_response_opts o = {
		.action = WARD_RESPONSE_KILL, .procfs_root = root, .allow = allow, .nallow = 1,
		.self_pid = 105, .signal_fn = rec_signal, .signal_ctx = &rec,
	};
	struct ward_response_result res;
	CHECK_EQ_INT(ward_response_run(&o, 1, &res), -EPERM);   /* init */
	CHECK_EQ_INT(res.error, EPERM);
	CHECK_EQ_INT(res.action, WARD_RESPONSE_NONE);
	CHECK_EQ_INT(ward_response_run(&o, 0, &res), -EPERM);
	CHECK_EQ_INT(ward_response_run(&o, 105, &res), -EPERM); /* ward */
	CHECK_EQ_INT(ward_response_run(&o, 102, &res), -EPERM); /* allowed exe (glob) */
	CHECK_EQ_INT(rec.n, 0);
	/* a failing signal is recorded, the rest of the tree is still reached */
	rec.fail_pid = 103;
	CHECK_EQ_INT(ward_response_run(&o, 101, &res), -EPERM);
	CHECK_EQ_INT(res.error, EPERM);
	CHECK_EQ_INT(res.count, 1);
	/* none does nothing */
	o.action = WARD_RESPONSE_NONE;
	rec.n = 0;
	CHECK_EQ_INT(ward_response_run(&o, 100, &res), 0);
	CHECK_EQ_INT(rec.n, 0);
	CHECK_EQ_INT(res.count, 0);
	rm_tree(root);
}

UNIT_TEST(parse_names)
{
	CHECK_EQ_INT(ward_response_parse("none"), WARD_RESPONSE_NONE);
	CHECK_EQ_INT(ward_response_parse("STOP"), WARD_RESPONSE_STOP);
	CHECK_EQ_INT(ward_response_parse("kill"), WARD_RESPONSE_KILL);
	CHECK_EQ_INT(ward_response_parse("term"), -EINVAL);
	CHECK_EQ_INT(ward_response_parse(NULL), -EINVAL);
	CHECK_EQ_STR(ward_response_name(WARD_RESPONSE_KILL), "kill");
}

/* State letter of a real process, '?' when gone. */
static char proc_state(pid_t pid)
{
	char p[64], buf[512];
	snprintf(p, sizeof(p), "/proc/%d/stat", pid);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return '?';
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = '\0';
	char *rp = strrchr(buf, ')');
	return rp && rp[1] == ' ' ? rp[2] : '?';
}

/* Poll with a deadline: signal delivery is asynchronous. */
static bool wait_state(pid_t pid, char want)
{
	struct timespec ts = { 0, 2 * 1000 * 1000 };
	for (int i = 0; i < 2500; i++) {
		if (proc_state(pid) == want)
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

UNIT_TEST(real_tree_stop_then_kill)
{
	int pfd[2];
	pid_t parent, kids[2] = { 0, 0 };
	if (!CHECK_EQ_INT(pipe2(pfd, O_CLOEXEC), 0))
		return;
	/* orphans of the killed root come back to this process to be reaped */
	CHECK_EQ_INT(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
	parent = fork();
	if (parent == 0) {
		/* the tree's root: two sleeping children, then sleep; tells the
		 * test their pids */
		pid_t k[2];
		for (int i = 0; i < 2; i++) {
			k[i] = fork();
			if (k[i] == 0) {
				for (;;)
					pause();
			}
		}
		if (write(pfd[1], k, sizeof(k)) != sizeof(k))
			_exit(1);
		for (;;)
			pause();
	}
	close(pfd[1]);
	if (!CHECK(parent > 0) || !CHECK_EQ_INT(read(pfd[0], kids, sizeof(kids)), sizeof(kids)))
		goto out;
	/* wait until the children are visible with their ppid */
	uint32_t tree[8];
	for (int i = 0; i < 2500 && ward_response_tree("/proc", (uint32_t)parent, tree, 8) < 3; i++) {
		struct timespec ts = { 0, 2 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	struct ward_response_opts o = { .action = WARD_RESPONSE_STOP };
	struct ward_response_result res;
	CHECK_EQ_INT(ward_response_run(&o, (uint32_t)parent, &res), 0);
	CHECK_EQ_INT(res.count, 3);
	CHECK(wait_state(parent, 'T'));
	CHECK(wait_state(kids[0], 'T'));
	CHECK(wait_state(kids[1], 'T'));
	CHECK(proc_state(getpid()) != 'T'); /* never itself */

	/* ward's own pid as the root: refused */
	CHECK_EQ_INT(ward_response_run(&o, (uint32_t)getpid(), &res), -EPERM);
	CHECK_EQ_INT(ward_response_run(&o, 1, &res), -EPERM);

	o.action = WARD_RESPONSE_KILL;
	CHECK_EQ_INT(ward_response_run(&o, (uint32_t)parent, &res), 0);
	CHECK_EQ_INT(res.count, 3);
	int status = 0;
	CHECK_EQ_INT(waitpid(parent, &status, 0), parent);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	parent = 0;
	/* the children were reparented to us (a subreaper): reap them */
	for (int i = 0; i < 2; i++) {
		status = 0;
		CHECK_EQ_INT(waitpid(kids[i], &status, 0), kids[i]);
		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	}
	kids[0] = kids[1] = 0;
out:
	close(pfd[0]);
	if (parent > 0) {
		kill(parent, SIGKILL);
		waitpid(parent, NULL, 0);
	}
	for (int i = 0; i < 2; i++)
		if (kids[i] > 0) {
			kill(kids[i], SIGKILL);
			waitpid(kids[i], NULL, 0);
		}
}

UNIT_MAIN()
