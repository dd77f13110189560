// SPDX-License-Identifier: GPL-2.0
/*
 * The program on the sys_exit tracepoint. It does the least possible for the
 * vast majority of syscalls ward does not watch: one tail call into a table
 * indexed by syscall number; an empty slot falls through. Nothing is attached
 * to sys_enter: a program there would run on every syscall of the machine,
 * and every handler can work at exit. BTF tracepoints need neither tracefs
 * nor kprobes and exist on every kernel ward supports.
 *
 * Known gap: 32-bit (ia32) syscalls use another numbering and are not yet
 * told apart (docs/events.md, "Limits").
 */
#include "ward.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define WARD_SYSCALL_SLOTS 512

/* tp_btf: regs is a typed pointer, read directly (no helper call). */
SEC("tp_btf/sys_exit")
int BPF_PROG(ward_sys_exit, struct pt_regs *regs, long ret)
{
	long id = regs->orig_ax;
	if (id < 0 || id >= WARD_SYSCALL_SLOTS)
		return 0;
	bpf_tail_call(ctx, &ward_sys_exit_progs, id);
	return 0;
}
