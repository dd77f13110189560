// SPDX-License-Identifier: GPL-2.0
/*
 * BM_INVOKE_API: uprobes on the encryption entry points of libcrypto that
 * ransomware uses. One program per API; the loader attaches each to every
 * libcrypto on the system and to ones loaded later. Reported once per
 * process and API per --fold-ms window, with the count of calls.
 */
#include "ward.bpf.h"
#include "path.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#ifndef WARD_COMPAT
/* The library the probe fired in: the file of the mapping holding the
 * instruction pointer (bpf_find_vma, 5.17+; the compat build leaves it to
 * user space, which reads the process's maps). */
static long vma_file_cb(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	*(__u64 *)data = (__u64)BPF_CORE_READ(vma, vm_file);
	return 0;
}
#endif

static __always_inline int api_call(struct pt_regs *ctx, __u32 api)
{
	if (ward_skip(XDR_BM_INVOKE_API))
		return 0;
	__u64 count;
	if (ward_fold_check(XDR_BM_INVOKE_API, api, 0, 0, ward_cfg.fold_ns, &count))
		return 0;
	struct ward_scratch *s = ward_scratch();
	if (!s)
		return 0;
	struct ward_rec_act *r = ward_act_begin(s, XDR_BM_INVOKE_API, api, count);
	r->addr = PT_REGS_IP(ctx);  /* where the library is */
	__u32 off = sizeof(*r);
#ifndef WARD_COMPAT
	char *pbuf = ward_pathbuf();
	__u64 vm_file = 0;
	bpf_find_vma(bpf_get_current_task_btf(), r->addr, vma_file_cb, &vm_file, 0);
	struct file *file = (struct file *)vm_file;
	if (pbuf && file) {
		struct path fpath;
		bpf_core_read(&fpath, sizeof(fpath), &file->f_path);
		__u32 tflags = 0;
		off = ward_put_path(s->rec, off, pbuf, &fpath, &r->path, &tflags, 1, NULL);
	}
#endif
	return ward_emit(r, off);
}

SEC("uprobe")
int BPF_KPROBE(ward_api_encrypt_init)
{
	return api_call(ctx, WARD_API_EVP_ENCRYPTINIT_EX);
}

SEC("uprobe")
int BPF_KPROBE(ward_api_cipher_init)
{
	return api_call(ctx, WARD_API_EVP_CIPHERINIT_EX);
}

SEC("uprobe")
int BPF_KPROBE(ward_api_seal_init)
{
	return api_call(ctx, WARD_API_EVP_SEALINIT);
}
