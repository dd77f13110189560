/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by every BPF file: configuration, maps, and the helpers that fill
 * the common part of a record and emit it. Maps and globals are __weak so
 * that each .bpf.c can include this header and `bpftool gen object` links
 * them into one object with one copy of each.
 */
#ifndef WARD_BPF_H
#define WARD_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "ward/abi.h"

/* Size of the per-CPU scratch a record is built in. Tail offsets are masked
 * with WARD_TAIL_MASK and strings are at most WARD_PATH_MAX long, so every
 * write stays inside the buffer in the verifier's eyes. */
#define WARD_SCRATCH 32768
#define WARD_TAIL_MASK (16384 - 1)
#define WARD_PATHBUF (2 * WARD_PATH_MAX)
#define WARD_PATH_MASK (WARD_PATH_MAX - 1)

#define AT_FDCWD_ -100
#define S_IFMT_ 00170000
#define S_IFREG_ 0100000
#define S_IFDIR_ 0040000
#define O_TRUNC_ 00001000
#define O_ACCMODE_ 00000003
/* FMODE_CREATED: set in f_mode by the open that created the file (kernel
 * commit 73a09dd94377, v4.19); same bit through 6.18. */
#define FMODE_CREATED_ 0x100000

/* ---- configuration, set by user space before load (struct ward_bpf_config) ---- */
__weak const volatile struct ward_bpf_config ward_cfg = { .abi_version = WARD_ABI_VERSION };

/*
 * Two builds of every program: the default one walks paths with bpf_loop()
 * (5.17+), which lets the verifier check the walk's body once; the compat one
 * (-DWARD_COMPAT, for 5.10 to 5.16) uses a bounded loop and must not even
 * reference a bpf_loop callback, which older kernels cannot load. The loader
 * picks the object after probing for bpf_loop.
 */

/* ---- maps ---- */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* resized by user space before load */
} ward_events SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ward_percpu);
} ward_counters SEC(".maps") __weak;

/* ---- several fields of one kernel object in one helper call ----
 * A pointer read with bpf_probe_read_kernel() is a plain number to the
 * verifier, so each of its fields costs a helper call (and every call and
 * return is dear with this machine class's return-stack mitigations). The
 * handlers that run per syscall instead copy the first WARD_BULK bytes of
 * the object once and take each field at its CO-RE offset, which libbpf
 * relocates to a constant. A kernel whose layout puts a field further
 * (WARD_BULK_FITS false, known at load) takes the field-by-field branch,
 * which the verifier then drops as dead code. The buffer is per-CPU map
 * memory (ward_bulk_buf), not stack: 5.10 allows 512 bytes of stack for a
 * program and its calls together, and the record and path walk use most. */
#define WARD_BULK 128

struct ward_bulk {
	__u64 w[WARD_BULK / 8];
};

#define WARD_BULK_FITS(obj, field) \
	(bpf_core_field_offset(obj->field) + bpf_core_field_size(obj->field) <= WARD_BULK)
#define WARD_BULK_GET(bulk, obj, field) \
	(*(typeof((obj)->field) *)((char *)(bulk)->w + bpf_core_field_offset(obj->field)))

/* Per-CPU values are limited to 32 KiB, so the record and the path under
 * construction live in two maps. */
struct ward_scratch {
	char rec[WARD_SCRATCH];
};

struct ward_pathbuf {
	char path[WARD_PATHBUF];
	/* The path walk's cursor lives here, not in registers: values loaded
	 * from a map are unknown to the verifier, so every iteration of the
	 * walk looks alike and is verified once instead of 160 times. */
	__u64 pos;
	__u64 dentry;
	__u64 vfsmnt;
	__u64 mnt;
	__u64 mnt_root; /* mnt's root dentry */
	__u64 done; /* the walk reached a root */
	struct ward_bulk bulk; /* ward_bulk_buf() */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ward_scratch);
} ward_scratch_map SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ward_pathbuf);
} ward_pathbuf_map SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ward_filter_cfg);
} ward_filter SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} ward_filter_pids SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, char[WARD_COMM_LEN]);
	__type(value, __u8);
} ward_filter_comms SEC(".maps") __weak;

