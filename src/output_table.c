/* The live table for people: one line per event, in the spirit of
 * execsnoop/opensnoop. Columns: time, pid, comm, access type, target. */
#include "output.h"

#include <string.h>

#include "lib/timefmt.h"
#include "ward/xdr_types.h"
#include "xdr_names.h"

static void pad(struct ward_buf *b, size_t have, size_t width)
{
	while (have++ < width)
		ward_buf_putc(b, ' ');
}

static void col_str(struct ward_buf *b, const char *s, size_t len, size_t width)
{
	ward_buf_put(b, s, len);
	pad(b, len, width);
	ward_buf_putc(b, ' ');
}

/* Control bytes in names would let a file name forge table lines. */
static void put_safe(struct ward_buf *b, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];
		if (c < 0x20 || c == 0x7f)
			ward_buf_putc(b, '?');
		else
			ward_buf_putc(b, c);
	}
}

void ward_table_header(struct ward_buf *b)
{
	ward_buf_puts(b, "TIME         PID     COMM             ACCESS                 TARGET\n");
}

void ward_table_event(struct ward_buf *b, const struct ward_event *ev)
{
	char t[WARD_TIME_LEN];
	ward_time_rfc3339(ev->time_ns, t);
	col_str(b, t + 11, 12, 12); /* HH:MM:SS.mmm */

	size_t before = b->len;
	ward_buf_put_u64(b, ev->process.pid);
	pad(b, b->len - before, 7);
	ward_buf_putc(b, ' ');
	const char *comm = ev->process.comm ? ev->process.comm : "?";
	before = b->len;
	put_safe(b, comm, strlen(comm));
	pad(b, b->len - before, 16);
	ward_buf_putc(b, ' ');
	const char *access = ward_access_type_name(ev->access_type);
	col_str(b, access, strlen(access), 22);

	if (ev->event_type == XDR_EVENT_FILE) {
		const struct ward_file_info *f = &ev->file;
		if (f->path.s)
			put_safe(b, f->path.s, f->path.len);
		if (f->path_truncated)
			ward_buf_puts(b, " [truncated]");
		if (ev->access_type == XDR_FILE_MOVE && f->new_path.s) {
			ward_buf_puts(b, " -> ");
			put_safe(b, f->new_path.s, f->new_path.len);
		}
		if (ev->count > 1) {
			ward_buf_puts(b, " (x");
			ward_buf_put_u64(b, ev->count);
			ward_buf_putc(b, ')');
		}
	} else if (ev->event_type == XDR_EVENT_CONNECTION || ev->event_type == XDR_EVENT_DNS ||
		   ev->event_type == XDR_EVENT_INTERNET) {
		const struct ward_conn_info *c = &ev->conn;
		ward_buf_puts(b, c->protocol == XDR_CONNECTION_TCP ? "TCP " : "UDP ");
		ward_buf_puts(b, c->local_ip);
		ward_buf_putc(b, ':');
		ward_buf_put_u64(b, c->local_port);
		if (ev->access_type != XDR_CONNECTION_LISTEN) {
			ward_buf_puts(b, " -> ");
			ward_buf_puts(b, c->remote_ip);
			ward_buf_putc(b, ':');
			ward_buf_put_u64(b, c->remote_port);
		}
		if (c->in_progress)
			ward_buf_puts(b, " (in progress)");
		else if (c->result < 0)
			ward_buf_puts(b, " (failed)");
		if (ev->event_type == XDR_EVENT_DNS) {
			ward_buf_puts(b, " query=");
			if (ev->dns.query)
				put_safe(b, ev->dns.query, strlen(ev->dns.query));
			else
				ward_buf_puts(b, "(malformed)");
		} else if (ev->event_type == XDR_EVENT_INTERNET) {
			ward_buf_putc(b, ' ');
			put_safe(b, ev->http.method, strlen(ev->http.method));
			ward_buf_putc(b, ' ');
			put_safe(b, ev->http.url, strlen(ev->http.url));
			if (ev->http.proxy)
				ward_buf_puts(b, " (proxy)");
		}
	} else if (ev->event_type == XDR_EVENT_ACCOUNT && ev->account.name) {
		put_safe(b, ev->account.name, strlen(ev->account.name));
		ward_buf_puts(b, ev->account.group ? " gid=" : " uid=");
		ward_buf_put_u64(b, ev->account.id);
		ward_buf_putc(b, ' ');
		ward_buf_puts(b, ev->account.file);
	} else if (ev->event_type == XDR_EVENT_BM) {
		ward_buf_puts(b, ev->act.api_name);
		if (ev->act.api_library) {
			ward_buf_puts(b, " in ");
			put_safe(b, ev->act.api_library, strlen(ev->act.api_library));
		}
		if (ev->count > 1) {
			ward_buf_puts(b, " (x");
			ward_buf_put_u64(b, ev->count);
			ward_buf_putc(b, ')');
		}
	} else if (ev->access_type == XDR_ACCOUNT_IMPERSONATE) {
		ward_buf_puts(b, "uid ");
		ward_buf_put_u64(b, ev->act.from_euid);
		ward_buf_puts(b, " -> ");
		ward_buf_put_u64(b, ev->act.to_euid);
		if (ev->act.to_user) {
			ward_buf_puts(b, " (");
			put_safe(b, ev->act.to_user, strlen(ev->act.to_user));
			ward_buf_putc(b, ')');
		}
	} else if (ev->access_type == XDR_PROCESS_LOAD_IMAGE) {
		if (ev->file.path.s)
			put_safe(b, ev->file.path.s, ev->file.path.len);
	} else if (ev->event_type == XDR_EVENT_MEMORY) {
		ward_buf_puts(b, ev->act.prot & 2 ? "w+x " : "x ");
		ward_buf_put_u64(b, ev->act.length);
		ward_buf_puts(b, " bytes");
	} else if (ev->event_type == XDR_EVENT_MODIFIED_PROCESS ||
		   ev->access_type == XDR_PROCESS_TRACME) {
		ward_buf_puts(b, "pid=");
		ward_buf_put_u64(b, ev->target.pid);
		if (ev->act.ptrace_request) {
			ward_buf_putc(b, ' ');
			ward_buf_puts(b, ev->act.ptrace_request);
		} else if (ev->act.syscall) {
			ward_buf_putc(b, ' ');
			ward_buf_puts(b, ev->act.syscall);
		}
		if (ev->act.new_name) {
			ward_buf_puts(b, " name ");
			put_safe(b, ev->act.old_name, strlen(ev->act.old_name));
			ward_buf_puts(b, " -> ");
			put_safe(b, ev->act.new_name, strlen(ev->act.new_name));
		}
	} else if (ev->event_type == XDR_EVENT_PROCESS) {
		const struct ward_target_process *tp = &ev->target;
		ward_buf_puts(b, "pid=");
		ward_buf_put_u64(b, tp->pid);
		if (ev->access_type == XDR_PROCESS_EXECUTE && tp->exe.s) {
			ward_buf_putc(b, ' ');
			put_safe(b, tp->exe.s, tp->exe.len);
			if (tp->cmdline.s) {
				ward_buf_puts(b, " [");
				put_safe(b, tp->cmdline.s, tp->cmdline.len);
				ward_buf_putc(b, ']');
			}
		}
		if (tp->has_exit_code) {
			int st = tp->exit_code;
			if (st & 0x7f) {
				ward_buf_puts(b, " signal=");
				ward_buf_put_u64(b, st & 0x7f);
			} else {
				ward_buf_puts(b, " exit=");
				ward_buf_put_u64(b, (st >> 8) & 0xff);
			}
		}
	}
	ward_buf_putc(b, '\n');
}

