// SPDX-License-Identifier: GPL-2.0
/*
 * FILE events from the syscall exit tracepoint. Nothing hooks sys_enter: a
 * second program on every syscall of the machine costs more than it gives.
 *
 * Each program handles one syscall and is tail-called by the dispatcher in
 * dispatch.bpf.c through ward_sys_exit_progs[syscall nr]. Only successful
 * calls are reported: a failed syscall did not access anything.
 *
 * Two routes to a path:
 *  - fd route: the syscall leaves or uses an fd (open family, write family,
 *    fchmod, ...). The struct file gives the exact canonical path.
 *  - base route: the syscall names a path string (unlink, rename, chmod...).
 *    Without kprobes or LSM hooks there is no dentry to walk, so ward sends
 *    the canonical directory the string is relative to (dirfd, cwd or the
 *    task's root, all from kernel objects) plus the string; user space joins
 *    and resolves them (see src/path_resolve.c). Where the kernel allows
 *    fentry or BPF-LSM, a path hook inside the syscall has already sent the
 *    exact path in a note (bpf/hooks/path_hooks.bpf.c): the record then says
 *    WARD_PATH_KERNEL and carries no directory.
 *
 * On x86_64 the argument registers in pt_regs are unchanged at syscall exit
 * (the syscall ABI preserves them), so one exit hook is enough.
 */
#include "ward.bpf.h"
#include "path.bpf.h"
#include "net.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define AT_REMOVEDIR_ 0x200
#define AT_SYMLINK_NOFOLLOW_ 0x100
#define AT_EMPTY_PATH_ 0x1000

/* Per (process, open file): the first write was reported. Repeats only
 * increment count until close, or until the file is renamed (its dentry's
 * parent or name changes). LRU: a missed close never leaks. */
struct modified_key {
	__u64 file;
	__u32 tgid;
	__u32 use_oflags;   /* else f_flags */
};

struct modified_val {
	__u64 parent;
	__u64 hash_len;
	__u64 count;
	__u64 ino;
	__u32 dev;
	__u32 mode;
	__u32 flags;   /* f_flags, for the FILE_CLOSE */
	__u32 _pad;
};

/* (process, fd) -> the struct file it had when first written. close(2) is
 * handled at syscall exit, when the fd is already gone: this index says
 * which modified file the closed fd named. (Hooking sys_enter only for close
 * would put a second program on every syscall of the machine.) */
struct fd_key {
	__u32 tgid;
	__s32 fd;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct fd_key);
	__type(value, __u64);
} ward_modified_fds SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct modified_key);
	__type(value, struct modified_val);
} ward_modified SEC(".maps") __weak;

/* Per process: how many of its open files are in ward_modified. Lets the
 * exit hook skip the fd table scan for the many processes that wrote
 * nothing. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __s64);
} ward_modified_procs SEC(".maps") __weak;

/*
 * Per bucket of tgids (tgid & (WARD_FD_GATE - 1)): the one process that may
 * have entries in ward_modified_fds, WARD_FD_GATE_SHARED once two such
 * processes met in the bucket, 0 for none. The close(2) of a process that
 * never modified a file (most closes) then stops at an array read, which
 * the verifier inlines, instead of a hash lookup. A process claims its
 * bucket before its first entry and releases it at its exit, so while it
 * has entries its bucket holds its tgid or SHARED; a shared bucket stays
 * shared, which only costs the lookup again. Claiming needs BPF_CMPXCHG
 * (5.12): the compat build always looks up.
 */
#define WARD_FD_GATE 65536
#define WARD_FD_GATE_SHARED (~0ULL) /* 64-bit: BPF_CMPXCHG on 32 bits needs -mcpu=v3 */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WARD_FD_GATE);
	__type(key, __u32);
	__type(value, __u64);
} ward_modified_gate SEC(".maps") __weak;

static __always_inline bool fd_gate_open(__u32 tgid)
{
#ifndef WARD_COMPAT
	__u32 k = tgid & (WARD_FD_GATE - 1);
	__u64 *owner = bpf_map_lookup_elem(&ward_modified_gate, &k);
	if (!owner)
		return true;
	__u64 v = *(volatile __u64 *)owner;
	return v == tgid || v == WARD_FD_GATE_SHARED;
#else
	return true;
#endif
}

static __always_inline void fd_gate_claim(__u32 tgid)
{
#ifndef WARD_COMPAT
	__u32 k = tgid & (WARD_FD_GATE - 1);
	__u64 *owner = bpf_map_lookup_elem(&ward_modified_gate, &k);
	if (!owner)
		return;
	__u64 v = *(volatile __u64 *)owner;
	if (v == tgid || v == WARD_FD_GATE_SHARED)
		return;
	if (v == 0) {
		v = __sync_val_compare_and_swap(owner, 0, (__u64)tgid);
		if (v == 0 || v == tgid || v == WARD_FD_GATE_SHARED)
			return;
	}
	/* another live process owns it: from now on both look up. A plain
	 * store: a racing claim or release can only fail against it. */
	*(volatile __u64 *)owner = WARD_FD_GATE_SHARED;
#endif
}

