/*
 * Decoding a protobuf Record back into ward's structs, so the existing
 * formatters print it. Everything decoded lives in the decoder's storage: the
 * nanopb Record (static fields, bounded by proto/ward.options) plus the lists
 * too big for it (alert files, hooks), filled by callbacks. Anything over a
 * bound, truncated or otherwise malformed is -EBADMSG.
 */
#include "pb/codec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <pb_decode.h>

#include "ward.pb.h"
#include "ward/abi.h"

struct ward_pb_store {
	ward_Record rec;
	struct ward_stats counts;
	char files[WARD_ALERT_MAX_FILES][WARD_PATH_MAX + 1];
	size_t nfiles;
	struct ward_hook_report hooks[WARD_PB_MAX_HOOKS];
	char hook_kind[WARD_PB_MAX_HOOKS][16];
	char hook_covers[WARD_PB_MAX_HOOKS][256];
	size_t nhooks;
	struct ward_sink_stats sinks[WARD_DAEMON_MAX_SINKS];
	bool bad; /* a bytes field filled its array: no room for the NUL */
};

struct ward_pb_decoded *ward_pb_decoded_new(void)
{
	struct whole {
		struct ward_pb_decoded d;
		struct ward_pb_store s;
	} *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->d.store = &w->s;
	return &w->d;
}

void ward_pb_decoded_free(struct ward_pb_decoded *d)
{
	free(d); /* the store is part of the same allocation */
}

/* A decoded bytes field as a NUL-terminated string; NULL when absent. */
static const char *cstr(struct ward_pb_store *st, bool has, pb_size_t size, pb_byte_t *bytes,
			size_t cap, size_t *len)
{
	if (len)
		*len = 0;
	if (!has)
		return NULL;
	if (size >= cap) {
		st->bad = true;
		return NULL;
	}
	bytes[size] = '\0';
	if (len)
		*len = size;
	return (const char *)bytes;
}

#define BYTES(st, m, f) cstr((st), (m)->has_##f, (m)->f.size, (m)->f.bytes, \
			     sizeof((m)->f.bytes), NULL)
#define REF(st, m, f, r) ((r).s = cstr((st), (m)->has_##f, (m)->f.size, (m)->f.bytes, \
				       sizeof((m)->f.bytes), &(r).len))
#define OPT_STR(m, f) ((m)->has_##f ? (const char *)(m)->f : NULL)

static void get_process(struct ward_pb_store *st, struct ward_process_info *p, ward_Process *m)
{
	p->pid = m->pid;
	p->tid = m->tid;
	p->ppid = m->ppid;
	p->uid = m->uid;
	p->euid = m->euid;
	p->gid = m->gid;
	p->comm = BYTES(st, m, comm);
	p->comm_before = BYTES(st, m, comm_before);
	REF(st, m, exe, p->exe);
	REF(st, m, cmdline, p->cmdline);
	REF(st, m, cwd, p->cwd);
	p->start_time_ns = m->start_time_ns;
	p->hash_id = m->hash_id;
}

static void get_file(struct ward_pb_store *st, struct ward_file_info *f, ward_File *m)
{
	REF(st, m, path, f->path);
	REF(st, m, requested_path, f->requested_path);
	REF(st, m, new_path, f->new_path);
	REF(st, m, requested_new_path, f->requested_new_path);
	f->flags = m->flags;
	f->mode = m->mode;
	f->inode = m->inode;
	f->dev = m->dev;
	f->path_truncated = m->path_truncated;
	f->new_path_truncated = m->new_path_truncated;
	f->deleted = m->deleted;
	f->resolved = m->resolved;
	f->at_exit = m->at_exit;
	f->syscall_nr = m->syscall_nr;
}

static void get_target(struct ward_pb_store *st, struct ward_target_process *t,
		       ward_TargetProcess *m)
{
	t->pid = m->pid;
	REF(st, m, exe, t->exe);
	REF(st, m, cmdline, t->cmdline);
	t->argv = cstr(st, m->has_argv, m->argv.size, m->argv.bytes, sizeof(m->argv.bytes),
		       &t->argv_len);
	t->argv_truncated = m->argv_truncated;
	t->exe_truncated = m->exe_truncated;
	t->exe_deleted = m->exe_deleted;
	t->comm = BYTES(st, m, comm);
	t->has_exit_code = m->has_exit_code;
	t->exit_code = m->exit_code;
	t->hash_id = m->hash_id;
}