/* Tail-call tables indexed by syscall number, filled by the loader. An empty
 * slot is a syscall ward does not watch: the tail call falls through. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 512);
	__type(key, __u32);
	__type(value, __u32);
} ward_sys_exit_progs SEC(".maps") __weak;



static __always_inline struct ward_percpu *ward_pcpu(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&ward_counters, &zero);
}

static __always_inline void ward_count(int idx)
{
	struct ward_percpu *p = ward_pcpu();
	if (p && idx >= 0 && idx < WARD_CNT_MAX)
		p->cnt[idx]++;
}

static __always_inline struct ward_scratch *ward_scratch(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&ward_scratch_map, &zero);
}

static __always_inline char *ward_pathbuf(void)
{
	__u32 zero = 0;
	struct ward_pathbuf *pb = bpf_map_lookup_elem(&ward_pathbuf_map, &zero);
	return pb ? pb->path : NULL;
}

/* The buffer of a bulk read: read into, take the fields, done (nothing
 * else may use it in between). */
static __always_inline struct ward_bulk *ward_bulk_buf(void)
{
	__u32 zero = 0;
	struct ward_pathbuf *pb = bpf_map_lookup_elem(&ward_pathbuf_map, &zero);
	return pb ? &pb->bulk : NULL;
}

static __always_inline struct ward_pathbuf *ward_pathbuf_of(char *path)
{
	return (struct ward_pathbuf *)path;
}

/* ---- paths from the path hooks (fentry/BPF-LSM route) ----
 * Where the kernel allows fentry or BPF-LSM, programs on the LSM path hooks
 * (bpf/hooks/path_hooks.bpf.c) walk the dentry a path-named syscall resolved
 * to, emit the canonical path in a WARD_REC_PATH_NOTE and mark the thread
 * here with the syscall's number. The syscall's exit handler (file.bpf.c),
 * finding the mark for its own syscall, leaves the path to that note
 * (WARD_PATH_KERNEL) instead of walking the base directory; otherwise it
 * takes the base route. The hook sees the attempt, the exit handler the
 * outcome: a failed call reports nothing. LRU: a mark whose exit never
 * comes (a killed task) ages out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);    /* threads inside such a syscall at once */
	__type(key, __u64);           /* pid_tgid */
	__type(value, __u32);         /* syscall nr */
} ward_path_noted SEC(".maps") __weak;

/* Set by the loader once the path hooks are attached: until then (and on
 * every kernel that refuses them) the exit handlers do not look for marks.
 * An array read is inlined by the verifier; the LRU lookup is not. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} ward_path_hooks_on SEC(".maps") __weak;

static __always_inline bool ward_path_hooks_active(void)
{
	__u32 zero = 0;
	__u32 *on = bpf_map_lookup_elem(&ward_path_hooks_on, &zero);
	return on && *on;
}

/* ---- filters ---- */

/* True when records of the current task must not leave the kernel: ward's
 * own activity, always; the user's --pid/--comm filters when set. */
static __always_inline bool ward_task_filtered(__u32 tgid)
{
	if (tgid == ward_cfg.self_tgid)
		return true;
	__u32 zero = 0;
	struct ward_filter_cfg *cfg = bpf_map_lookup_elem(&ward_filter, &zero);
	if (!cfg || !cfg->flags)
		return false;
	if ((cfg->flags & WARD_FILTER_PID) && !bpf_map_lookup_elem(&ward_filter_pids, &tgid))
		return true;
	if (cfg->flags & WARD_FILTER_COMM) {
		char comm[WARD_COMM_LEN] = {};
		bpf_get_current_comm(comm, sizeof(comm));
		if (!bpf_map_lookup_elem(&ward_filter_comms, comm))
			return true;
	}
	return false;
}

static __always_inline bool ward_access_allowed(unsigned int access_type)
{
	__u32 zero = 0;
	struct ward_filter_cfg *cfg = bpf_map_lookup_elem(&ward_filter, &zero);
	if (!cfg)
		return true;
	int bit = ward_access_bit(access_type);
	__u64 word = cfg->access_mask[(bit >> 6) & 1];
	return (word >> (bit & 63)) & 1;
}

/* Everything a syscall handler checks before doing any work. */
static __always_inline bool ward_skip(unsigned int access_type)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (ward_task_filtered(tgid) || !ward_access_allowed(access_type)) {
		if (tgid != ward_cfg.self_tgid)
			ward_count(WARD_CNT_FILTERED);
		return true;
	}
	return false;
}

