/*
 * Which BPF program handles which syscall, and what each hook covers. The
 * loader fills the tail-call tables from this list; the start-up report
 * names what is lost when one of them cannot be loaded.
 */
#ifndef WARD_HOOKS_H
#define WARD_HOOKS_H

#include <stdbool.h>
#include <stddef.h>

struct ward_syscall_hook {
	int nr;             /* syscall number on this architecture */
	const char *name;   /* syscall name */
	const char *prog;   /* BPF program that handles it */
	const char *covers; /* access types it produces */
};

extern const struct ward_syscall_hook ward_syscall_hooks[];
extern const size_t ward_syscall_hook_count;

/* Programs attached directly to a tracepoint (the rest are tail-called). */
struct ward_root_hook {
	const char *prog;
	const char *tracepoint;
	const char *covers;
};

/* "openat" for its number, NULL if ward does not hook it; and back. */
const char *ward_syscall_name(unsigned int nr);
int ward_syscall_nr(const char *name);

extern const struct ward_root_hook ward_root_hooks[];
extern const size_t ward_root_hook_count;

#endif