/* An alert in the live table: severity in the ACCESS column, the rule and
 * its message as the target, what the response did at the end. */
void ward_table_alert(struct ward_buf *b, const struct ward_alert *a)
{
	char t[WARD_TIME_LEN];
	ward_time_rfc3339(a->time_ns, t);
	col_str(b, t + 11, 12, 12);

	const struct ward_event *ev = a->event;
	size_t before = b->len;
	if (ev)
		ward_buf_put_u64(b, ev->process.pid);
	else
		ward_buf_putc(b, '-');
	pad(b, b->len - before, 7);
	ward_buf_putc(b, ' ');
	const char *comm = ev && ev->process.comm ? ev->process.comm : "-";
	before = b->len;
	put_safe(b, comm, strlen(comm));
	pad(b, b->len - before, 16);
	ward_buf_putc(b, ' ');
	before = b->len;
	ward_buf_puts(b, "ALERT ");
	ward_buf_puts(b, ward_severity_name(a->severity));
	pad(b, b->len - before, 22);
	ward_buf_putc(b, ' ');

	if (a->rule)
		put_safe(b, a->rule, strlen(a->rule));
	if (a->output) {
		ward_buf_puts(b, ": ");
		put_safe(b, a->output, strlen(a->output));
	}
	if (a->response != WARD_RESPONSE_NONE) {
		ward_buf_puts(b, a->response == WARD_RESPONSE_STOP ? " [stopped " : " [killed ");
		ward_buf_put_u64(b, a->response_count);
		ward_buf_puts(b, a->response_error ? " processes, failed]" : " processes]");
	}
	ward_buf_putc(b, '\n');
}
