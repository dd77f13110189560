/*
 * Encoding ward's records as protobuf Records (nanopb, static fields).
 *
 * nanopb encodes from a struct whose strings are fixed arrays, so every
 * encode copies the borrowed strings into a Record kept per thread (50 KiB,
 * never allocated per call). Only the bytes in use are copied and the struct
 * is not cleared: every fill function assigns every field of its message, so
 * nothing of the previous record can leak into the next one.
 */
#include "pb/codec.h"
#include "pb/encode_int.h"

#include <errno.h>
#include <string.h>

#include <pb_encode.h>

#include "ward.pb.h"
#include "ward/xdr_types.h"

#define TRY(x)                         \
	do {                           \
		int r_ = (x);          \
		if (r_)                \
			return r_;     \
	} while (0)

static __thread ward_Record scratch;

/* Copy s[0..len) into a bytes field; NULL s means absent. One byte of the
 * array stays free so the decoder can NUL-terminate. */
static int set_bytes(bool *has, pb_size_t *size, pb_byte_t *dst, size_t cap, const char *s,
		     size_t len)
{
	*size = 0;
	*has = s != NULL;
	if (!s)
		return 0;
	if (len >= cap)
		return -EOVERFLOW;
	memcpy(dst, s, len);
	*size = (pb_size_t)len;
	return 0;
}

static int set_cbytes(bool *has, pb_size_t *size, pb_byte_t *dst, size_t cap, const char *s)
{
	return set_bytes(has, size, dst, cap, s, s ? strnlen(s, cap) : 0);
}

/* A nanopb string field: NUL-terminated char array. */
static int set_str(char *dst, size_t cap, const char *s)
{
	size_t n = s ? strnlen(s, cap) : 0;
	if (n >= cap)
		return -EOVERFLOW;
	memcpy(dst, s ? s : "", n);
	dst[n] = '\0';
	return 0;
}

static int set_opt_str(bool *has, char *dst, size_t cap, const char *s)
{
	*has = s != NULL;
	return set_str(dst, cap, s);
}

#define REF(m, f, r) set_bytes(&(m)->has_##f, &(m)->f.size, (m)->f.bytes, sizeof((m)->f.bytes), \
			       (r).s, (r).len)
#define CBYTES(m, f, s) set_cbytes(&(m)->has_##f, &(m)->f.size, (m)->f.bytes, \
				   sizeof((m)->f.bytes), (s))
#define STR(m, f, s) set_str((m)->f, sizeof((m)->f), (s))
#define OPT_STR(m, f, s) set_opt_str(&(m)->has_##f, (m)->f, sizeof((m)->f), (s))

static int fill_process(ward_Process *m, const struct ward_process_info *p)
{
	m->pid = p->pid;
	m->tid = p->tid;
	m->ppid = p->ppid;
	m->uid = p->uid;
	m->euid = p->euid;
	m->gid = p->gid;
	m->start_time_ns = p->start_time_ns;
	m->hash_id = p->hash_id;
	TRY(CBYTES(m, comm, p->comm));
	TRY(CBYTES(m, comm_before, p->comm_before));
	TRY(REF(m, exe, p->exe));
	TRY(REF(m, cmdline, p->cmdline));
	return REF(m, cwd, p->cwd);
}

static int fill_file(ward_File *m, const struct ward_file_info *f)
{
	m->flags = f->flags;
	m->mode = f->mode;
	m->inode = f->inode;
	m->dev = f->dev;
	m->path_truncated = f->path_truncated;
	m->new_path_truncated = f->new_path_truncated;
	m->deleted = f->deleted;
	m->resolved = f->resolved;
	m->at_exit = f->at_exit;
	m->syscall_nr = f->syscall_nr;
	TRY(REF(m, path, f->path));
	TRY(REF(m, requested_path, f->requested_path));
	TRY(REF(m, new_path, f->new_path));
	return REF(m, requested_new_path, f->requested_new_path);
}