/* ---- filling and emitting ---- */

static __always_inline void ward_fill_task(struct ward_task *t, struct task_struct *task_unused)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	t->tgid = pid_tgid >> 32;
	t->tid = (__u32)pid_tgid;
#ifndef WARD_COMPAT
	/* 5.17+: a BTF pointer, read with plain loads instead of one helper
	 * call per field (this runs for every record). */
	struct task_struct *task = bpf_get_current_task_btf();
	t->ppid = task->real_parent->tgid;
	const struct cred *cred = task->cred;
	t->uid = cred->uid.val;
	t->euid = cred->euid.val;
	t->gid = cred->gid.val;
	t->start_boottime = task->group_leader->start_boottime;
#else
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	t->ppid = BPF_CORE_READ(task, real_parent, tgid);
	const struct cred *cred = BPF_CORE_READ(task, cred);
	t->uid = BPF_CORE_READ(cred, uid.val);
	t->euid = BPF_CORE_READ(cred, euid.val);
	t->gid = BPF_CORE_READ(cred, gid.val);
	if (bpf_core_field_exists(task->start_boottime))
		t->start_boottime = BPF_CORE_READ(task, group_leader, start_boottime);
	else
		t->start_boottime = BPF_CORE_READ(task, group_leader, start_time);
#endif
	bpf_get_current_comm(t->comm, sizeof(t->comm));
}

static __always_inline void ward_fill_common(struct ward_rec_common *c, __u16 type)
{
	c->hdr.type = type;
	c->hdr.flags = 0;
	c->hdr.ts_boot_ns = bpf_ktime_get_boot_ns();
	c->hdr.cpu = bpf_get_smp_processor_id();
	ward_fill_task(&c->task, NULL);
}

/* Start a WARD_REC_ACT record in the scratch buffer: zeroed, common part
 * filled, acting on the current process until the caller says otherwise. */
static __always_inline struct ward_rec_act *ward_act_begin(struct ward_scratch *s, __u16 access,
							   __u32 request, __u64 count)
{
	struct ward_rec_act *r = (void *)s->rec;
	__builtin_memset(r, 0, sizeof(*r));
	ward_fill_common(&r->c, WARD_REC_ACT);
	r->access_type = access;
	r->request = request;
	r->count = count;
	r->target_tgid = bpf_get_current_pid_tgid() >> 32;
	return r;
}

/* Write a finished record to the ring. Every record takes a per-CPU sequence
 * number first, so a record lost here leaves a gap user space can see. */
static __always_inline int ward_emit(void *rec, __u32 size)
{
	struct ward_percpu *p = ward_pcpu();
	struct ward_hdr *hdr = rec;
	if (!p)
		return 0;
	hdr->seq = p->seq++;
	hdr->size = size;
	__u64 flags = 0;
	if (ward_cfg.wakeup_bytes) {
		__u64 avail = bpf_ringbuf_query(&ward_events, BPF_RB_AVAIL_DATA);
		flags = avail >= ward_cfg.wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	}
	if (size > WARD_SCRATCH)
		return 0;
	if (bpf_ringbuf_output(&ward_events, rec, size, flags))
		p->cnt[WARD_CNT_LOST]++;
	else
		p->cnt[WARD_CNT_SENT]++;
	return 0;
}

/* Append a kernel string from the path scratch to the record tail. */
static __always_inline __u32 ward_put_bytes(char *rec, __u32 off, const char *src, __u32 len,
					   struct ward_str *s)
{
	asm volatile("" : "+r"(len)); /* keep the masks: see ward_copy_name() */
	asm volatile("" : "+r"(off));
	off &= WARD_TAIL_MASK;
	len &= WARD_PATH_MASK;
	bpf_probe_read_kernel(rec + off, len, src);
	rec[(off + len) & (WARD_SCRATCH - 1)] = 0;
	s->off = off;
	s->len = len;
	return off + len + 1;
}

