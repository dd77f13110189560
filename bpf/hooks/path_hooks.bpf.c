// SPDX-License-Identifier: GPL-2.0
/*
 * The path hooks: the richer route for FILE events of path-named syscalls
 * (unlink, mkdir, rename, chmod, ...), used where the kernel allows fentry
 * or BPF-LSM programs (src/path_hooks.c decides and reports which).
 *
 * The tracepoint route sees such a syscall only at its exit, with a string:
 * it sends the canonical directory plus the string, and user space resolves
 * the rest against the file system as it is by then, in ward's own mount
 * namespace. A hook on the LSM path checks runs inside the syscall with the
 * dentry the kernel resolved: the walk gives the exact canonical path, for
 * any mount namespace and whatever the name's symlinks point to later. The
 * hook only stashes the path (ward_path_stash); the exit handler in
 * file.bpf.c reports it if the call succeeded, so both routes give the same
 * events and the same fields.
 *
 * Each hook has two forms with one body: lsm/<hook> where BPF-LSM is active,
 * fentry/security_<hook> where only fentry is allowed. A separate object
 * from ward.bpf.o: lockdown refuses these program types, and must not take
 * the tracepoint programs down with them. It needs bpf_loop (the default
 * build's path walk) and bpf_task_pt_regs, so 5.17+.
 */
#include "ward.bpf.h"
#include "path.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* x86_64 syscall numbers (hooks.c has the same from <sys/syscall.h>). */
#define NR_truncate 76
#define NR_rename 82
#define NR_mkdir 83
#define NR_rmdir 84
#define NR_link 86
#define NR_unlink 87
#define NR_symlink 88
#define NR_chmod 90
#define NR_chown 92
#define NR_lchown 94
#define NR_mknod 133
#define NR_mkdirat 258
#define NR_mknodat 259
#define NR_fchownat 260
#define NR_unlinkat 263
#define NR_renameat 264
#define NR_linkat 265
#define NR_symlinkat 266
#define NR_fchmodat 268
#define NR_renameat2 316
#define NR_fchmodat2 452

/* Built here, then copied into ward_path_stash in one update. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ward_path_stash);
} ward_stash_build SEC(".maps");

/* The syscall this task is in. A hook also runs for io_uring requests and
 * for the fd variants (fchmod, ftruncate), whose exits never take a stash:
 * only the syscalls whose exit handler does are stashed for, so a stash
 * outlives its syscall only if the exit handler is missing; then the map
 * fills, updates fail (counted in state_misses) and paths take the
 * tracepoint route. */
static __always_inline long current_syscall(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	/* io_uring workers and kernel threads are in no syscall of their own */
	if (task->flags & (0x00000010 /* PF_IO_WORKER */ | 0x00200000 /* PF_KTHREAD */))
		return -1;
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	return regs ? regs->orig_ax : -1;
}

static __always_inline int walk_into(struct ward_path_stash *st, int i, char *buf,
				     struct vfsmount *mnt, struct dentry *dentry)
{
	struct ward_path_out out = {};
	if (ward_path_walk(dentry, mnt, buf, &out) < 0)
		return -1;
	__u32 len = out.len & WARD_PATH_MASK;
	bpf_probe_read_kernel(st->path[i & 1], len, buf + (out.start & WARD_PATH_MASK));
	st->path[i & 1][len] = 0;
	st->len[i & 1] = len;
	if (out.truncated)
		st->flags |= WARD_STASH_TRUNCATED(i & 1);
	return 0;
}

/* Noinline: one verified copy of the walks for every hook. */
static __noinline int stash(long nr, struct vfsmount *m1, struct dentry *d1, struct vfsmount *m2,
			    struct dentry *d2)
{
	__u32 zero = 0;
	struct ward_path_stash *st = bpf_map_lookup_elem(&ward_stash_build, &zero);
	char *buf = ward_pathbuf();
	if (!st || !buf)
		return 0;
	st->nr = nr;
	st->flags = 0;
	st->len[0] = st->len[1] = 0;
	st->path[0][0] = st->path[1][0] = 0;
	if (walk_into(st, 0, buf, m1, d1) < 0 || (d2 && walk_into(st, 1, buf, m2, d2) < 0)) {
		/* the exit handler falls back to the base route */
		ward_count(WARD_CNT_PATH_FAIL);
		return 0;
	}
	__u64 id = bpf_get_current_pid_tgid();
	if (bpf_map_update_elem(&ward_path_stash, &id, st, BPF_ANY))
		ward_count(WARD_CNT_STATE_MISS);
	return 0;
}

/* Whether events of this task and access type are reported at all (ward
 * itself, --pid/--comm and --type filters). */
static __always_inline bool wanted(__u16 access)
{
	return !ward_task_filtered(bpf_get_current_pid_tgid() >> 32) &&
	       ward_access_allowed(access);
}

#define IS2(a, b) (nr == NR_##a || nr == NR_##b)
#define IS3(a, b, c) (nr == NR_##a || nr == NR_##b || nr == NR_##c)