static int fill_target(ward_TargetProcess *m, const struct ward_target_process *t)
{
	m->pid = t->pid;
	m->argv_truncated = t->argv_truncated;
	m->exe_truncated = t->exe_truncated;
	m->exe_deleted = t->exe_deleted;
	m->has_exit_code = t->has_exit_code;
	m->exit_code = t->has_exit_code ? t->exit_code : 0;
	m->hash_id = t->hash_id;
	TRY(REF(m, exe, t->exe));
	TRY(REF(m, cmdline, t->cmdline));
	TRY(set_bytes(&m->has_argv, &m->argv.size, m->argv.bytes, sizeof(m->argv.bytes), t->argv,
		      t->argv_len));
	return CBYTES(m, comm, t->comm);
}

static int fill_connection(ward_Connection *m, const struct ward_conn_info *c)
{
	m->protocol = c->protocol;
	m->family = c->family;
	m->local_port = c->local_port;
	m->remote_port = c->remote_port;
	m->result = c->result;
	m->in_progress = c->in_progress;
	m->fd = c->fd;
	m->sock_id = c->sock_id;
	TRY(STR(m, local_ip, c->local_ip));
	return STR(m, remote_ip, c->remote_ip);
}

static int fill_dns(ward_Dns *m, const struct ward_dns_info *d)
{
	m->qtype = d->qtype;
	m->id = d->id;
	m->tcp = d->tcp;
	m->malformed = d->malformed;
	return CBYTES(m, query, d->query);
}

static int fill_http(ward_Http *m, const struct ward_http_info *h)
{
	m->proxy = h->proxy;
	m->url_truncated = h->url_truncated;
	m->host_truncated = h->host_truncated;
	m->headers_truncated = h->headers_truncated;
	TRY(CBYTES(m, method, h->method));
	TRY(CBYTES(m, url, h->url));
	return CBYTES(m, host, h->host);
}

static int fill_act(ward_Activity *m, const struct ward_act_info *x)
{
	m->has_memory = x->has_memory;
	m->address = x->address;
	m->length = x->length;
	m->prot = x->prot;
	m->has_prot = x->has_prot;
	m->from_uid = x->from_uid;
	m->from_euid = x->from_euid;
	m->from_gid = x->from_gid;
	m->to_uid = x->to_uid;
	m->to_euid = x->to_euid;
	m->to_gid = x->to_gid;
	m->to_suid = x->to_suid;
	m->to_fsuid = x->to_fsuid;
	m->to_egid = x->to_egid;
	TRY(OPT_STR(m, syscall, x->syscall));
	TRY(OPT_STR(m, ptrace_request, x->ptrace_request));
	TRY(CBYTES(m, old_name, x->old_name));
	TRY(CBYTES(m, new_name, x->new_name));
	TRY(CBYTES(m, to_user, x->to_user));
	TRY(OPT_STR(m, api_name, x->api_name));
	return CBYTES(m, api_library, x->api_library);
}

static int fill_account(ward_Account *m, const struct ward_account_info *a)
{
	m->id = a->id;
	m->group = a->group;
	m->has_id = a->has_id;
	TRY(CBYTES(m, name, a->name));
	return CBYTES(m, file, a->file);
}

/* Only the sub-messages the event's family uses are sent: what
 * ward_json_event() and ward_table_event() read. */
void ward_pb_event_parts(const struct ward_event *ev, struct ward_pb_event_parts *p)
{
	unsigned int et = ev->event_type, at = ev->access_type;
	bool load = at == XDR_PROCESS_LOAD_IMAGE;

	p->file = et == XDR_EVENT_FILE || load;
	p->target = et == XDR_EVENT_PROCESS || et == XDR_EVENT_MODIFIED_PROCESS;
	p->connection = et == XDR_EVENT_CONNECTION || et == XDR_EVENT_DNS ||
			et == XDR_EVENT_INTERNET;
	p->dns = et == XDR_EVENT_DNS;
	p->http = et == XDR_EVENT_INTERNET;
	p->act = et == XDR_EVENT_MODIFIED_PROCESS || et == XDR_EVENT_MEMORY ||
		 et == XDR_EVENT_BM || et == XDR_EVENT_ACCOUNT || load || at == XDR_PROCESS_TRACME;
	p->account = et == XDR_EVENT_ACCOUNT;
}

