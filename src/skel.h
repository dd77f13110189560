/*
 * The two builds of ward's BPF object behind one interface: the default one
 * (bpf_loop, 5.17+) and the compat one (bounded loops, 5.10-5.16). Both
 * come from the same sources (see bpf/ward.bpf.h) and are embedded in the
 * binary; everything else finds maps and programs by name.
 */
#ifndef WARD_SKEL_H
#define WARD_SKEL_H

#include <stdbool.h>

#include "ward/abi.h"

struct bpf_object;

struct ward_skel {
	void *skel;                      /* the generated skeleton */
	struct bpf_object *obj;
	volatile struct ward_bpf_config *cfg; /* in .rodata, writable until load */
	bool compat;
};

/* 0 or -errno. */
int ward_skel_open(struct ward_skel *s, bool compat);
int ward_skel_load(struct ward_skel *s);
/* Accepts an unopened or half-built one. */
void ward_skel_destroy(struct ward_skel *s);

#endif
