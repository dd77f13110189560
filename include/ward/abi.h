/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The only contract between ward's BPF programs and user space.
 *
 * Compiled by both clang -target bpf and the host compiler, so the
 * _Static_asserts below check the layout on both sides. Every record starts
 * with struct ward_hdr, which carries its own size; the decoder never trusts
 * the type alone. Variable strings live in a tail after the fixed part and are
 * referenced by struct ward_str (offset from the start of the record).
 *
 * Rules: fixed-width types, explicit padding, values of enums never change or
 * get reordered. Bump WARD_ABI_VERSION on any change of layout.
 */
#ifndef WARD_ABI_H
#define WARD_ABI_H

#ifdef __bpf__
/* vmlinux.h provides __u8.. __u64 */
#else
#include <linux/types.h>
#endif

#include "xdr_types.h"

#define WARD_ABI_VERSION 1

/* Longest path ward reports: PATH_MAX. Longer paths are cut and flagged. */
#define WARD_PATH_MAX 4096
/* Dentry components walked before a path is declared truncated. 160 covers
 * PATH_MAX of two-character names; a bound is needed for the verifier. */
#define WARD_PATH_COMPONENTS 160
/* argv bytes copied at exec. Longer command lines are cut and flagged. */
#define WARD_ARGS_MAX 4096
/* Bytes of the caller's own path string (requested_path) copied. */
#define WARD_REQ_PATH_MAX 1024
#define WARD_COMM_LEN 16
/* Largest record the BPF side ever emits: header, fixed part and the tail of
 * the biggest combination (two canonical paths and two requested paths). */
#define WARD_REC_MAX (2 * WARD_PATH_MAX + 2 * WARD_REQ_PATH_MAX + 512)

/* Record types on the wire. */
enum ward_rec_type {
	WARD_REC_NONE = 0,
	WARD_REC_PROC_FORK = 1,  /* a new process (thread group) was created */
	WARD_REC_PROC_EXEC = 2,  /* successful execve/execveat */
	WARD_REC_PROC_EXIT = 3,  /* last thread of a process exited */
	WARD_REC_FILE = 4,       /* a FILE_* access; access_type says which */
	WARD_REC_CWD = 5,        /* internal: a process changed directory */
	WARD_REC_NET = 6,        /* CONNECTION_*, DNS_QUERY, INTERNET_*: access_type says */
	WARD_REC_ACT = 7,        /* MODIFIED_PROCESS_*, MEMORY_*, ACCOUNT_IMPERSONATE,
				  * PROCESS_LOAD_IMAGE, PROCESS_TRACME, BM_*: access_type says */
	WARD_REC_FOLD = 8,       /* repeats folded in a process's last window, at its exit */
	WARD_REC_PATH_NOTE = 9,  /* internal: the path(s) a path hook saw, for the next
				  * FILE record of the same thread (WARD_PATH_KERNEL) */
	WARD_REC_TYPE_MAX,
};

/* Flags in ward_hdr.flags */
enum ward_hdr_flags {
	/* The record is for the process cache only: it did not pass the
	 * user's filters (lifecycle records always flow so enrichment stays
	 * right). */
	WARD_HDR_CACHE_ONLY = 1 << 0,
};

/* A string in the record's tail. len excludes the terminating NUL that the
 * BPF side always writes. */
struct ward_str {
	__u16 off; /* from the start of the record; 0 = absent */
	__u16 len;
};

struct ward_hdr {
	__u32 size;      /* whole record, header and tail included */
	__u16 type;      /* enum ward_rec_type */
	__u16 flags;     /* enum ward_hdr_flags */
	__u64 ts_boot_ns;/* bpf_ktime_get_boot_ns() at the event */
	__u64 seq;       /* per-CPU sequence number: a gap is a loss */
	__u32 cpu;
	__u32 _pad;
};

/* The acting task, filled for every record from the current task. */
struct ward_task {
	__u32 tgid;
	__u32 tid;
	__u32 ppid;      /* tgid of real_parent */
	__u32 uid;
	__u32 euid;
	__u32 gid;
	__u64 start_boottime; /* of the thread group leader, ns since boot */
	char comm[WARD_COMM_LEN];
};

struct ward_rec_common {
	struct ward_hdr hdr;
	struct ward_task task;
};