static __always_inline void fd_gate_release(__u32 tgid)
{
#ifndef WARD_COMPAT
	__u32 k = tgid & (WARD_FD_GATE - 1);
	__u64 *owner = bpf_map_lookup_elem(&ward_modified_gate, &k);
	if (owner && *(volatile __u64 *)owner == tgid)
		__sync_val_compare_and_swap(owner, (__u64)tgid, 0);
#endif
}

static __always_inline void modified_procs_add(__u32 tgid, __s64 delta)
{
	__s64 *n = bpf_map_lookup_elem(&ward_modified_procs, &tgid);
	if (n) {
		__sync_fetch_and_add(n, delta);
		return;
	}
	if (delta > 0)
		bpf_map_update_elem(&ward_modified_procs, &tgid, &delta, BPF_NOEXIST);
}

static __always_inline struct ward_rec_file *file_rec_begin(struct ward_scratch *s, __u16 access)
{
	struct ward_rec_file *r = (void *)s->rec;
	ward_fill_common(&r->c, WARD_REC_FILE);
	r->access_type = access;
	r->path_kind = WARD_PATH_FD;
	r->path2_kind = WARD_PATH_FD;
	r->flags = 0;
	r->rflags = 0;
	r->open_flags = 0;
	r->mode = 0;
	r->dev = 0;
	r->inode = 0;
	r->count = 1;
	r->syscall_nr = 0;
	r->fd = -1;
	r->path.off = r->path.len = 0;
	r->req_path.off = r->req_path.len = 0;
	r->path2.off = r->path2.len = 0;
	r->req_path2.off = r->req_path2.len = 0;
	r->file_id = 0;
	return r;
}

static __always_inline long syscall_nr(struct pt_regs *regs)
{
	return regs->orig_ax; /* a typed pointer: a plain load */
}

/* What the fd handlers need of a struct file and its inode: one bulk read
 * of each object (ward_bulk), and one of the device when it is wanted
 * (file_info_dev), where a field at a time took up to seven helper calls.
 * Failed reads leave zeros, as BPF_CORE_READ() does. */
struct file_info {
	struct path path;
	void *private_data;
	struct super_block *sb;
	__u64 ino;
	__u32 dev;
	__u32 gen;
	__u32 f_mode;
	__u32 f_flags;
	__u16 imode;
	__u8 have_dev;
};

static __always_inline void file_info_read(struct file *f, struct file_info *fi)
{
	struct ward_bulk *b = ward_bulk_buf();
	struct inode *inode;
	if (b && WARD_BULK_FITS(f, f_mode) && WARD_BULK_FITS(f, f_inode) &&
	    WARD_BULK_FITS(f, f_flags) && WARD_BULK_FITS(f, f_path) &&
	    WARD_BULK_FITS(f, private_data)) {
		bpf_probe_read_kernel(b, sizeof(*b), f);
		fi->f_mode = WARD_BULK_GET(b, f, f_mode);
		inode = WARD_BULK_GET(b, f, f_inode);
		fi->f_flags = WARD_BULK_GET(b, f, f_flags);
		fi->path = WARD_BULK_GET(b, f, f_path);
		fi->private_data = WARD_BULK_GET(b, f, private_data);
	} else {
		fi->f_mode = BPF_CORE_READ(f, f_mode);
		inode = BPF_CORE_READ(f, f_inode);
		fi->f_flags = BPF_CORE_READ(f, f_flags);
		bpf_core_read(&fi->path, sizeof(fi->path), &f->f_path);
		fi->private_data = BPF_CORE_READ(f, private_data);
	}
	if (b && WARD_BULK_FITS(inode, i_mode) && WARD_BULK_FITS(inode, i_sb) &&
	    WARD_BULK_FITS(inode, i_ino) && WARD_BULK_FITS(inode, i_generation)) {
		bpf_probe_read_kernel(b, sizeof(*b), inode);
		fi->imode = WARD_BULK_GET(b, inode, i_mode);
		fi->sb = WARD_BULK_GET(b, inode, i_sb);
		fi->ino = WARD_BULK_GET(b, inode, i_ino);
		fi->gen = WARD_BULK_GET(b, inode, i_generation);
	} else {
		fi->imode = BPF_CORE_READ(inode, i_mode);
		fi->sb = BPF_CORE_READ(inode, i_sb);
		fi->ino = BPF_CORE_READ(inode, i_ino);
		fi->gen = BPF_CORE_READ(inode, i_generation);
	}
	fi->dev = 0;
	fi->have_dev = 0;
}

static __always_inline __u32 file_info_dev(struct file_info *fi)
{
	if (!fi->have_dev) {
		struct super_block *sb = fi->sb; /* a local: CO-RE relocates kernel types only */
		fi->dev = BPF_CORE_READ(sb, s_dev);
		fi->have_dev = 1;
	}
	return fi->dev;
}

/* The name of an open file as ward_modified remembers it: its dentry's
 * parent and the hash and length of its name, in one read. */
static __always_inline void file_name_of(struct dentry *d, __u64 *parent, __u64 *hash_len)
{
	struct ward_bulk *b = ward_bulk_buf();
	if (b && WARD_BULK_FITS(d, d_parent) && WARD_BULK_FITS(d, d_name.hash_len)) {
		bpf_probe_read_kernel(b, sizeof(*b), d);
		*parent = (__u64)WARD_BULK_GET(b, d, d_parent);
		*hash_len = WARD_BULK_GET(b, d, d_name.hash_len);
	} else {
		*parent = (__u64)BPF_CORE_READ(d, d_parent);
		*hash_len = BPF_CORE_READ(d, d_name.hash_len);
	}
}

