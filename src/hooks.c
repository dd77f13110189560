#include "hooks.h"

#include <string.h>

#include <sys/syscall.h>

/* Syscalls newer than the C library's headers. x86_64 numbers. */
#if defined(__x86_64__)
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#else
#error "ward's syscall handlers read x86_64 registers (bpf/ward.bpf.h); port WARD_ARGn first"
#endif

#define X(sys, covers) { SYS_##sys, #sys, "ward_x_" #sys, covers }

const struct ward_syscall_hook ward_syscall_hooks[] = {
	X(open, "FILE_OPEN FILE_CREATE FILE_MODIFY"),
	X(creat, "FILE_CREATE FILE_MODIFY"),
	X(openat, "FILE_OPEN FILE_CREATE FILE_MODIFY"),
	X(openat2, "FILE_OPEN FILE_CREATE FILE_MODIFY"),
	X(write, "FILE_MODIFY DNS_QUERY INTERNET_CONNECT"),
	X(pwrite64, "FILE_MODIFY"),
	X(writev, "FILE_MODIFY DNS_QUERY INTERNET_CONNECT"),
	X(pwritev, "FILE_MODIFY"),
	X(pwritev2, "FILE_MODIFY"),
	X(ftruncate, "FILE_MODIFY"),
	X(fallocate, "FILE_MODIFY"),
	X(sendfile, "FILE_MODIFY"),
	X(copy_file_range, "FILE_MODIFY"),
	X(splice, "FILE_MODIFY"),
	X(truncate, "FILE_MODIFY"),
	X(close, "FILE_CLOSE"),
	{ SYS_dup2, "dup2", "ward_x_dup2", "FILE_CLOSE" },
	{ SYS_dup3, "dup3", "ward_x_dup2", "FILE_CLOSE" },
	X(unlink, "FILE_DELETE"),
	X(unlinkat, "FILE_DELETE"),
	X(rmdir, "FILE_DELETE"),
	X(mkdir, "FILE_CREATE"),
	X(mkdirat, "FILE_CREATE"),
	X(mknod, "FILE_CREATE"),
	X(mknodat, "FILE_CREATE"),
	X(symlink, "FILE_CREATE"),
	X(symlinkat, "FILE_CREATE"),
	X(link, "FILE_CREATE"),
	X(linkat, "FILE_CREATE"),
	X(rename, "FILE_MOVE"),
	X(renameat, "FILE_MOVE"),
	X(renameat2, "FILE_MOVE"),
	X(chmod, "FILE_SET_SECURITY"),
	X(fchmod, "FILE_SET_SECURITY"),
	X(fchmodat, "FILE_SET_SECURITY"),
	X(fchmodat2, "FILE_SET_SECURITY"),
	X(chown, "FILE_SET_SECURITY"),
	X(lchown, "FILE_SET_SECURITY"),
	X(fchown, "FILE_SET_SECURITY"),
	X(fchownat, "FILE_SET_SECURITY"),
	X(setxattr, "FILE_SET_SECURITY"),
	X(lsetxattr, "FILE_SET_SECURITY"),
	X(fsetxattr, "FILE_SET_SECURITY"),
	X(removexattr, "FILE_SET_SECURITY"),
	X(lremovexattr, "FILE_SET_SECURITY"),
	X(fremovexattr, "FILE_SET_SECURITY"),
	X(utime, "FILE_MODIFY_TIMESTAMP"),
	X(utimes, "FILE_MODIFY_TIMESTAMP"),
	X(futimesat, "FILE_MODIFY_TIMESTAMP"),
	X(utimensat, "FILE_MODIFY_TIMESTAMP"),
	X(connect, "CONNECTION_CONNECT_OUTBOUND"),
	X(accept, "CONNECTION_CONNECT_INBOUND"),
	X(accept4, "CONNECTION_CONNECT_INBOUND"),
	X(listen, "CONNECTION_LISTEN"),
	X(bind, "CONNECTION_LISTEN (UDP)"),
	X(sendto, "CONNECTION_CONNECT_OUTBOUND (UDP) DNS_QUERY INTERNET_CONNECT"),
	X(sendmsg, "CONNECTION_CONNECT_OUTBOUND (UDP) DNS_QUERY INTERNET_CONNECT"),
	X(sendmmsg, "CONNECTION_CONNECT_OUTBOUND (UDP) DNS_QUERY"),
	X(ptrace, "MODIFIED_PROCESS_* PROCESS_TRACME"),
	X(process_vm_readv, "MODIFIED_PROCESS_READ_PROCESS"),
	X(process_vm_writev, "MODIFIED_PROCESS_WRITE_MEMORY"),
	X(prctl, "MODIFIED_PROCESS_WRITE_PROCESS_NAME"),
	X(mprotect, "MEMORY_MODIFY_PERMISSION"),
	X(pkey_mprotect, "MEMORY_MODIFY_PERMISSION"),
	X(mmap, "MEMORY_MODIFY PROCESS_LOAD_IMAGE"),
	X(setuid, "ACCOUNT_IMPERSONATE"),
	X(setgid, "ACCOUNT_IMPERSONATE"),
	X(setreuid, "ACCOUNT_IMPERSONATE"),
	X(setregid, "ACCOUNT_IMPERSONATE"),
	X(setresuid, "ACCOUNT_IMPERSONATE"),
	X(setresgid, "ACCOUNT_IMPERSONATE"),
	X(setfsuid, "ACCOUNT_IMPERSONATE"),
	X(setfsgid, "ACCOUNT_IMPERSONATE"),
	{ SYS_chdir, "chdir", "ward_exit_chdir", "process cwd" },
	{ SYS_fchdir, "fchdir", "ward_exit_chdir", "process cwd" },
};

const size_t ward_syscall_hook_count = sizeof(ward_syscall_hooks) / sizeof(ward_syscall_hooks[0]);

const struct ward_root_hook ward_root_hooks[] = {
	{ "ward_process_fork", "sched_process_fork", "PROCESS_CREATE" },
	{ "ward_process_exec", "sched_process_exec", "PROCESS_EXECUTE" },
	{ "ward_process_exit", "sched_process_exit", "PROCESS_TERMINATE" },
	{ "ward_file_exit", "sched_process_exit", "FILE_CLOSE of files left open at exit" },
	{ "ward_sys_exit", "sys_exit", "every FILE_*, CONNECTION_*, DNS and INTERNET access" },
	{ "ward_tcp_state", "inet_sock_set_state", "outcome of non-blocking TCP connects" },
	{ "ward_uring_create", "io_uring_create", "BM_INVOKE io_uring_setup" },
	{ "ward_uring_submit", "io_uring_submit_req", "BM_INVOKE io_uring:<opcode>" },
};

const size_t ward_root_hook_count = sizeof(ward_root_hooks) / sizeof(ward_root_hooks[0]);

const char *ward_syscall_name(unsigned int nr)
{
	for (size_t i = 0; i < ward_syscall_hook_count; i++)
		if ((unsigned int)ward_syscall_hooks[i].nr == nr)
			return ward_syscall_hooks[i].name;
	return NULL;
}

int ward_syscall_nr(const char *name)
{
	for (size_t i = 0; i < ward_syscall_hook_count; i++)
		if (!strcmp(ward_syscall_hooks[i].name, name))
			return ward_syscall_hooks[i].nr;
	return -1;
}
