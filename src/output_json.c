/*
 * JSON Lines. Field names are an external contract: other tools parse them.
 * Add fields, never rename or remove one. No printf on the event path.
 */
#include "output.h"

#include <stdio.h>
#include <string.h>

#include "lib/json.h"
#include "output_keys.h"
#include "net_parse.h"
#include "lib/timefmt.h"
#include "ward/xdr_types.h"
#include "xdr_names.h"

static void put_process(struct ward_buf *b, const struct ward_process_info *p)
{
	ward_json_key(b, "process");
	ward_buf_putc(b, '{');
	key_u64(b, "pid", p->pid);
	key_u64(b, "tid", p->tid);
	key_u64(b, "ppid", p->ppid);
	key_u64(b, "uid", p->uid);
	key_u64(b, "euid", p->euid);
	key_u64(b, "gid", p->gid);
	key_cstr(b, "comm", p->comm);
	key_ref(b, "exe", p->exe);
	key_ref(b, "cmdline", p->cmdline);
	key_ref(b, "cwd", p->cwd);
	key_time(b, "start_time", p->start_time_ns);
	key_hex(b, "hash_id", p->hash_id);
	close_obj(b, '}');
	ward_buf_putc(b, ',');
}

static void put_file(struct ward_buf *b, const struct ward_event *ev)
{
	const struct ward_file_info *f = &ev->file;
	ward_json_key(b, "file");
	ward_buf_putc(b, '{');
	key_ref(b, "path", f->path);
	key_ref(b, "requested_path", f->requested_path);
	if (ev->access_type == XDR_FILE_MOVE) {
		key_ref(b, "new_path", f->new_path);
		key_ref(b, "requested_new_path", f->requested_new_path);
	}
	key_u64(b, "flags", f->flags);
	key_u64(b, "mode", f->mode);
	key_u64(b, "inode", f->inode);
	key_u64(b, "dev", f->dev);
	if (f->path_truncated)
		key_true(b, "path_truncated");
	if (f->new_path_truncated)
		key_true(b, "new_path_truncated");
	if (f->deleted)
		key_true(b, "deleted");
	if (f->at_exit)
		key_true(b, "at_exit");
	close_obj(b, '}');
	ward_buf_putc(b, ',');
}

static void put_target(struct ward_buf *b, const struct ward_event *ev)
{
	const struct ward_target_process *t = &ev->target;
	ward_json_key(b, "target_process");
	ward_buf_putc(b, '{');
	key_u64(b, "pid", t->pid);
	key_ref(b, "exe", t->exe);
	key_ref(b, "cmdline", t->cmdline);
	if (t->argv) {
		ward_json_key(b, "argv");
		ward_buf_putc(b, '[');
		const char *p = t->argv, *end = t->argv + t->argv_len;
		while (p < end) {
			size_t n = strnlen(p, end - p);
			ward_json_str(b, p, n);
			ward_buf_putc(b, ',');
			p += n + 1;
		}
		close_obj(b, ']');
		ward_buf_putc(b, ',');
	}
	key_hex(b, "hash_id", t->hash_id);
	if (t->has_exit_code)
		key_i64(b, "exit_code", t->exit_code);
	if (t->exe_truncated)
		key_true(b, "exe_truncated");
	if (t->exe_deleted)
		key_true(b, "exe_deleted");
	if (t->argv_truncated)
		key_true(b, "argv_truncated");
	close_obj(b, '}');
	ward_buf_putc(b, ',');
}

static void put_connection(struct ward_buf *b, const struct ward_conn_info *c)
{
	ward_json_key(b, "connection");
	ward_buf_putc(b, '{');
	key_cstr(b, "protocol", c->protocol == XDR_CONNECTION_TCP ? "TCP" : "UDP");
	key_cstr(b, "local_ip", c->local_ip);
	key_u64(b, "local_port", c->local_port);
	key_cstr(b, "remote_ip", c->remote_ip);
	key_u64(b, "remote_port", c->remote_port);
	if (c->in_progress) {
		key_cstr(b, "status", "in_progress");
	} else if (c->result < 0) {
		key_cstr(b, "status", "failed");
		const char *name = strerrorname_np(-c->result);
		if (name)
			key_cstr(b, "error", name);
		else
			key_i64(b, "error", c->result);
	} else {
		key_cstr(b, "status", "ok");
	}
	close_obj(b, '}');
	ward_buf_putc(b, ',');
}

