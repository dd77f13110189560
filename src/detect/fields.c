/* The field table and its getters: which event carries which value is
 * decided here, mirroring output_json.c, so a rule sees what the JSON shows. */
#include "detect/fields.h"

#include <fcntl.h>
#include <string.h>

#include "net_parse.h"
#include "proc_cache.h"
#include "ward/xdr_types.h"

enum {
	F_ACCESS_TYPE = WARD_FIELD_ACCESS_TYPE,
	F_EVENT_TYPE = WARD_FIELD_EVENT_TYPE,
	F_COUNT,
	F_P_PID, F_P_TID, F_P_PPID, F_P_UID, F_P_EUID, F_P_GID,
	F_P_COMM, F_P_EXE, F_P_CMDLINE, F_P_CWD,
	F_PP_PID, F_PP_EXE, F_PP_COMM, F_PP_CMDLINE,
	F_PA_EXE, F_PA_COMM,
	F_F_PATH, F_F_REQ, F_F_NEW, F_F_REQ_NEW, F_F_FLAGS, F_F_MODE, F_F_DELETED,
	F_F_NAME, F_F_DIR, F_F_EXT, F_F_OPEN_WRITE, F_F_OPEN_READ,
	F_T_PID, F_T_EXE, F_T_CMDLINE, F_T_ARGV, F_T_COMM, F_T_EXIT, F_T_EXE_DELETED,
	F_C_PROTO, F_C_LIP, F_C_LPORT, F_C_RIP, F_C_RPORT, F_C_STATUS,
	F_D_QUERY, F_D_QTYPE, F_D_MALFORMED,
	F_H_METHOD, F_H_URL, F_H_HOST, F_H_PROXY,
	F_M_ADDR, F_M_LEN, F_M_PROT,
	F_A_NAME, F_A_UID, F_A_GID, F_A_FILE, F_A_FROM_UID, F_A_FROM_EUID, F_A_TO_UID,
	F_A_TO_EUID,
	F_SYSCALL, F_PTRACE_REQ, F_NEW_NAME, F_OLD_NAME, F_API_NAME, F_API_LIB,
};