static int fill_event(ward_Event *m, const struct ward_event *ev)
{
	struct ward_pb_event_parts parts;
	ward_pb_event_parts(ev, &parts);
	m->seq = ev->seq;
	m->time_ns = ev->time_ns;
	m->event_type = ev->event_type;
	m->access_type = ev->access_type;
	m->count = ev->count;
	m->has_process = true;
	m->has_file = parts.file;
	m->has_target = parts.target;
	m->has_connection = parts.connection;
	m->has_dns = parts.dns;
	m->has_http = parts.http;
	m->has_act = parts.act;
	m->has_account = parts.account;
	TRY(fill_process(&m->process, &ev->process));
	if (m->has_file)
		TRY(fill_file(&m->file, &ev->file));
	if (m->has_target)
		TRY(fill_target(&m->target, &ev->target));
	if (m->has_connection)
		TRY(fill_connection(&m->connection, &ev->conn));
	if (m->has_dns)
		TRY(fill_dns(&m->dns, &ev->dns));
	if (m->has_http)
		TRY(fill_http(&m->http, &ev->http));
	if (m->has_act)
		TRY(fill_act(&m->act, &ev->act));
	if (m->has_account)
		TRY(fill_account(&m->account, &ev->account));
	return 0;
}

/* NULL entries cannot be told from "" on the wire: refused, like overlong ones. */
static int check_list(const char *const *v, size_t n, size_t max_n, size_t cap)
{
	if (n > max_n)
		return -EOVERFLOW;
	for (size_t i = 0; i < n; i++) {
		if (!v[i])
			return -EINVAL;
		if (strnlen(v[i], cap) >= cap)
			return -EOVERFLOW;
	}
	return 0;
}

static bool encode_files(pb_ostream_t *s, const pb_field_t *f, void *const *arg)
{
	const struct ward_alert *a = *arg;
	for (size_t i = 0; i < a->nfiles; i++)
		if (!pb_encode_tag_for_field(s, f) ||
		    !pb_encode_string(s, (const pb_byte_t *)a->files[i], strlen(a->files[i])))
			return false;
	return true;
}

static int fill_alert(ward_Alert *m, const struct ward_alert *a)
{
	m->time_ns = a->time_ns;
	m->source = (ward_AlertSource)a->source;
	m->severity = (ward_Severity)a->severity;
	m->files_total = a->files_total;
	m->response = (ward_ResponseAction)a->response;
	m->response_pid = a->response_pid;
	m->response_count = a->response_count;
	m->response_error = a->response_error;
	TRY(CBYTES(m, rule, a->rule));
	TRY(CBYTES(m, output, a->output));
	TRY(CBYTES(m, level, a->level));
	TRY(check_list(a->tags, a->ntags, pb_arraysize(ward_Alert, tags), sizeof(m->tags[0].bytes)));
	m->tags_count = (pb_size_t)a->ntags;
	for (size_t i = 0; i < a->ntags; i++) {
		size_t n = strlen(a->tags[i]);
		memcpy(m->tags[i].bytes, a->tags[i], n);
		m->tags[i].size = (pb_size_t)n;
	}
	TRY(check_list(a->files, a->nfiles, WARD_ALERT_MAX_FILES, WARD_PATH_MAX + 1));
	m->files.funcs.encode = a->nfiles ? encode_files : NULL;
	m->files.arg = (void *)a;
	m->has_event = a->event != NULL;
	return a->event ? fill_event(&m->event, a->event) : 0;
}

/* The fields of Stats no record kind leaves to chance. */
static void clear_stats(ward_Stats *m)
{
	m->time_ns = 0;
	m->interval_s = 0;
	m->counts_count = 0;
	m->dropped = m->sent = m->deduplicated = m->filtered = 0;
	m->malformed = m->seq_lost = m->path_failures = m->state_misses = 0;
	m->dropped_by_cpu_count = 0;
	m->final = false;
	m->startup = false;
	m->kernel[0] = '\0';
	m->lockdown[0] = '\0';
	m->has_path_walk = false;
	m->path_walk[0] = '\0';
	m->hook_paths = 0;
	m->has_path_route = false;
	m->path_route[0] = '\0';
	m->path_route_reason[0] = '\0';
	m->hooks.funcs.encode = NULL;
	m->hooks.arg = NULL;
	m->has_daemon = false;
}

