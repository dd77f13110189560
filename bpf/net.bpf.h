/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Network records from syscall exits: the socket behind an fd, its addresses
 * from the struct sock (so they are what the kernel uses, not what the caller
 * claims), and the first bytes a process sends for DNS and HTTP parsing in
 * user space. Included by net.bpf.c and by file.bpf.c (write on a socket).
 *
 * Attribution is always the process making the syscall: a socket passed to
 * another process (SCM_RIGHTS) or inherited over fork is reported with the
 * process that uses it.
 */
#ifndef WARD_NET_BPF_H
#define WARD_NET_BPF_H

#include "ward.bpf.h"

#define AF_INET_ 2
#define AF_INET6_ 10
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define S_IFSOCK_ 0140000
#define EINPROGRESS_ 115
#define DNS_PORT 53

/* TCP sockets whose first bytes were inspected: only the start of a stream
 * is looked at, so bulk transfers cost one lookup per write. Reset when the
 * socket connects (struct sock memory is reused). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, __u8);
} ward_tcp_inspected SEC(".maps") __weak;

/* Unconnected UDP: (socket, peer) pairs already reported as outbound. */
struct udp_peer_key {
	__u64 sk;
	__u8 addr[16];
	__u16 port;
	__u16 _pad[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct udp_peer_key);
	__type(value, __u8);
} ward_udp_peers SEC(".maps") __weak;

static __always_inline __u16 ward_ntohs(__u16 v)
{
	return (v >> 8) | (v << 8);
}

/* The struct sock behind an fd, or NULL if it is not a socket. */
static __always_inline struct sock *ward_fd_sock(int fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file *f = ward_fd_file(task, fd);
	if (!f)
		return NULL;
	__u32 mode = BPF_CORE_READ(f, f_inode, i_mode);
	if ((mode & S_IFMT_) != S_IFSOCK_)
		return NULL;
	struct socket *sock = BPF_CORE_READ(f, private_data);
	return BPF_CORE_READ(sock, sk);
}

struct net_ev {
	struct sock *sk;
	const void *udest;     /* caller's sockaddr for the peer, or NULL: use the sock's */
	const void *upayload;  /* bytes to copy, or NULL */
	__u64 payload_len;
	__s32 fd;
	__s32 result;
	__u32 flags;
	__u16 access;
	__u16 _pad;
	const struct ward_task *task; /* the process, when not the current task */
};

/* A sockaddr_in / sockaddr_in6 from user memory. */
static __always_inline void read_user_sockaddr(const void *uaddr, __u8 *addr, __u16 *port,
					       __u16 family)
{
	__u16 p = 0;
	bpf_probe_read_user(&p, sizeof(p), uaddr + 2);
	*port = ward_ntohs(p);
	if (family == AF_INET6_)
		bpf_probe_read_user(addr, 16, uaddr + 8); /* sin6_addr */
	else
		bpf_probe_read_user(addr, 4, uaddr + 4);  /* sin_addr */
}

static __noinline int emit_net_ev(struct net_ev *ev)
{
	struct ward_scratch *s = ward_scratch();
	struct sock *sk = ev->sk;
	if (!s || !sk)
		return 0;
	struct ward_rec_net *r = (void *)s->rec;
	ward_fill_common(&r->c, WARD_REC_NET);
	if (ev->task)
		__builtin_memcpy(&r->c.task, ev->task, sizeof(r->c.task));
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	__u16 proto = BPF_CORE_READ(sk, sk_protocol);
	r->access_type = ev->access;
	r->family = family;
	r->protocol = proto == IPPROTO_TCP_ ? XDR_CONNECTION_TCP : XDR_CONNECTION_UDP;
	r->result = ev->result;
	r->fd = ev->fd;
	r->flags = ev->flags;
	r->syscall_nr = 0;
	r->sock_id = (__u64)sk;
	r->payload.off = r->payload.len = 0;
	r->_pad = 0;
	__builtin_memset(r->local_addr, 0, sizeof(r->local_addr));
	__builtin_memset(r->remote_addr, 0, sizeof(r->remote_addr));
	r->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (family == AF_INET6_) {
		bpf_core_read(r->local_addr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
	} else {
		bpf_core_read(r->local_addr, 4, &sk->__sk_common.skc_rcv_saddr);
	}
	if (ev->udest) {
		read_user_sockaddr(ev->udest, r->remote_addr, &r->remote_port, family);
	} else {
		r->remote_port = ward_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
		if (family == AF_INET6_)
			bpf_core_read(r->remote_addr, 16, &sk->__sk_common.skc_v6_daddr);
		else
			bpf_core_read(r->remote_addr, 4, &sk->__sk_common.skc_daddr);
	}

	__u32 off = sizeof(*r);
	if (ev->upayload && ev->payload_len) {
		__u64 max = ev->access == XDR_DNS_QUERY ? WARD_DNS_PAYLOAD_MAX : WARD_HTTP_PAYLOAD_MAX;
		__u64 n = ev->payload_len;
		if (n > max) {
			n = max;
			r->flags |= WARD_NET_PAYLOAD_TRUNCATED;
		}
		n &= 2047;
		if (n && bpf_probe_read_user(s->rec + off, n, ev->upayload) == 0) {
			s->rec[(off + n) & (WARD_SCRATCH - 1)] = 0;
			r->payload.off = off;
			r->payload.len = n;
			off += n + 1;
		}
	}
	return ward_emit(r, off);
}

static __always_inline bool net_family_ok(struct sock *sk)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	return family == AF_INET_ || family == AF_INET6_;
}