static void put_dns(struct ward_buf *b, const struct ward_event *ev)
{
	const struct ward_dns_info *d = &ev->dns;
	ward_json_key(b, "dns");
	ward_buf_putc(b, '{');
	key_cstr(b, "query", d->query);
	const char *t = d->query ? ward_dns_type_name(d->qtype) : NULL;
	ward_json_key(b, "qtype");
	if (t) {
		ward_json_str(b, t, strlen(t));
	} else if (d->query) {
		/* RFC 3597 spelling of a type without a mnemonic */
		ward_buf_puts(b, "\"TYPE");
		ward_buf_put_u64(b, d->qtype);
		ward_buf_putc(b, '"');
	} else {
		ward_buf_put(b, "null", 4);
	}
	ward_buf_putc(b, ',');
	if (d->query)
		key_u64(b, "qtype_id", d->qtype);
	key_cstr(b, "server_ip", ev->conn.remote_ip);
	key_u64(b, "server_port", ev->conn.remote_port);
	if (d->tcp)
		key_true(b, "tcp");
	if (d->malformed)
		key_true(b, "malformed");
	close_obj(b, '}');
	ward_buf_putc(b, ',');
}

static void put_http(struct ward_buf *b, const struct ward_http_info *h)
{
	ward_json_key(b, "http");
	ward_buf_putc(b, '{');
	key_cstr(b, "method", h->method);
	key_cstr(b, "url", h->url);
	key_cstr(b, "host", h->host);
	if (h->proxy)
		key_true(b, "proxy");
	if (h->url_truncated)
		key_true(b, "url_truncated");
	if (h->host_truncated)
		key_true(b, "host_truncated");
	if (h->headers_truncated)
		key_true(b, "headers_truncated");
	close_obj(b, '}');
	ward_buf_putc(b, ',');
}

static void put_account(struct ward_buf *b, const struct ward_account_info *a)
{
	ward_json_key(b, "account");
	ward_buf_putc(b, '{');
	key_cstr(b, "name", a->name);
	if (a->has_id)
		key_u64(b, a->group ? "gid" : "uid", a->id);
	key_cstr(b, "file", a->file);
	close_obj(b, '}');
	ward_buf_putc(b, ',');
}

static void key_addr(struct ward_buf *b, const char *k, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[19];
	int n = 0;
	do {
		tmp[n++] = hex[v & 15];
		v >>= 4;
	} while (v);
	ward_json_key(b, k);
	ward_buf_put(b, "\"0x", 3);
	while (n)
		ward_buf_putc(b, tmp[--n]);
	ward_buf_put(b, "\",", 2);
}

static void put_memory(struct ward_buf *b, const struct ward_act_info *x)
{
	ward_json_key(b, "memory");
	ward_buf_putc(b, '{');
	key_addr(b, "address", x->address);
	key_u64(b, "length", x->length);
	if (x->has_prot) {
		char prot[4] = { x->prot & 1 ? 'r' : '-', x->prot & 2 ? 'w' : '-',
				 x->prot & 4 ? 'x' : '-', 0 };
		key_cstr(b, "prot", prot);
	}
	close_obj(b, '}');
	ward_buf_putc(b, ',');
}

static void put_act(struct ward_buf *b, const struct ward_event *ev)
{
	const struct ward_act_info *x = &ev->act;
	if (ev->event_type == XDR_EVENT_BM) {
		ward_json_key(b, "api");
		ward_buf_putc(b, '{');
		key_cstr(b, "name", x->api_name);
		key_cstr(b, "library", x->api_library);
		close_obj(b, '}');
		ward_buf_putc(b, ',');
		return;
	}
	if (ev->access_type == XDR_ACCOUNT_IMPERSONATE) {
		ward_json_key(b, "account");
		ward_buf_putc(b, '{');
		key_cstr(b, "name", x->to_user);
		key_u64(b, "uid", x->to_euid);
		key_cstr(b, "file", NULL);
		key_u64(b, "from_uid", x->from_uid);
		key_u64(b, "from_euid", x->from_euid);
		key_u64(b, "from_gid", x->from_gid);
		key_u64(b, "to_uid", x->to_uid);
		key_u64(b, "to_euid", x->to_euid);
		key_u64(b, "to_gid", x->to_gid);
		key_u64(b, "to_egid", x->to_egid);
		key_u64(b, "to_suid", x->to_suid);
		key_u64(b, "to_fsuid", x->to_fsuid);
		close_obj(b, '}');
		ward_buf_putc(b, ',');
		key_cstr(b, "syscall", x->syscall);
		return;
	}
	if (ev->access_type == XDR_PROCESS_LOAD_IMAGE) {
		ward_json_key(b, "file");
		ward_buf_putc(b, '{');
		key_ref(b, "path", ev->file.path);
		key_u64(b, "inode", ev->file.inode);
		key_u64(b, "dev", ev->file.dev);
		if (ev->file.path_truncated)
			key_true(b, "path_truncated");
		if (ev->file.deleted)
			key_true(b, "deleted");
		close_obj(b, '}');
		ward_buf_putc(b, ',');
		put_memory(b, x);
		return;
	}
	if (ev->event_type == XDR_EVENT_MEMORY) {
		put_memory(b, x);
		key_cstr(b, "syscall", x->syscall);
		return;
	}
	/* MODIFIED_PROCESS_*, PROCESS_TRACME: the other process */
	const struct ward_target_process *t = &ev->target;
	ward_json_key(b, "target_process");
	ward_buf_putc(b, '{');
	key_u64(b, "pid", t->pid);
	key_cstr(b, "comm", t->comm);
	key_ref(b, "exe", t->exe);
	key_ref(b, "cmdline", t->cmdline);
	key_hex(b, "hash_id", t->hash_id);
	close_obj(b, '}');
	ward_buf_putc(b, ',');
	if (x->new_name) {
		key_cstr(b, "new_name", x->new_name);
		key_cstr(b, "old_name", x->old_name);
	}
	if (x->has_memory)
		put_memory(b, x);
	key_cstr(b, "syscall", x->syscall);
	if (x->ptrace_request)
		key_cstr(b, "ptrace_request", x->ptrace_request);
}