static int fill_daemon(ward_DaemonStats *m, const struct ward_daemon_stats *d)
{
	m->uptime_s = d->uptime_s;
	m->cpu_user_s = d->cpu_user_s;
	m->cpu_system_s = d->cpu_system_s;
	m->rss_bytes = d->rss_bytes;
	m->log_written = d->log_written;
	m->log_dropped = d->log_dropped;
	m->clients = d->clients;
	if (d->nsinks > pb_arraysize(ward_DaemonStats, sinks))
		return -EOVERFLOW;
	m->sinks_count = (pb_size_t)d->nsinks;
	for (size_t i = 0; i < d->nsinks; i++) {
		ward_SinkStats *s = &m->sinks[i];
		s->written = d->sinks[i].written;
		s->dropped = d->sinks[i].dropped;
		TRY(CBYTES(s, name, d->sinks[i].name));
	}
	return 0;
}

static int fill_stats(ward_Stats *m, const struct ward_stats_record *r)
{
	clear_stats(m);
	m->time_ns = r->time_ns;
	m->interval_s = r->interval_s;
	for (unsigned int i = 0; r->stats && i < WARD_STATS_SLOTS; i++) {
		if (!r->stats->by_access[i])
			continue;
		ward_AccessCount *c = &m->counts[m->counts_count++];
		c->access_type = ward_stats_access_at(i);
		c->count = r->stats->by_access[i];
	}
	m->dropped = r->dropped;
	m->sent = r->sent;
	m->deduplicated = r->deduplicated;
	m->filtered = r->filtered;
	m->malformed = r->malformed;
	m->seq_lost = r->seq_lost;
	m->path_failures = r->path_failures;
	m->state_misses = r->state_misses;
	m->hook_paths = r->hook_paths;
	if (r->ncpus > pb_arraysize(ward_Stats, dropped_by_cpu))
		return -EOVERFLOW;
	m->dropped_by_cpu_count = (pb_size_t)r->ncpus;
	if (r->ncpus)
		memcpy(m->dropped_by_cpu, r->dropped_by_cpu, r->ncpus * sizeof(uint64_t));
	m->final = r->final;
	m->has_daemon = r->daemon != NULL;
	return r->daemon ? fill_daemon(&m->daemon, r->daemon) : 0;
}

struct hooks_arg {
	const struct ward_hook_report *hooks;
	size_t n;
};

static int fill_hook(ward_Hook *m, const struct ward_hook_report *h)
{
	m->status = (ward_HookStatus)h->status;
	m->root = h->root;
	TRY(set_str(m->name, sizeof(m->name), h->name));
	TRY(set_str(m->program, sizeof(m->program), h->prog));
	TRY(OPT_STR(m, kind, h->kind));
	TRY(OPT_STR(m, covers, h->covers));
	return set_str(m->reason, sizeof(m->reason), h->reason);
}

static bool encode_hooks(pb_ostream_t *s, const pb_field_t *f, void *const *arg)
{
	const struct hooks_arg *ha = *arg;
	ward_Hook h;
	for (size_t i = 0; i < ha->n; i++)
		if (fill_hook(&h, &ha->hooks[i]) || !pb_encode_tag_for_field(s, f) ||
		    !pb_encode_submessage(s, ward_Hook_fields, &h))
			return false;
	return true;
}

static int fill_footprint(ward_Footprint *m, const struct ward_footprint *fp)
{
	m->kind = (ward_FootprintKind)fp->kind;
	m->hash_id = fp->hash_id;
	m->first_seen_ns = fp->first_seen_ns;
	m->last_seen_ns = fp->last_seen_ns;
	m->count = fp->count;
	m->access_mask = fp->access_mask;
	m->has_stat = fp->has_stat;
	m->size = fp->size;
	m->btime_ns = fp->btime_ns;
	m->mtime_ns = fp->mtime_ns;
	m->mode = fp->mode;
	m->uid = fp->uid;
	m->gid = fp->gid;
	m->pid = fp->pid;
	m->ppid = fp->ppid;
	m->proc_uid = fp->proc_uid;
	m->start_time_ns = fp->start_time_ns;
	m->protocol = fp->protocol;
	m->remote_port = fp->remote_port;
	m->outbound = fp->outbound;
	m->inbound = fp->inbound;
	TRY(CBYTES(m, name, fp->name));
	TRY(CBYTES(m, owner, fp->owner));
	TRY(CBYTES(m, group, fp->group));
	TRY(OPT_STR(m, sha256, fp->sha256));
	TRY(CBYTES(m, cmdline, fp->cmdline));
	return OPT_STR(m, remote_ip, fp->remote_ip);
}

