/*
 * The process cache: what ward knows about every live process, kept current
 * from the process events themselves (fork, exec, exit, chdir), seeded from
 * /proc at start-up. Enrichment reads it instead of /proc, so no event costs
 * a syscall. Exited processes stay for a grace period: records of one
 * process can reach user space from several CPUs slightly out of order.
 */
#ifndef WARD_PROC_CACHE_H
#define WARD_PROC_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ward_proc {
	uint32_t tgid;
	uint32_t ppid;
	uint32_t uid, euid, gid;
	/* the rest of the credentials: from /proc at start, then from
	 * ACCOUNT_IMPERSONATE records (other records carry uid, euid, gid) */
	uint32_t suid, fsuid, egid, sgid, fsgid;
	uint64_t start_boottime_ns;
	uint64_t hash_id;
	uint64_t exited_at_ns;  /* boot ns of the exit, 0 while alive */
	char comm[16];
	char *exe;
	size_t exe_len;
	char *cmdline;          /* argv joined by spaces */
	size_t cmdline_len;
	char *cwd;
	size_t cwd_len;
};

struct ward_proc_cache;

/* boot_salt makes hash_id differ across boots (from the kernel's boot_id). */
struct ward_proc_cache *ward_proc_cache_new(uint64_t boot_salt, uint64_t grace_ns);
void ward_proc_cache_free(struct ward_proc_cache *c);

/* The stable identifier of a process instance: same process, same id; a
 * reused pid (different start time) gets another. Uses clock-tick precision
 * so that processes found in /proc and seen in events agree. */
uint64_t ward_proc_hash_id(const struct ward_proc_cache *c, uint32_t tgid,
			   uint64_t start_boottime_ns);

struct ward_proc *ward_proc_get(struct ward_proc_cache *c, uint32_t tgid);

/* The entry for tgid started at start_boottime_ns: the existing one if it is
 * the same instance, else a fresh one (an older instance with the same pid is
 * replaced). NULL only when memory is exhausted. *created tells which. */
struct ward_proc *ward_proc_upsert(struct ward_proc_cache *c, uint32_t tgid,
				   uint64_t start_boottime_ns, bool *created);

/* Replace a string member (exe, cmdline or cwd); 0 or -ENOMEM. */
int ward_proc_set_str(char **dst, size_t *dst_len, const char *s, size_t len);
/* argv as NUL-separated bytes -> cmdline joined by spaces. */
int ward_proc_set_argv(struct ward_proc *p, const char *argv, size_t len);
/* Copy exe, cmdline and cwd from a parent (fork). */
int ward_proc_inherit(struct ward_proc *child, const struct ward_proc *parent);

void ward_proc_mark_exited(struct ward_proc *p, uint64_t now_boot_ns);
/* Forget processes that exited more than the grace period ago. */
void ward_proc_cache_expire(struct ward_proc_cache *c, uint64_t now_boot_ns);
size_t ward_proc_cache_size(const struct ward_proc_cache *c);

/* Fill one entry from procfs_root/<tgid> (exe, cmdline, cwd, ids, start
 * time). 0, or -errno when the process is gone. */
int ward_proc_load(struct ward_proc_cache *c, const char *procfs_root, uint32_t tgid,
		   struct ward_proc **out);
/* Seed the cache with every process in procfs_root ("/proc"). Returns how
 * many were loaded. */
int ward_proc_cache_scan(struct ward_proc_cache *c, const char *procfs_root);

#endif /* WARD_PROC_CACHE_H */