void ward_json_event(struct ward_buf *b, const struct ward_event *ev)
{
	ward_buf_put(b, "{\"kind\":\"event\",", 16);
	key_time(b, "time", ev->time_ns);
	key_u64(b, "seq", ev->seq);
	key_cstr(b, "event_type", ward_event_type_name(ev->event_type));
	key_u64(b, "event_type_id", ev->event_type);
	key_cstr(b, "access_type", ward_access_type_name(ev->access_type));
	key_u64(b, "access_type_id", ev->access_type);
	key_u64(b, "count", ev->count);
	put_process(b, &ev->process);
	if (ev->event_type == XDR_EVENT_FILE)
		put_file(b, ev);
	else if (ev->event_type == XDR_EVENT_ACCOUNT && ev->access_type != XDR_ACCOUNT_IMPERSONATE)
		put_account(b, &ev->account);
	else if (ev->access_type == XDR_PROCESS_LOAD_IMAGE || ev->access_type == XDR_PROCESS_TRACME ||
		 ev->event_type == XDR_EVENT_MODIFIED_PROCESS || ev->event_type == XDR_EVENT_MEMORY ||
		 ev->access_type == XDR_ACCOUNT_IMPERSONATE || ev->event_type == XDR_EVENT_BM)
		put_act(b, ev);
	else if (ev->event_type == XDR_EVENT_PROCESS)
		put_target(b, ev);
	else if (ev->event_type == XDR_EVENT_CONNECTION || ev->event_type == XDR_EVENT_DNS ||
		 ev->event_type == XDR_EVENT_INTERNET)
		put_connection(b, &ev->conn);
	if (ev->event_type == XDR_EVENT_DNS)
		put_dns(b, ev);
	else if (ev->event_type == XDR_EVENT_INTERNET)
		put_http(b, &ev->http);
	close_obj(b, '}');
	ward_buf_putc(b, '\n');
}

/* Seconds to the millisecond, without printf. */
static void key_secs(struct ward_buf *b, const char *k, double s)
{
	uint64_t ms = s > 0 && s < 1e15 ? (uint64_t)(s * 1000.0 + 0.5) : 0;
	ward_json_key(b, k);
	ward_buf_put_u64(b, ms / 1000);
	ward_buf_putc(b, '.');
	ward_buf_putc(b, '0' + (ms / 100) % 10);
	ward_buf_putc(b, '0' + (ms / 10) % 10);
	ward_buf_putc(b, '0' + ms % 10);
	ward_buf_putc(b, ',');
}

/* The daemon's own figures: present only in the daemon's stats records. */
static void put_daemon(struct ward_buf *b, const struct ward_daemon_stats *d)
{
	key_secs(b, "uptime_s", d->uptime_s);
	key_secs(b, "cpu_user_s", d->cpu_user_s);
	key_secs(b, "cpu_system_s", d->cpu_system_s);
	key_u64(b, "rss_bytes", d->rss_bytes);
	key_u64(b, "log_written", d->log_written);
	key_u64(b, "log_dropped", d->log_dropped);
	ward_json_key(b, "sinks");
	ward_buf_putc(b, '[');
	for (size_t i = 0; i < d->nsinks && i < WARD_DAEMON_MAX_SINKS; i++) {
		ward_buf_putc(b, '{');
		key_cstr(b, "name", d->sinks[i].name);
		key_u64(b, "written", d->sinks[i].written);
		key_u64(b, "dropped", d->sinks[i].dropped);
		close_obj(b, '}');
		ward_buf_putc(b, ',');
	}
	close_obj(b, ']');
	ward_buf_putc(b, ',');
	key_u64(b, "clients", d->clients);
}