static void get_connection(struct ward_conn_info *c, const ward_Connection *m)
{
	_Static_assert(sizeof(c->local_ip) >= sizeof(m->local_ip), "local_ip bound");
	_Static_assert(sizeof(c->remote_ip) >= sizeof(m->remote_ip), "remote_ip bound");
	c->protocol = (uint8_t)m->protocol;
	c->family = (uint8_t)m->family;
	memcpy(c->local_ip, m->local_ip, sizeof(m->local_ip));
	memcpy(c->remote_ip, m->remote_ip, sizeof(m->remote_ip));
	c->local_port = (uint16_t)m->local_port;
	c->remote_port = (uint16_t)m->remote_port;
	c->result = m->result;
	c->in_progress = m->in_progress;
	c->fd = m->fd;
	c->sock_id = m->sock_id;
}

static void get_act(struct ward_pb_store *st, struct ward_act_info *x, ward_Activity *m)
{
	x->syscall = OPT_STR(m, syscall);
	x->ptrace_request = OPT_STR(m, ptrace_request);
	x->has_memory = m->has_memory;
	x->address = m->address;
	x->length = m->length;
	x->prot = m->prot;
	x->has_prot = m->has_prot;
	x->old_name = BYTES(st, m, old_name);
	x->new_name = BYTES(st, m, new_name);
	x->from_uid = m->from_uid;
	x->from_euid = m->from_euid;
	x->from_gid = m->from_gid;
	x->to_uid = m->to_uid;
	x->to_euid = m->to_euid;
	x->to_gid = m->to_gid;
	x->to_suid = m->to_suid;
	x->to_fsuid = m->to_fsuid;
	x->to_egid = m->to_egid;
	x->to_user = BYTES(st, m, to_user);
	x->api_name = OPT_STR(m, api_name);
	x->api_library = BYTES(st, m, api_library);
}

static void get_event(struct ward_pb_store *st, struct ward_event *ev, ward_Event *m)
{
	memset(ev, 0, sizeof(*ev));
	ev->seq = m->seq;
	ev->time_ns = m->time_ns;
	ev->event_type = (uint16_t)m->event_type;
	ev->access_type = (uint16_t)m->access_type;
	if (m->event_type > UINT16_MAX || m->access_type > UINT16_MAX)
		st->bad = true;
	ev->count = m->count;
	if (m->has_process)
		get_process(st, &ev->process, &m->process);
	if (m->has_file)
		get_file(st, &ev->file, &m->file);
	if (m->has_target)
		get_target(st, &ev->target, &m->target);
	if (m->has_connection)
		get_connection(&ev->conn, &m->connection);
	if (m->has_dns) {
		ev->dns.query = BYTES(st, &m->dns, query);
		ev->dns.qtype = (uint16_t)m->dns.qtype;
		ev->dns.id = (uint16_t)m->dns.id;
		ev->dns.tcp = m->dns.tcp;
		ev->dns.malformed = m->dns.malformed;
	}
	if (m->has_http) {
		ev->http.method = BYTES(st, &m->http, method);
		ev->http.url = BYTES(st, &m->http, url);
		ev->http.host = BYTES(st, &m->http, host);
		ev->http.proxy = m->http.proxy;
		ev->http.url_truncated = m->http.url_truncated;
		ev->http.host_truncated = m->http.host_truncated;
		ev->http.headers_truncated = m->http.headers_truncated;
	}
	if (m->has_act)
		get_act(st, &ev->act, &m->act);
	if (m->has_account) {
		ev->account.name = BYTES(st, &m->account, name);
		ev->account.id = m->account.id;
		ev->account.file = BYTES(st, &m->account, file);
		ev->account.group = m->account.group;
		ev->account.has_id = m->account.has_id;
	}
}

static bool decode_file(pb_istream_t *s, const pb_field_t *f, void **arg)
{
	struct ward_pb_store *st = *arg;
	size_t n = s->bytes_left;
	(void)f;
	if (st->nfiles >= WARD_ALERT_MAX_FILES || n > WARD_PATH_MAX)
		return false;
	char *dst = st->files[st->nfiles];
	if (!pb_read(s, (pb_byte_t *)dst, n))
		return false;
	dst[n] = '\0';
	st->nfiles++;
	return true;
}

