/*
 * The route FILE events of path-named syscalls take (unlink, mkdir, rename,
 * chmod, ...). Every kernel has the tracepoint route: the exit handler sends
 * the directory and the string, and user space resolves them. Where the
 * kernel allows BPF-LSM or fentry programs, the path hooks
 * (bpf/hooks/path_hooks.bpf.c) give the kernel's own resolution instead.
 * Which one a kernel gets is decided here, at start-up, by trying.
 */
#ifndef WARD_PATH_HOOKS_H
#define WARD_PATH_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sensor.h"

struct bpf_object;
struct btf;

/* What the configuration asks for; auto takes the richest that works. */
enum ward_route {
	WARD_ROUTE_AUTO = 0,
	WARD_ROUTE_TRACEPOINT,
	WARD_ROUTE_FENTRY,
	WARD_ROUTE_LSM,
};

/* "auto", "tracepoint", "fentry", "lsm"; -1 if none of them. */
int ward_route_parse(const char *s);
const char *ward_route_name(enum ward_route r);

struct ward_path_hooks;

/*
 * Load and attach the path hooks of the route asked for (or of the best one
 * the kernel allows), sharing main's maps, so that their paths reach main's
 * exit handlers. Never fails the sensor: a kernel that refuses them keeps
 * the tracepoint route. *route is set to "lsm", "fentry" or "tracepoint",
 * reason (reason_size bytes) to why a richer route was not taken, or "".
 * Each hook attached or failed is added to hooks[*nhooks .. max). Returns
 * NULL when the tracepoint route is taken.
 */
struct ward_path_hooks *ward_path_hooks_open(struct bpf_object *main, const struct btf *vmlinux,
					     enum ward_route want, uint32_t self_tgid,
					     bool has_loop, const char **route, char *reason,
					     size_t reason_size, struct ward_hook_report *hooks,
					     size_t *nhooks, size_t max);
/* Detach: no path note is sent after this returns. Accepts NULL. */
void ward_path_hooks_detach(struct ward_path_hooks *h);
void ward_path_hooks_free(struct ward_path_hooks *h);

#endif
