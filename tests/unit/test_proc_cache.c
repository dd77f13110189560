/* The process cache: identity by (pid, start time), pid reuse, expiry after
 * the grace period, growth, and loading from a real /proc. */
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "proc_cache.h"
#include "unit.h"

UNIT_TEST(same_instance_same_entry_and_hash)
{
	struct ward_proc_cache *c = ward_proc_cache_new(1, 1000);
	bool created;
	/* /proc's start time is the event's, truncated to clock ticks */
	struct ward_proc *a = ward_proc_upsert(c, 100, 5000000000ULL, &created);
	CHECK(created);
	struct ward_proc *b = ward_proc_upsert(c, 100, 5000000007ULL, &created);
	CHECK(!created);
	CHECK(a == b);
	CHECK_EQ_INT(a->start_boottime_ns, 5000000007ULL); /* the precise one is kept */
	CHECK_EQ_INT(a->hash_id, ward_proc_hash_id(c, 100, 5000000007ULL));
	ward_proc_cache_free(c);
}

UNIT_TEST(reused_pid_gets_new_entry_and_hash)
{
	struct ward_proc_cache *c = ward_proc_cache_new(1, 1000);
	bool created;
	struct ward_proc *a = ward_proc_upsert(c, 100, 5000000000ULL, &created);
	uint64_t old = a->hash_id;
	ward_proc_set_str(&a->exe, &a->exe_len, "/bin/old", 8);
	struct ward_proc *b = ward_proc_upsert(c, 100, 9000000000ULL, &created);
	CHECK(created);
	CHECK(b->hash_id != old);
	CHECK(b->exe == NULL);
	CHECK_EQ_INT(ward_proc_cache_size(c), 1);
	ward_proc_cache_free(c);
}

UNIT_TEST(boot_salt_changes_hash)
{
	struct ward_proc_cache *a = ward_proc_cache_new(1, 1000);
	struct ward_proc_cache *b = ward_proc_cache_new(2, 1000);
	CHECK(ward_proc_hash_id(a, 100, 5000000000ULL) != ward_proc_hash_id(b, 100, 5000000000ULL));
	ward_proc_cache_free(a);
	ward_proc_cache_free(b);
}

UNIT_TEST(exited_processes_expire_after_grace)
{
	struct ward_proc_cache *c = ward_proc_cache_new(1, 1000);
	bool created;
	for (uint32_t pid = 1; pid <= 5000; pid++)
		ward_proc_upsert(c, pid, pid * 1000000000ULL, &created);
	CHECK_EQ_INT(ward_proc_cache_size(c), 5000);
	for (uint32_t pid = 1; pid <= 5000; pid += 2)
		ward_proc_mark_exited(ward_proc_get(c, pid), 100);
	ward_proc_cache_expire(c, 1099); /* within the grace period */
	CHECK_EQ_INT(ward_proc_cache_size(c), 5000);
	ward_proc_cache_expire(c, 1100);
	ward_proc_cache_expire(c, 1100); /* entries shifted over the wrap */
	CHECK_EQ_INT(ward_proc_cache_size(c), 2500);
	int missing = 0, wrong = 0;
	for (uint32_t pid = 1; pid <= 5000; pid++) {
		struct ward_proc *p = ward_proc_get(c, pid);
		if (pid % 2 == 0 && (!p || p->tgid != pid))
			missing++;
		if (pid % 2 == 1 && p)
			wrong++;
	}
	CHECK_EQ_INT(missing, 0);
	CHECK_EQ_INT(wrong, 0);
	ward_proc_cache_free(c);
}

UNIT_TEST(argv_joined_with_spaces)
{
	struct ward_proc p = { 0 };
	ward_proc_set_argv(&p, "ls\0-l\0/tmp\0", 11);
	CHECK_EQ_STR(p.cmdline, "ls -l /tmp");
	CHECK_EQ_INT(p.cmdline_len, 10);
	free(p.cmdline);
}

UNIT_TEST(loads_itself_from_proc)
{
	struct ward_proc_cache *c = ward_proc_cache_new(1, 1000);
	struct ward_proc *p = NULL;
	CHECK_EQ_INT(ward_proc_load(c, "/proc", getpid(), &p), 0);
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = 0;
	char cwd[4096];
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	if (p) {
		CHECK_EQ_STR(p->exe, exe);
		CHECK_EQ_STR(p->cwd, cwd);
		CHECK_EQ_INT(p->ppid, getppid());
		CHECK_EQ_INT(p->uid, getuid());
		CHECK_EQ_INT(p->euid, geteuid());
		CHECK(strncmp(p->comm, "test_proc_cach", 14) == 0);
	}
	CHECK_EQ_INT(ward_proc_load(c, "/proc", 0x3ffffff0, &p), -ENOENT);
	CHECK(ward_proc_cache_scan(c, "/proc") >= 1);
	ward_proc_cache_free(c);
}

UNIT_MAIN()