/* What an HTTP/1.x request starts with. */
static __always_inline bool looks_like_http(const char *ubuf, __u64 len)
{
	char b[8] = {};
	if (len < 8 || bpf_probe_read_user(b, sizeof(b), ubuf) < 0)
		return false;
	return (b[0] == 'G' && b[1] == 'E' && b[2] == 'T' && b[3] == ' ') ||
	       (b[0] == 'P' && b[1] == 'O' && b[2] == 'S' && b[3] == 'T' && b[4] == ' ') ||
	       (b[0] == 'P' && b[1] == 'U' && b[2] == 'T' && b[3] == ' ') ||
	       (b[0] == 'H' && b[1] == 'E' && b[2] == 'A' && b[3] == 'D' && b[4] == ' ') ||
	       (b[0] == 'D' && b[1] == 'E' && b[2] == 'L' && b[3] == 'E' && b[4] == 'T') ||
	       (b[0] == 'P' && b[1] == 'A' && b[2] == 'T' && b[3] == 'C' && b[4] == 'H') ||
	       (b[0] == 'O' && b[1] == 'P' && b[2] == 'T' && b[3] == 'I' && b[4] == 'O') ||
	       (b[0] == 'C' && b[1] == 'O' && b[2] == 'N' && b[3] == 'N' && b[4] == 'E');
}

/*
 * Bytes a process sent on a socket (sendto, sendmsg, write...). udest is the
 * destination the caller named (unconnected UDP), else NULL.
 */
static __always_inline int ward_on_send(struct sock *sk, int fd, const char *ubuf, __u64 len,
					const void *udest)
{
	if (!sk || !len || !net_family_ok(sk))
		return 0;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (ward_task_filtered(tgid))
		return 0;
	__u16 proto = BPF_CORE_READ(sk, sk_protocol);
	__u16 dport;
	if (udest) {
		__u16 p = 0;
		bpf_probe_read_user(&p, sizeof(p), udest + 2);
		dport = ward_ntohs(p);
	} else {
		dport = ward_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	}

	if (proto == IPPROTO_UDP_) {
		if (udest && ward_access_allowed(XDR_CONNECTION_CONNECT_OUTBOUND)) {
			struct udp_peer_key k = { .sk = (__u64)sk };
			__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
			read_user_sockaddr(udest, k.addr, &k.port, family);
			if (!bpf_map_lookup_elem(&ward_udp_peers, &k)) {
				__u8 one = 1;
				bpf_map_update_elem(&ward_udp_peers, &k, &one, BPF_ANY);
				struct net_ev ev = { .sk = sk, .udest = udest, .fd = fd,
						     .access = XDR_CONNECTION_CONNECT_OUTBOUND };
				emit_net_ev(&ev);
			}
		}
		if (dport == DNS_PORT && ward_access_allowed(XDR_DNS_QUERY)) {
			struct net_ev ev = { .sk = sk, .udest = udest, .fd = fd, .upayload = ubuf,
					     .payload_len = len, .access = XDR_DNS_QUERY };
			return emit_net_ev(&ev);
		}
		return 0;
	}
	if (proto != IPPROTO_TCP_)
		return 0;

	/* TCP: only the first bytes of a stream */
	__u64 key = (__u64)sk;
	if (bpf_map_lookup_elem(&ward_tcp_inspected, &key))
		return 0;
	__u8 one = 1;
	bpf_map_update_elem(&ward_tcp_inspected, &key, &one, BPF_ANY);
	if (dport == DNS_PORT) {
		if (!ward_access_allowed(XDR_DNS_QUERY))
			return 0;
		struct net_ev ev = { .sk = sk, .fd = fd, .upayload = ubuf, .payload_len = len,
				     .flags = WARD_NET_DNS_TCP, .access = XDR_DNS_QUERY };
		return emit_net_ev(&ev);
	}
	if (looks_like_http(ubuf, len) && ward_access_allowed(XDR_INTERNET_CONNECT)) {
		struct net_ev ev = { .sk = sk, .fd = fd, .upayload = ubuf, .payload_len = len,
				     .access = XDR_INTERNET_CONNECT };
		return emit_net_ev(&ev);
	}
	return 0;
}

#endif /* WARD_NET_BPF_H */
