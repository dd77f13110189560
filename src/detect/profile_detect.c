/* Alerts for what a profiled application does outside its profile. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/profile_detect.h"
#include "ward/xdr_types.h"

#define WAYS 4

struct slot {
	uint64_t key;
	uint64_t time_ns;
};

struct ward_profile_detector {
	const struct ward_profiles *ps;
	uint64_t window_ns;
	struct slot *slots;
	size_t nsets; /* power of two; WAYS slots each */
	struct ward_profile_detector_counters c;
	char out[2 * 4096 + 64];
	char fbuf[2][4097]; /* event strings are counted, alert files NUL-terminated */
};

struct ward_profile_detector *ward_profile_detector_new(const struct ward_profile_detector_opts *o)
{
	struct ward_profile_detector *d;
	size_t slots = o && o->slots ? o->slots : WARD_PROFILE_DEDUP_SLOTS;
	if (!o || !o->profiles || slots < WAYS || slots > WARD_PROFILE_DEDUP_MAX) {
		errno = EINVAL;
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		goto err;
	d->ps = o->profiles;
	d->window_ns = o->window_ns ? o->window_ns : WARD_PROFILE_DEDUP_WINDOW_NS;
	d->nsets = 1;
	while (d->nsets * WAYS < slots)
		d->nsets <<= 1;
	d->slots = calloc(d->nsets * WAYS, sizeof(*d->slots));
	if (!d->slots)
		goto err_detector;
	return d;

err_detector:
	free(d);
err:
	errno = ENOMEM;
	return NULL;
}

void ward_profile_detector_free(struct ward_profile_detector *d)
{
	if (!d)
		return;
	free(d->slots);
	free(d);
}

void ward_profile_detector_counters(const struct ward_profile_detector *d,
				    struct ward_profile_detector_counters *out)
{
	*out = d->c;
}

static uint64_t mix(uint64_t h, const void *s, size_t len)
{
	const unsigned char *p = s;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* True the first time (process, object) is seen within the window. */
static bool first_in_window(struct ward_profile_detector *d, uint64_t key, uint64_t now)
{
	struct slot *set = &d->slots[(key & (d->nsets - 1)) * WAYS];
	struct slot *oldest = &set[0];
	key |= 1; /* 0 marks an empty slot */
	for (int i = 0; i < WAYS; i++) {
		if (set[i].key == key) {
			if (now >= set[i].time_ns && now - set[i].time_ns < d->window_ns) {
				d->c.suppressed++;
				return false;
			}
			set[i].time_ns = now;
			return true;
		}
		if (set[i].time_ns < oldest->time_ns)
			oldest = &set[i];
	}
	if (oldest->key && now - oldest->time_ns < d->window_ns)
		d->c.evicted++;
	oldest->key = key;
	oldest->time_ns = now;
	return true;
}

static void emit_alert(struct ward_profile_detector *d, const struct ward_profile *p,
		       const struct ward_event *ev, const char *kind, const struct ward_str_ref *f1,
		       const struct ward_str_ref *f2, ward_alert_fn emit, void *ctx)
{
	struct ward_alert a = { 0 };
	a.time_ns = ev->time_ns;
	a.source = WARD_ALERT_PROFILE;
	a.rule = "profile";
	a.severity = p->severity;
	a.output = d->out;
	a.tags[0] = "profile";
	a.tags[1] = kind;
	a.ntags = 2;
	a.event = ev;
	const struct ward_str_ref *f[2] = { f1, f2 };
	for (int i = 0; i < 2; i++) {
		if (!f[i])
			continue;
		size_t n = f[i]->len < sizeof(d->fbuf[i]) ? f[i]->len : sizeof(d->fbuf[i]) - 1;
		memcpy(d->fbuf[i], f[i]->s, n);
		d->fbuf[i][n] = '\0';
		a.files[a.nfiles++] = d->fbuf[i];
	}
	a.files_total = a.nfiles;
	d->c.alerts++;
	if (emit)
		emit(ctx, &a);
}

static const char *file_verb(uint16_t access)
{
	switch (access) {
	case XDR_FILE_OPEN: return "open";
	case XDR_FILE_CREATE: return "create";
	case XDR_FILE_DELETE: return "delete";
	case XDR_FILE_MOVE: return "move";
	}
	return NULL;
}

void ward_profile_detector_observe(struct ward_profile_detector *d, const struct ward_event *ev,
				   ward_alert_fn emit, void *ctx)
{
	const struct ward_profile *p;
	uint64_t proc = ev->process.hash_id ? ev->process.hash_id : ev->process.pid;
	uint64_t key = 0xcbf29ce484222325ULL ^ (proc * 0x9e3779b97f4a7c15ULL);

	if (ev->event_type != XDR_EVENT_FILE && ev->event_type != XDR_EVENT_PROCESS &&
	    ev->event_type != XDR_EVENT_CONNECTION)
		return;
	p = ward_profiles_find(d->ps, ev->process.exe.s, ev->process.exe.len);
	if (!p)
		return;
	d->c.checked++;

	if (ev->event_type == XDR_EVENT_FILE) {
		const char *verb = file_verb(ev->access_type);
		const struct ward_str_ref *a = &ev->file.path, *b = &ev->file.new_path;
		if (!verb || !a->s)
			return;
		bool ok = ward_profile_file_allowed(p, a->s, a->len);
		if (ev->access_type == XDR_FILE_MOVE && b->s)
			ok = ok && ward_profile_file_allowed(p, b->s, b->len);
		else
			b = NULL;
		if (ok)
			return;
		key = mix(mix(key, "F", 1), a->s, a->len);
		if (b)
			key = mix(mix(key, "", 1), b->s, b->len);
		if (!first_in_window(d, key, ev->time_ns))
			return;
		if (b)
			snprintf(d->out, sizeof(d->out), "unexpected file move: %.*s -> %.*s",
				 (int)a->len, a->s, (int)b->len, b->s);
		else
			snprintf(d->out, sizeof(d->out), "unexpected file %s: %.*s", verb,
				 (int)a->len, a->s);
		emit_alert(d, p, ev, "file", a, b, emit, ctx);
		return;
	}
	if (ev->event_type == XDR_EVENT_PROCESS) {
		const struct ward_str_ref *x = &ev->target.exe;
		if (ev->access_type != XDR_PROCESS_EXECUTE || !x->s ||
		    ward_profile_exec_allowed(p, x->s, x->len))
			return;
		key = mix(mix(key, "X", 1), x->s, x->len);
		if (!first_in_window(d, key, ev->time_ns))
			return;
		snprintf(d->out, sizeof(d->out), "unexpected command execution: %.*s", (int)x->len,
			 x->s);
		emit_alert(d, p, ev, "exec", NULL, NULL, emit, ctx);
		return;
	}
	/* connections: only the ones this application makes */
	const struct ward_conn_info *c = &ev->conn;
	if (ev->access_type != XDR_CONNECTION_CONNECT_OUTBOUND ||
	    ward_profile_port_allowed(p, c->remote_port, c->protocol))
		return;
	key = mix(mix(key, "C", 1), c->remote_ip, strnlen(c->remote_ip, sizeof(c->remote_ip)));
	key = mix(mix(key, &c->remote_port, sizeof(c->remote_port)), &c->protocol, 1);
	if (!first_in_window(d, key, ev->time_ns))
		return;
	bool v6 = strchr(c->remote_ip, ':') != NULL;
	snprintf(d->out, sizeof(d->out), "unexpected connection: %s%.*s%s:%u/%s", v6 ? "[" : "",
		 (int)strnlen(c->remote_ip, sizeof(c->remote_ip)), c->remote_ip, v6 ? "]" : "",
		 c->remote_port, c->protocol == XDR_CONNECTION_UDP ? "UDP" : "TCP");
	emit_alert(d, p, ev, "connect", NULL, NULL, emit, ctx);
}
