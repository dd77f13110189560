// SPDX-License-Identifier: GPL-2.0
/*
 * PROCESS events from the scheduler's tracepoints (stable since 3.x, no
 * syscall hook needed): fork -> PROCESS_CREATE, exec -> PROCESS_EXECUTE,
 * exit of the last thread -> PROCESS_TERMINATE. Plus the internal cwd
 * record that keeps the user-space process cache current.
 *
 * Lifecycle records are never dropped by the user's filters: they are
 * marked WARD_HDR_CACHE_ONLY instead, so enrichment stays right.
 */
#include "ward.bpf.h"
#include "path.bpf.h"

char LICENSE[] SEC("license") = "GPL";

static __always_inline __u16 lifecycle_flags(unsigned int access_type)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (ward_task_filtered(tgid) || !ward_access_allowed(access_type))
		return WARD_HDR_CACHE_ONLY;
	return 0;
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(ward_process_fork, struct task_struct *parent, struct task_struct *child)
{
	/* Threads are not processes: only a new thread group counts. */
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0;
	if ((bpf_get_current_pid_tgid() >> 32) == ward_cfg.self_tgid)
		return 0;
	struct ward_scratch *s = ward_scratch();
	char *pbuf = ward_pathbuf();
	if (!s || !pbuf)
		return 0;
	struct ward_rec_fork *r = (void *)s->rec;
	ward_fill_common(&r->c, WARD_REC_PROC_FORK);
	r->c.hdr.flags = lifecycle_flags(XDR_PROCESS_CREATE);
	r->child_tgid = BPF_CORE_READ(child, tgid);
	r->_pad = 0;
	if (bpf_core_field_exists(child->start_boottime))
		r->child_start_boottime = BPF_CORE_READ(child, start_boottime);
	else
		r->child_start_boottime = BPF_CORE_READ(child, start_time);
	return ward_emit(r, sizeof(*r));
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(ward_process_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	if ((bpf_get_current_pid_tgid() >> 32) == ward_cfg.self_tgid)
		return 0;
	struct ward_scratch *s = ward_scratch();
	char *pbuf = ward_pathbuf();
	if (!s || !pbuf)
		return 0;
	struct ward_rec_exec *r = (void *)s->rec;
	ward_fill_common(&r->c, WARD_REC_PROC_EXEC);
	r->c.hdr.flags = lifecycle_flags(XDR_PROCESS_EXECUTE);
	r->flags = 0;
	r->old_tid = old_pid;
	r->_pad = 0;
	r->_pad2 = 0;

	struct file *file = BPF_CORE_READ(bprm, file);
	r->inode = BPF_CORE_READ(file, f_inode, i_ino);
	r->dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev);

	__u32 off = sizeof(*r);
	bool deleted = false;
	struct path fpath;
	bpf_core_read(&fpath, sizeof(fpath), &file->f_path);
	off = ward_put_path(s->rec, off, pbuf, &fpath, &r->exe, &r->flags,
			    WARD_PATH_TRUNCATED, &deleted);
	if (deleted)
		r->flags |= WARD_PATH_DELETED;

	/* The caller's path: a kernel copy by now. */
	const char *fname = BPF_CORE_READ(bprm, filename);
	off &= WARD_TAIL_MASK;
	long n = bpf_probe_read_kernel_str(s->rec + off, WARD_REQ_PATH_MAX, fname);
	if (n <= 0) {
		s->rec[off] = 0;
		n = 1;
	}
	r->filename.off = off;
	r->filename.len = n - 1;
	off += n;

	/* argv of the new image: its mm is installed and the strings are
	 * on its stack between arg_start and arg_end. */
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	unsigned long arg_start = BPF_CORE_READ(mm, arg_start);
	unsigned long arg_end = BPF_CORE_READ(mm, arg_end);
	__u64 alen = arg_end > arg_start ? arg_end - arg_start : 0;
	if (alen > WARD_ARGS_MAX - 1) {
		alen = WARD_ARGS_MAX - 1;
		r->flags |= WARD_ARGS_TRUNCATED;
	}
	off &= WARD_TAIL_MASK;
	alen &= WARD_ARGS_MAX - 1;
	if (alen && bpf_probe_read_user(s->rec + off, alen, (void *)arg_start) < 0)
		alen = 0;
	s->rec[(off + alen) & (WARD_SCRATCH - 1)] = 0;
	r->args.off = off;
	r->args.len = alen;
	off += alen + 1;

	return ward_emit(r, off);
}

