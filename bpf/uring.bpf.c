// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring: operations submitted through a ring never pass the syscall
 * tracepoints, so a sensor built on them alone is blind to them. ward reports
 * the ring's creation and each submitted operation's opcode with the acting
 * process (BM_INVOKE, api "io_uring_setup" / "io_uring:<OPCODE>"), folded per
 * process and opcode. The FILE_/CONNECTION_ details of those operations
 * (paths, addresses) are not followed yet: docs/events.md.
 */
#include "ward.bpf.h"

char LICENSE[] SEC("license") = "GPL";

static __always_inline int uring_event(__u32 op, __u64 fold_key)
{
	if (ward_skip(XDR_BM_INVOKE))
		return 0;
	__u64 count;
	if (ward_fold_check(XDR_BM_INVOKE, fold_key, 0, 0, ward_cfg.fold_ns, &count))
		return 0;
	struct ward_scratch *s = ward_scratch();
	if (!s)
		return 0;
	/* request: WARD_URING_SETUP or the opcode */
	struct ward_rec_act *r = ward_act_begin(s, XDR_BM_INVOKE, op, count);
	return ward_emit(r, sizeof(*r));
}

SEC("tp_btf/io_uring_create")
int BPF_PROG(ward_uring_create, int fd, void *ctx_, __u32 sq_entries, __u32 cq_entries, __u32 flags)
{
	return uring_event(WARD_URING_SETUP, WARD_URING_SETUP);
}

/* 5.19+: the request itself; its opcode says what the ring was asked to do. */
SEC("tp_btf/io_uring_submit_req")
int BPF_PROG(ward_uring_submit, struct io_kiocb *req)
{
	__u8 op = BPF_CORE_READ(req, opcode);
	return uring_event(op, op);
}