/* WARD_REC_PROC_FORK: task is the parent. */
struct ward_rec_fork {
	struct ward_rec_common c;
	__u32 child_tgid;
	__u32 _pad;
	__u64 child_start_boottime;
};

/* Flags for paths and argv in the tail */
enum ward_str_flags {
	WARD_PATH_TRUNCATED = 1 << 0,   /* path: components or bytes ran out */
	WARD_ARGS_TRUNCATED = 1 << 1,   /* argv longer than WARD_ARGS_MAX */
	WARD_REQ_TRUNCATED = 1 << 2,    /* requested path longer than copied */
	WARD_PATH2_TRUNCATED = 1 << 3,
	WARD_REQ2_TRUNCATED = 1 << 4,
	WARD_PATH_DELETED = 1 << 5,     /* the file was unlinked (d_unhashed) */
};

/* WARD_REC_PROC_EXEC: task is the process after the exec (new comm); the
 * user-space cache supplies what it was before. */
struct ward_rec_exec {
	struct ward_rec_common c;
	__u32 flags;        /* enum ward_str_flags */
	__u32 old_tid;      /* tid that called exec (differs in a thread) */
	__u64 inode;
	__u32 dev;
	__u32 _pad;
	struct ward_str exe;      /* canonical path of the executed file */
	struct ward_str filename; /* the path the caller passed */
	struct ward_str args;     /* argv, NUL-separated */
	__u32 _pad2;
};

/* WARD_REC_PROC_EXIT */
struct ward_rec_exit {
	struct ward_rec_common c;
	__s32 exit_code;    /* wait(2) status: code << 8, or signal number */
	__u32 _pad;
};

/*
 * WARD_REC_FOLD: when a process exits, the occurrences it repeated within
 * its last fold window, which no later report carried. kind and key_a/b/c
 * are the fold key (ward_fold_check()): for XDR_FILE_OPEN the inode, the
 * device << 32 | i_generation, and the open flags.
 */
struct ward_rec_fold {
	struct ward_rec_common c;
	__u32 kind;
	__u32 _pad;
	__u64 key_a, key_b, key_c;
	__u64 count;
};

/* Fold keys tracked per process for the flush at exit (more are counted
 * in WARD_CNT_STATE_MISS and stay in the deduplicated counter only). */
#define WARD_FOLD_TRACK 32

/*
 * How path of a FILE record was obtained.
 *  FD: from the struct file of an fd: path is complete and canonical.
 *  BASE: the syscall named a path string; path is the canonical directory it
 *        is relative to (dirfd, cwd or the task's root) and requested_path
 *        is the string. User space joins and resolves them.
 *  ID: FILE_CLOSE at syscall exit, when the file may be gone: the path is the
 *      one the earlier FILE_MODIFY with the same (tgid, file_id) carried.
 *  KERNEL: the syscall named a path string, and a path hook (fentry or
 *      BPF-LSM, where the kernel allows them) saw the dentry it resolved to:
 *      the canonical path(s) came just before, in the WARD_REC_PATH_NOTE of
 *      the same thread for the same syscall; requested_path is the string.
 */
enum ward_path_kind {
	WARD_PATH_FD = 0,
	WARD_PATH_BASE = 1,
	WARD_PATH_ID = 2,   /* no path: the one of the FILE_MODIFY with this file_id */
	WARD_PATH_KERNEL = 3,
};

/* Syscall semantics user space needs to resolve a BASE path. */
enum ward_file_rflags {
	WARD_F_NOFOLLOW = 1 << 0,    /* final component is not followed */
	WARD_F_CREATED = 1 << 1,     /* open created the file */
	WARD_F_DIR = 1 << 2,
	WARD_F_AT_EXIT = 1 << 3,     /* FILE_CLOSE: closed by the process's exit */
};