#define S WARD_FT_STR
#define I WARD_FT_INT
#define B WARD_FT_BOOL
static const struct ward_field fields[] = {
	{ "access_type", F_ACCESS_TYPE, WARD_FT_ACCESS, 0, "FILE_OPEN, PROCESS_EXECUTE, ... (docs/events.md)" },
	{ "event_type", F_EVENT_TYPE, WARD_FT_EVENT, 0, "FILE, PROCESS, CONNECTION, DNS, ..." },
	{ "count", F_COUNT, I, 0, "occurrences the event stands for" },
	{ "process.pid", F_P_PID, I, 0, "acting process (thread group id)" },
	{ "process.tid", F_P_TID, I, 0, "acting thread" },
	{ "process.ppid", F_P_PPID, I, 0, "parent's pid" },
	{ "process.uid", F_P_UID, I, 0, "real uid" },
	{ "process.euid", F_P_EUID, I, 0, "effective uid" },
	{ "process.gid", F_P_GID, I, 0, "real gid" },
	{ "process.comm", F_P_COMM, S, 0, "kernel command name (16 bytes at most)" },
	{ "process.exe", F_P_EXE, S, 0, "canonical path of the executable" },
	{ "process.cmdline", F_P_CMDLINE, S, 0, "argv joined by spaces" },
	{ "process.cwd", F_P_CWD, S, 0, "current directory" },
	{ "process.parent.pid", F_PP_PID, I, 0, "the parent's pid (= process.ppid)" },
	{ "process.parent.exe", F_PP_EXE, S, 0, "the parent's executable (lookup)" },
	{ "process.parent.comm", F_PP_COMM, S, 0, "the parent's command name (lookup)" },
	{ "process.parent.cmdline", F_PP_CMDLINE, S, 0, "the parent's command line (lookup)" },
	{ "process.ancestors.exe", F_PA_EXE, S, WARD_FF_MULTI, "executables of the parent, grandparent, ... (8 levels)" },
	{ "process.ancestors.comm", F_PA_COMM, S, WARD_FF_MULTI, "command names of the ancestors (8 levels)" },
	{ "file.path", F_F_PATH, S, 0, "canonical path" },
	{ "file.requested_path", F_F_REQ, S, 0, "the path string the caller passed" },
	{ "file.new_path", F_F_NEW, S, 0, "FILE_MOVE: the new name, canonical" },
	{ "file.requested_new_path", F_F_REQ_NEW, S, 0, "FILE_MOVE: the new name as passed" },
	{ "file.flags", F_F_FLAGS, I, 0, "open flags" },
	{ "file.mode", F_F_MODE, I, 0, "inode mode or mode argument" },
	{ "file.deleted", F_F_DELETED, B, 0, "the file was already unlinked" },
	{ "file.name", F_F_NAME, S, 0, "last component of file.path" },
	{ "file.directory", F_F_DIR, S, 0, "file.path without its last component" },
	{ "file.extension", F_F_EXT, S, 0, "file.name after its last dot (absent if none)" },
	{ "file.open_write", F_F_OPEN_WRITE, B, 0, "flags have O_WRONLY, O_RDWR, O_CREAT or O_TRUNC" },
	{ "file.open_read", F_F_OPEN_READ, B, 0, "the open allows reading: O_RDONLY or O_RDWR" },
	{ "target_process.pid", F_T_PID, I, 0, "the other process" },
	{ "target_process.exe", F_T_EXE, S, 0, "its canonical executable (PROCESS_EXECUTE: the new image)" },
	{ "target_process.cmdline", F_T_CMDLINE, S, 0, "its command line" },
	{ "target_process.argv", F_T_ARGV, S, WARD_FF_MULTI, "PROCESS_EXECUTE: each argument" },
	{ "target_process.comm", F_T_COMM, S, 0, "MODIFIED_PROCESS: its command name" },
	{ "target_process.exit_code", F_T_EXIT, I, 0, "PROCESS_TERMINATE: wait(2) status" },
	{ "target_process.exe_deleted", F_T_EXE_DELETED, B, 0, "the image was an unlinked file or a memfd" },
	{ "connection.protocol", F_C_PROTO, S, 0, "TCP or UDP" },
	{ "connection.local_ip", F_C_LIP, S, 0, "" },
	{ "connection.local_port", F_C_LPORT, I, 0, "" },
	{ "connection.remote_ip", F_C_RIP, S, 0, "" },
	{ "connection.remote_port", F_C_RPORT, I, 0, "" },
	{ "connection.status", F_C_STATUS, S, 0, "ok, failed, in_progress" },
	{ "dns.query", F_D_QUERY, S, 0, "the name asked" },
	{ "dns.qtype", F_D_QTYPE, S, 0, "A, AAAA, ..., TYPEnnn" },
	{ "dns.malformed", F_D_MALFORMED, B, 0, "the message did not parse" },
	{ "http.method", F_H_METHOD, S, 0, "" },
	{ "http.url", F_H_URL, S, 0, "as in the request line" },
	{ "http.host", F_H_HOST, S, 0, "Host header or authority" },
	{ "http.proxy", F_H_PROXY, B, 0, "a web proxy request" },
	{ "memory.address", F_M_ADDR, I, WARD_FF_HEX, "" },
	{ "memory.length", F_M_LEN, I, 0, "" },
	{ "memory.prot", F_M_PROT, S, 0, "\"rwx\" style" },
	{ "account.name", F_A_NAME, S, 0, "the account (ACCOUNT_IMPERSONATE: of the new euid)" },
	{ "account.uid", F_A_UID, I, 0, "uid (ACCOUNT_IMPERSONATE: the new euid)" },
	{ "account.gid", F_A_GID, I, 0, "gid of a group entry" },
	{ "account.file", F_A_FILE, S, 0, "/etc/passwd, ..." },
	{ "account.from_uid", F_A_FROM_UID, I, 0, "ACCOUNT_IMPERSONATE: real uid before" },
	{ "account.from_euid", F_A_FROM_EUID, I, 0, "ACCOUNT_IMPERSONATE: effective uid before" },
	{ "account.to_uid", F_A_TO_UID, I, 0, "ACCOUNT_IMPERSONATE: real uid after" },
	{ "account.to_euid", F_A_TO_EUID, I, 0, "ACCOUNT_IMPERSONATE: effective uid after" },
	{ "syscall", F_SYSCALL, S, 0, "ptrace, process_vm_writev, setuid, mprotect, ..." },
	{ "ptrace_request", F_PTRACE_REQ, S, 0, "PTRACE_POKEDATA, ..." },
	{ "new_name", F_NEW_NAME, S, 0, "process renames" },
	{ "old_name", F_OLD_NAME, S, 0, "process renames" },
	{ "api.name", F_API_NAME, S, 0, "BM events" },
	{ "api.library", F_API_LIB, S, 0, "BM events" },
};
#undef S
#undef I
#undef B