static int fill_loss(ward_Loss *m, const struct ward_loss *l)
{
	m->time_ns = l->time_ns;
	m->count = l->count;
	m->first_time_ns = l->first_time_ns;
	m->last_time_ns = l->last_time_ns;
	m->reason = (ward_LossReason)l->reason;
	return CBYTES(m, sink, l->sink);
}

static int encode_record(pb_size_t which, uint8_t *out, size_t cap, size_t *len)
{
	pb_ostream_t s = pb_ostream_from_buffer(out, cap);

	scratch.which_kind = which;
	scratch.cb_kind.funcs.decode = NULL;
	scratch.cb_kind.arg = NULL;
	if (!pb_encode(&s, ward_Record_fields, &scratch))
		return strcmp(PB_GET_ERROR(&s), "stream full") ? -EINVAL : -ENOSPC;
	*len = s.bytes_written;
	return 0;
}

int ward_pb_encode_event_nanopb(const struct ward_event *ev, uint8_t *out, size_t cap,
				size_t *len)
{
	TRY(fill_event(&scratch.kind.event, ev));
	return encode_record(ward_Record_event_tag, out, cap, len);
}

int ward_pb_encode_alert(const struct ward_alert *a, uint8_t *out, size_t cap, size_t *len)
{
	TRY(fill_alert(&scratch.kind.alert, a));
	return encode_record(ward_Record_alert_tag, out, cap, len);
}

int ward_pb_encode_stats(const struct ward_stats_record *r, uint8_t *out, size_t cap, size_t *len)
{
	TRY(fill_stats(&scratch.kind.stats, r));
	return encode_record(ward_Record_stats_tag, out, cap, len);
}

int ward_pb_encode_hooks(uint64_t time_ns, const struct ward_kernel_info *k,
			 const struct ward_hook_report *hooks, size_t n, uint8_t *out, size_t cap,
			 size_t *len)
{
	ward_Stats *m = &scratch.kind.stats;
	struct hooks_arg ha = { hooks, n };
	ward_Hook h;

	/* the callback cannot say why it failed: check every hook first */
	if (n > WARD_PB_MAX_HOOKS)
		return -EOVERFLOW;
	for (size_t i = 0; i < n; i++)
		TRY(fill_hook(&h, &hooks[i]));
	clear_stats(m);
	m->time_ns = time_ns;
	m->startup = true;
	TRY(set_str(m->kernel, sizeof(m->kernel), k->release));
	TRY(set_str(m->lockdown, sizeof(m->lockdown), k->lockdown));
	TRY(OPT_STR(m, path_walk, k->path_walk));
	TRY(OPT_STR(m, path_route, k->path_route));
	TRY(set_str(m->path_route_reason, sizeof(m->path_route_reason), k->path_route_reason));
	m->hooks.funcs.encode = n ? encode_hooks : NULL;
	m->hooks.arg = &ha;
	return encode_record(ward_Record_stats_tag, out, cap, len);
}

int ward_pb_encode_footprint(const struct ward_footprint *fp, uint8_t *out, size_t cap,
			     size_t *len)
{
	TRY(fill_footprint(&scratch.kind.footprint, fp));
	return encode_record(ward_Record_footprint_tag, out, cap, len);
}

int ward_pb_encode_loss(const struct ward_loss *l, uint8_t *out, size_t cap, size_t *len)
{
	TRY(fill_loss(&scratch.kind.loss, l));
	return encode_record(ward_Record_loss_tag, out, cap, len);
}
