/*
 * Ransomware behaviour: per process tree, within a sliding window, counts of
 * file opens, creates, deletes, moves and modifications, and of confirmed
 * "encrypt and destroy" sequences (a file the tree read, replaced or
 * destroyed after the tree wrote something new next to it). Crossing a
 * per-type threshold is a "minor" alert (WARNING), crossing the sequence
 * threshold a "major" one (CRITICAL, ALERT with encryption API use). The
 * model, and why compilers, tar, rsync and log rotation stay below major,
 * is in docs/detection.md.
 *
 * Memory is fixed at creation: a process table and a file table, each with
 * LRU eviction (counted). No allocation per event.
 */
#ifndef WARD_DETECT_RANSOMWARE_H
#define WARD_DETECT_RANSOMWARE_H

#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "detect/response.h"
#include "event.h"
#include "proc_cache.h"

/* Index of thresholds[] and of the counts. */
enum ward_ransom_type {
	WARD_RANSOM_OPEN = 0,
	WARD_RANSOM_CREATE = 1,
	WARD_RANSOM_DELETE = 2,
	WARD_RANSOM_MOVE = 3,
	WARD_RANSOM_MODIFY = 4,
	WARD_RANSOM_NTYPES = 5,
};

#define WARD_RANSOM_DEFAULT_WINDOW_NS (30ULL * 1000000000ULL)
#define WARD_RANSOM_DEFAULT_THRESHOLD 50
#define WARD_RANSOM_DEFAULT_SEQUENCES 10
#define WARD_RANSOM_DEFAULT_PROCS 1024
#define WARD_RANSOM_DEFAULT_FILES 16384
#define WARD_RANSOM_MAX_PROCS (1u << 20)  /* table sizes an operator may ask for */
#define WARD_RANSOM_MAX_FILES (1u << 22)
#define WARD_RANSOM_MAX_DEPTH 8           /* ancestors a process's counts reach */
#define WARD_RANSOM_FILES_KEPT 8          /* file names kept per tree for alerts */

typedef const struct ward_proc *(*ward_proc_lookup_fn)(void *ctx, uint32_t tgid);

struct ward_ransomware_opts {
	uint64_t window_ns;                     /* 0 = 30 s */
	uint32_t thresholds[WARD_RANSOM_NTYPES];/* 0 = 50; UINT32_MAX = never */
	uint32_t sequence_threshold;            /* 0 = 10 */
	/* Response to a major alert; response.allow lists executables never
	 * signalled. response.action NONE (the zero value) = alert only. */
	struct ward_response_opts response;
	/* Executables that cut a process tree (fnmatch patterns; a pattern
	 * without '/' matches the basename). NULL = the built-in list
	 * (init systems, sshd, login, cron, tmux, screen, container shims). */
	const char *const *boundary;
	size_t nboundary;
	ward_proc_lookup_fn get;                /* parent lookups; NULL = none */
	void *get_ctx;
	size_t max_procs;                       /* 0 = 1024 */
	size_t max_files;                       /* 0 = 16384 */
};

struct ward_ransomware_counters {
	uint64_t events;           /* events observed */
	uint64_t counted;          /* FILE events counted into a tree */
	uint64_t sequences;        /* confirmed sequences */
	uint64_t alerts_minor, alerts_major;
	uint64_t responses, response_errors;
	uint64_t procs_evicted;    /* LRU evictions from the process table */
	uint64_t files_evicted;    /* ... and from the file table */
	size_t procs, files;       /* entries in use */
};

struct ward_ransomware;

/* NULL and errno (EINVAL for a bad option, ENOMEM). */
struct ward_ransomware *ward_ransomware_new(const struct ward_ransomware_opts *o);
void ward_ransomware_free(struct ward_ransomware *r);

/* Per event. Alerts go to emit (at most two per event: minor then major),
 * after the response, if configured, was carried out. */
void ward_ransomware_observe(struct ward_ransomware *r, const struct ward_event *ev,
			     ward_alert_fn emit, void *ctx);

void ward_ransomware_counters(const struct ward_ransomware *r,
			      struct ward_ransomware_counters *out);

/* "open", "create", "delete", "move", "modify"; -EINVAL if unknown (config). */
int ward_ransom_type_parse(const char *s);
const char *ward_ransom_type_name(enum ward_ransom_type t);

#endif /* WARD_DETECT_RANSOMWARE_H */