#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

const struct ward_field *ward_field_find(const char *name, size_t len)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (strlen(fields[i].name) == len && !memcmp(fields[i].name, name, len))
			return &fields[i];
	return NULL;
}

const struct ward_field *ward_field_at(size_t i)
{
	return i < NFIELDS ? &fields[i] : NULL;
}

const char *ward_field_type_name(enum ward_field_type t)
{
	switch (t) {
	case WARD_FT_STR: return "string";
	case WARD_FT_INT: return "number";
	case WARD_FT_BOOL: return "bool";
	case WARD_FT_ACCESS: return "access type";
	case WARD_FT_EVENT: return "event type";
	}
	return "?";
}

void ward_field_ctx_init(struct ward_field_ctx *c, const struct ward_event *ev,
			 const struct ward_proc *(*lookup)(void *, uint32_t), void *lookup_ctx)
{
	c->ev = ev;
	c->lookup = lookup;
	c->lookup_ctx = lookup_ctx;
	c->nanc = 0;
	c->anc_end = !lookup;
}

/* Ancestor k (0 = parent), looked up once per event. */
static const struct ward_proc *ancestor(struct ward_field_ctx *c, size_t k)
{
	while (c->nanc <= k && !c->anc_end && c->nanc < WARD_ANCESTORS_MAX) {
		uint32_t child = c->nanc ? c->anc[c->nanc - 1]->tgid : c->ev->process.pid;
		uint32_t ppid = c->nanc ? c->anc[c->nanc - 1]->ppid : c->ev->process.ppid;
		const struct ward_proc *p = ppid && ppid != child ? c->lookup(c->lookup_ctx, ppid) : NULL;
		if (!p) {
			c->anc_end = true;
			break;
		}
		c->anc[c->nanc++] = p;
	}
	return k < c->nanc ? c->anc[k] : NULL;
}

static bool put_str(struct ward_value *v, const char *s, size_t len)
{
	if (!s)
		return false;
	v->s = s;
	v->len = len;
	return true;
}

static bool put_cstr(struct ward_value *v, const char *s)
{
	return put_str(v, s, s ? strlen(s) : 0);
}

static bool put_ref(struct ward_value *v, struct ward_str_ref r)
{
	return put_str(v, r.s, r.len);
}

static bool put_int(struct ward_value *v, int64_t n)
{
	v->n = n;
	return true;
}

static bool put_bool(struct ward_value *v, bool b)
{
	v->b = b;
	return true;
}

static bool is_file(const struct ward_event *ev)
{
	return ev->event_type == XDR_EVENT_FILE;
}

/* Events whose "target_process" is a PROCESS event's image. */
static bool has_image(const struct ward_event *ev)
{
	return ev->event_type == XDR_EVENT_PROCESS && ev->access_type != XDR_PROCESS_LOAD_IMAGE &&
	       ev->access_type != XDR_PROCESS_TRACME;
}

/* Events whose "target_process" is another process acted on. */
static bool has_other(const struct ward_event *ev)
{
	return ev->event_type == XDR_EVENT_MODIFIED_PROCESS || ev->access_type == XDR_PROCESS_TRACME;
}

