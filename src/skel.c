#include "skel.h"

#include <errno.h>

#include "ward.skel.h"
#include "ward_compat.skel.h"

int ward_skel_open(struct ward_skel *s, bool compat)
{
	s->compat = compat;
	if (compat) {
		struct ward_compat_bpf *k = ward_compat_bpf__open();
		if (!k)
			return -errno;
		s->skel = k;
		s->obj = k->obj;
		s->cfg = &k->rodata->ward_cfg;
	} else {
		struct ward_bpf *k = ward_bpf__open();
		if (!k)
			return -errno;
		s->skel = k;
		s->obj = k->obj;
		s->cfg = &k->rodata->ward_cfg;
	}
	return 0;
}

int ward_skel_load(struct ward_skel *s)
{
	if (s->compat)
		return ward_compat_bpf__load(s->skel);
	return ward_bpf__load(s->skel);
}

void ward_skel_destroy(struct ward_skel *s)
{
	if (!s || !s->skel)
		return;
	if (s->compat)
		ward_compat_bpf__destroy(s->skel);
	else
		ward_bpf__destroy(s->skel);
	s->skel = NULL;
	s->obj = NULL;
	s->cfg = NULL;
}