/* Append a user string (the caller's own argument) to the record tail. */
static __always_inline __u32 ward_put_user_str(char *rec, __u32 off, const char *uptr,
					      struct ward_str *s, __u32 *flags, __u32 trunc_flag)
{
	off &= WARD_TAIL_MASK;
	long n = bpf_probe_read_user_str(rec + off, WARD_REQ_PATH_MAX, uptr);
	if (n <= 0) {
		rec[off] = 0;
		n = 1;
	}
	if (n == WARD_REQ_PATH_MAX)
		*flags |= trunc_flag;
	s->off = off;
	s->len = n - 1;
	return off + n;
}

/* ---- folding of repeats ----
 * An action repeated by one process (same kind, same a/b/c) within window_ns
 * is counted, not reported; the next report carries the count of the
 * occurrences it stands for. window_ns ~0 = report once per process. The
 * process's start time is in the key, so a reused pid starts afresh. */
struct ward_fold_key {
	__u64 a, b, c;
	__u64 start_boottime;
	__u32 tgid;
	__u32 kind;
};

struct ward_fold_val {
	__u64 reported_ns;
	__u64 pending;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct ward_fold_key);
	__type(value, struct ward_fold_val);
} ward_fold SEC(".maps") __weak;

/* The fold keys of a process with occurrences pending, so that its exit can
 * report what no later occurrence will (ward_fold_flush). */
struct ward_fold_list {
	struct ward_fold_key keys[WARD_FOLD_TRACK];
};

/* Allocated on a process's first repeat, deleted at its exit: only processes
 * with repeats pay for a list. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct ward_fold_list);
} ward_fold_procs SEC(".maps") __weak;

static __always_inline bool fold_key_eq(const struct ward_fold_key *x, const struct ward_fold_key *y)
{
	return x->a == y->a && x->b == y->b && x->c == y->c && x->kind == y->kind &&
	       x->start_boottime == y->start_boottime;
}

/* The first repeat of a window: remember the key in the process's list, in
 * a free slot or one whose window has nothing pending any more. */
static __always_inline void ward_fold_track(const struct ward_fold_key *key)
{
	struct ward_fold_list *l = bpf_map_lookup_elem(&ward_fold_procs, &key->tgid);
	if (!l) {
		static const struct ward_fold_list empty;
		bpf_map_update_elem(&ward_fold_procs, &key->tgid, &empty, BPF_NOEXIST);
		l = bpf_map_lookup_elem(&ward_fold_procs, &key->tgid);
		if (!l) {
			ward_count(WARD_CNT_STATE_MISS);
			return;
		}
	}
	for (int i = 0; i < WARD_FOLD_TRACK; i++) {
		struct ward_fold_key *k = &l->keys[i];
		if (k->kind && fold_key_eq(k, key))
			return;
		struct ward_fold_val *ov = k->kind ? bpf_map_lookup_elem(&ward_fold, k) : NULL;
		if (!k->kind || !ov || !ov->pending) {
			*k = *key;
			return;
		}
	}
	ward_count(WARD_CNT_STATE_MISS);
}

/*
 * The clock fold windows are measured with, in ns. The jiffies counter is a
 * plain load behind its helper, where the boot-time clock reads the
 * clocksource through an indirect call, dear with retpolines: on the folded
 * path of an open this is the largest single cost. A window is 1 s by
 * default; a tick (1-10 ms) of resolution is immaterial. The loader sets
 * jiffy_ns (a .rodata constant: the other branch is dropped at load); the
 * compat build keeps the boot-time clock.
 */
static __always_inline __u64 ward_fold_clock_ns(void)
{
#ifndef WARD_COMPAT
	if (ward_cfg.jiffy_ns)
		return bpf_jiffies64() * ward_cfg.jiffy_ns;
#endif
	return bpf_ktime_get_boot_ns();
}

/* The current process's start time: with the tgid, the fold key's guard
 * against a reused pid. */
static __always_inline __u64 ward_fold_start_boottime(void)
{
#ifndef WARD_COMPAT
	return bpf_get_current_task_btf()->group_leader->start_boottime;
#else
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	if (bpf_core_field_exists(task->start_boottime))
		return BPF_CORE_READ(task, group_leader, start_boottime);
	return 0;
#endif
}

/* 0: report (*count = occurrences it stands for); 1: folded. tgid and
 * start_boottime: the current process's, for callers that hold them already
 * (each helper call less counts on the folded path). */