static bool decode_hook(pb_istream_t *s, const pb_field_t *f, void **arg)
{
	struct ward_pb_store *st = *arg;
	ward_Hook m = ward_Hook_init_zero;
	(void)f;
	if (st->nhooks >= WARD_PB_MAX_HOOKS || !pb_decode(s, ward_Hook_fields, &m))
		return false;
	_Static_assert(sizeof(st->hooks[0].name) >= sizeof(m.name), "hook name bound");
	_Static_assert(sizeof(st->hooks[0].prog) >= sizeof(m.program), "hook program bound");
	_Static_assert(sizeof(st->hooks[0].reason) >= sizeof(m.reason), "hook reason bound");
	_Static_assert(sizeof(st->hook_kind[0]) >= sizeof(m.kind), "hook kind bound");
	_Static_assert(sizeof(st->hook_covers[0]) >= sizeof(m.covers), "hook covers bound");
	size_t i = st->nhooks++;
	struct ward_hook_report *h = &st->hooks[i];
	memcpy(h->name, m.name, sizeof(m.name));
	memcpy(h->prog, m.program, sizeof(m.program));
	memcpy(h->reason, m.reason, sizeof(m.reason));
	memcpy(st->hook_kind[i], m.kind, sizeof(m.kind));
	memcpy(st->hook_covers[i], m.covers, sizeof(m.covers));
	h->kind = m.has_kind ? st->hook_kind[i] : NULL;
	h->covers = m.has_covers ? st->hook_covers[i] : NULL;
	h->status = (enum ward_hook_status)m.status;
	h->root = m.root;
	return true;
}

/* Called when the oneof member is chosen (and cleared): hook up the
 * callbacks of the lists kept outside the Record. */
static bool choose_kind(pb_istream_t *s, const pb_field_t *f, void **arg)
{
	struct ward_pb_store *st = *arg;
	(void)s;
	if (f->tag == ward_Record_alert_tag) {
		ward_Alert *a = f->pData;
		a->files.funcs.decode = decode_file;
		a->files.arg = st;
	} else if (f->tag == ward_Record_stats_tag) {
		ward_Stats *m = f->pData;
		m->hooks.funcs.decode = decode_hook;
		m->hooks.arg = st;
	}
	return true;
}

static void get_alert(struct ward_pb_decoded *d, ward_Alert *m)
{
	struct ward_pb_store *st = d->store;
	struct ward_alert *a = &d->alert;

	memset(a, 0, sizeof(*a));
	a->time_ns = m->time_ns;
	a->source = (enum ward_alert_source)m->source;
	a->rule = BYTES(st, m, rule);
	a->severity = (enum ward_severity)m->severity;
	a->output = BYTES(st, m, output);
	a->ntags = m->tags_count;
	for (size_t i = 0; i < m->tags_count; i++)
		a->tags[i] = cstr(st, true, m->tags[i].size, m->tags[i].bytes,
				  sizeof(m->tags[i].bytes), NULL);
	if (m->has_event) {
		get_event(st, &d->event, &m->event);
		a->event = &d->event;
	}
	a->nfiles = st->nfiles;
	for (size_t i = 0; i < st->nfiles; i++)
		a->files[i] = st->files[i];
	a->files_total = m->files_total;
	a->level = BYTES(st, m, level);
	a->response = (enum ward_response_action)m->response;
	a->response_pid = m->response_pid;
	a->response_count = m->response_count;
	a->response_error = m->response_error;
}

static void get_stats(struct ward_pb_decoded *d, ward_Stats *m)
{
	struct ward_pb_store *st = d->store;
	struct ward_stats_record *r = &d->stats;

	memset(r, 0, sizeof(*r));
	d->startup = m->startup;
	if (m->startup) {
		_Static_assert(sizeof(d->kernel.release) >= sizeof(m->kernel), "kernel bound");
		_Static_assert(sizeof(d->kernel.lockdown) >= sizeof(m->lockdown), "lockdown bound");
		memcpy(d->kernel.release, m->kernel, sizeof(m->kernel));
		memcpy(d->kernel.lockdown, m->lockdown, sizeof(m->lockdown));
		d->kernel.path_walk = OPT_STR(m, path_walk);
		d->kernel.path_route = OPT_STR(m, path_route);
		_Static_assert(sizeof(d->kernel.path_route_reason) >= sizeof(m->path_route_reason),
			       "path_route_reason bound");
		memcpy(d->kernel.path_route_reason, m->path_route_reason,
		       sizeof(m->path_route_reason));
		d->hooks = st->hooks;
		d->nhooks = st->nhooks;
	}
	r->time_ns = m->time_ns;
	r->interval_s = m->interval_s;
	ward_stats_reset(&st->counts);
	for (size_t i = 0; i < m->counts_count; i++) {
		int bit = ward_access_bit(m->counts[i].access_type);
		if (bit < 0 || bit >= WARD_STATS_SLOTS) {
			st->bad = true;
			continue;
		}
		st->counts.by_access[bit] += m->counts[i].count;
		st->counts.events += m->counts[i].count;
	}
	r->stats = &st->counts;
	r->dropped = m->dropped;
	r->sent = m->sent;
	r->deduplicated = m->deduplicated;
	r->filtered = m->filtered;
	r->malformed = m->malformed;
	r->seq_lost = m->seq_lost;
	r->path_failures = m->path_failures;
	r->state_misses = m->state_misses;
	r->hook_paths = m->hook_paths;
	r->dropped_by_cpu = m->dropped_by_cpu;
	r->ncpus = m->dropped_by_cpu_count;
	r->final = m->final;
	if (m->has_daemon) {
		ward_DaemonStats *x = &m->daemon;
		d->daemon = (struct ward_daemon_stats){
			.uptime_s = x->uptime_s, .cpu_user_s = x->cpu_user_s,
			.cpu_system_s = x->cpu_system_s, .rss_bytes = x->rss_bytes,
			.log_written = x->log_written, .log_dropped = x->log_dropped,
			.sinks = st->sinks, .nsinks = x->sinks_count, .clients = x->clients,
		};
		for (size_t i = 0; i < x->sinks_count; i++)
			st->sinks[i] = (struct ward_sink_stats){
				.name = BYTES(st, &x->sinks[i], name),
				.written = x->sinks[i].written,
				.dropped = x->sinks[i].dropped,
			};
		r->daemon = &d->daemon;
	}
}

