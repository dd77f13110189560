/*
 * The response to a confirmed threat: SIGSTOP or SIGKILL a process tree
 * (the root and its descendants, found through the ppid links in
 * <procfs>/<pid>/stat). Called from a detector's alert path, before the
 * alert is emitted, so the tree is stopped as close to the event as ward
 * can manage.
 *
 * Safety: pid 1 (and 0) is never signalled, nor ward itself, nor any process
 * whose executable matches the allow list. A root that is one of those is
 * refused as a whole (EPERM); descendants that are are skipped.
 */
#ifndef WARD_DETECT_RESPONSE_H
#define WARD_DETECT_RESPONSE_H

#include <stddef.h>
#include <stdint.h>

#include "alert.h"

/* Bounds on one walk: a fork bomb must not make ward allocate without limit. */
#define WARD_RESPONSE_MAX_PROCS 65536 /* entries read from procfs */
#define WARD_RESPONSE_MAX_TREE 4096   /* processes signalled in one response */

struct ward_response_opts {
	enum ward_response_action action;   /* NONE, STOP, KILL */
	const char *procfs_root;            /* NULL = "/proc"; tests use a fake tree */
	const char *const *allow;           /* executables never signalled: fnmatch(3)
					     * patterns on the exe path */
	size_t nallow;
	uint32_t self_pid;                  /* never signalled; 0 = getpid() */
	/* How to signal: NULL = kill(2). Returns 0 or -errno. Tests record. */
	int (*signal_fn)(void *ctx, uint32_t pid, int sig);
	void *signal_ctx;
};

struct ward_response_result {
	enum ward_response_action action;   /* what was done (NONE if refused) */
	uint32_t root_pid;
	uint32_t count;                     /* processes signalled */
	int error;                          /* 0 or the first errno met */
};

/* "none", "stop", "kill" (any case) -> the action; -EINVAL otherwise. */
int ward_response_parse(const char *s);
const char *ward_response_name(enum ward_response_action a);

/* True when exe matches one of the allow patterns. */
int ward_response_allowed(const struct ward_response_opts *o, const char *exe);

/*
 * Apply o->action to root_pid and its descendants. Fills *res (always).
 * Returns 0 when every process of the tree was signalled (or the action is
 * NONE), else -errno (also in res->error): -EPERM when the root is protected,
 * -ESRCH when it is gone, or the first signalling error.
 *
 * STOP: the root is stopped first (it cannot fork any more), then the tree is
 * read and every member stopped; the tree is read once more to catch
 * children forked meanwhile. KILL: the same stop pass, then SIGKILL to every
 * member, so none is reparented to init before it is reached.
 */
int ward_response_run(const struct ward_response_opts *o, uint32_t root_pid,
		      struct ward_response_result *res);

/* The descendants of root_pid (root included, first) in procfs_root, at most
 * max pids into out; returns how many, or -errno. For tests and the walk. */
int ward_response_tree(const char *procfs_root, uint32_t root_pid, uint32_t *out,
		       size_t max);

#endif /* WARD_DETECT_RESPONSE_H */
