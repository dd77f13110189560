/*
 * ward's internal event: what the decoder makes of a wire record and what
 * every later stage (enrichment, aggregation, detection, output) reads.
 * Kernel-free: nothing here knows about BPF or the wire layout.
 *
 * Strings are borrowed: they point into the decoder's record or the process
 * cache and are valid only during the call that hands the event over.
 * Stages take `const struct ward_event *` and keep no pointers past the call.
 */
#ifndef WARD_EVENT_H
#define WARD_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ward_str_ref {
	const char *s; /* NULL when absent */
	size_t len;
};

/* The acting process, as the contract's "process" object. */
struct ward_process_info {
	uint32_t pid, tid, ppid, uid, euid, gid;
	const char *comm;
	const char *comm_before;     /* the process's name before this record if it
				      * changed (a rename), else NULL */
	struct ward_str_ref exe;
	struct ward_str_ref cmdline; /* argv joined by spaces */
	struct ward_str_ref cwd;
	uint64_t start_time_ns;      /* Unix time */
	uint64_t hash_id;
};

struct ward_file_info {
	struct ward_str_ref path;           /* canonical */
	struct ward_str_ref requested_path; /* the caller's string */
	struct ward_str_ref new_path;       /* moves */
	struct ward_str_ref requested_new_path;
	uint32_t flags;                     /* open flags */
	uint32_t mode;
	uint64_t inode;
	uint32_t dev;
	bool path_truncated;
	bool new_path_truncated;
	bool deleted;                       /* the file was already unlinked */
	bool resolved;                      /* path confirmed against the file system */
	bool at_exit;                       /* FILE_CLOSE done by the process's exit */
	uint32_t syscall_nr;                /* the syscall that made the access */
};

struct ward_target_process {
	uint32_t pid;
	struct ward_str_ref exe;
	struct ward_str_ref cmdline;
	const char *argv;                   /* NUL-separated, argv_len bytes */
	size_t argv_len;
	bool argv_truncated;
	bool exe_truncated;
	bool exe_deleted;
	const char *comm;                   /* MODIFIED_PROCESS targets */
	bool has_exit_code;
	int32_t exit_code;                  /* wait(2) status */
	uint64_t hash_id;
};

/* CONNECTION, DNS and INTERNET events: the socket's endpoints. */
struct ward_conn_info {
	uint8_t protocol;        /* enum xdr_connection_type */
	uint8_t family;          /* AF_INET, AF_INET6 */
	char local_ip[46];       /* INET6_ADDRSTRLEN */
	char remote_ip[46];
	uint16_t local_port, remote_port;
	int32_t result;          /* 0 or -errno */
	bool in_progress;        /* non-blocking connect */
	int32_t fd;
	uint64_t sock_id;
};

struct ward_dns_info {
	const char *query;       /* NULL when the message could not be parsed */
	uint16_t qtype;
	uint16_t id;
	bool tcp;
	bool malformed;
};

struct ward_http_info {
	const char *method, *url, *host;
	bool proxy;              /* absolute URI or CONNECT: a web proxy request */
	bool url_truncated;
	bool host_truncated;
	bool headers_truncated;
};

/* MODIFIED_PROCESS, MEMORY, ACCOUNT_IMPERSONATE, PROCESS_LOAD_IMAGE. */
struct ward_act_info {
	const char *syscall;       /* "ptrace", "process_vm_writev", ... */
	const char *ptrace_request;/* "PTRACE_POKEDATA", ... */
	bool has_memory;
	uint64_t address, length;
	uint32_t prot;             /* PROT_* */
	bool has_prot;
	const char *old_name, *new_name; /* renames */
	/* ACCOUNT_IMPERSONATE: credentials before and after */
	uint32_t from_uid, from_euid, from_gid, to_uid, to_euid, to_gid;
	uint32_t to_suid, to_fsuid, to_egid;
	const char *to_user;       /* name of to_euid, NULL if unknown */
	const char *api_name;      /* BM_INVOKE_API */
	const char *api_library;   /* the library it was called in, NULL if unknown */
};

/* ACCOUNT_ADD/DELETE/MODIFY: an entry of an account file. */
struct ward_account_info {
	const char *name;
	uint32_t id;               /* uid (passwd), gid (group), 0 (shadow files) */
	const char *file;          /* "/etc/passwd", ... */
	bool group;                /* /etc/group or /etc/gshadow */
	bool has_id;               /* false for the shadow files (no id there) */
};

struct ward_event {
	uint64_t seq;
	uint64_t time_ns;                   /* Unix time */
	uint16_t event_type;                /* enum xdr_event_type */
	uint16_t access_type;               /* enum xdr_access_type */
	uint64_t count;                     /* repeats folded in (>= 1) */
	struct ward_process_info process;
	struct ward_file_info file;         /* FILE */
	struct ward_target_process target;  /* PROCESS */
	struct ward_conn_info conn;         /* CONNECTION, DNS, INTERNET */
	struct ward_dns_info dns;           /* DNS */
	struct ward_http_info http;         /* INTERNET */
	struct ward_act_info act;           /* MODIFIED_PROCESS, MEMORY, ACCOUNT, LOAD_IMAGE */
	struct ward_account_info account;   /* ACCOUNT_ADD/DELETE/MODIFY */
};

#endif /* WARD_EVENT_H */
