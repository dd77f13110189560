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
 * Non-blocking TCP connects: connect(2) returns EINPROGRESS and the outcome
 * comes later, in softirq context, through inet_sock_set_state. The process
 * and the caller's destination are kept here until then.
 */
struct pending_connect {
	struct ward_task task;
	__s32 fd;
	__u32 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct pending_connect);
} ward_pending_connect SEC(".maps") __weak;

#define TCP_ESTABLISHED_ 1
#define TCP_SYN_SENT_ 2
#define TCP_CLOSE_ 7

/*
 * connect(2): reported once the kernel has picked the local address and
 * port. A refused or unreachable TCP connect is reported with its -errno in
 * result. A non-blocking TCP connect is reported when it completes or fails
 * (below); until then nothing. Calls that never attempted a connection (bad
 * fd, bad address) are not reported.
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
	if (ret == -EINPROGRESS_ && BPF_CORE_READ(sk, sk_protocol) == IPPROTO_TCP_) {
		struct pending_connect pc = { .fd = fd };
		ward_fill_task(&pc.task, NULL);
		if (bpf_map_update_elem(&ward_pending_connect, &key, &pc, BPF_ANY) == 0) {
			/* On loopback the handshake can end before connect()
			 * returns, before the entry existed. Whoever deletes
			 * the entry reports the outcome. */
			__u8 state = BPF_CORE_READ(sk, __sk_common.skc_state);
			if (state == TCP_SYN_SENT_ ||
			    bpf_map_delete_elem(&ward_pending_connect, &key) != 0)
				return 0;
			ret = 0;
			if (state != TCP_ESTABLISHED_) {
				int err = BPF_CORE_READ(sk, sk_err);
				ret = err ? -err : -111;
			}
		} else {
			ward_count(WARD_CNT_STATE_MISS); /* report it now, in progress */
		}
	}
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

/* The outcome of a non-blocking connect: SYN_SENT -> ESTABLISHED (ok) or
 * -> CLOSE (failed, with the socket's error). Runs in softirq context, so the
 * process is the one saved at connect(2). */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(ward_tcp_state, const struct sock *csk, int oldstate, int newstate)
{
	if (oldstate != TCP_SYN_SENT_)
		return 0;
	__u64 key = (__u64)csk;
	struct pending_connect *pc = bpf_map_lookup_elem(&ward_pending_connect, &key);
	if (!pc)
		return 0;
	struct pending_connect saved = *pc;
	bpf_map_delete_elem(&ward_pending_connect, &key);
	struct sock *sk = (struct sock *)csk;
	__s32 result = 0;
	if (newstate != TCP_ESTABLISHED_) {
		int err = BPF_CORE_READ(sk, sk_err);
		result = err ? -err : -111 /* ECONNREFUSED */;
	}
	struct net_ev ev = { .sk = sk, .fd = saved.fd, .result = result,
			     .access = XDR_CONNECTION_CONNECT_OUTBOUND, .task = &saved.task };
	return emit_net_ev(&ev);
}