/* A FILE record about an open struct file (exact canonical path). */
/* BPF subprograms take at most five arguments: the details travel in one
 * struct on the caller's stack. */
struct fd_ev {
	struct file *f;
	const struct file_info *fi; /* already read by the caller, or NULL */
	const char *upath;
	__u64 count;
	__u32 oflags;       /* open flags as passed (use_oflags) */
	__u32 use_oflags;   /* else f_flags */
	__u32 rflags;
	__s32 fd;
	__u16 access;
};

static __noinline int emit_fd_ev(struct pt_regs *regs, struct fd_ev *ev)
{
	struct ward_scratch *s = ward_scratch();
	char *pbuf = ward_pathbuf();
	struct file *f = ev->f;
	const char *upath = ev->upath;
	if (!s || !pbuf || !f)
		return 0;
	struct ward_rec_file *r = file_rec_begin(s, ev->access);
	int fd = ev->fd;
	__u64 count = ev->count;
	__u32 rflags = ev->rflags;
	struct file_info fi;
	if (ev->fi)
		fi = *ev->fi;
	else
		file_info_read(f, &fi);
	r->inode = fi.ino;
	r->dev = file_info_dev(&fi);
	r->mode = fi.imode;
	r->open_flags = ev->use_oflags ? ev->oflags : fi.f_flags;
	r->fd = fd;
	r->count = count;
	r->rflags = rflags;
	r->file_id = (__u64)f;
	r->syscall_nr = regs ? syscall_nr(regs) : 0;

	bool deleted = false;
	__u32 off = ward_put_path(s->rec, sizeof(*r), pbuf, &fi.path, &r->path, &r->flags,
				  WARD_PATH_TRUNCATED, &deleted);
	if (deleted)
		r->flags |= WARD_PATH_DELETED;
	if (upath)
		off = ward_put_user_str(s->rec, off, upath, &r->req_path, &r->flags,
					WARD_REQ_TRUNCATED);
	return ward_emit(r, off);
}

static __always_inline int emit_fd_event_fi(struct pt_regs *regs, __u16 access, struct file *f,
					    const struct file_info *fi, int fd, const char *upath,
					    __u64 count, __u32 rflags)
{
	struct fd_ev ev = { .f = f, .fi = fi, .upath = upath, .count = count, .rflags = rflags,
			    .fd = fd, .access = access };
	return emit_fd_ev(regs, &ev);
}

static __always_inline int emit_fd_event(struct pt_regs *regs, __u16 access, struct file *f,
					 int fd, const char *upath, __u64 count, __u32 rflags)
{
	return emit_fd_event_fi(regs, access, f, NULL, fd, upath, count, rflags);
}

static __always_inline int emit_open_event(struct pt_regs *regs, __u16 access, struct file *f,
					   const struct file_info *fi, int fd, const char *upath,
					   __u32 oflags, __u64 count, __u32 rflags)
{
	struct fd_ev ev = { .f = f, .fi = fi, .upath = upath, .count = count, .oflags = oflags, .use_oflags = 1,
			    .rflags = rflags, .fd = fd, .access = access };
	return emit_fd_ev(regs, &ev);
}

/* The struct path a path string of this task is relative to. */
static __always_inline int base_of(int dfd, const char *upath, struct path *out)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	char first = 0;
	bpf_probe_read_user(&first, 1, upath);
	if (first == '/') {
		struct fs_struct *fs = BPF_CORE_READ(task, fs);
		return bpf_core_read(out, sizeof(*out), &fs->root);
	}
	if (dfd == AT_FDCWD_) {
		struct fs_struct *fs = BPF_CORE_READ(task, fs);
		return bpf_core_read(out, sizeof(*out), &fs->pwd);
	}
	struct file *f = ward_fd_file(task, dfd);
	if (!f)
		return -1;
	return bpf_core_read(out, sizeof(*out), &f->f_path);
}

/* A FILE record about a path string: base directory + the string. For a
 * move, the second pair is the new name. */
struct path_ev {
	const char *upath;
	const char *upath2;
	__u32 mode;
	__u32 rflags;
	__s32 dfd;
	__s32 dfd2;
	__u16 access;
};