/*
 * Before the exit record: the repeats folded in the process's last windows,
 * which no later occurrence will report (ward_fold_track kept their keys).
 */
static __always_inline void fold_flush(struct ward_scratch *s, __u32 tgid)
{
	struct ward_fold_list *l = bpf_map_lookup_elem(&ward_fold_procs, &tgid);
	if (!l)
		return;
	for (int i = 0; i < WARD_FOLD_TRACK; i++) {
		struct ward_fold_key *k = &l->keys[i];
		if (!k->kind)
			continue;
		struct ward_fold_val *v = bpf_map_lookup_elem(&ward_fold, k);
		if (!v || !v->pending)
			continue;
		struct ward_rec_fold *r = (void *)s->rec;
		ward_fill_common(&r->c, WARD_REC_FOLD);
		r->kind = k->kind;
		r->_pad = 0;
		r->key_a = k->a;
		r->key_b = k->b;
		r->key_c = k->c;
		if (k->kind == XDR_FILE_OPEN) {
			/* on_open's key: (ino, super_block, gen << 32 | flags); the
			 * record's: (ino, dev << 32 | gen, flags) */
			struct super_block *sb = (struct super_block *)k->b;
			r->key_b = ((__u64)BPF_CORE_READ(sb, s_dev) << 32) | (k->c >> 32);
			r->key_c = (__u32)k->c;
		}
		r->count = v->pending;
		/* no thread of the process is left to fold into it */
		v->pending = 0;
		ward_emit(r, sizeof(*r));
	}
	bpf_map_delete_elem(&ward_fold_procs, &tgid);
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(ward_process_exit, struct task_struct *task)
{
	if ((bpf_get_current_pid_tgid() >> 32) == ward_cfg.self_tgid)
		return 0;
	/* do_exit() decrements signal->live before this tracepoint: zero
	 * means the last thread of the process is leaving. */
	struct task_struct *cur = (struct task_struct *)bpf_get_current_task();
	if (BPF_CORE_READ(cur, signal, live.counter) != 0)
		return 0;
	struct ward_scratch *s = ward_scratch();
	char *pbuf = ward_pathbuf();
	if (!s || !pbuf)
		return 0;
	fold_flush(s, bpf_get_current_pid_tgid() >> 32);
	struct ward_rec_exit *r = (void *)s->rec;
	ward_fill_common(&r->c, WARD_REC_PROC_EXIT);
	r->c.hdr.flags = lifecycle_flags(XDR_PROCESS_TERMINATE);
	/* With exit_group() every thread carries the group's code. */
	r->exit_code = BPF_CORE_READ(cur, exit_code);
	if (BPF_CORE_READ(cur, signal, flags) & 0x00000004 /* SIGNAL_GROUP_EXIT */)
		r->exit_code = BPF_CORE_READ(cur, signal, group_exit_code);
	r->_pad = 0;
	return ward_emit(r, sizeof(*r));
}

/* chdir, fchdir: keep the cache's cwd current. Tail-called from sys_exit. */
SEC("tp_btf/sys_exit")
int BPF_PROG(ward_exit_chdir, struct pt_regs *regs, long ret)
{
	if (ret != 0 || (bpf_get_current_pid_tgid() >> 32) == ward_cfg.self_tgid)
		return 0;
	struct ward_scratch *s = ward_scratch();
	char *pbuf = ward_pathbuf();
	if (!s || !pbuf)
		return 0;
	struct ward_rec_cwd *r = (void *)s->rec;
	ward_fill_common(&r->c, WARD_REC_CWD);
	r->c.hdr.flags = WARD_HDR_CACHE_ONLY;
	r->flags = 0;
	r->_pad = 0;
	r->_pad2 = 0;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fs_struct *fs = BPF_CORE_READ(task, fs);
	struct path pwd;
	bpf_core_read(&pwd, sizeof(pwd), &fs->pwd);
	__u32 off = ward_put_path(s->rec, sizeof(*r), pbuf, &pwd, &r->cwd, &r->flags,
				  WARD_PATH_TRUNCATED, NULL);
	return ward_emit(r, off);
}