void ward_json_stats(struct ward_buf *b, const struct ward_stats_record *r)
{
	ward_buf_put(b, "{\"kind\":\"stats\",", 16);
	key_time(b, "time", r->time_ns);
	ward_json_key(b, "interval_s");
	/* interval to the millisecond, without printf */
	uint64_t ms = (uint64_t)(r->interval_s * 1000.0 + 0.5);
	ward_buf_put_u64(b, ms / 1000);
	ward_buf_putc(b, '.');
	ward_buf_putc(b, '0' + (ms / 100) % 10);
	ward_buf_putc(b, '0' + (ms / 10) % 10);
	ward_buf_putc(b, '0' + ms % 10);
	ward_buf_putc(b, ',');
	ward_json_key(b, "counts");
	ward_buf_putc(b, '[');
	for (unsigned int i = 0; r->stats && i < WARD_STATS_SLOTS; i++) {
		if (!r->stats->by_access[i])
			continue;
		unsigned int a = ward_stats_access_at(i);
		ward_buf_putc(b, '{');
		key_cstr(b, "event_type", ward_event_type_name(ward_event_type_of(a)));
		key_cstr(b, "access_type", ward_access_type_name(a));
		key_u64(b, "count", r->stats->by_access[i]);
		close_obj(b, '}');
		ward_buf_putc(b, ',');
	}
	close_obj(b, ']');
	ward_buf_putc(b, ',');
	key_u64(b, "dropped", r->dropped);
	if (r->ncpus) {
		ward_json_key(b, "dropped_by_cpu");
		ward_buf_putc(b, '[');
		for (size_t i = 0; i < r->ncpus; i++) {
			ward_buf_put_u64(b, r->dropped_by_cpu[i]);
			ward_buf_putc(b, ',');
		}
		close_obj(b, ']');
		ward_buf_putc(b, ',');
	}
	key_u64(b, "sent", r->sent);
	key_u64(b, "deduplicated", r->deduplicated);
	key_u64(b, "filtered", r->filtered);
	key_u64(b, "malformed", r->malformed);
	key_u64(b, "seq_lost", r->seq_lost);
	key_u64(b, "path_failures", r->path_failures);
	key_u64(b, "state_misses", r->state_misses);
	key_u64(b, "hook_paths", r->hook_paths);
	if (r->daemon)
		put_daemon(b, r->daemon);
	if (r->final)
		key_true(b, "final");
	close_obj(b, '}');
	ward_buf_putc(b, '\n');
}

static const char *status_name(enum ward_hook_status s)
{
	switch (s) {
	case WARD_HOOK_ATTACHED: return "attached";
	case WARD_HOOK_UNAVAILABLE: return "unavailable";
	default: return "failed";
	}
}

/* Which route each event family takes on this kernel. Only FILE has two:
 * its path-named syscalls get their paths from the path hooks where the
 * kernel allows them (src/path_hooks.h). */
static void put_routes(struct ward_buf *b, const struct ward_kernel_info *k)
{
	/* in the XDR model's order */
	static const char *const families[] = {
		"PROCESS", "FILE", "CONNECTION", "DNS", "ACCOUNT", "INTERNET", "MODIFIED_PROCESS",
		"MEMORY", "BM",
	};
	const char *pr = k->path_route ? k->path_route : "tracepoint";
	char file[32];
	snprintf(file, sizeof(file), "tracepoint%s%s", strcmp(pr, "tracepoint") ? "+" : "",
		 strcmp(pr, "tracepoint") ? pr : "");
	ward_json_key(b, "routes");
	ward_buf_putc(b, '{');
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		const char *route = "tracepoint";
		if (!strcmp(families[i], "FILE"))
			route = file;
		else if (!strcmp(families[i], "BM"))
			route = "tracepoint+uprobe";
		key_cstr(b, families[i], route);
	}
	close_obj(b, '}');
	ward_buf_putc(b, ',');
	key_cstr(b, "path_route", pr);
	if (k->path_route_reason[0])
		key_cstr(b, "path_route_reason", k->path_route_reason);
}