static bool has_conn(const struct ward_event *ev)
{
	return ev->event_type == XDR_EVENT_CONNECTION || ev->event_type == XDR_EVENT_DNS ||
	       ev->event_type == XDR_EVENT_INTERNET;
}

static bool has_memory(const struct ward_event *ev)
{
	return ev->event_type == XDR_EVENT_MEMORY || ev->access_type == XDR_PROCESS_LOAD_IMAGE ||
	       (ev->event_type == XDR_EVENT_MODIFIED_PROCESS && ev->act.has_memory);
}

static bool has_act(const struct ward_event *ev)
{
	return ev->event_type == XDR_EVENT_MODIFIED_PROCESS || ev->event_type == XDR_EVENT_MEMORY ||
	       ev->access_type == XDR_ACCOUNT_IMPERSONATE || ev->access_type == XDR_PROCESS_TRACME;
}

static bool impersonate(const struct ward_event *ev)
{
	return ev->access_type == XDR_ACCOUNT_IMPERSONATE;
}

static bool account_entry(const struct ward_event *ev)
{
	return ev->event_type == XDR_EVENT_ACCOUNT && !impersonate(ev);
}

/* file.path split at its last slash: the name and the directory. */
static bool path_name(const struct ward_event *ev, struct ward_value *v, bool dir)
{
	struct ward_str_ref p = ev->file.path;
	if (!(is_file(ev) || ev->access_type == XDR_PROCESS_LOAD_IMAGE) || !p.s)
		return false;
	const char *slash = memrchr(p.s, '/', p.len);
	if (!slash)
		return dir ? false : put_str(v, p.s, p.len);
	if (dir)
		return put_str(v, p.s, slash == p.s ? 1 : (size_t)(slash - p.s));
	return put_str(v, slash + 1, p.len - (size_t)(slash + 1 - p.s));
}

static bool extension(const struct ward_event *ev, struct ward_value *v)
{
	struct ward_value name;
	if (!path_name(ev, &name, false))
		return false;
	const char *dot = memrchr(name.s, '.', name.len);
	if (!dot || dot == name.s) /* ".bashrc" has no extension */
		return false;
	return put_str(v, dot + 1, name.len - (size_t)(dot + 1 - name.s));
}

/* argv: NUL-separated; value k is the k-th argument. */
static bool argv_at(const struct ward_event *ev, size_t k, struct ward_value *v)
{
	const char *p = ev->target.argv, *end = p + ev->target.argv_len;
	if (!p || ev->access_type != XDR_PROCESS_EXECUTE)
		return false;
	while (p < end) {
		size_t n = strnlen(p, (size_t)(end - p));
		if (k-- == 0)
			return put_str(v, p, n);
		p += n + 1;
	}
	return false;
}

static bool conn_status(const struct ward_event *ev, struct ward_value *v)
{
	if (ev->conn.in_progress)
		return put_cstr(v, "in_progress");
	return put_cstr(v, ev->conn.result < 0 ? "failed" : "ok");
}

static bool qtype(struct ward_field_ctx *c, struct ward_value *v)
{
	const struct ward_dns_info *d = &c->ev->dns;
	if (!d->query)
		return false;
	const char *t = ward_dns_type_name(d->qtype);
	if (t)
		return put_cstr(v, t);
	/* RFC 3597 spelling, as output_json.c writes it */
	char *p = c->tmp + sizeof(c->tmp);
	*--p = 0;
	unsigned int q = d->qtype;
	do {
		*--p = (char)('0' + q % 10);
		q /= 10;
	} while (q);
	p -= 4;
	memcpy(p, "TYPE", 4);
	return put_cstr(v, p);
}

static bool prot(struct ward_field_ctx *c, struct ward_value *v)
{
	const struct ward_act_info *x = &c->ev->act;
	if (!has_memory(c->ev) || !x->has_prot)
		return false;
	c->tmp[0] = x->prot & 1 ? 'r' : '-';
	c->tmp[1] = x->prot & 2 ? 'w' : '-';
	c->tmp[2] = x->prot & 4 ? 'x' : '-';
	c->tmp[3] = 0;
	return put_str(v, c->tmp, 3);
}