/* WARD_REC_FILE */
struct ward_rec_file {
	struct ward_rec_common c;
	__u16 access_type;  /* enum xdr_access_type */
	__u8 path_kind;     /* enum ward_path_kind, for path */
	__u8 path2_kind;    /* enum ward_path_kind, for new_path */
	__u32 flags;        /* enum ward_str_flags */
	__u32 rflags;       /* enum ward_file_rflags */
	__u32 open_flags;   /* O_* flags (opens) */
	__u32 mode;         /* i_mode of the inode, or the mode argument */
	__u32 dev;          /* st_dev as the kernel encodes it (new_encode) */
	__u64 inode;
	__u64 count;        /* repeats folded into this record (>= 1) */
	__u64 file_id;      /* the struct file's address: pairs MODIFY and CLOSE */
	__u32 syscall_nr;
	__s32 fd;
	struct ward_str path;       /* canonical path, or base dir (BASE) */
	struct ward_str req_path;   /* the caller's string */
	struct ward_str path2;      /* move: new canonical path or base dir */
	struct ward_str req_path2;  /* move: the caller's new name */
};

/* Payload bytes copied from what a process sends, for user-space parsing:
 * a DNS message (one UDP datagram is at most 512 bytes without EDNS) and the
 * head of an HTTP request. */
#define WARD_DNS_PAYLOAD_MAX 512
#define WARD_HTTP_PAYLOAD_MAX 1024

enum ward_net_flags {
	WARD_NET_IN_PROGRESS = 1 << 0, /* non-blocking connect: outcome not known yet */
	WARD_NET_PAYLOAD_TRUNCATED = 1 << 1,
	WARD_NET_DNS_TCP = 1 << 2,     /* payload is DNS over TCP (length prefix) */
};

/* WARD_REC_NET. Addresses in network byte order; IPv4 in the first 4 bytes. */
struct ward_rec_net {
	struct ward_rec_common c;
	__u16 access_type;  /* CONNECTION_*, DNS_QUERY, INTERNET_CONNECT */
	__u8 protocol;      /* enum xdr_connection_type */
	__u8 family;        /* AF_INET or AF_INET6 */
	__s32 result;       /* 0, or the -errno the syscall returned */
	__u8 local_addr[16];
	__u8 remote_addr[16];
	__u16 local_port;   /* host byte order */
	__u16 remote_port;
	__s32 fd;
	__u32 flags;        /* enum ward_net_flags */
	__u32 syscall_nr;
	__u64 sock_id;      /* the struct sock's address: pairs records of one socket */
	struct ward_str payload;
	__u32 _pad;
};

enum ward_act_flags {
	WARD_ACT_PATH_TRUNCATED = 1 << 0,
	WARD_ACT_ANON = 1 << 1,      /* memory: anonymous mapping */
	WARD_ACT_DELETED = 1 << 2,   /* image: the file was unlinked */
};

/* WARD_REC_ACT: one process acting on another, on memory, on its
 * credentials, or loading code. */
struct ward_rec_act {
	struct ward_rec_common c;
	__u16 access_type;
	__u16 _pad;
	__s32 result;
	__u32 syscall_nr;
	__u32 request;      /* ptrace request; prctl option */
	__u32 target_tgid;  /* the other process, as the caller named it */
	__u32 prot;         /* PROT_* of mmap/mprotect */
	__u64 addr;
	__u64 len;
	__u64 count;        /* occurrences folded in */
	__u64 inode;
	__u32 dev;
	__u32 flags;        /* enum ward_act_flags */
	char name[WARD_COMM_LEN]; /* new name (renames) */
	struct ward_str path;     /* image path (PROCESS_LOAD_IMAGE) */
	struct ward_str api;      /* API name (BM_INVOKE_API) */
};

/* BM_INVOKE_API: which API (ward_rec_act.request). */
enum ward_api {
	WARD_API_EVP_ENCRYPTINIT_EX = 0,
	WARD_API_EVP_CIPHERINIT_EX = 1,
	WARD_API_EVP_SEALINIT = 2,
	WARD_API_MAX,
};

/* BM_INVOKE from io_uring (ward_rec_act.request): the ring's creation, or the
 * IORING_OP_* opcode of a submitted operation (0..255). */
#define WARD_URING_SETUP 0x10000

/* WARD_REC_PATH_NOTE: internal, from a path hook inside the syscall. The
 * syscall's FILE record follows from the same thread if the call succeeded;
 * a note no record claims is overwritten by the thread's next one. */