/* Each hook has one body and two attach points. LSM programs also get the
 * hook's return value as a last argument, unread here; they return 0
 * (allow): ward observes, it never decides. */

/* dir + dentry: the name being removed or created */
#define DIR_HOOK(hook, test, access)                                          \
	static __always_inline void on_##hook(const struct path *dir,         \
					      struct dentry *dentry)          \
	{                                                                     \
		long nr = current_syscall();                                  \
		if ((test) && wanted(access))                             \
			stash(nr, BPF_CORE_READ(dir, mnt), dentry, NULL, NULL); \
	}                                                                     \
	SEC("lsm/" #hook)                                                     \
	int BPF_PROG(ward_lsm_##hook, const struct path *dir, struct dentry *dentry) \
	{                                                                     \
		on_##hook(dir, dentry);                                       \
		return 0;                                                     \
	}                                                                     \
	SEC("fentry/security_" #hook)                                         \
	int BPF_PROG(ward_fentry_##hook, const struct path *dir, struct dentry *dentry) \
	{                                                                     \
		on_##hook(dir, dentry);                                       \
		return 0;                                                     \
	}

/* a path: the file whose attributes change */
#define OBJ_HOOK(hook, test, access)                                          \
	static __always_inline void on_##hook(const struct path *p)           \
	{                                                                     \
		long nr = current_syscall();                                  \
		if ((test) && wanted(access))                             \
			stash(nr, BPF_CORE_READ(p, mnt), BPF_CORE_READ(p, dentry), \
			      NULL, NULL);                                    \
	}                                                                     \
	SEC("lsm/" #hook)                                                     \
	int BPF_PROG(ward_lsm_##hook, const struct path *p)                   \
	{                                                                     \
		on_##hook(p);                                                 \
		return 0;                                                     \
	}                                                                     \
	SEC("fentry/security_" #hook)                                         \
	int BPF_PROG(ward_fentry_##hook, const struct path *p)                \
	{                                                                     \
		on_##hook(p);                                                 \
		return 0;                                                     \
	}

DIR_HOOK(path_unlink, IS2(unlink, unlinkat), XDR_FILE_DELETE)
DIR_HOOK(path_rmdir, IS2(rmdir, unlinkat), XDR_FILE_DELETE)
DIR_HOOK(path_mkdir, IS2(mkdir, mkdirat), XDR_FILE_CREATE)
DIR_HOOK(path_mknod, IS2(mknod, mknodat), XDR_FILE_CREATE)
DIR_HOOK(path_symlink, IS2(symlink, symlinkat), XDR_FILE_CREATE)
OBJ_HOOK(path_chmod, IS3(chmod, fchmodat, fchmodat2), XDR_FILE_SET_SECURITY)
OBJ_HOOK(path_chown, IS3(chown, lchown, fchownat), XDR_FILE_SET_SECURITY)
OBJ_HOOK(path_truncate, nr == NR_truncate, XDR_FILE_MODIFY)

/* link: the new name is the event's path */
static __always_inline void on_path_link(const struct path *new_dir, struct dentry *new_dentry)
{
	long nr = current_syscall();
	if (IS2(link, linkat) && wanted(XDR_FILE_CREATE))
		stash(nr, BPF_CORE_READ(new_dir, mnt), new_dentry, NULL, NULL);
}

SEC("lsm/path_link")
int BPF_PROG(ward_lsm_path_link, struct dentry *old_dentry, const struct path *new_dir,
	     struct dentry *new_dentry)
{
	on_path_link(new_dir, new_dentry);
	return 0;
}

SEC("fentry/security_path_link")
int BPF_PROG(ward_fentry_path_link, struct dentry *old_dentry, const struct path *new_dir,
	     struct dentry *new_dentry)
{
	on_path_link(new_dir, new_dentry);
	return 0;
}

/* rename: both names, as they are before the move */
static __always_inline void on_path_rename(const struct path *old_dir, struct dentry *old_dentry,
					   const struct path *new_dir, struct dentry *new_dentry)
{
	long nr = current_syscall();
	if (IS3(rename, renameat, renameat2) && wanted(XDR_FILE_MOVE))
		stash(nr, BPF_CORE_READ(old_dir, mnt), old_dentry, BPF_CORE_READ(new_dir, mnt),
		      new_dentry);
}

SEC("lsm/path_rename")
int BPF_PROG(ward_lsm_path_rename, const struct path *old_dir, struct dentry *old_dentry,
	     const struct path *new_dir, struct dentry *new_dentry)
{
	on_path_rename(old_dir, old_dentry, new_dir, new_dentry);
	return 0;
}

SEC("fentry/security_path_rename")
int BPF_PROG(ward_fentry_path_rename, const struct path *old_dir, struct dentry *old_dentry,
	     const struct path *new_dir, struct dentry *new_dentry)
{
	on_path_rename(old_dir, old_dentry, new_dir, new_dentry);
	return 0;
}