static __noinline int emit_path_ev(struct pt_regs *regs, struct path_ev *ev)
{
	struct ward_scratch *s = ward_scratch();
	char *pbuf = ward_pathbuf();
	if (!s || !pbuf)
		return 0;
	__u16 access = ev->access;
	int dfd = ev->dfd, dfd2 = ev->dfd2;
	const char *upath = ev->upath, *upath2 = ev->upath2;
	__u32 mode = ev->mode, rflags = ev->rflags;
	struct ward_rec_file *r = file_rec_begin(s, access);
	r->path_kind = WARD_PATH_BASE;
	r->mode = mode;
	r->rflags = rflags;
	r->fd = dfd;
	r->syscall_nr = syscall_nr(regs);

	__u64 id = bpf_get_current_pid_tgid();
	__u32 *noted = ward_path_hooks_active() ? bpf_map_lookup_elem(&ward_path_noted, &id)
						 : NULL;
	bool hooked = noted && *noted == r->syscall_nr;
	if (noted)
		bpf_map_delete_elem(&ward_path_noted, &id);
	struct path base = {};
	__u32 off = sizeof(*r);
	if (hooked) {
		/* the path(s) are in the note just before: no walk here */
		r->path_kind = WARD_PATH_KERNEL;
		ward_count(WARD_CNT_HOOK_PATH);
	} else if (base_of(dfd, upath, &base) == 0) {
		off = ward_put_path(s->rec, off, pbuf, &base, &r->path, &r->flags,
				    WARD_PATH_TRUNCATED, NULL);
	}
	off = ward_put_user_str(s->rec, off, upath, &r->req_path, &r->flags, WARD_REQ_TRUNCATED);
	if (upath2) {
		r->path2_kind = hooked ? WARD_PATH_KERNEL : WARD_PATH_BASE;
		struct path base2 = {};
		if (!hooked && base_of(dfd2, upath2, &base2) == 0)
			off = ward_put_path(s->rec, off, pbuf, &base2, &r->path2, &r->flags,
					    WARD_PATH2_TRUNCATED, NULL);
		off = ward_put_user_str(s->rec, off, upath2, &r->req_path2, &r->flags,
					WARD_REQ2_TRUNCATED);
	}
	return ward_emit(r, off);
}

/* A syscall that reports nothing (failed, filtered, or took the fd route)
 * leaves no mark of its hooks behind for a later one. */
static __always_inline void note_drop(void)
{
	__u64 id = bpf_get_current_pid_tgid();
	if (ward_path_hooks_active())
		bpf_map_delete_elem(&ward_path_noted, &id);
}

static __always_inline int emit_path_event(struct pt_regs *regs, __u16 access, int dfd,
					   const char *upath, int dfd2, const char *upath2,
					   __u32 mode, __u32 rflags)
{
	struct path_ev ev = { .upath = upath, .upath2 = upath2, .mode = mode, .rflags = rflags,
			      .dfd = dfd, .dfd2 = dfd2, .access = access };
	return emit_path_ev(regs, &ev);
}

/* ---- open family ---- */

/* Remember that this process modified this open file (through fd). */
static __always_inline void mark_modified(struct file *f, struct file_info *fi, __u32 tgid, int fd,
					  __u64 parent, __u64 hash_len, bool existed)
{
	struct modified_key key = { .file = (__u64)f, .tgid = tgid };
	struct modified_val val = {
		.parent = parent,
		.hash_len = hash_len,
		.count = 1,
		.ino = fi->ino,
		.dev = file_info_dev(fi),
		.mode = fi->imode,
		.flags = fi->f_flags,
	};
	if (bpf_map_update_elem(&ward_modified, &key, &val, BPF_ANY)) {
		ward_count(WARD_CNT_STATE_MISS);
		return;
	}
	if (!existed)
		modified_procs_add(tgid, 1);
	struct fd_key fk = { .tgid = tgid, .fd = fd };
	__u64 file = (__u64)f;
	fd_gate_claim(tgid);
	if (bpf_map_update_elem(&ward_modified_fds, &fk, &file, BPF_ANY))
		ward_count(WARD_CNT_STATE_MISS);
}

static __always_inline void mark_modified_now(struct file *f, struct file_info *fi, __u32 tgid,
					      int fd)
{
	__u64 parent, hash_len;
	file_name_of(fi->path.dentry, &parent, &hash_len);
	mark_modified(f, fi, tgid, fd, parent, hash_len, false);
}

/*
 * flags: as the caller passed them. The kernel strips O_CREAT and O_TRUNC
 * from f_flags, so only the argument tells a truncating open.
 *
 * Repeated opens: a process opening the same file with the same flags again
 * within --fold-ms is counted, not reported; the next report of that
 * (process, file, flags) carries the count (ward_fold_check). A loop that
 * opens one file a million times costs one record per window. A new file
 * that reuses a deleted one's inode number is another file: filesystems
 * draw a new i_generation.
 */
