// SPDX-License-Identifier: GPL-2.0
/*
 * A process acting on another process (ptrace, process_vm_*, renames), on
 * memory permissions (mmap/mprotect with PROT_EXEC), on its credentials
 * (the setuid family) and loading code (an executable file mapping). All
 * from syscall exits, tail-called like the file handlers; successful calls
 * only. Repeats (a debugger peeking a thousand words, a JIT flipping page
 * permissions) are folded per process within --fold-ms, with a count.
 */
#include "ward.bpf.h"
#include "path.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define PROT_WRITE_ 0x2
#define PROT_EXEC_ 0x4
#define MAP_ANONYMOUS_ 0x20
#define PR_SET_NAME_ 15
#define FOLD_ONCE (~0ULL)

struct act_ev {
	struct file *image;   /* PROCESS_LOAD_IMAGE */
	__u64 addr, len, count;
	__u32 target, request, prot, flags;
	__u16 access;
};

static __noinline int emit_act_ev(struct pt_regs *regs, struct act_ev *ev)
{
	struct ward_scratch *s = ward_scratch();
	char *pbuf = ward_pathbuf();
	if (!s || !pbuf)
		return 0;
	struct ward_rec_act *r = (void *)s->rec;
	ward_fill_common(&r->c, WARD_REC_ACT);
	r->access_type = ev->access;
	r->_pad = 0;
	r->result = 0;
	r->syscall_nr = BPF_CORE_READ(regs, orig_ax);
	r->request = ev->request;
	r->target_tgid = ev->target;
	r->prot = ev->prot;
	r->addr = ev->addr;
	r->len = ev->len;
	r->count = ev->count;
	r->inode = 0;
	r->dev = 0;
	r->flags = ev->flags;
	bpf_get_current_comm(r->name, sizeof(r->name));
	r->path.off = r->path.len = 0;
	r->api.off = r->api.len = 0;
	__u32 off = sizeof(*r);
	struct file *f = ev->image;
	if (f) {
		struct inode *inode = BPF_CORE_READ(f, f_inode);
		r->inode = BPF_CORE_READ(inode, i_ino);
		r->dev = BPF_CORE_READ(inode, i_sb, s_dev);
		struct path fpath;
		bpf_core_read(&fpath, sizeof(fpath), &f->f_path);
		bool deleted = false;
		__u32 tflags = 0;
		off = ward_put_path(s->rec, off, pbuf, &fpath, &r->path, &tflags, 1, &deleted);
		if (tflags)
			r->flags |= WARD_ACT_PATH_TRUNCATED;
		if (deleted)
			r->flags |= WARD_ACT_DELETED;
	}
	return ward_emit(r, off);
}

static __always_inline int act(struct pt_regs *regs, __u16 access, __u32 target, __u32 request,
			       __u64 addr, __u64 len, __u64 fold_b)
{
	__u64 count;
	if (ward_fold_check(access, target, fold_b, 0, ward_cfg.fold_ns, &count))
		return 0;
	struct act_ev ev = { .access = access, .target = target, .request = request,
			     .addr = addr, .len = len, .count = count };
	return emit_act_ev(regs, &ev);
}

/* ---- ptrace ---- */

static __always_inline __u16 ptrace_access(long req)
{
	switch (req) {
	case 0: /* PTRACE_TRACEME */
		return XDR_PROCESS_TRACME;
	case 1: case 2: case 3:        /* PEEKTEXT, PEEKDATA, PEEKUSER */
	case 12: case 14:              /* GETREGS, GETFPREGS */
	case 0x4202: case 0x4204:      /* GETSIGINFO, GETREGSET */
	case 0x4209:                   /* PEEKSIGINFO */
		return XDR_MODIFIED_PROCESS_READ_PROCESS;
	case 4: case 5:                /* POKETEXT, POKEDATA */
		return XDR_MODIFIED_PROCESS_WRITE_MEMORY;
	case 6: case 13: case 15:      /* POKEUSER, SETREGS, SETFPREGS */
	case 16: case 0x4206:          /* ATTACH, SEIZE */
	case 0x4203: case 0x4205:      /* SETSIGINFO, SETREGSET */
		return XDR_MODIFIED_PROCESS_WRITE_PROCESS;
	default:
		return 0;
	}
}

SEC("tp_btf/sys_exit")
int BPF_PROG(ward_x_ptrace, struct pt_regs *regs, long ret)
{
	if (ret < 0)
		return 0;
	long req = WARD_ARG1(regs);
	__u16 access = ptrace_access(req);
	if (!access || ward_skip(access))
		return 0;
	__u32 target = WARD_ARG2(regs);
	if (access == XDR_PROCESS_TRACME)
		target = BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), real_parent,
				       tgid);
	/* POKETEXT/POKEDATA write one word at addr */
	__u64 len = (req == 4 || req == 5) ? 8 : 0;
	return act(regs, access, target, req, WARD_ARG3(regs), len, req);
}