static __always_inline int ward_fold_check_at(__u32 tgid, __u64 start_boottime, __u32 kind,
					      __u64 a, __u64 b, __u64 c, __u64 window_ns,
					      __u64 *count)
{
	*count = 1;
	if (!window_ns)
		return 0;
	struct ward_fold_key key = {
		.a = a, .b = b, .c = c,
		.start_boottime = start_boottime,
		.tgid = tgid,
		.kind = kind,
	};
	__u64 now = ward_fold_clock_ns();
	struct ward_fold_val *v = bpf_map_lookup_elem(&ward_fold, &key);
	if (v) {
		if (now - v->reported_ns < window_ns) {
#ifndef WARD_COMPAT
			if (__sync_fetch_and_add(&v->pending, 1) == 0)
#else
			/* atomic fetch (BPF_FETCH) needs 5.12: a racy first is harmless,
			 * tracking the same key twice is a no-op */
			bool first = v->pending == 0;
			__sync_fetch_and_add(&v->pending, 1);
			if (first)
#endif
				ward_fold_track(&key);
			ward_count(WARD_CNT_DEDUP);
			return 1;
		}
		*count = v->pending + 1;
		v->pending = 0;
		v->reported_ns = now;
		return 0;
	}
	struct ward_fold_val nv = { .reported_ns = now };
	bpf_map_update_elem(&ward_fold, &key, &nv, BPF_ANY);
	return 0;
}

static __always_inline int ward_fold_check(__u32 kind, __u64 a, __u64 b, __u64 c,
					   __u64 window_ns, __u64 *count)
{
	if (!window_ns) {
		*count = 1;
		return 0;
	}
	return ward_fold_check_at(bpf_get_current_pid_tgid() >> 32, ward_fold_start_boottime(),
				  kind, a, b, c, window_ns, count);
}

/* ---- syscall arguments (x86_64 syscall ABI; arm64 would read regs[]) ----
 * regs is the tp_btf program's typed argument: plain loads, no helper call
 * (a probe read per argument cost more than the dispatcher). */
#define WARD_ARG1(regs) ((regs)->di)
#define WARD_ARG2(regs) ((regs)->si)
#define WARD_ARG3(regs) ((regs)->dx)
#define WARD_ARG4(regs) ((regs)->r10)
#define WARD_ARG5(regs) ((regs)->r8)
#define WARD_ARG6(regs) ((regs)->r9)

/* ---- the current task, as the per-syscall handlers read it ----
 * Default build: a BTF pointer (bpf_get_current_task_btf, 5.11+), whose
 * fields are plain loads. Compat build: the same accessors with CO-RE reads.
 * One handle per handler replaces a helper call per question asked. */
static __always_inline struct task_struct *ward_cur_task(void)
{
#ifndef WARD_COMPAT
	return bpf_get_current_task_btf();
#else
	return (struct task_struct *)bpf_get_current_task();
#endif
}

static __always_inline __u32 ward_task_tgid(struct task_struct *task)
{
#ifndef WARD_COMPAT
	return task->tgid;
#else
	return bpf_get_current_pid_tgid() >> 32;
#endif
}

static __always_inline __u64 ward_task_start(struct task_struct *task)
{
#ifndef WARD_COMPAT
	return task->group_leader->start_boottime;
#else
	return ward_fold_start_boottime();
#endif
}

/* The struct file behind fd in task (from ward_cur_task()), or NULL. */
static __always_inline struct file *ward_task_fd_file(struct task_struct *task, int fd)
{
	if (fd < 0)
		return NULL;
#ifndef WARD_COMPAT
	struct fdtable *fdt = task->files->fdt;
	unsigned int max = fdt->max_fds;
	struct file **arr = fdt->fd;
#else
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	unsigned int max = BPF_CORE_READ(fdt, max_fds);
	struct file **arr = BPF_CORE_READ(fdt, fd);
#endif
	if ((unsigned int)fd >= max)
		return NULL;
	struct file *f = NULL;
	/* a variable index into a BTF array: still a helper read */
	bpf_probe_read_kernel(&f, sizeof(f), &arr[fd]);
	return f;
}

/* The struct file behind fd in the current task, or NULL. */
static __always_inline struct file *ward_fd_file(struct task_struct *task_unused, int fd)
{
	return ward_task_fd_file(ward_cur_task(), fd);
}

#endif /* WARD_BPF_H */