static __always_inline int on_open(struct pt_regs *regs, long ret, const char *upath, __u32 flags)
{
	if (ret < 0)
		return 0;
	struct task_struct *task = ward_cur_task();
	__u32 tgid = ward_task_tgid(task);
	if (ward_task_filtered(tgid)) {
		if (tgid != ward_cfg.self_tgid)
			ward_count(WARD_CNT_FILTERED);
		return 0;
	}
	struct file *f = ward_task_fd_file(task, ret);
	if (!f)
		return 0;
	struct file_info fi;
	file_info_read(f, &fi);
	bool created = fi.f_mode & FMODE_CREATED_;
	__u16 access = created ? XDR_FILE_CREATE : XDR_FILE_OPEN;
	__u64 count = 1;
	if (!ward_access_allowed(access))
		ward_count(WARD_CNT_FILTERED);
	/* The fold key names the file by its super_block's address rather
	 * than its s_dev: one helper call less on the folded path. The exit
	 * report turns it back into (dev, gen) (fold_flush in process.bpf.c). */
	else if (created || !ward_fold_check_at(tgid, ward_task_start(task), XDR_FILE_OPEN, fi.ino,
						(__u64)fi.sb, ((__u64)fi.gen << 32) | flags,
						ward_cfg.fold_ns, &count))
		emit_open_event(regs, access, f, &fi, ret, upath, flags, count,
				created ? WARD_F_CREATED : 0);

	/* Truncating an existing file is its first modification. */
	if (!created && (flags & O_TRUNC_) && (flags & O_ACCMODE_) &&
	    (fi.imode & S_IFMT_) == S_IFREG_) {
		if (ward_access_allowed(XDR_FILE_MODIFY))
			emit_open_event(regs, XDR_FILE_MODIFY, f, &fi, ret, upath, flags, 1, 0);
		mark_modified_now(f, &fi, tgid, ret);
	}
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(ward_x_open, struct pt_regs *regs, long ret)
{
	return on_open(regs, ret, (const char *)WARD_ARG1(regs), WARD_ARG2(regs));
}

SEC("tp_btf/sys_exit")
int BPF_PROG(ward_x_creat, struct pt_regs *regs, long ret)
{
	/* creat() is open(O_CREAT | O_WRONLY | O_TRUNC) */
	return on_open(regs, ret, (const char *)WARD_ARG1(regs), 0100 | 01 | O_TRUNC_);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(ward_x_openat, struct pt_regs *regs, long ret)
{
	return on_open(regs, ret, (const char *)WARD_ARG2(regs), WARD_ARG3(regs));
}

/* openat2 has the same path argument; flags live in struct open_how. */
SEC("tp_btf/sys_exit")
int BPF_PROG(ward_x_openat2, struct pt_regs *regs, long ret)
{
	__u64 flags = 0;
	if (ret >= 0)
		bpf_probe_read_user(&flags, sizeof(flags), (void *)WARD_ARG3(regs));
	return on_open(regs, ret, (const char *)WARD_ARG2(regs), flags);
}

/* ---- modification through an fd ---- */

/* Bytes sent with write/writev on a socket go to the network side. */
static __always_inline int on_socket_write(struct file_info *fi, int fd, const char *ubuf,
					   const struct iovec *uiov, __u64 sent)
{
	if (uiov) {
		struct iovec iov = {};
		if (bpf_probe_read_user(&iov, sizeof(iov), uiov) < 0)
			return 0;
		ubuf = iov.iov_base;
		if (iov.iov_len < sent)
			sent = iov.iov_len;
	}
	if (!ubuf)
		return 0;
	struct socket *sock = fi->private_data;
	return ward_on_send(BPF_CORE_READ(sock, sk), fd, ubuf, sent, NULL);
}

static __always_inline int on_modify_fd(struct pt_regs *regs, int fd, const char *ubuf,
					const struct iovec *uiov, long ret)
{
	struct task_struct *task = ward_cur_task();
	__u32 tgid = ward_task_tgid(task);
	if (ward_task_filtered(tgid))
		return 0;
	struct file *f = ward_task_fd_file(task, fd);
	if (!f)
		return 0;
	struct file_info fi;
	file_info_read(f, &fi);
	/* Pipes and terminals are not files in this sense; sockets are the
	 * network side's. */
	if ((fi.imode & S_IFMT_) == S_IFSOCK_)
		return on_socket_write(&fi, fd, ubuf, uiov, ret);
	if ((fi.imode & S_IFMT_) != S_IFREG_)
		return 0;

	struct modified_key key = { .file = (__u64)f, .tgid = tgid };
	__u64 parent, hash_len;
	file_name_of(fi.path.dentry, &parent, &hash_len);
	struct modified_val *v = bpf_map_lookup_elem(&ward_modified, &key);
	if (v && v->parent == parent && v->hash_len == hash_len) {
		__sync_fetch_and_add(&v->count, 1);
		ward_count(WARD_CNT_DEDUP);
		return 0;
	}
	mark_modified(f, &fi, tgid, fd, parent, hash_len, v != NULL);
	if (ward_access_allowed(XDR_FILE_MODIFY))
		return emit_fd_event_fi(regs, XDR_FILE_MODIFY, f, &fi, fd, NULL, 1, 0);
	ward_count(WARD_CNT_FILTERED);
	return 0;
}

#define MODIFY_FD_PROG(name, fdarg, ok, buf, iov)                        \
	SEC("tp_btf/sys_exit")                                           \
	int BPF_PROG(name, struct pt_regs *regs, long ret)               \
	{                                                                \
		if (!(ok))                                               \
			return 0;                                        \
		return on_modify_fd(regs, (int)fdarg(regs), buf, iov, ret); \
	}

MODIFY_FD_PROG(ward_x_write, WARD_ARG1, ret > 0, (const char *)WARD_ARG2(regs), NULL)
MODIFY_FD_PROG(ward_x_pwrite64, WARD_ARG1, ret > 0, NULL, NULL)
MODIFY_FD_PROG(ward_x_writev, WARD_ARG1, ret > 0, NULL, (const struct iovec *)WARD_ARG2(regs))
MODIFY_FD_PROG(ward_x_pwritev, WARD_ARG1, ret > 0, NULL, NULL)
MODIFY_FD_PROG(ward_x_pwritev2, WARD_ARG1, ret > 0, NULL, NULL)
MODIFY_FD_PROG(ward_x_ftruncate, WARD_ARG1, ret == 0, NULL, NULL)
MODIFY_FD_PROG(ward_x_fallocate, WARD_ARG1, ret == 0, NULL, NULL)
MODIFY_FD_PROG(ward_x_sendfile, WARD_ARG1, ret > 0, NULL, NULL)
MODIFY_FD_PROG(ward_x_copy_file_range, WARD_ARG3, ret > 0, NULL, NULL)
MODIFY_FD_PROG(ward_x_splice, WARD_ARG3, ret > 0, NULL, NULL)

/* ---- close, at syscall exit ---- */

/* A FILE_CLOSE whose path user space takes from the FILE_MODIFY that
 * carried the same file_id (the struct file may be freed by now). */
static __noinline int emit_close_by_id(struct pt_regs *regs, struct fd_key *fk, __u64 file,
				       struct modified_val *mv)
{
	struct ward_scratch *s = ward_scratch();
	if (!s)
		return 0;
	struct ward_rec_file *r = file_rec_begin(s, XDR_FILE_CLOSE);
	r->path_kind = WARD_PATH_ID;
	r->file_id = file;
	r->fd = fk->fd;
	r->count = mv->count;
	r->inode = mv->ino;
	r->dev = mv->dev;
	r->mode = mv->mode;
	r->open_flags = mv->flags;
	r->syscall_nr = syscall_nr(regs);
	return ward_emit(r, sizeof(*r));
}

static __always_inline int on_close_fd(struct pt_regs *regs, int fd)
{
	struct fd_key fk = { .tgid = ward_task_tgid(ward_cur_task()), .fd = fd };
	if (!fd_gate_open(fk.tgid))
		return 0;
	__u64 *fp = bpf_map_lookup_elem(&ward_modified_fds, &fk);
	if (!fp)
		return 0;
	__u64 file = *fp;
	bpf_map_delete_elem(&ward_modified_fds, &fk);
	struct modified_key key = { .file = file, .tgid = fk.tgid };
	struct modified_val *v = bpf_map_lookup_elem(&ward_modified, &key);
	if (!v)
		return 0;
	struct modified_val mv = *v;
	bpf_map_delete_elem(&ward_modified, &key);
	modified_procs_add(fk.tgid, -1);
	if (!ward_access_allowed(XDR_FILE_CLOSE))
		return 0;
	return emit_close_by_id(regs, &fk, file, &mv);
}

/* close(2) releases the fd even when it returns an error (but EBADF). */
SEC("tp_btf/sys_exit")
int BPF_PROG(ward_x_close, struct pt_regs *regs, long ret)
{
	if (ret == -9 /* EBADF */)
		return 0;
	return on_close_fd(regs, (int)WARD_ARG1(regs));
}

/* dup2/dup3 onto an open fd close it implicitly. */
SEC("tp_btf/sys_exit")
int BPF_PROG(ward_x_dup2, struct pt_regs *regs, long ret)
{
	int oldfd = WARD_ARG1(regs), newfd = WARD_ARG2(regs);
	if (ret < 0 || oldfd == newfd)
		return 0;
	return on_close_fd(regs, newfd);
}

/* ---- path route ---- */

static __always_inline bool skip_access(__u16 access, long ret)
{
	if (ret < 0 || ward_skip(access)) {
		note_drop();
		return true;
	}
	return false;
}

#define PATH_PROG(name, access, dfd, path, mode, rflags)                             \
	SEC("tp_btf/sys_exit")                                                        \
	int BPF_PROG(name, struct pt_regs *regs, long ret)                            \
	{                                                                             \
		if (skip_access(access, ret))                                         \
			return 0;                                                     \
		return emit_path_event(regs, access, dfd, (const char *)(path), 0, NULL, \
				       mode, rflags);                                 \
	}

#define CWD AT_FDCWD_
#define A1 WARD_ARG1(regs)
#define A2 WARD_ARG2(regs)
#define A3 WARD_ARG3(regs)
#define A4 WARD_ARG4(regs)
#define A5 WARD_ARG5(regs)

PATH_PROG(ward_x_unlink, XDR_FILE_DELETE, CWD, A1, 0, WARD_F_NOFOLLOW)
PATH_PROG(ward_x_unlinkat, XDR_FILE_DELETE, (int)A1, A2, 0,
	  WARD_F_NOFOLLOW | ((A3 & AT_REMOVEDIR_) ? WARD_F_DIR : 0))
PATH_PROG(ward_x_rmdir, XDR_FILE_DELETE, CWD, A1, 0, WARD_F_NOFOLLOW | WARD_F_DIR)
PATH_PROG(ward_x_mkdir, XDR_FILE_CREATE, CWD, A1, S_IFDIR_ | (A2 & 07777),
	  WARD_F_NOFOLLOW | WARD_F_DIR)
PATH_PROG(ward_x_mkdirat, XDR_FILE_CREATE, (int)A1, A2, S_IFDIR_ | (A3 & 07777),
	  WARD_F_NOFOLLOW | WARD_F_DIR)
PATH_PROG(ward_x_mknod, XDR_FILE_CREATE, CWD, A1, A2, WARD_F_NOFOLLOW)
PATH_PROG(ward_x_mknodat, XDR_FILE_CREATE, (int)A1, A2, A3, WARD_F_NOFOLLOW)
PATH_PROG(ward_x_symlink, XDR_FILE_CREATE, CWD, A2, 0120000, WARD_F_NOFOLLOW)
PATH_PROG(ward_x_symlinkat, XDR_FILE_CREATE, (int)A2, A3, 0120000, WARD_F_NOFOLLOW)
PATH_PROG(ward_x_link, XDR_FILE_CREATE, CWD, A2, 0, WARD_F_NOFOLLOW)
PATH_PROG(ward_x_linkat, XDR_FILE_CREATE, (int)A3, A4, 0, WARD_F_NOFOLLOW)
PATH_PROG(ward_x_chmod, XDR_FILE_SET_SECURITY, CWD, A1, A2 & 07777, 0)
PATH_PROG(ward_x_fchmodat, XDR_FILE_SET_SECURITY, (int)A1, A2, A3 & 07777, 0)
PATH_PROG(ward_x_fchmodat2, XDR_FILE_SET_SECURITY, (int)A1, A2, A3 & 07777,
	  (A4 & AT_SYMLINK_NOFOLLOW_) ? WARD_F_NOFOLLOW : 0)
PATH_PROG(ward_x_chown, XDR_FILE_SET_SECURITY, CWD, A1, 0, 0)
PATH_PROG(ward_x_lchown, XDR_FILE_SET_SECURITY, CWD, A1, 0, WARD_F_NOFOLLOW)
PATH_PROG(ward_x_truncate, XDR_FILE_MODIFY, CWD, A1, 0, 0)
PATH_PROG(ward_x_utime, XDR_FILE_MODIFY_TIMESTAMP, CWD, A1, 0, 0)
PATH_PROG(ward_x_utimes, XDR_FILE_MODIFY_TIMESTAMP, CWD, A1, 0, 0)
PATH_PROG(ward_x_futimesat, XDR_FILE_MODIFY_TIMESTAMP, (int)A1, A2, 0, 0)

/* rename family: both names, each relative to its own directory. */
#define RENAME_PROG(name, od, op, nd, np)                                           \
	SEC("tp_btf/sys_exit")                                                       \
	int BPF_PROG(name, struct pt_regs *regs, long ret)                           \
	{                                                                            \
		if (skip_access(XDR_FILE_MOVE, ret))                                 \
			return 0;                                                    \
		return emit_path_event(regs, XDR_FILE_MOVE, od, (const char *)(op), nd, \
				       (const char *)(np), 0, WARD_F_NOFOLLOW);      \
	}

RENAME_PROG(ward_x_rename, CWD, A1, CWD, A2)
RENAME_PROG(ward_x_renameat, (int)A1, A2, (int)A3, A4)
RENAME_PROG(ward_x_renameat2, (int)A1, A2, (int)A3, A4)

/* Syscalls that take an fd, or a dirfd with an empty path / NULL path. */
static __always_inline int fd_or_path(struct pt_regs *regs, long ret, __u16 access, int dfd,
				      const char *upath, int flags, __u32 mode)
{
	if (skip_access(access, ret))
		return 0;
	char first = 0;
	if (upath)
		bpf_probe_read_user(&first, 1, upath);
	if (!upath || (!first && (flags & AT_EMPTY_PATH_))) {
		note_drop();
		struct task_struct *task = (struct task_struct *)bpf_get_current_task();
		return emit_fd_event(regs, access, ward_fd_file(task, dfd), dfd, NULL, 1, 0);
	}
	return emit_path_event(regs, access, dfd, upath, 0, NULL, mode,
			       (flags & AT_SYMLINK_NOFOLLOW_) ? WARD_F_NOFOLLOW : 0);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(ward_x_utimensat, struct pt_regs *regs, long ret)
{
	return fd_or_path(regs, ret, XDR_FILE_MODIFY_TIMESTAMP, (int)A1, (const char *)A2,
			  (int)A4, 0);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(ward_x_fchownat, struct pt_regs *regs, long ret)
{
	return fd_or_path(regs, ret, XDR_FILE_SET_SECURITY, (int)A1, (const char *)A2, (int)A5,
			  0);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(ward_x_fchmod, struct pt_regs *regs, long ret)
{
	return fd_or_path(regs, ret, XDR_FILE_SET_SECURITY, (int)A1, NULL, 0, A2 & 07777);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(ward_x_fchown, struct pt_regs *regs, long ret)
{
	return fd_or_path(regs, ret, XDR_FILE_SET_SECURITY, (int)A1, NULL, 0, 0);
}

/* xattrs: only the security.* namespace (capabilities, SELinux/SMACK/IMA
 * labels) is a security change. */
static __always_inline bool is_security_xattr(const char *uname)
{
	char buf[9] = {};
	if (bpf_probe_read_user(buf, sizeof(buf), uname) < 0)
		return false;
	return buf[0] == 's' && buf[1] == 'e' && buf[2] == 'c' && buf[3] == 'u' &&
	       buf[4] == 'r' && buf[5] == 'i' && buf[6] == 't' && buf[7] == 'y' && buf[8] == '.';
}

#define XATTR_PROG(name, is_fd, nofollow)                                            \
	SEC("tp_btf/sys_exit")                                                        \
	int BPF_PROG(name, struct pt_regs *regs, long ret)                            \
	{                                                                             \
		if (ret < 0 || !is_security_xattr((const char *)A2))                  \
			return 0;                                                     \
		if (is_fd)                                                            \
			return fd_or_path(regs, ret, XDR_FILE_SET_SECURITY, (int)A1,  \
					  NULL, 0, 0);                                \
		return fd_or_path(regs, ret, XDR_FILE_SET_SECURITY, AT_FDCWD_,        \
				  (const char *)A1,                                   \
				  (nofollow) ? AT_SYMLINK_NOFOLLOW_ : 0, 0);          \
	}

XATTR_PROG(ward_x_setxattr, 0, 0)
XATTR_PROG(ward_x_lsetxattr, 0, 1)
XATTR_PROG(ward_x_fsetxattr, 1, 0)
XATTR_PROG(ward_x_removexattr, 0, 0)
XATTR_PROG(ward_x_lremovexattr, 0, 1)
XATTR_PROG(ward_x_fremovexattr, 1, 0)

/* ---- files a process modified and leaves open when it exits ----
 *
 * sched_process_exit runs before exit_files(), so the fd table is intact:
 * every file still marked modified gets its FILE_CLOSE here, with its count.
 */
#define WARD_EXIT_SCAN_FDS 1024  /* fds examined at exit (bpf_loop kernels) */
#define WARD_EXIT_SCAN_FDS_OLD 64 /* without bpf_loop: a bounded loop */
#ifndef WARD_COMPAT
#define WARD_EXIT_CLOSES 16       /* FILE_CLOSE records one exit may emit */
#else
#define WARD_EXIT_CLOSES 4        /* each one is another path walk to verify */
#endif

struct exit_scan {
	struct file **arr;
	__u32 max;
	__u32 tgid;
	__u32 n;
	__u32 more;
	struct file *found[WARD_EXIT_CLOSES];
	__s32 fd[WARD_EXIT_CLOSES];
};

/* In a per-CPU map rather than on the stack: values the verifier cannot
 * know keep every iteration of the scan alike, so it is verified once. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct exit_scan);
} ward_exit_scan SEC(".maps") __weak;

static __always_inline long exit_scan_one(__u32 i, struct exit_scan *sc)
{
	if (i >= sc->max)
		return 1;
	struct file *f = NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &sc->arr[i]);
	if (!f)
		return 0;
	struct modified_key key = { .file = (__u64)f, .tgid = sc->tgid };
	if (!bpf_map_lookup_elem(&ward_modified, &key))
		return 0;
	if (sc->n >= WARD_EXIT_CLOSES) {
		sc->more++;
		return 0;
	}
	sc->found[sc->n & (WARD_EXIT_CLOSES - 1)] = f;
	sc->fd[sc->n & (WARD_EXIT_CLOSES - 1)] = i;
	sc->n++;
	return 0;
}

#ifndef WARD_COMPAT
struct exit_scan_ctx {
	struct exit_scan *sc;
};

static long exit_scan_cb(__u32 i, void *ctx)
{
	struct exit_scan_ctx *c = ctx;
	return exit_scan_one(i, c->sc);
}
#endif

SEC("tp_btf/sched_process_exit")
int BPF_PROG(ward_file_exit, struct task_struct *task)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct task_struct *cur = (struct task_struct *)bpf_get_current_task();
	if (BPF_CORE_READ(cur, signal, live.counter) != 0)
		return 0;
	/* no close(2) of this process can come any more */
	fd_gate_release(tgid);
	__s64 *pending = bpf_map_lookup_elem(&ward_modified_procs, &tgid);
	if (!pending)
		return 0;
	__s64 n_pending = *pending;
	bpf_map_delete_elem(&ward_modified_procs, &tgid);
	if (n_pending <= 0)
		return 0;

	__u32 zero = 0;
	struct exit_scan *sc = bpf_map_lookup_elem(&ward_exit_scan, &zero);
	if (!sc)
		return 0;
	sc->tgid = tgid;
	sc->n = 0;
	sc->more = 0;
	struct fdtable *fdt = BPF_CORE_READ(cur, files, fdt);
	sc->arr = BPF_CORE_READ(fdt, fd);
	sc->max = BPF_CORE_READ(fdt, max_fds);
#ifndef WARD_COMPAT
	struct exit_scan_ctx c = { .sc = sc };
	bpf_loop(WARD_EXIT_SCAN_FDS, exit_scan_cb, &c, 0);
#else
	for (__u32 i = 0; i < WARD_EXIT_SCAN_FDS_OLD; i++)
		if (exit_scan_one(i, sc))
			break;
#endif
	if (sc->more)
		ward_count(WARD_CNT_STATE_MISS);

	for (int i = 0; i < WARD_EXIT_CLOSES; i++) {
		if (i >= sc->n)
			break;
		struct file *found = sc->found[i];
		int found_fd = sc->fd[i];
		struct modified_key key = { .file = (__u64)found, .tgid = tgid };
		struct modified_val *v = bpf_map_lookup_elem(&ward_modified, &key);
		if (!v)
			continue;
		__u64 count = v->count;
		bpf_map_delete_elem(&ward_modified, &key);
		struct fd_key fk = { .tgid = tgid, .fd = found_fd };
		bpf_map_delete_elem(&ward_modified_fds, &fk);
		if (ward_access_allowed(XDR_FILE_CLOSE))
			emit_fd_event((struct pt_regs *)0, XDR_FILE_CLOSE, found, found_fd, NULL,
				      count, WARD_F_AT_EXIT);
	}
	return 0;
}