/* process_vm_readv/writev(pid, local_iov, liovcnt, remote_iov, riovcnt, flags) */
static __always_inline int on_process_vm(struct pt_regs *regs, long ret, __u16 access)
{
	if (ret <= 0 || ward_skip(access))
		return 0;
	struct iovec riov = {};
	bpf_probe_read_user(&riov, sizeof(riov), (void *)WARD_ARG4(regs));
	return act(regs, access, WARD_ARG1(regs), 0, (__u64)riov.iov_base, ret, 0);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(ward_x_process_vm_readv, struct pt_regs *regs, long ret)
{
	return on_process_vm(regs, ret, XDR_MODIFIED_PROCESS_READ_PROCESS);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(ward_x_process_vm_writev, struct pt_regs *regs, long ret)
{
	return on_process_vm(regs, ret, XDR_MODIFIED_PROCESS_WRITE_MEMORY);
}

/* prctl(PR_SET_NAME): the record's task comm is already the new name. */
SEC("tp_btf/sys_exit")
int BPF_PROG(ward_x_prctl, struct pt_regs *regs, long ret)
{
	if (ret != 0 || WARD_ARG1(regs) != PR_SET_NAME_ ||
	    ward_skip(XDR_MODIFIED_PROCESS_WRITE_PROCESS_NAME))
		return 0;
	struct act_ev ev = { .access = XDR_MODIFIED_PROCESS_WRITE_PROCESS_NAME, .count = 1,
			     .target = bpf_get_current_pid_tgid() >> 32,
			     .request = PR_SET_NAME_ };
	return emit_act_ev(regs, &ev);
}

/* ---- memory ---- */

static __always_inline int on_mprotect(struct pt_regs *regs, long ret)
{
	__u32 prot = WARD_ARG3(regs);
	if (ret != 0 || !(prot & PROT_EXEC_) || ward_skip(XDR_MEMORY_MODIFY_PERMISSION))
		return 0;
	__u64 count;
	if (ward_fold_check(XDR_MEMORY_MODIFY_PERMISSION, prot, 0, 0, ward_cfg.fold_ns, &count))
		return 0;
	struct act_ev ev = { .access = XDR_MEMORY_MODIFY_PERMISSION, .addr = WARD_ARG1(regs),
			     .len = WARD_ARG2(regs), .prot = prot, .count = count,
			     .target = bpf_get_current_pid_tgid() >> 32 };
	return emit_act_ev(regs, &ev);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(ward_x_mprotect, struct pt_regs *regs, long ret)
{
	return on_mprotect(regs, ret);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(ward_x_pkey_mprotect, struct pt_regs *regs, long ret)
{
	return on_mprotect(regs, ret);
}

/*
 * mmap: an anonymous mapping both writable and executable is MEMORY_MODIFY;
 * an executable mapping of a file is the loading of that image
 * (PROCESS_LOAD_IMAGE), reported once per process and file.
 */
SEC("tp_btf/sys_exit")
int BPF_PROG(ward_x_mmap, struct pt_regs *regs, long ret)
{
	if (ret < 0 && ret > -4096)
		return 0;
	__u32 prot = WARD_ARG3(regs);
	if (!(prot & PROT_EXEC_))
		return 0;
	__u32 flags = WARD_ARG4(regs);
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (flags & MAP_ANONYMOUS_) {
		if (!(prot & PROT_WRITE_) || ward_skip(XDR_MEMORY_MODIFY))
			return 0;
		__u64 count;
		if (ward_fold_check(XDR_MEMORY_MODIFY, prot, 0, 0, ward_cfg.fold_ns, &count))
			return 0;
		struct act_ev ev = { .access = XDR_MEMORY_MODIFY, .addr = ret,
				     .len = WARD_ARG2(regs), .prot = prot, .count = count,
				     .target = tgid, .flags = WARD_ACT_ANON };
		return emit_act_ev(regs, &ev);
	}
	if (ward_skip(XDR_PROCESS_LOAD_IMAGE))
		return 0;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file *f = ward_fd_file(task, WARD_ARG5(regs));
	if (!f)
		return 0;
	struct inode *inode = BPF_CORE_READ(f, f_inode);
	__u64 count;
	if (ward_fold_check(XDR_PROCESS_LOAD_IMAGE, BPF_CORE_READ(inode, i_ino),
			    BPF_CORE_READ(inode, i_sb, s_dev), BPF_CORE_READ(inode, i_generation),
			    FOLD_ONCE, &count))
		return 0;
	struct act_ev ev = { .access = XDR_PROCESS_LOAD_IMAGE, .image = f, .addr = ret,
			     .len = WARD_ARG2(regs), .prot = prot, .count = 1, .target = tgid };
	return emit_act_ev(regs, &ev);
}

/* ---- credentials ----
 * The record carries the credentials after the call; user space knows what
 * they were before from the process cache and reports a change only. */
#define CRED_PROG(name)                                                        \
	SEC("tp_btf/sys_exit")                                                 \
	int BPF_PROG(name, struct pt_regs *regs, long ret)                     \
	{                                                                      \
		if (ret < 0 || ward_skip(XDR_ACCOUNT_IMPERSONATE))             \
			return 0;                                              \
		struct act_ev ev = { .access = XDR_ACCOUNT_IMPERSONATE,        \
				     .count = 1,                               \
				     .target = bpf_get_current_pid_tgid() >> 32 }; \
		struct task_struct *t = (struct task_struct *)bpf_get_current_task(); \
		const struct cred *c = BPF_CORE_READ(t, cred);                 \
		/* saved and filesystem ids ride in addr and len */            \
		ev.addr = ((__u64)BPF_CORE_READ(c, suid.val) << 32) |          \
			  BPF_CORE_READ(c, fsuid.val);                         \
		ev.len = ((__u64)BPF_CORE_READ(c, sgid.val) << 32) |           \
			 BPF_CORE_READ(c, fsgid.val);                          \
		ev.request = BPF_CORE_READ(c, egid.val);                       \
		return emit_act_ev(regs, &ev);                                 \
	}

CRED_PROG(ward_x_setuid)
CRED_PROG(ward_x_setgid)
CRED_PROG(ward_x_setreuid)
CRED_PROG(ward_x_setregid)
CRED_PROG(ward_x_setresuid)
CRED_PROG(ward_x_setresgid)
CRED_PROG(ward_x_setfsuid)
CRED_PROG(ward_x_setfsgid)
