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
 * hook sends the path ahead in a note (WARD_REC_PATH_NOTE, ward_path_noted);
 * the exit handler in file.bpf.c reports the event if the call succeeded,
 * without walking anything, so both routes give the same events and fields.
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

/* The syscall this task is in. A hook also runs for io_uring requests and
 * for the fd variants (fchmod, ftruncate), whose exits never take a note:
 * only the syscalls whose exit handler does are noted. */
static __always_inline long current_syscall(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	/* io_uring workers and kernel threads are in no syscall of their own */
	if (task->flags & (0x00000010 /* PF_IO_WORKER */ | 0x00200000 /* PF_KTHREAD */))
		return -1;
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	return regs ? regs->orig_ax : -1;
}

static __always_inline __u32 put_walk(char *rec, __u32 off, char *buf, struct vfsmount *mnt,
					struct dentry *dentry, struct ward_str *str, __u32 *flags,
					__u32 trunc_flag)
{
	struct ward_path_out out = {};
	if (ward_path_walk(dentry, mnt, buf, &out) < 0) {
		ward_count(WARD_CNT_PATH_FAIL);
		str->off = str->len = 0;
		return off;
	}
	if (out.truncated)
		*flags |= trunc_flag;
	return ward_put_bytes(rec, off, buf + (out.start & WARD_PATH_MASK), out.len, str);
}

/* Noinline: one verified copy of the walks for every hook. */
static __noinline int note(long nr, struct vfsmount *m1, struct dentry *d1, struct vfsmount *m2,
			   struct dentry *d2)
{
	struct ward_scratch *s = ward_scratch();
	char *buf = ward_pathbuf();
	if (!s || !buf)
		return 0;
	struct ward_rec_path_note *r = (void *)s->rec;
	ward_fill_common(&r->c, WARD_REC_PATH_NOTE);
	r->syscall_nr = nr;
	r->flags = 0;
	r->path2.off = r->path2.len = 0;
	__u32 off = put_walk(s->rec, sizeof(*r), buf, m1, d1, &r->path, &r->flags,
			     WARD_PATH_TRUNCATED);
	if (d2)
		off = put_walk(s->rec, off, buf, m2, d2, &r->path2, &r->flags,
			       WARD_PATH2_TRUNCATED);
	ward_emit(r, off);
	/* the exit handler of this syscall takes the path from the note */
	__u64 id = bpf_get_current_pid_tgid();
	__u32 n = nr;
	if (bpf_map_update_elem(&ward_path_noted, &id, &n, BPF_ANY))
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
			note(nr, BPF_CORE_READ(dir, mnt), dentry, NULL, NULL); \
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
			note(nr, BPF_CORE_READ(p, mnt), BPF_CORE_READ(p, dentry), \
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
		note(nr, BPF_CORE_READ(new_dir, mnt), new_dentry, NULL, NULL);
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
		note(nr, BPF_CORE_READ(old_dir, mnt), old_dentry, BPF_CORE_READ(new_dir, mnt),
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