static void get_footprint(struct ward_pb_store *st, struct ward_footprint *fp, ward_Footprint *m)
{
	*fp = (struct ward_footprint){
		.kind = (enum ward_footprint_kind)m->kind, .hash_id = m->hash_id,
		.first_seen_ns = m->first_seen_ns, .last_seen_ns = m->last_seen_ns,
		.count = m->count, .name = BYTES(st, m, name), .access_mask = m->access_mask,
		.has_stat = m->has_stat, .size = m->size, .btime_ns = m->btime_ns,
		.mtime_ns = m->mtime_ns, .mode = m->mode, .uid = m->uid, .gid = m->gid,
		.owner = BYTES(st, m, owner), .group = BYTES(st, m, group),
		.sha256 = OPT_STR(m, sha256), .pid = m->pid, .ppid = m->ppid,
		.proc_uid = m->proc_uid, .cmdline = BYTES(st, m, cmdline),
		.start_time_ns = m->start_time_ns, .protocol = (uint8_t)m->protocol,
		.remote_ip = OPT_STR(m, remote_ip), .remote_port = (uint16_t)m->remote_port,
		.outbound = m->outbound, .inbound = m->inbound,
	};
}

int ward_pb_decode_record(const uint8_t *p, size_t n, struct ward_pb_decoded *d)
{
	struct ward_pb_store *st = d->store;
	ward_Record *rec = &st->rec;

	if (n == 0 || n > WARD_PB_RECORD_MAX)
		return -EBADMSG;
	st->nfiles = 0;
	st->nhooks = 0;
	st->bad = false;
	d->kind = WARD_PB_NONE;
	d->startup = false;
	rec->cb_kind.funcs.decode = choose_kind;
	rec->cb_kind.arg = st;
	pb_istream_t s = pb_istream_from_buffer(p, n);
	/* nanopb stops at a zero tag (its terminated messages): bytes left
	 * over mean a corrupted record */
	if (!pb_decode(&s, ward_Record_fields, rec) || s.bytes_left)
		return -EBADMSG;
	switch (rec->which_kind) {
	case ward_Record_event_tag:
		get_event(st, &d->event, &rec->kind.event);
		d->kind = WARD_PB_EVENT;
		break;
	case ward_Record_alert_tag:
		get_alert(d, &rec->kind.alert);
		d->kind = WARD_PB_ALERT;
		break;
	case ward_Record_stats_tag:
		get_stats(d, &rec->kind.stats);
		d->kind = WARD_PB_STATS;
		break;
	case ward_Record_footprint_tag:
		get_footprint(st, &d->footprint, &rec->kind.footprint);
		d->kind = WARD_PB_FOOTPRINT;
		break;
	case ward_Record_loss_tag: {
		ward_Loss *m = &rec->kind.loss;
		d->loss = (struct ward_loss){
			.time_ns = m->time_ns, .count = m->count,
			.first_time_ns = m->first_time_ns, .last_time_ns = m->last_time_ns,
			.reason = (enum ward_loss_reason)m->reason, .sink = BYTES(st, m, sink),
		};
		d->kind = WARD_PB_LOSS;
		break;
	}
	default:
		break; /* a kind added after this reader: skipped, not an error */
	}
	if (st->bad) {
		d->kind = WARD_PB_NONE;
		return -EBADMSG;
	}
	return 0;
}
