/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Canonical paths from the kernel's own objects: walk dentry->d_parent up to
 * the root of the mount, then cross to the parent mount at its mountpoint,
 * until the root mount of the namespace. This is what d_path() does; the
 * bpf_d_path() helper itself is only allowed in fentry/LSM programs, which
 * locked-down kernels refuse, so ward walks by hand.
 *
 * The walk ignores chroot (task->fs->root): a chrooted process's files show
 * their real location in the mount namespace, which is what an investigator
 * needs. Files in another mount namespace show the path inside it.
 */
#ifndef WARD_PATH_BPF_H
#define WARD_PATH_BPF_H

#include "ward.bpf.h"

/* Components walked by the compat build (kernels without bpf_loop). */
#define WARD_PATH_COMPONENTS_COMPAT 48

struct ward_path_out {
	__u32 start; /* the path is buf[start .. WARD_PATH_MAX - 1) */
	__u32 len;
	bool truncated;
	bool deleted;
};

/*
 * Builds the path backwards in buf[0 .. WARD_PATH_MAX). Returns 0, or -1 if
 * nothing could be read. Noinline: one verified copy per program instead of
 * one per call site.
 */
/* Copy len bytes of a name to buf[at]. The bounds are applied at the call,
 * behind compiler barriers: some verifiers (Debian's 6.12) lose the bound of
 * a value that was also compared, and clang would drop a second mask as
 * redundant. */
static __always_inline void ward_copy_name(char *buf, __u64 at, __u32 len, const void *src)
{
	asm volatile("" : "+r"(len));
	asm volatile("" : "+r"(at));
	len &= WARD_PATH_MASK;
	at &= WARD_PATH_MASK;
	bpf_probe_read_kernel(buf + at, len, src);
}

/* One component of the walk; returns 1 when the walk is over. Two helper
 * calls per component: the dentry's parent and name in one bulk read
 * (ward_bulk, into pb), then the name; the mount's root is kept in pb. */
static __always_inline long ward_path_step(struct ward_pathbuf *pb)
{
	char *buf = pb->path;
	struct dentry *d = (struct dentry *)pb->dentry;
	struct mount *m = (struct mount *)pb->mnt;
	struct dentry *mnt_root = (struct dentry *)pb->mnt_root;
	struct dentry *parent;
	struct qstr name;
	struct ward_bulk *b = &pb->bulk;
	if (WARD_BULK_FITS(d, d_parent) && WARD_BULK_FITS(d, d_name)) {
		bpf_probe_read_kernel(b, sizeof(*b), d);
		parent = WARD_BULK_GET(b, d, d_parent);
		name = WARD_BULK_GET(b, d, d_name);
	} else {
		parent = BPF_CORE_READ(d, d_parent);
		bpf_core_read(&name, sizeof(name), &d->d_name);
	}

	if (d == mnt_root || d == parent) {
		struct mount *mnt_parent;
		struct dentry *mountpoint;
		if (WARD_BULK_FITS(m, mnt_parent) && WARD_BULK_FITS(m, mnt_mountpoint)) {
			bpf_probe_read_kernel(b, sizeof(*b), m);
			mnt_parent = WARD_BULK_GET(b, m, mnt_parent);
			mountpoint = WARD_BULK_GET(b, m, mnt_mountpoint);
		} else {
			mnt_parent = BPF_CORE_READ(m, mnt_parent);
			mountpoint = BPF_CORE_READ(m, mnt_mountpoint);
		}
		if (d != mnt_root) {
			/* A dentry that is its own parent without being a
			 * mount's root: a pseudo file (memfd, anon inode) or a
			 * disconnected one. Its name is all there is
			 * ("memfd:NAME"); it is the last component. */
			pb->done = 1;
			if (pb->pos != WARD_PATH_MAX - 1)
				return 1;
			__u32 plen = name.len & WARD_PATH_MASK;
			if (!plen || plen + 1 > pb->pos)
				return 1;
			__u64 ppos = pb->pos - plen;
			ward_copy_name(buf, ppos, plen, name.name);
			ppos -= 1;
			buf[ppos & WARD_PATH_MASK] = '/';
			pb->pos = ppos;
			return 1;
		}
		if (m == mnt_parent) {
			/* The root of the namespace: done. */
			pb->done = 1;
			return 1;
		}
		pb->dentry = (__u64)mountpoint;
		pb->mnt = (__u64)mnt_parent;
		pb->vfsmnt = (__u64)&mnt_parent->mnt;
		pb->mnt_root = (__u64)BPF_CORE_READ(mnt_parent, mnt.mnt_root);
		return 0;
	}

	__u32 len = name.len & WARD_PATH_MASK;
	__u64 pos = pb->pos;
	if (len + 1 > pos)
		return 1; /* out of room: truncated */
	pos -= len;
	ward_copy_name(buf, pos, len, name.name);
	pos -= 1;
	buf[pos & WARD_PATH_MASK] = '/';
	pb->pos = pos;
	pb->dentry = (__u64)parent;
	return 0;
}