bool ward_field_get(struct ward_field_ctx *c, int id, size_t k, struct ward_value *v)
{
	const struct ward_event *ev = c->ev;
	const struct ward_proc *p;

	switch (id) {
	case F_ACCESS_TYPE: return put_int(v, ev->access_type);
	case F_EVENT_TYPE: return put_int(v, ev->event_type);
	case F_COUNT: return put_int(v, (int64_t)ev->count);
	case F_P_PID: return put_int(v, ev->process.pid);
	case F_P_TID: return put_int(v, ev->process.tid);
	case F_P_PPID: return put_int(v, ev->process.ppid);
	case F_P_UID: return put_int(v, ev->process.uid);
	case F_P_EUID: return put_int(v, ev->process.euid);
	case F_P_GID: return put_int(v, ev->process.gid);
	case F_P_COMM: return put_cstr(v, ev->process.comm);
	case F_P_EXE: return put_ref(v, ev->process.exe);
	case F_P_CMDLINE: return put_ref(v, ev->process.cmdline);
	case F_P_CWD: return put_ref(v, ev->process.cwd);
	case F_PP_PID: return ev->process.ppid && put_int(v, ev->process.ppid);
	case F_PP_EXE:
		p = ancestor(c, 0);
		return p && put_str(v, p->exe, p->exe_len);
	case F_PP_COMM:
		p = ancestor(c, 0);
		return p && put_str(v, p->comm, strnlen(p->comm, sizeof(p->comm)));
	case F_PP_CMDLINE:
		p = ancestor(c, 0);
		return p && put_str(v, p->cmdline, p->cmdline_len);
	case F_PA_EXE:
		/* an ancestor without a known exe (a kernel thread) is skipped over
		 * as "", so later ones are still seen */
		p = ancestor(c, k);
		return p && (put_str(v, p->exe, p->exe_len) || put_str(v, "", 0));
	case F_PA_COMM:
		p = ancestor(c, k);
		return p && put_str(v, p->comm, strnlen(p->comm, sizeof(p->comm)));
	case F_F_PATH:
		return (is_file(ev) || ev->access_type == XDR_PROCESS_LOAD_IMAGE) &&
		       put_ref(v, ev->file.path);
	case F_F_REQ: return is_file(ev) && put_ref(v, ev->file.requested_path);
	case F_F_NEW: return ev->access_type == XDR_FILE_MOVE && put_ref(v, ev->file.new_path);
	case F_F_REQ_NEW:
		return ev->access_type == XDR_FILE_MOVE && put_ref(v, ev->file.requested_new_path);
	case F_F_FLAGS: return is_file(ev) && put_int(v, ev->file.flags);
	case F_F_MODE: return is_file(ev) && put_int(v, ev->file.mode);
	case F_F_DELETED:
		return (is_file(ev) || ev->access_type == XDR_PROCESS_LOAD_IMAGE) &&
		       put_bool(v, ev->file.deleted);
	case F_F_NAME: return path_name(ev, v, false);
	case F_F_DIR: return path_name(ev, v, true);
	case F_F_EXT: return extension(ev, v);
	case F_F_OPEN_WRITE:
		return is_file(ev) &&
		       put_bool(v, ev->file.flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC));
	case F_F_OPEN_READ:
		/* not open_write negated: O_RDWR both reads and writes */
		return is_file(ev) && put_bool(v, (ev->file.flags & O_ACCMODE) != O_WRONLY);
	case F_T_PID: return (has_image(ev) || has_other(ev)) && put_int(v, ev->target.pid);
	case F_T_EXE: return (has_image(ev) || has_other(ev)) && put_ref(v, ev->target.exe);
	case F_T_CMDLINE:
		return (has_image(ev) || has_other(ev)) && put_ref(v, ev->target.cmdline);
	case F_T_ARGV: return argv_at(ev, k, v);
	case F_T_COMM: return has_other(ev) && put_cstr(v, ev->target.comm);
	case F_T_EXIT: return has_image(ev) && ev->target.has_exit_code && put_int(v, ev->target.exit_code);
	case F_T_EXE_DELETED: return has_image(ev) && put_bool(v, ev->target.exe_deleted);
	case F_C_PROTO:
		return has_conn(ev) &&
		       put_cstr(v, ev->conn.protocol == XDR_CONNECTION_TCP ? "TCP" : "UDP");
	case F_C_LIP: return has_conn(ev) && put_cstr(v, ev->conn.local_ip);
	case F_C_LPORT: return has_conn(ev) && put_int(v, ev->conn.local_port);
	case F_C_RIP: return has_conn(ev) && put_cstr(v, ev->conn.remote_ip);
	case F_C_RPORT: return has_conn(ev) && put_int(v, ev->conn.remote_port);
	case F_C_STATUS: return has_conn(ev) && conn_status(ev, v);
	case F_D_QUERY: return ev->event_type == XDR_EVENT_DNS && put_cstr(v, ev->dns.query);
	case F_D_QTYPE: return ev->event_type == XDR_EVENT_DNS && qtype(c, v);
	case F_D_MALFORMED: return ev->event_type == XDR_EVENT_DNS && put_bool(v, ev->dns.malformed);
	case F_H_METHOD: return ev->event_type == XDR_EVENT_INTERNET && put_cstr(v, ev->http.method);
	case F_H_URL: return ev->event_type == XDR_EVENT_INTERNET && put_cstr(v, ev->http.url);
	case F_H_HOST: return ev->event_type == XDR_EVENT_INTERNET && put_cstr(v, ev->http.host);
	case F_H_PROXY: return ev->event_type == XDR_EVENT_INTERNET && put_bool(v, ev->http.proxy);
	case F_M_ADDR: return has_memory(ev) && put_int(v, (int64_t)ev->act.address);
	case F_M_LEN: return has_memory(ev) && put_int(v, (int64_t)ev->act.length);
	case F_M_PROT: return prot(c, v);
	case F_A_NAME:
		if (impersonate(ev))
			return put_cstr(v, ev->act.to_user);
		return account_entry(ev) && put_cstr(v, ev->account.name);
	case F_A_UID:
		if (impersonate(ev))
			return put_int(v, ev->act.to_euid);
		return account_entry(ev) && ev->account.has_id && !ev->account.group &&
		       put_int(v, ev->account.id);
	case F_A_GID:
		return account_entry(ev) && ev->account.has_id && ev->account.group &&
		       put_int(v, ev->account.id);
	case F_A_FILE: return account_entry(ev) && put_cstr(v, ev->account.file);
	case F_A_FROM_UID: return impersonate(ev) && put_int(v, ev->act.from_uid);
	case F_A_FROM_EUID: return impersonate(ev) && put_int(v, ev->act.from_euid);
	case F_A_TO_UID: return impersonate(ev) && put_int(v, ev->act.to_uid);
	case F_A_TO_EUID: return impersonate(ev) && put_int(v, ev->act.to_euid);
	case F_SYSCALL: return has_act(ev) && put_cstr(v, ev->act.syscall);
	case F_PTRACE_REQ:
		return ev->event_type == XDR_EVENT_MODIFIED_PROCESS && put_cstr(v, ev->act.ptrace_request);
	case F_NEW_NAME:
		return ev->event_type == XDR_EVENT_MODIFIED_PROCESS && put_cstr(v, ev->act.new_name);
	case F_OLD_NAME:
		return ev->event_type == XDR_EVENT_MODIFIED_PROCESS && put_cstr(v, ev->act.old_name);
	case F_API_NAME: return ev->event_type == XDR_EVENT_BM && put_cstr(v, ev->act.api_name);
	case F_API_LIB: return ev->event_type == XDR_EVENT_BM && put_cstr(v, ev->act.api_library);
	}
	return false;
}
