/*
 * The sensor: loads ward's BPF programs, attaches them, and hands the ring
 * buffer's records to a callback. The only user-space module (with the
 * decoder) that knows about libbpf and the wire format.
 */
#ifndef WARD_SENSOR_H
#define WARD_SENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ward/abi.h"

#define WARD_MAX_FILTER_PIDS 1024
#define WARD_MAX_FILTER_COMMS 1024

struct ward_sensor_opts {
	uint64_t ring_bytes;    /* power of two, multiple of the page size */
	uint64_t wakeup_bytes;  /* wake the consumer at this fill; 0 = per record */
	bool strict;            /* any hook that fails to load is fatal */
	const uint32_t *pids;   /* --pid filter (tgids) */
	size_t npids;
	const char (*comms)[WARD_COMM_LEN];
	size_t ncomms;
	uint64_t access_mask[2]; /* allowed access types, see ward_access_bit() */
	uint64_t fold_ns;       /* fold repeated opens within this window; 0 = off */
	int route;              /* enum ward_route (path_hooks.h): paths of path-named syscalls */
};

enum ward_hook_status {
	WARD_HOOK_ATTACHED,
	WARD_HOOK_UNAVAILABLE, /* the kernel lacks it */
	WARD_HOOK_FAILED,      /* refused by the verifier or the attach */
};

struct ward_hook_report {
	char name[64];      /* tracepoint or syscall */
	char prog[64];
	const char *covers;
	enum ward_hook_status status;
	char reason[256];
	bool root;          /* attached directly (else a tail-called handler) */
	const char *kind;   /* "tracepoint", "uprobe", "syscall" */
};

/* Exit classes for the CLI (documented in ward(1) / README). */
enum ward_open_error {
	WARD_OPEN_OK = 0,
	WARD_OPEN_RUNTIME = 1,
	WARD_OPEN_PERMISSION = 3,
	WARD_OPEN_KERNEL = 4,
	WARD_OPEN_STRICT = 5,
};

struct ward_sensor;

typedef int (*ward_record_fn)(void *ctx, const void *data, size_t size);

/* Loads and attaches. On failure returns NULL, prints one line naming the
 * cause, and sets *err to a ward_open_error. */
struct ward_sensor *ward_sensor_open(const struct ward_sensor_opts *opts, enum ward_open_error *err);
void ward_sensor_free(struct ward_sensor *s);

size_t ward_sensor_hooks(const struct ward_sensor *s, const struct ward_hook_report **hooks);

/* What ward found about this kernel, for the start-up report. */
struct ward_kernel_info {
	char release[65];     /* uname -r */
	char lockdown[32];    /* "none", "integrity", "confidentiality", "n/a" */
	const char *path_walk;/* "bpf_loop" or "bounded loop" */
	/* Where FILE paths of path-named syscalls come from: "lsm", "fentry"
	 * (the path hooks) or "tracepoint" (resolved in user space), and why
	 * not from a richer route ("" when nothing richer was missed). */
	const char *path_route;
	char path_route_reason[512];
};

const struct ward_kernel_info *ward_sensor_kernel(const struct ward_sensor *s);

/* Wait up to timeout_ms for a wake-up, then drain the ring. Returns the
 * number of records handed to fn, or -errno (-EINTR on a signal). */
int ward_sensor_poll(struct ward_sensor *s, int timeout_ms, ward_record_fn fn, void *ctx);

/* Attach the libcrypto API uprobes to a library ward has not seen yet
 * (one mapped after start-up). 1 if attached now, 0 if already, -errno. */
int ward_sensor_attach_library(struct ward_sensor *s, const char *path);

/* Detach every hook: no record is produced after this returns, so what is
 * in the ring can be drained to the end. */
void ward_sensor_detach(struct ward_sensor *s);

/* Sum of the per-CPU counters (enum ward_counter). */
int ward_sensor_counters(struct ward_sensor *s, uint64_t totals[WARD_CNT_MAX]);
/* Records lost (ring full) on each CPU; returns the number of CPUs filled. */
size_t ward_sensor_lost_by_cpu(struct ward_sensor *s, uint64_t *lost, size_t max);

#endif /* WARD_SENSOR_H */
