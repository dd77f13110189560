/*
 * The rule engine alone: the default rule set over a synthetic mix shaped
 * like a busy host (mostly opens and writes, some execs, connections, DNS,
 * memory), ancestors looked up in a real process cache. One core.
 *
 *   make bench-rules            [EVENTS=n in the environment, default 5M]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "detect/rules.h"
#include "proc_cache.h"
#include "ward/xdr_types.h"
#include "xdr_names.h"

#define MIX 100

static const struct ward_proc *get(void *ctx, uint32_t tgid)
{
	return ward_proc_get(ctx, tgid);
}

static struct ward_str_ref ref(const char *s)
{
	return (struct ward_str_ref){ s, strlen(s) };
}

static void base(struct ward_event *ev, uint16_t access, uint32_t pid, const char *exe)
{
	memset(ev, 0, sizeof(*ev));
	ev->event_type = (uint16_t)ward_event_type_of(access);
	ev->access_type = access;
	ev->count = 1;
	ev->process.pid = ev->process.tid = pid;
	ev->process.ppid = pid - 1;
	ev->process.uid = ev->process.euid = 1000;
	ev->process.comm = strrchr(exe, '/') + 1;
	ev->process.exe = ref(exe);
	ev->process.cmdline = ref(exe);
	ev->process.cwd = ref("/home/ann");
}

static void add_proc(struct ward_proc_cache *c, uint32_t pid, uint32_t ppid, const char *exe)
{
	bool created;
	struct ward_proc *p = ward_proc_upsert(c, pid, 1, &created);
	if (!p)
		exit(1);
	p->ppid = ppid;
	snprintf(p->comm, sizeof(p->comm), "%s", strrchr(exe, '/') + 1);
	ward_proc_set_str(&p->exe, &p->exe_len, exe, strlen(exe));
}

static const char *const paths[] = {
	"/usr/lib/x86_64-linux-gnu/libc.so.6", "/etc/ld.so.cache", "/home/ann/src/main.c",
	"/proc/self/status", "/usr/share/locale/locale.alias", "/etc/passwd", "/tmp/build.log",
	"/var/lib/dpkg/status", "/home/ann/.cache/x", "/etc/nsswitch.conf",
};

static void make_mix(struct ward_event *ev)
{
	static const char argv[] = "ls\0-l";
	for (int i = 0; i < MIX; i++) {
		struct ward_event *e = &ev[i];
		const char *p = paths[i % 10];
		if (i < 45) {
			base(e, XDR_FILE_OPEN, 1004, "/usr/bin/make");
			e->file.path = ref(p);
			e->file.flags = O_RDONLY;
		} else if (i < 60) {
			base(e, i % 2 ? XDR_FILE_MODIFY : XDR_FILE_CLOSE, 1004, "/usr/bin/gcc");
			e->file.path = ref(i % 4 ? "/home/ann/src/main.o" : "/etc/hosts");
			e->file.flags = O_WRONLY;
		} else if (i < 65) {
			base(e, i % 2 ? XDR_FILE_CREATE : XDR_FILE_DELETE, 1004, "/usr/bin/cc1");
			e->file.path = ref("/tmp/ccXYZ.s");
		} else if (i < 70) {
			base(e, XDR_PROCESS_EXECUTE, 1004, "/usr/bin/bash");
			e->target.exe = ref(i % 2 ? "/usr/bin/ls" : "/usr/bin/dash");
			e->target.argv = argv;
			e->target.argv_len = sizeof(argv);
		} else if (i < 73) {
			base(e, i % 3 ? XDR_PROCESS_CREATE : XDR_PROCESS_TERMINATE, 1004, "/usr/bin/bash");
		} else if (i < 82) {
			base(e, XDR_PROCESS_LOAD_IMAGE, 1004, "/usr/bin/python3.11");
			e->file.path = ref(paths[0]);
			e->act.has_prot = true;
			e->act.prot = 5;
		} else if (i < 90) {
			base(e, XDR_CONNECTION_CONNECT_OUTBOUND, 1004, "/usr/bin/curl");
			strcpy(e->conn.remote_ip, "93.184.216.34");
			e->conn.remote_port = 443;
		} else if (i < 95) {
			base(e, XDR_DNS_QUERY, 1004, "/usr/lib/systemd/systemd-resolved");
			e->dns.query = "deb.debian.org";
			e->dns.qtype = 1;
		} else if (i < 98) {
			base(e, XDR_MEMORY_MODIFY_PERMISSION, 1004, "/usr/bin/node");
			e->act.has_prot = true;
			e->act.prot = 7;
		} else {
			base(e, XDR_ACCOUNT_IMPERSONATE, 1004, "/usr/bin/sudo");
			e->act.from_uid = 1000;
			e->act.to_euid = 0;
		}
	}
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sink(void *ctx, const struct ward_alert *a)
{
	*(size_t *)ctx += strlen(a->output);
}

int main(void)
{
	const char *env = getenv("EVENTS");
	long n = env ? atol(env) : 5000000;
	struct ward_proc_cache *pc = ward_proc_cache_new(1, 1);
	struct ward_event ev[MIX];
	struct ward_rules_error_list errs = { 0 };
	size_t bytes = 0;

	if (!pc || n <= 0)
		return 1;
	/* 1004 <- 1003 bash <- 1002 sshd-session <- 1001 sshd <- 1 init */
	add_proc(pc, 1, 0, "/sbin/init");
	add_proc(pc, 1001, 1, "/usr/sbin/sshd");
	add_proc(pc, 1002, 1001, "/usr/lib/openssh/sshd-session");
	add_proc(pc, 1003, 1002, "/usr/bin/bash");
	add_proc(pc, 1004, 1003, "/usr/bin/make");
	struct ward_rules_opts o = { .default_rules = true, .lookup = get, .lookup_ctx = pc };
	struct ward_rules *r = ward_rules_load(&o, &errs);
	if (!r) {
		fprintf(stderr, "rules_bench: the default rules do not load\n");
		return 1;
	}
	make_mix(ev);
	for (long i = 0; i < 100000; i++) /* warm up */
		ward_rules_eval(r, &ev[i % MIX], sink, &bytes);
	struct ward_rules_stats before, after;
	ward_rules_get_stats(r, &before);
	double t0 = now();
	for (long i = 0; i < n; i++)
		ward_rules_eval(r, &ev[i % MIX], sink, &bytes);
	double dt = now() - t0;
	ward_rules_get_stats(r, &after);
	uint64_t rules = after.rules_evaluated - before.rules_evaluated;
	uint64_t matches = after.matches - before.matches;
	printf("rules_bench: %zu rules, %ld events in %.3f s\n", ward_rules_count(r), n, dt);
	printf("  %.2f M events/s, %.2f M rules evaluated/s (%.2f rules per event), %.1f ns per event\n",
	       (double)n / dt / 1e6, (double)rules / dt / 1e6, (double)rules / (double)n, dt * 1e9 / (double)n);
	printf("  %llu alerts rendered (%.1f%% of events)\n", (unsigned long long)matches,
	       100.0 * (double)matches / (double)n);
	ward_rules_free(r);
	ward_proc_cache_free(pc);
	return 0;
}