void ward_json_hooks(struct ward_buf *b, uint64_t time_ns, const struct ward_kernel_info *k,
		     const struct ward_hook_report *hooks, size_t n)
{
	ward_buf_put(b, "{\"kind\":\"stats\",", 16);
	key_time(b, "time", time_ns);
	ward_buf_puts(b, "\"startup\":true,\"interval_s\":0,\"counts\":[],\"dropped\":0,");
	key_cstr(b, "kernel", k->release);
	key_cstr(b, "lockdown", k->lockdown);
	key_cstr(b, "path_walk", k->path_walk);
	put_routes(b, k);
	ward_json_key(b, "hooks");
	ward_buf_putc(b, '[');
	for (size_t i = 0; i < n; i++) {
		ward_buf_putc(b, '{');
		key_cstr(b, "name", hooks[i].name);
		key_cstr(b, "program", hooks[i].prog);
		key_cstr(b, "kind", hooks[i].kind);
		key_cstr(b, "status", status_name(hooks[i].status));
		key_cstr(b, "covers", hooks[i].covers);
		if (hooks[i].reason[0])
			key_cstr(b, "reason", hooks[i].reason);
		close_obj(b, '}');
		ward_buf_putc(b, ',');
	}
	close_obj(b, ']');
	ward_buf_putc(b, '}');
	ward_buf_putc(b, '\n');
}

static void put_str_array(struct ward_buf *b, const char *k, const char *const *v, size_t n)
{
	ward_json_key(b, k);
	ward_buf_putc(b, '[');
	for (size_t i = 0; i < n; i++) {
		if (v[i])
			ward_json_str(b, v[i], strlen(v[i]));
		else
			ward_buf_put(b, "null", 4);
		ward_buf_putc(b, ',');
	}
	close_obj(b, ']');
	ward_buf_putc(b, ',');
}

void ward_json_alert(struct ward_buf *b, const struct ward_alert *a)
{
	ward_buf_put(b, "{\"kind\":\"alert\",", 16);
	key_time(b, "time", a->time_ns);
	key_cstr(b, "rule", a->rule);
	key_cstr(b, "source", ward_alert_source_name(a->source));
	key_cstr(b, "severity", ward_severity_name(a->severity));
	key_cstr(b, "output", a->output);
	put_str_array(b, "tags", a->tags, a->ntags < WARD_ALERT_MAX_TAGS ? a->ntags : WARD_ALERT_MAX_TAGS);
	if (a->level)
		key_cstr(b, "level", a->level);
	if (a->nfiles || a->files_total) {
		put_str_array(b, "files", a->files,
			      a->nfiles < WARD_ALERT_MAX_FILES ? a->nfiles : WARD_ALERT_MAX_FILES);
		key_u64(b, "files_total", a->files_total);
	}
	if (a->response != WARD_RESPONSE_NONE) {
		ward_json_key(b, "response");
		ward_buf_putc(b, '{');
		key_cstr(b, "action", a->response == WARD_RESPONSE_STOP ? "stop"
				      : a->response == WARD_RESPONSE_KILL ? "kill" : "unknown");
		key_u64(b, "pid", a->response_pid);
		key_u64(b, "processes", a->response_count);
		if (a->response_error) {
			const char *name = strerrorname_np(a->response_error);
			if (name)
				key_cstr(b, "error", name);
			else
				key_i64(b, "error", a->response_error);
		}
		close_obj(b, '}');
		ward_buf_putc(b, ',');
	}
	if (a->event) {
		/* exactly the event record's object, without its newline */
		ward_json_key(b, "event");
		size_t at = b->len;
		ward_json_event(b, a->event);
		if (!b->oom && b->len > at && b->data[b->len - 1] == '\n')
			b->data[--b->len] = '\0';
		ward_buf_putc(b, ',');
	}
	close_obj(b, '}');
	ward_buf_putc(b, '\n');
}

const char *ward_loss_reason_name(enum ward_loss_reason r)
{
	switch (r) {
	case WARD_LOSS_KERNEL: return "kernel";
	case WARD_LOSS_QUEUE: return "queue";
	case WARD_LOSS_DISK: return "disk";
	}
	return "unknown";
}

void ward_json_loss(struct ward_buf *b, const struct ward_loss *l)
{
	ward_buf_put(b, "{\"kind\":\"loss\",", 15);
	key_time(b, "time", l->time_ns);
	key_u64(b, "count", l->count);
	key_time(b, "first_time", l->first_time_ns);
	key_time(b, "last_time", l->last_time_ns);
	key_cstr(b, "reason", ward_loss_reason_name(l->reason));
	key_cstr(b, "sink", l->sink);
	close_obj(b, '}');
	ward_buf_putc(b, '\n');
}
