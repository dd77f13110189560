/*
 * Events, the one record the daemon encodes per kernel event, written
 * straight from struct ward_event to the wire. nanopb's generic encoder
 * walks every field descriptor of the message tree and copies each string
 * into the bounded struct first; at 100k+ events/s that was the largest
 * cost of the daemon's main thread. This writes the same bytes (fields in
 * tag order, proto3 defaults left out, the `optional` ones when present) and
 * enforces the same bounds, so the nanopb decoder reads it back exactly: a
 * unit test compares it byte for byte with the nanopb encoding.
 */
#include <errno.h>
#include <string.h>

#include "pb/codec.h"
#include "pb/encode_int.h"
#include "ward.pb.h"
#include "ward/xdr_types.h"

struct w {
	uint8_t *p;
	size_t len, cap;
	int err;
};

/* Wire types */
#define WT_VARINT 0
#define WT_I64 1
#define WT_LEN 2

static inline void put_raw(struct w *w, const void *s, size_t n)
{
	if (w->err)
		return;
	if (w->cap - w->len < n) {
		w->err = -ENOSPC;
		return;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

static inline void put_varint(struct w *w, uint64_t v)
{
	uint8_t b[10];
	size_t n = 0;
	while (v >= 0x80) {
		b[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b[n++] = (uint8_t)v;
	put_raw(w, b, n);
}

static inline void put_tag(struct w *w, uint32_t field, uint32_t wt)
{
	put_varint(w, (uint64_t)field << 3 | wt);
}

/* proto3 scalars: nothing for the default (0, false) */
static inline void put_u(struct w *w, uint32_t field, uint64_t v)
{
	if (v) {
		put_tag(w, field, WT_VARINT);
		put_varint(w, v);
	}
}

static inline void put_s(struct w *w, uint32_t field, int32_t v)
{
	if (v) {
		put_tag(w, field, WT_VARINT);
		put_varint(w, ((uint32_t)v << 1) ^ (uint32_t)(v >> 31)); /* zigzag */
	}
}

static inline void put_f64(struct w *w, uint32_t field, uint64_t v)
{
	if (v) {
		uint8_t b[8];
		for (int i = 0; i < 8; i++)
			b[i] = (uint8_t)(v >> (8 * i));
		put_tag(w, field, WT_I64);
		put_raw(w, b, 8);
	}
}

/* An `optional bytes` field: present (even empty) unless s is NULL. The
 * decoder keeps one byte of its array for a NUL: len < cap. */
static inline void put_opt_bytes(struct w *w, uint32_t field, const char *s, size_t len,
				 size_t cap)
{
	if (!s)
		return;
	if (len >= cap) {
		w->err = w->err ? w->err : -EOVERFLOW;
		return;
	}
	put_tag(w, field, WT_LEN);
	put_varint(w, len);
	put_raw(w, s, len);
}

static inline void put_opt_cbytes(struct w *w, uint32_t field, const char *s, size_t cap)
{
	put_opt_bytes(w, field, s, s ? strnlen(s, cap) : 0, cap);
}

/* A proto3 `string` (not optional): left out when empty. */
static inline void put_str(struct w *w, uint32_t field, const char *s, size_t cap)
{
	size_t n = s ? strnlen(s, cap) : 0;
	if (n >= cap) {
		w->err = w->err ? w->err : -EOVERFLOW;
		return;
	}
	if (n) {
		put_tag(w, field, WT_LEN);
		put_varint(w, n);
		put_raw(w, s, n);
	}
}

/* `optional string`: present (even empty) unless NULL. */
static inline void put_opt_str(struct w *w, uint32_t field, const char *s, size_t cap)
{
	if (!s)
		return;
	size_t n = strnlen(s, cap);
	if (n >= cap) {
		w->err = w->err ? w->err : -EOVERFLOW;
		return;
	}
	put_tag(w, field, WT_LEN);
	put_varint(w, n);
	put_raw(w, s, n);
}

/* A length-delimited sub-message: its body is written after room for the
 * longest length prefix a record can need, then moved up to its prefix. */
#define LEN_ROOM 3 /* a varint of 3 bytes holds up to 2 MiB > WARD_PB_RECORD_MAX */

static inline size_t open_msg(struct w *w, uint32_t field)
{
	put_tag(w, field, WT_LEN);
	size_t at = w->len;
	if (!w->err && w->cap - w->len < LEN_ROOM)
		w->err = -ENOSPC;
	if (!w->err)
		w->len += LEN_ROOM;
	return at;
}

static inline void close_msg(struct w *w, size_t at)
{
	if (w->err)
		return;
	size_t body = w->len - at - LEN_ROOM;
	uint8_t b[10];
	size_t n = 0;
	uint64_t v = body;
	while (v >= 0x80) {
		b[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b[n++] = (uint8_t)v;
	memcpy(w->p + at, b, n);
	if (n != LEN_ROOM)
		memmove(w->p + at + n, w->p + at + LEN_ROOM, body);
	w->len -= LEN_ROOM - n;
}

#define CAP(type, f) sizeof(((type *)0)->f)
#define BCAP(type, f) sizeof(((type *)0)->f.bytes)

static void put_process(struct w *w, const struct ward_process_info *p)
{
	put_u(w, ward_Process_pid_tag, p->pid);
	put_u(w, ward_Process_tid_tag, p->tid);
	put_u(w, ward_Process_ppid_tag, p->ppid);
	put_u(w, ward_Process_uid_tag, p->uid);
	put_u(w, ward_Process_euid_tag, p->euid);
	put_u(w, ward_Process_gid_tag, p->gid);
	put_opt_cbytes(w, ward_Process_comm_tag, p->comm, BCAP(ward_Process, comm));
	put_opt_cbytes(w, ward_Process_comm_before_tag, p->comm_before,
		       BCAP(ward_Process, comm_before));
	put_opt_bytes(w, ward_Process_exe_tag, p->exe.s, p->exe.len, BCAP(ward_Process, exe));
	put_opt_bytes(w, ward_Process_cmdline_tag, p->cmdline.s, p->cmdline.len,
		      BCAP(ward_Process, cmdline));
	put_opt_bytes(w, ward_Process_cwd_tag, p->cwd.s, p->cwd.len, BCAP(ward_Process, cwd));
	put_f64(w, ward_Process_start_time_ns_tag, p->start_time_ns);
	put_f64(w, ward_Process_hash_id_tag, p->hash_id);
}

static void put_file(struct w *w, const struct ward_file_info *f)
{
	put_opt_bytes(w, ward_File_path_tag, f->path.s, f->path.len, BCAP(ward_File, path));
	put_opt_bytes(w, ward_File_requested_path_tag, f->requested_path.s,
		      f->requested_path.len, BCAP(ward_File, requested_path));
	put_opt_bytes(w, ward_File_new_path_tag, f->new_path.s, f->new_path.len,
		      BCAP(ward_File, new_path));
	put_opt_bytes(w, ward_File_requested_new_path_tag, f->requested_new_path.s,
		      f->requested_new_path.len, BCAP(ward_File, requested_new_path));
	put_u(w, ward_File_flags_tag, f->flags);
	put_u(w, ward_File_mode_tag, f->mode);
	put_u(w, ward_File_inode_tag, f->inode);
	put_u(w, ward_File_dev_tag, f->dev);
	put_u(w, ward_File_path_truncated_tag, f->path_truncated);
	put_u(w, ward_File_new_path_truncated_tag, f->new_path_truncated);
	put_u(w, ward_File_deleted_tag, f->deleted);
	put_u(w, ward_File_resolved_tag, f->resolved);
	put_u(w, ward_File_at_exit_tag, f->at_exit);
	put_u(w, ward_File_syscall_nr_tag, f->syscall_nr);
}

static void put_target(struct w *w, const struct ward_target_process *t)
{
	put_u(w, ward_TargetProcess_pid_tag, t->pid);
	put_opt_bytes(w, ward_TargetProcess_exe_tag, t->exe.s, t->exe.len,
		      BCAP(ward_TargetProcess, exe));
	put_opt_bytes(w, ward_TargetProcess_cmdline_tag, t->cmdline.s, t->cmdline.len,
		      BCAP(ward_TargetProcess, cmdline));
	put_opt_bytes(w, ward_TargetProcess_argv_tag, t->argv, t->argv_len,
		      BCAP(ward_TargetProcess, argv));
	put_u(w, ward_TargetProcess_argv_truncated_tag, t->argv_truncated);
	put_u(w, ward_TargetProcess_exe_truncated_tag, t->exe_truncated);
	put_u(w, ward_TargetProcess_exe_deleted_tag, t->exe_deleted);
	put_opt_cbytes(w, ward_TargetProcess_comm_tag, t->comm, BCAP(ward_TargetProcess, comm));
	if (t->has_exit_code) {
		/* optional sint32: present even when 0 */
		put_tag(w, ward_TargetProcess_exit_code_tag, WT_VARINT);
		put_varint(w, ((uint32_t)t->exit_code << 1) ^ (uint32_t)(t->exit_code >> 31));
	}
	put_f64(w, ward_TargetProcess_hash_id_tag, t->hash_id);
}

static void put_connection(struct w *w, const struct ward_conn_info *c)
{
	put_u(w, ward_Connection_protocol_tag, c->protocol);
	put_u(w, ward_Connection_family_tag, c->family);
	put_str(w, ward_Connection_local_ip_tag, c->local_ip, CAP(ward_Connection, local_ip));
	put_str(w, ward_Connection_remote_ip_tag, c->remote_ip, CAP(ward_Connection, remote_ip));
	put_u(w, ward_Connection_local_port_tag, c->local_port);
	put_u(w, ward_Connection_remote_port_tag, c->remote_port);
	put_s(w, ward_Connection_result_tag, c->result);
	put_u(w, ward_Connection_in_progress_tag, c->in_progress);
	put_s(w, ward_Connection_fd_tag, c->fd);
	put_f64(w, ward_Connection_sock_id_tag, c->sock_id);
}

static void put_dns(struct w *w, const struct ward_dns_info *d)
{
	put_opt_cbytes(w, ward_Dns_query_tag, d->query, BCAP(ward_Dns, query));
	put_u(w, ward_Dns_qtype_tag, d->qtype);
	put_u(w, ward_Dns_id_tag, d->id);
	put_u(w, ward_Dns_tcp_tag, d->tcp);
	put_u(w, ward_Dns_malformed_tag, d->malformed);
}

static void put_http(struct w *w, const struct ward_http_info *h)
{
	put_opt_cbytes(w, ward_Http_method_tag, h->method, BCAP(ward_Http, method));
	put_opt_cbytes(w, ward_Http_url_tag, h->url, BCAP(ward_Http, url));
	put_opt_cbytes(w, ward_Http_host_tag, h->host, BCAP(ward_Http, host));
	put_u(w, ward_Http_proxy_tag, h->proxy);
	put_u(w, ward_Http_url_truncated_tag, h->url_truncated);
	put_u(w, ward_Http_host_truncated_tag, h->host_truncated);
	put_u(w, ward_Http_headers_truncated_tag, h->headers_truncated);
}

static void put_act(struct w *w, const struct ward_act_info *x)
{
	put_opt_str(w, ward_Activity_syscall_tag, x->syscall, CAP(ward_Activity, syscall));
	put_opt_str(w, ward_Activity_ptrace_request_tag, x->ptrace_request,
		    CAP(ward_Activity, ptrace_request));
	put_u(w, ward_Activity_has_memory_tag, x->has_memory);
	put_u(w, ward_Activity_address_tag, x->address);
	put_u(w, ward_Activity_length_tag, x->length);
	put_u(w, ward_Activity_prot_tag, x->prot);
	put_u(w, ward_Activity_has_prot_tag, x->has_prot);
	put_opt_cbytes(w, ward_Activity_old_name_tag, x->old_name, BCAP(ward_Activity, old_name));
	put_opt_cbytes(w, ward_Activity_new_name_tag, x->new_name, BCAP(ward_Activity, new_name));
	put_u(w, ward_Activity_from_uid_tag, x->from_uid);
	put_u(w, ward_Activity_from_euid_tag, x->from_euid);
	put_u(w, ward_Activity_from_gid_tag, x->from_gid);
	put_u(w, ward_Activity_to_uid_tag, x->to_uid);
	put_u(w, ward_Activity_to_euid_tag, x->to_euid);
	put_u(w, ward_Activity_to_gid_tag, x->to_gid);
	put_u(w, ward_Activity_to_suid_tag, x->to_suid);
	put_u(w, ward_Activity_to_fsuid_tag, x->to_fsuid);
	put_u(w, ward_Activity_to_egid_tag, x->to_egid);
	put_opt_cbytes(w, ward_Activity_to_user_tag, x->to_user, BCAP(ward_Activity, to_user));
	put_opt_str(w, ward_Activity_api_name_tag, x->api_name, CAP(ward_Activity, api_name));
	put_opt_cbytes(w, ward_Activity_api_library_tag, x->api_library,
		       BCAP(ward_Activity, api_library));
}

static void put_account(struct w *w, const struct ward_account_info *a)
{
	put_opt_cbytes(w, ward_Account_name_tag, a->name, BCAP(ward_Account, name));
	put_u(w, ward_Account_id_tag, a->id);
	put_opt_cbytes(w, ward_Account_file_tag, a->file, BCAP(ward_Account, file));
	put_u(w, ward_Account_group_tag, a->group);
	put_u(w, ward_Account_has_id_tag, a->has_id);
}

/* Sub-messages are written with LEN_ROOM spare bytes before them and moved
 * up afterwards, so the encoding happens here and is copied out: a caller's
 * buffer of exactly the record's size is enough. */
static __thread uint8_t scratch[WARD_PB_RECORD_MAX + 64];

int ward_pb_encode_event(const struct ward_event *ev, uint8_t *out, size_t cap, size_t *len)
{
	struct ward_pb_event_parts parts;
	ward_pb_event_parts(ev, &parts);
	struct w w = { .p = scratch, .cap = sizeof(scratch) };
	size_t rec = open_msg(&w, ward_Record_event_tag);
	put_u(&w, ward_Event_seq_tag, ev->seq);
	put_f64(&w, ward_Event_time_ns_tag, ev->time_ns);
	put_u(&w, ward_Event_event_type_tag, ev->event_type);
	put_u(&w, ward_Event_access_type_tag, ev->access_type);
	put_u(&w, ward_Event_count_tag, ev->count);
	size_t at = open_msg(&w, ward_Event_process_tag);
	put_process(&w, &ev->process);
	close_msg(&w, at);
	if (parts.file) {
		at = open_msg(&w, ward_Event_file_tag);
		put_file(&w, &ev->file);
		close_msg(&w, at);
	}
	if (parts.target) {
		at = open_msg(&w, ward_Event_target_tag);
		put_target(&w, &ev->target);
		close_msg(&w, at);
	}
	if (parts.connection) {
		at = open_msg(&w, ward_Event_connection_tag);
		put_connection(&w, &ev->conn);
		close_msg(&w, at);
	}
	if (parts.dns) {
		at = open_msg(&w, ward_Event_dns_tag);
		put_dns(&w, &ev->dns);
		close_msg(&w, at);
	}
	if (parts.http) {
		at = open_msg(&w, ward_Event_http_tag);
		put_http(&w, &ev->http);
		close_msg(&w, at);
	}
	if (parts.act) {
		at = open_msg(&w, ward_Event_act_tag);
		put_act(&w, &ev->act);
		close_msg(&w, at);
	}
	if (parts.account) {
		at = open_msg(&w, ward_Event_account_tag);
		put_account(&w, &ev->account);
		close_msg(&w, at);
	}
	close_msg(&w, rec);
	if (w.err)
		return w.err;
	if (w.len > cap)
		return -ENOSPC;
	memcpy(out, scratch, w.len);
	*len = w.len;
	return 0;
}