#ifndef WARD_COMPAT
/* bpf_loop() wants its context on the stack: a pointer to the map value. */
struct ward_path_loop_ctx {
	struct ward_pathbuf *pb;
};

static long ward_path_loop_cb(__u32 index, void *ctx)
{
	struct ward_path_loop_ctx *c = ctx;
	return ward_path_step(c->pb);
}
#endif

/*
 * Builds the path backwards in buf[0 .. WARD_PATH_MAX). Returns 0, or -1 if
 * nothing could be read. Noinline: one verified copy per program instead of
 * one per call site.
 */
static __noinline int ward_path_walk(struct dentry *dentry, struct vfsmount *vfsmnt, char *buf,
				     struct ward_path_out *out)
{
	struct ward_pathbuf *pb = ward_pathbuf_of(buf);

	if (!dentry || !vfsmnt)
		return -1;
	pb->pos = WARD_PATH_MAX - 1; /* buf[pos] is the terminating NUL */
	pb->dentry = (__u64)dentry;
	pb->vfsmnt = (__u64)vfsmnt;
	pb->mnt = (__u64)container_of(vfsmnt, struct mount, mnt);
	struct dentry *mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
	pb->mnt_root = (__u64)mnt_root;
	pb->done = 0;
	buf[WARD_PATH_MAX - 1] = 0;
	/* Unhashed: unlinked, or a pseudo file that never had a name in a
	 * directory (memfd); the root of a mount is unhashed too but is not
	 * deleted. */
	out->deleted = BPF_CORE_READ(dentry, d_hash.pprev) == NULL && mnt_root != dentry;

#ifndef WARD_COMPAT
	struct ward_path_loop_ctx c = { .pb = pb };
	bpf_loop(WARD_PATH_COMPONENTS, ward_path_loop_cb, &c, 0);
#else
	/* Unrolled: with the cursor in map memory every copy of the body
	 * looks alike, and the verifier prunes them instead of simulating a
	 * loop counter. Fewer components than with bpf_loop (still flagged
	 * truncated beyond). */
#pragma unroll
	for (int i = 0; i < WARD_PATH_COMPONENTS_COMPAT; i++)
		if (ward_path_step(pb))
			break;
#endif

	__u64 pos = pb->pos;
	if (pos == WARD_PATH_MAX - 1) {
		/* The root itself */
		pos -= 1;
		buf[pos & WARD_PATH_MASK] = '/';
	}
	out->start = pos & WARD_PATH_MASK;
	out->len = (WARD_PATH_MAX - 1 - pos) & WARD_PATH_MASK;
	out->truncated = !pb->done;
	return 0;
}

/* p: a copy on the caller's stack (every caller reads the struct path out
 * of its kernel object first), so plain loads. */
static __always_inline int ward_path_of(const struct path *p, char *buf, struct ward_path_out *out)
{
	struct dentry *d = p->dentry;
	struct vfsmount *m = p->mnt;
	return ward_path_walk(d, m, buf, out);
}

/* Walk and append to the record tail; sets *flags on truncation. */
static __always_inline __u32 ward_put_path(char *rec, __u32 off, char *buf, const struct path *p,
					   struct ward_str *s, __u32 *flags, __u32 trunc_flag,
					   bool *deleted)
{
	struct ward_path_out out = {};
	if (ward_path_of(p, buf, &out) < 0) {
		ward_count(WARD_CNT_PATH_FAIL);
		s->off = off & WARD_TAIL_MASK;
		s->len = 0;
		rec[off & WARD_TAIL_MASK] = 0;
		return off + 1;
	}
	if (out.truncated)
		*flags |= trunc_flag;
	if (deleted)
		*deleted = out.deleted;
	return ward_put_bytes(rec, off, buf + (out.start & WARD_PATH_MASK), out.len, s);
}

#endif /* WARD_PATH_BPF_H */