struct ward_rec_path_note {
	struct ward_rec_common c;
	__u32 syscall_nr;
	__u32 flags;          /* WARD_PATH_TRUNCATED, WARD_PATH2_TRUNCATED */
	struct ward_str path; /* the name the syscall acts on (a move: the old one) */
	struct ward_str path2;/* a move's new name */
};

/* WARD_REC_CWD: internal, keeps the user-space cache's cwd current. */
struct ward_rec_cwd {
	struct ward_rec_common c;
	__u32 flags;
	__u32 _pad;
	struct ward_str cwd;
	__u32 _pad2;
};

/* Configuration of the BPF programs, in .rodata, set by the loader before
 * load (the verifier then treats it as constants and drops dead branches). */
struct ward_bpf_config {
	__u32 self_tgid;     /* ward's own pid: never reported */
	__u32 abi_version;   /* WARD_ABI_VERSION the programs were built with */
	__u64 wakeup_bytes;  /* force a consumer wake-up at this ring fill; 0 = always */
	__u64 fold_ns;       /* fold repeated opens within this window; 0 = off */
	__u64 jiffy_ns;      /* ns per kernel tick (1/HZ): fold windows count ticks; 0 = ns */
};

/* Counters in the per-CPU "ward_counters" array, by index. */
enum ward_counter {
	WARD_CNT_SENT = 0,         /* records written to the ring */
	WARD_CNT_LOST = 1,         /* ring full: record dropped */
	WARD_CNT_DEDUP = 2,        /* repeats folded into an earlier record */
	WARD_CNT_PATH_FAIL = 3,    /* a path could not be read (reported empty) */
	WARD_CNT_FILTERED = 4,     /* dropped by a user filter in the kernel */
	WARD_CNT_STATE_MISS = 5,   /* internal state map full or missing */
	WARD_CNT_HOOK_PATH = 6,    /* FILE paths taken from a path hook (WARD_PATH_KERNEL) */
	WARD_CNT_MAX,
};

/* Value of the per-CPU "ward_counters" array (one element). */
struct ward_percpu {
	__u64 seq;               /* next sequence number on this CPU */
	__u64 cnt[WARD_CNT_MAX]; /* enum ward_counter */
};

/* In-kernel filter configuration, set by user space in ward_filter_cfg. */
enum ward_filter_flags {
	WARD_FILTER_PID = 1 << 0,
	WARD_FILTER_COMM = 1 << 1,
};

struct ward_filter_cfg {
	__u32 flags;
	__u32 _pad;
	/* One bit per access type allowed: see ward_access_bit() */
	__u64 access_mask[2];
};

/* Compact index of an access type for bitmasks (0..127). */
static inline int ward_access_bit(unsigned int access_type)
{
	if (access_type < 100)
		return access_type;                 /* PROCESS_* 0..7 */
	if (access_type < 200)
		return 16 + (access_type - 100);     /* FILE_* 101..109 */
	if (access_type < 1000)
		return 32 + (access_type / 100 - 2) * 12 + (access_type % 100); /* 201..705 */
	return 112 + (access_type - 1000) / 100 * 4 + (access_type % 100); /* MEMORY, BM */
}

_Static_assert(sizeof(struct ward_hdr) == 32, "ward_hdr size");
_Static_assert(sizeof(struct ward_task) == 48, "ward_task size");
_Static_assert(sizeof(struct ward_rec_common) == 80, "common size");
_Static_assert(sizeof(struct ward_rec_fork) == 96, "fork size");
_Static_assert(sizeof(struct ward_rec_exec) == 120, "exec size");
_Static_assert(sizeof(struct ward_rec_exit) == 88, "exit size");
_Static_assert(sizeof(struct ward_rec_fold) == 120, "fold size");
_Static_assert(sizeof(struct ward_rec_file) == 152, "file size");
_Static_assert(sizeof(struct ward_rec_cwd) == 96, "cwd size");
_Static_assert(sizeof(struct ward_rec_net) == 152, "net size");
_Static_assert(sizeof(struct ward_rec_act) == 168, "act size");
_Static_assert(sizeof(struct ward_rec_path_note) == 96, "path note size");

_Static_assert(WARD_REC_MAX < 65536, "ward_str offsets are 16-bit");
_Static_assert(sizeof(struct ward_bpf_config) == 32, "config size");

#endif /* WARD_ABI_H */
