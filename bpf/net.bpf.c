// SPDX-License-Identifier: GPL-2.0
/*
 * CONNECTION, DNS and INTERNET events from syscall exits (tail-called like
 * the file handlers). No kprobe, no socket filter: the process is the one
 * making the syscall, so attribution survives fork and fd passing.
 */
#include "ward.bpf.h"
#include "net.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define EBADF_ 9
#define EINVAL_ 22
#define EAFNOSUPPORT_ 97
#define EISCONN_ 106
#define EALREADY_ 114

/*
 * connect(2): reported once the kernel has picked the local address and
 * port. A refused or unreachable TCP connect is reported with its -errno in
 * result; a non-blocking one in progress is flagged WARD_NET_IN_PROGRESS.
 * Calls that never attempted a connection (bad fd, bad address) are not.
 */
SEC("tp_btf/sys_exit")
int BPF_PROG(ward_x_connect, struct pt_regs *regs, long ret)
{
	if (ret == -EBADF_ || ret == -EINVAL_ || ret == -EAFNOSUPPORT_ || ret == -EISCONN_ ||
	    ret == -EALREADY_)
		return 0;
	if (ward_skip(XDR_CONNECTION_CONNECT_OUTBOUND))
		return 0;
	int fd = WARD_ARG1(regs);
	struct sock *sk = ward_fd_sock(fd);
	if (!sk || !net_family_ok(sk))
		return 0;
	/* A new connection on this socket: its first bytes are new too. */
	__u64 key = (__u64)sk;
	bpf_map_delete_elem(&ward_tcp_inspected, &key);
	struct net_ev ev = {
		.sk = sk,
		.udest = (const void *)WARD_ARG2(regs),
		.fd = fd,
		.result = ret == -EINPROGRESS_ ? 0 : ret,
		.flags = ret == -EINPROGRESS_ ? WARD_NET_IN_PROGRESS : 0,
		.access = XDR_CONNECTION_CONNECT_OUTBOUND,
	};
	return emit_net_ev(&ev);
}

static __always_inline int on_accept(long ret)
{
	if (ret < 0 || ward_skip(XDR_CONNECTION_CONNECT_INBOUND))
		return 0;
	struct sock *sk = ward_fd_sock(ret);
	if (!sk || !net_family_ok(sk))
		return 0;
	__u64 key = (__u64)sk;
	bpf_map_delete_elem(&ward_tcp_inspected, &key);
	struct net_ev ev = { .sk = sk, .fd = ret, .access = XDR_CONNECTION_CONNECT_INBOUND };
	return emit_net_ev(&ev);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(ward_x_accept, struct pt_regs *regs, long ret)
{
	return on_accept(ret);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(ward_x_accept4, struct pt_regs *regs, long ret)
{
	return on_accept(ret);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(ward_x_listen, struct pt_regs *regs, long ret)
{
	if (ret != 0 || ward_skip(XDR_CONNECTION_LISTEN))
		return 0;
	int fd = WARD_ARG1(regs);
	struct sock *sk = ward_fd_sock(fd);
	if (!sk || !net_family_ok(sk))
		return 0;
	struct net_ev ev = { .sk = sk, .fd = fd, .access = XDR_CONNECTION_LISTEN };
	return emit_net_ev(&ev);
}

/* bind(2) of a UDP socket is where it starts receiving: CONNECTION_LISTEN.
 * (A TCP socket listens only at listen(2).) */
SEC("tp_btf/sys_exit")
int BPF_PROG(ward_x_bind, struct pt_regs *regs, long ret)
{
	if (ret != 0 || ward_skip(XDR_CONNECTION_LISTEN))
		return 0;
	int fd = WARD_ARG1(regs);
	struct sock *sk = ward_fd_sock(fd);
	if (!sk || !net_family_ok(sk) || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_UDP_)
		return 0;
	struct net_ev ev = { .sk = sk, .fd = fd, .access = XDR_CONNECTION_LISTEN };
	return emit_net_ev(&ev);
}

/* sendto(fd, buf, len, flags, dest, addrlen); send() is sendto(NULL dest). */
SEC("tp_btf/sys_exit")
int BPF_PROG(ward_x_sendto, struct pt_regs *regs, long ret)
{
	if (ret <= 0)
		return 0;
	int fd = WARD_ARG1(regs);
	return ward_on_send(ward_fd_sock(fd), fd, (const char *)WARD_ARG2(regs), ret,
			    (const void *)WARD_ARG5(regs));
}

/* One message: its destination and its first iovec. */
static __always_inline int on_msghdr(int fd, struct sock *sk, const struct user_msghdr *umsg,
				     __u64 sent)
{
	struct user_msghdr m = {};
	if (bpf_probe_read_user(&m, sizeof(m), umsg) < 0)
		return 0;
	struct iovec iov = {};
	if (!m.msg_iov || bpf_probe_read_user(&iov, sizeof(iov), m.msg_iov) < 0)
		return 0;
	__u64 len = iov.iov_len < sent ? iov.iov_len : sent;
	return ward_on_send(sk, fd, iov.iov_base, len, m.msg_name);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(ward_x_sendmsg, struct pt_regs *regs, long ret)
{
	if (ret <= 0)
		return 0;
	int fd = WARD_ARG1(regs);
	return on_msghdr(fd, ward_fd_sock(fd), (const struct user_msghdr *)WARD_ARG2(regs), ret);
}

/* sendmmsg: the C library's resolver sends its A and AAAA questions in one
 * call. The first two messages are looked at. */
SEC("tp_btf/sys_exit")
int BPF_PROG(ward_x_sendmmsg, struct pt_regs *regs, long ret)
{
	if (ret <= 0)
		return 0;
	int fd = WARD_ARG1(regs);
	struct sock *sk = ward_fd_sock(fd);
	const struct mmsghdr *vec = (const struct mmsghdr *)WARD_ARG2(regs);
	for (int i = 0; i < 2; i++) {
		if (i >= ret)
			break;
		__u32 sent = 0;
		bpf_probe_read_user(&sent, sizeof(sent), &vec[i].msg_len);
		on_msghdr(fd, sk, (const struct user_msghdr *)&vec[i].msg_hdr, sent);
	}
	return 0;
}
