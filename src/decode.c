#include "decode.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <pwd.h>

#include "dir_cache.h"
#include "file_table.h"
#include "fold_origin.h"
#include "net_parse.h"
#include "hooks.h"
#include "path_notes.h"
#include "path_resolve.h"
#include "ward/abi.h"
#include "xdr_names.h"

struct ward_decoder {
	struct ward_proc_cache *cache;
	uint64_t boot_to_unix_ns;
	const char *procfs_root;
	struct ward_decode_stats stats;
	uint64_t out_seq;
	uint64_t next_cpu_seq[WARD_MAX_CPUS];
	/* What a process was before its exec: moved out of the cache so the
	 * event can still show it, freed at the next exec. */
	char *prev_exe, *prev_cmdline;
	size_t prev_exe_len, prev_cmdline_len;
	char prev_comm[16];
	char comm[17];
	char path[PATH_MAX];
	char new_path[PATH_MAX];
	char close_path[PATH_MAX];
	struct ward_file_table *open_files;
	struct ward_fold_origin *fold_origins;
	struct ward_dir_cache *dirs;
	struct ward_path_notes *notes;
	char lex[PATH_MAX];
	struct ward_dns_question dns;
	struct ward_http_request http;
	char old_name[17], new_name[17];
	char comm_before[17];
	bool comm_changed;
	char user[64];
	char pwbuf[4096];
	char library[PATH_MAX];
};

/* Files modified and not yet closed that ward remembers the path of. */
#define WARD_OPEN_FILES_MAX 65536
/* Reported opens remembered for the repeats an exit may report: a process's
 * repeated file is normally among its latest opens. 8192 slots and 1 MiB
 * of paths: no allocation per event. */
#define WARD_FOLD_ORIGINS 8192
#define WARD_FOLD_ORIGIN_BYTES (1u << 20)

struct ward_decoder *ward_decoder_new(struct ward_proc_cache *cache, uint64_t boot_to_unix_ns,
				      const char *procfs_root)
{
	struct ward_decoder *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->cache = cache;
	d->boot_to_unix_ns = boot_to_unix_ns;
	d->procfs_root = procfs_root;
	d->open_files = ward_file_table_new(WARD_OPEN_FILES_MAX);
	d->dirs = ward_dir_cache_new();
	d->fold_origins = ward_fold_origin_new(WARD_FOLD_ORIGINS, WARD_FOLD_ORIGIN_BYTES);
	d->notes = ward_path_notes_new();
	if (!d->open_files || !d->dirs || !d->fold_origins || !d->notes) {
		ward_decoder_free(d);
		return NULL;
	}
	return d;
}

void ward_decoder_free(struct ward_decoder *d)
{
	if (!d)
		return;
	free(d->prev_exe);
	free(d->prev_cmdline);
	ward_file_table_free(d->open_files);
	ward_dir_cache_free(d->dirs);
	ward_fold_origin_free(d->fold_origins);
	ward_path_notes_free(d->notes);
	free(d);
}

const struct ward_decode_stats *ward_decoder_stats(const struct ward_decoder *d)
{
	return &d->stats;
}

uint64_t ward_decoder_next_seq(const struct ward_decoder *d)
{
	return d->out_seq;
}

uint64_t ward_decoder_take_seq(struct ward_decoder *d)
{
	return d->out_seq++;
}

/* A string of the tail: inside the record, after the fixed part, NUL at its
 * end. An absent string (off 0) is fine; a bad one makes the record bad. */
static int tail_str(const uint8_t *rec, size_t size, size_t fixed, struct ward_str s,
		    struct ward_str_ref *out)
{
	if (s.off == 0) {
		out->s = NULL;
		out->len = 0;
		return 0;
	}
	if (s.off < fixed || (size_t)s.off + s.len >= size || rec[s.off + s.len] != 0)
		return -EBADMSG;
	out->s = (const char *)rec + s.off;
	out->len = s.len;
	return 0;
}

static void ref_set(struct ward_str_ref *r, const char *s, size_t len)
{
	r->s = s;
	r->len = s ? len : 0;
}

/* Per-CPU sequence numbers: a jump forward is records lost in the kernel. */
static void track_seq(struct ward_decoder *d, const struct ward_hdr *h)
{
	if (h->cpu >= WARD_MAX_CPUS)
		return;
	uint64_t *next = &d->next_cpu_seq[h->cpu];
	if (h->seq > *next) {
		uint64_t gap = h->seq - *next;
		d->stats.seq_lost += gap;
		d->out_seq += gap; /* the gap shows in the output stream too */
	} else if (h->seq < *next) {
		d->stats.reordered++;
		return;
	}
	*next = h->seq + 1;
}

/* The cache entry of the acting task; loaded from /proc once if ward has not
 * seen the process yet (it started before ward, or its fork was lost). */
static struct ward_proc *acting_proc_c(struct ward_decoder *d, const struct ward_task *t,
				       bool update_comm)
{
	struct ward_proc *p = ward_proc_get(d->cache, t->tgid);
	uint64_t tick_same = p && ward_proc_hash_id(d->cache, t->tgid, t->start_boottime) ==
				       p->hash_id;
	if (!tick_same) {
		p = NULL;
		if (ward_proc_load(d->cache, d->procfs_root, t->tgid, &p) == 0) {
			d->stats.cache_loads++;
			if (p->hash_id != ward_proc_hash_id(d->cache, t->tgid, t->start_boottime))
				p = NULL; /* /proc shows a newer process with this pid */
		}
		if (!p) {
			bool created;
			p = ward_proc_upsert(d->cache, t->tgid, t->start_boottime, &created);
			if (!p)
				return NULL;
		}
	}
	p->ppid = t->ppid;
	p->uid = t->uid;
	p->euid = t->euid;
	p->gid = t->gid;
	/* The process's name is its main thread's (exec handles its own). */
	d->comm_changed = false;
	if (t->tid == t->tgid && update_comm && memcmp(p->comm, t->comm, 15)) {
		memcpy(d->comm_before, p->comm, 16);
		d->comm_before[16] = 0;
		d->comm_changed = p->comm[0] != 0;
		memcpy(p->comm, t->comm, 16);
		p->comm[15] = 0;
	}
	return p;
}

static struct ward_proc *acting_proc(struct ward_decoder *d, const struct ward_task *t)
{
	return acting_proc_c(d, t, true);
}

static void fill_process(struct ward_decoder *d, struct ward_event *ev, const struct ward_task *t,
			 const struct ward_proc *p, const char *comm)
{
	struct ward_process_info *pi = &ev->process;
	pi->pid = t->tgid;
	pi->tid = t->tid;
	pi->ppid = t->ppid;
	pi->uid = t->uid;
	pi->euid = t->euid;
	pi->gid = t->gid;
	pi->comm = comm;
	pi->comm_before = d->comm_changed ? d->comm_before : NULL;
	pi->start_time_ns = t->start_boottime + d->boot_to_unix_ns;
	pi->hash_id = p ? p->hash_id : ward_proc_hash_id(d->cache, t->tgid, t->start_boottime);
	if (p) {
		ref_set(&pi->exe, p->exe, p->exe_len);
		ref_set(&pi->cmdline, p->cmdline, p->cmdline_len);
		ref_set(&pi->cwd, p->cwd, p->cwd_len);
	}
}

static void begin_event(struct ward_decoder *d, struct ward_event *ev, const struct ward_hdr *h,
			uint16_t event_type, uint16_t access_type)
{
	memset(ev, 0, sizeof(*ev));
	ev->time_ns = h->ts_boot_ns + d->boot_to_unix_ns;
	ev->event_type = event_type;
	ev->access_type = access_type;
	ev->count = 1;
}

static int finish(struct ward_decoder *d, const struct ward_hdr *h, struct ward_event *ev)
{
	if (h->flags & WARD_HDR_CACHE_ONLY) {
		d->stats.cache_only++;
		return 0;
	}
	ev->seq = d->out_seq++;
	return 1;
}

/* The comm strings of the task in the record are not NUL-terminated when
 * 16 bytes long; keep a terminated copy per call. */
static const char *comm_of(const struct ward_task *t, char buf[17])
{
	memcpy(buf, t->comm, 16);
	buf[16] = 0;
	return buf;
}

static int decode_fork(struct ward_decoder *d, const uint8_t *rec, size_t size,
		       struct ward_event *ev)
{
	const struct ward_rec_fork *r = (const void *)rec;
	if (size < sizeof(*r))
		return -EBADMSG;
	struct ward_proc *parent = acting_proc(d, &r->c.task);
	bool created;
	struct ward_proc *child =
		ward_proc_upsert(d->cache, r->child_tgid, r->child_start_boottime, &created);
	if (child && parent) {
		ward_proc_inherit(child, parent);
		child->ppid = r->c.task.tgid;
		memcpy(child->comm, r->c.task.comm, 16);
	}
	begin_event(d, ev, &r->c.hdr, XDR_EVENT_PROCESS, XDR_PROCESS_CREATE);
	fill_process(d, ev, &r->c.task, parent, comm_of(&r->c.task, d->comm));
	ev->target.pid = r->child_tgid;
	ev->target.hash_id = child ? child->hash_id
				   : ward_proc_hash_id(d->cache, r->child_tgid,
						       r->child_start_boottime);
	if (child) {
		ref_set(&ev->target.exe, child->exe, child->exe_len);
		ref_set(&ev->target.cmdline, child->cmdline, child->cmdline_len);
	}
	return finish(d, &r->c.hdr, ev);
}

static int decode_exec(struct ward_decoder *d, const uint8_t *rec, size_t size,
		       struct ward_event *ev)
{
	const struct ward_rec_exec *r = (const void *)rec;
	if (size < sizeof(*r))
		return -EBADMSG;
	struct ward_str_ref exe, filename, args;
	if (tail_str(rec, size, sizeof(*r), r->exe, &exe) ||
	    tail_str(rec, size, sizeof(*r), r->filename, &filename) ||
	    tail_str(rec, size, sizeof(*r), r->args, &args))
		return -EBADMSG;

	struct ward_proc *p = acting_proc_c(d, &r->c.task, false);
	begin_event(d, ev, &r->c.hdr, XDR_EVENT_PROCESS, XDR_PROCESS_EXECUTE);

	/* The subject is the process as it was before the exec. */
	free(d->prev_exe);
	free(d->prev_cmdline);
	d->prev_exe = d->prev_cmdline = NULL;
	d->prev_exe_len = d->prev_cmdline_len = 0;
	memset(d->prev_comm, 0, sizeof(d->prev_comm));
	if (p) {
		d->prev_exe = p->exe;
		d->prev_exe_len = p->exe_len;
		d->prev_cmdline = p->cmdline;
		d->prev_cmdline_len = p->cmdline_len;
		memcpy(d->prev_comm, p->comm, sizeof(d->prev_comm));
		d->prev_comm[15] = 0;
		p->exe = p->cmdline = NULL;
		p->exe_len = p->cmdline_len = 0;
	}
	fill_process(d, ev, &r->c.task, p, d->prev_comm);
	ref_set(&ev->process.exe, d->prev_exe, d->prev_exe_len);
	ref_set(&ev->process.cmdline, d->prev_cmdline, d->prev_cmdline_len);

	/* Then the cache takes the new image. */
	if (p) {
		ward_proc_set_str(&p->exe, &p->exe_len, exe.s ? exe.s : "", exe.len);
		ward_proc_set_argv(p, args.s ? args.s : "", args.len);
		memcpy(p->comm, r->c.task.comm, 16);
		p->comm[15] = 0;
	}
	ev->target.pid = r->c.task.tgid;
	ev->target.hash_id = ev->process.hash_id;
	ev->target.exe = exe;
	ev->target.exe_truncated = r->flags & WARD_PATH_TRUNCATED;
	ev->target.exe_deleted = r->flags & WARD_PATH_DELETED;
	ev->target.argv = args.s;
	ev->target.argv_len = args.len;
	while (ev->target.argv_len && args.s[ev->target.argv_len - 1] == 0)
		ev->target.argv_len--; /* the NUL after the last argument */
	ev->target.argv_truncated = r->flags & WARD_ARGS_TRUNCATED;
	if (p)
		ref_set(&ev->target.cmdline, p->cmdline, p->cmdline_len);
	return finish(d, &r->c.hdr, ev);
}

static int decode_exit(struct ward_decoder *d, const uint8_t *rec, size_t size,
		       struct ward_event *ev)
{
	const struct ward_rec_exit *r = (const void *)rec;
	if (size < sizeof(*r))
		return -EBADMSG;
	struct ward_proc *p = acting_proc(d, &r->c.task);
	begin_event(d, ev, &r->c.hdr, XDR_EVENT_PROCESS, XDR_PROCESS_TERMINATE);
	fill_process(d, ev, &r->c.task, p, comm_of(&r->c.task, d->comm));
	ev->target.pid = r->c.task.tgid;
	ev->target.hash_id = ev->process.hash_id;
	ev->target.exe = ev->process.exe;
	ev->target.cmdline = ev->process.cmdline;
	ev->target.has_exit_code = true;
	ev->target.exit_code = r->exit_code;
	if (p)
		ward_proc_mark_exited(p, r->c.hdr.ts_boot_ns);
	return finish(d, &r->c.hdr, ev);
}

/*
 * The repeats a process folded in its last window, reported at its exit.
 * For opens: a FILE_OPEN with their count and the path of the open that
 * began the window. Other kinds (and opens whose path is no longer
 * remembered) stay in the kernel's deduplicated counter and are counted
 * here.
 */
static int decode_fold(struct ward_decoder *d, const uint8_t *rec, size_t size,
		       struct ward_event *ev)
{
	const struct ward_rec_fold *r = (const void *)rec;
	if (size < sizeof(*r))
		return -EBADMSG;
	size_t len;
	uint32_t mode = 0;
	const char *path = r->kind == XDR_FILE_OPEN
		? ward_fold_origin_get(d->fold_origins, r->c.task.tgid, r->key_a,
				       (uint32_t)(r->key_b >> 32), (uint32_t)r->key_c, &len, &mode)
		: NULL;
	if (!path) {
		d->stats.fold_unattributed += r->count;
		return 0;
	}
	d->stats.fold_reported += r->count;
	struct ward_proc *p = acting_proc(d, &r->c.task);
	begin_event(d, ev, &r->c.hdr, XDR_EVENT_FILE, XDR_FILE_OPEN);
	fill_process(d, ev, &r->c.task, p, comm_of(&r->c.task, d->comm));
	ev->count = r->count;
	memcpy(d->close_path, path, len + 1);
	ref_set(&ev->file.path, d->close_path, len);
	ev->file.resolved = true;
	ev->file.flags = (uint32_t)r->key_c;
	ev->file.mode = mode;
	ev->file.inode = r->key_a;
	ev->file.dev = (uint32_t)(r->key_b >> 32);
	return finish(d, &r->c.hdr, ev);
}

static int decode_path_note(struct ward_decoder *d, const uint8_t *rec, size_t size)
{
	const struct ward_rec_path_note *r = (const void *)rec;
	struct ward_str_ref path, path2;
	if (size < sizeof(*r) || tail_str(rec, size, sizeof(*r), r->path, &path) ||
	    tail_str(rec, size, sizeof(*r), r->path2, &path2))
		return -EBADMSG;
	if (ward_path_notes_put(d->notes, r->c.task.tid, r->syscall_nr, r->flags, path.s, path.len,
				path2.s, path2.len))
		d->stats.notes_evicted++;
	d->stats.cache_only++;
	return 0;
}

static int decode_cwd(struct ward_decoder *d, const uint8_t *rec, size_t size)
{
	const struct ward_rec_cwd *r = (const void *)rec;
	struct ward_str_ref cwd;
	if (size < sizeof(*r) || tail_str(rec, size, sizeof(*r), r->cwd, &cwd))
		return -EBADMSG;
	struct ward_proc *p = acting_proc(d, &r->c.task);
	if (p && cwd.s)
		ward_proc_set_str(&p->cwd, &p->cwd_len, cwd.s, cwd.len);
	d->stats.cache_only++;
	return 0;
}

/* A BASE path (directory + the caller's string) made canonical. */
static void resolve_base(struct ward_decoder *d, const struct ward_rec_file *r,
			 struct ward_str_ref base, struct ward_str_ref req, char *buf,
			 struct ward_str_ref *out, bool *resolved)
{
	unsigned int flags = (r->rflags & WARD_F_NOFOLLOW) ? WARD_RESOLVE_NOFOLLOW : 0;
	/* The common case costs no syscall: one name in a directory the kernel
	 * walked, final component not followed (unlink, rename, mkdir). */
	if (flags && base.s && req.s && req.len && !memchr(req.s, '/', req.len) &&
	    strcmp(req.s, ".") && strcmp(req.s, "..") && base.len + req.len + 2 <= PATH_MAX) {
		size_t n = base.len;
		memcpy(buf, base.s, n);
		if (n > 1)
			buf[n++] = '/';
		memcpy(buf + n, req.s, req.len + 1);
		ref_set(out, buf, n + req.len);
		*resolved = true;
		return;
	}

	/* A name in a directory resolved a moment ago (the final component not
	 * followed): the cache (dir_cache.h) saves the walk. Never for /proc,
	 * where "self" depends on the process. */
	const char *bs = base.s ? base.s : "/";
	const char *rs = req.s ? req.s : "";
	int lex = flags ? ward_path_join(bs, rs, d->lex, sizeof(d->lex)) : -1;
	char *slash = lex > 1 ? strrchr(d->lex, '/') : NULL;
	bool cacheable = slash && slash != d->lex && strncmp(d->lex, "/proc/", 6) &&
			 strcmp(slash + 1, ".") && strcmp(slash + 1, "..");
	if (cacheable) {
		*slash = 0;
		const char *dir = ward_dir_cache_get(d->dirs, d->lex, r->c.hdr.ts_boot_ns);
		if (dir && strlen(dir) + strlen(slash + 1) + 2 <= PATH_MAX) {
			int n = snprintf(buf, PATH_MAX, "%s/%s", strcmp(dir, "/") ? dir : "",
					 slash + 1);
			ref_set(out, buf, n);
			*resolved = true;
			return;
		}
	}

	int n = ward_path_resolve(bs, rs, flags, r->c.task.tgid, r->c.task.tid, buf, PATH_MAX,
				  resolved);
	if (n < 0) {
		/* Too long to resolve: show what the kernel gave. */
		*out = req;
		*resolved = false;
		return;
	}
	ref_set(out, buf, n);
	if (cacheable && *resolved) {
		/* remember the directory part of what the walk found */
		char *rslash = strrchr(buf, '/');
		if (rslash && !strcmp(rslash + 1, slash + 1)) {
			*rslash = 0;
			ward_dir_cache_put(d->dirs, d->lex, rslash == buf ? "/" : buf,
					   r->c.hdr.ts_boot_ns);
			*rslash = '/';
		}
	}
}

static int decode_file(struct ward_decoder *d, const uint8_t *rec, size_t size,
		       struct ward_event *ev)
{
	const struct ward_rec_file *r = (const void *)rec;
	if (size < sizeof(*r))
		return -EBADMSG;
	struct ward_str_ref path, req, path2, req2;
	if (tail_str(rec, size, sizeof(*r), r->path, &path) ||
	    tail_str(rec, size, sizeof(*r), r->req_path, &req) ||
	    tail_str(rec, size, sizeof(*r), r->path2, &path2) ||
	    tail_str(rec, size, sizeof(*r), r->req_path2, &req2))
		return -EBADMSG;
	if (r->access_type < 101 || r->access_type > 109)
		return -EBADMSG;

	struct ward_proc *p = acting_proc(d, &r->c.task);
	begin_event(d, ev, &r->c.hdr, XDR_EVENT_FILE, r->access_type);
	fill_process(d, ev, &r->c.task, p, comm_of(&r->c.task, d->comm));
	ev->count = r->count ? r->count : 1;

	struct ward_file_info *f = &ev->file;
	f->flags = r->open_flags;
	f->mode = r->mode;
	f->inode = r->inode;
	f->dev = r->dev;
	f->requested_path = req;
	f->path_truncated = r->flags & WARD_PATH_TRUNCATED;
	f->deleted = r->flags & WARD_PATH_DELETED;
	f->at_exit = r->rflags & WARD_F_AT_EXIT;
	f->syscall_nr = r->syscall_nr;
	uint32_t tgid = r->c.task.tgid;
	struct ward_str_ref noted2 = { 0 };
	if (r->path_kind == WARD_PATH_KERNEL) {
		/* the path hook's note, just before from this thread */
		uint32_t nflags;
		if (ward_path_notes_take(d->notes, r->c.task.tid, r->syscall_nr, &f->path, &noted2,
					 &nflags) == 0) {
			f->resolved = true;
			f->path_truncated = nflags & WARD_PATH_TRUNCATED;
			f->new_path_truncated = nflags & WARD_PATH2_TRUNCATED;
		} else {
			d->stats.notes_missing++;   /* its note was lost (counted) */
		}
	} else if (r->path_kind == WARD_PATH_BASE) {
		resolve_base(d, r, path, req, d->path, &f->path, &f->resolved);
	} else if (r->path_kind == WARD_PATH_ID) {
		/* FILE_CLOSE at syscall exit: the path of its FILE_MODIFY */
		size_t len;
		const char *known = ward_file_table_get(d->open_files, tgid, r->file_id, &len);
		if (known) {
			memcpy(d->close_path, known, len + 1);
			ref_set(&f->path, d->close_path, len);
			f->resolved = true;
		} else {
			d->stats.close_unknown++;
		}
		ward_file_table_drop(d->open_files, tgid, r->file_id);
	} else {
		f->path = path;
		f->resolved = true;
		if (r->access_type == XDR_FILE_OPEN && path.s)
			ward_fold_origin_put(d->fold_origins, tgid, r->inode, r->dev, r->open_flags,
					     r->mode, path.s, path.len);
		if (r->access_type == XDR_FILE_MODIFY && r->file_id && path.s)
			ward_file_table_put(d->open_files, tgid, r->file_id, path.s, path.len);
		else if (r->access_type == XDR_FILE_CLOSE)
			ward_file_table_drop(d->open_files, tgid, r->file_id);
	}
	if (r->access_type == XDR_FILE_MOVE) {
		f->requested_new_path = req2;
		/* invalidate the cache after resolving both names */
		f->new_path_truncated |= r->flags & WARD_PATH2_TRUNCATED;
		bool resolved2;
		if (r->path2_kind == WARD_PATH_BASE)
			resolve_base(d, r, path2, req2, d->new_path, &f->new_path, &resolved2);
		else if (r->path2_kind == WARD_PATH_KERNEL)
			f->new_path = noted2;
		else
			f->new_path = path2;
	}
	/* A name came or went: directories through it may resolve otherwise. */
	if (r->access_type == XDR_FILE_CREATE || r->access_type == XDR_FILE_DELETE ||
	    r->access_type == XDR_FILE_MOVE) {
		if (f->path.s)
			ward_dir_cache_invalidate(d->dirs, f->path.s);
		if (f->requested_path.s && f->requested_path.s[0] == '/')
			ward_dir_cache_invalidate(d->dirs, f->requested_path.s);
		if (f->new_path.s)
			ward_dir_cache_invalidate(d->dirs, f->new_path.s);
		if (f->requested_new_path.s && f->requested_new_path.s[0] == '/')
			ward_dir_cache_invalidate(d->dirs, f->requested_new_path.s);
	}
	return finish(d, &r->c.hdr, ev);
}

static void format_ip(uint8_t family, const uint8_t addr[16], char out[46])
{
	if (!inet_ntop(family == 10 ? AF_INET6 : AF_INET, addr, out, 46))
		out[0] = 0;
}

static int decode_net(struct ward_decoder *d, const uint8_t *rec, size_t size,
		      struct ward_event *ev)
{
	const struct ward_rec_net *r = (const void *)rec;
	struct ward_str_ref payload;
	if (size < sizeof(*r) || tail_str(rec, size, sizeof(*r), r->payload, &payload))
		return -EBADMSG;
	unsigned int a = r->access_type;
	if (!((a >= XDR_CONNECTION_CONNECT && a <= XDR_CONNECTION_CONNECT_OUTBOUND) ||
	      a == XDR_DNS_QUERY || (a >= XDR_INTERNET_OPEN && a <= XDR_INTERNET_DOWNLOAD)))
		return -EBADMSG;
	if (r->family != AF_INET && r->family != AF_INET6)
		return -EBADMSG;

	struct ward_proc *p = acting_proc(d, &r->c.task);
	begin_event(d, ev, &r->c.hdr, ward_event_type_of(a), a);
	fill_process(d, ev, &r->c.task, p, comm_of(&r->c.task, d->comm));
	struct ward_conn_info *c = &ev->conn;
	c->protocol = r->protocol;
	c->family = r->family;
	format_ip(r->family, r->local_addr, c->local_ip);
	format_ip(r->family, r->remote_addr, c->remote_ip);
	c->local_port = r->local_port;
	c->remote_port = r->remote_port;
	c->result = r->result;
	c->in_progress = r->flags & WARD_NET_IN_PROGRESS;
	c->fd = r->fd;
	c->sock_id = r->sock_id;

	if (a == XDR_DNS_QUERY) {
		ev->dns.tcp = r->flags & WARD_NET_DNS_TCP;
		if (payload.s && ward_dns_parse_query((const uint8_t *)payload.s, payload.len,
						      ev->dns.tcp, &d->dns) == 0) {
			ev->dns.query = d->dns.name;
			ev->dns.qtype = d->dns.qtype;
			ev->dns.id = d->dns.id;
		} else {
			ev->dns.malformed = true;
		}
	} else if (a == XDR_INTERNET_CONNECT) {
		if (!payload.s ||
		    ward_http_parse_request(payload.s, payload.len, &d->http) != 0) {
			/* It started like a request but is not one: no event. */
			d->stats.http_unparsed++;
			return 0;
		}
		ev->http.method = d->http.method;
		ev->http.url = d->http.url;
		ev->http.host = d->http.host;
		ev->http.proxy = d->http.proxy;
		ev->http.url_truncated = d->http.url_truncated;
		ev->http.headers_truncated = d->http.headers_truncated;
		ev->http.host_truncated = d->http.host_truncated;
	}
	return finish(d, &r->c.hdr, ev);
}

static const char *ptrace_name(uint32_t req)
{
	switch (req) {
	case 0: return "PTRACE_TRACEME";
	case 1: return "PTRACE_PEEKTEXT";
	case 2: return "PTRACE_PEEKDATA";
	case 3: return "PTRACE_PEEKUSER";
	case 4: return "PTRACE_POKETEXT";
	case 5: return "PTRACE_POKEDATA";
	case 6: return "PTRACE_POKEUSER";
	case 12: return "PTRACE_GETREGS";
	case 13: return "PTRACE_SETREGS";
	case 14: return "PTRACE_GETFPREGS";
	case 15: return "PTRACE_SETFPREGS";
	case 16: return "PTRACE_ATTACH";
	case 0x4202: return "PTRACE_GETSIGINFO";
	case 0x4203: return "PTRACE_SETSIGINFO";
	case 0x4204: return "PTRACE_GETREGSET";
	case 0x4205: return "PTRACE_SETREGSET";
	case 0x4206: return "PTRACE_SEIZE";
	case 0x4209: return "PTRACE_PEEKSIGINFO";
	default: return NULL;
	}
}

static const char *user_name(struct ward_decoder *d, uint32_t uid)
{
	struct passwd pw, *res = NULL;
	if (getpwuid_r(uid, &pw, d->pwbuf, sizeof(d->pwbuf), &res) || !res)
		return NULL;
	snprintf(d->user, sizeof(d->user), "%s", res->pw_name);
	return d->user;
}

/* "io_uring:OPENAT" for IORING_OP_OPENAT; "io_uring_setup" for the ring. */
static const char *ward_uring_op_name(uint32_t op, char *buf, size_t size)
{
	static const char *const ops[] = {
		"NOP", "READV", "WRITEV", "FSYNC", "READ_FIXED", "WRITE_FIXED", "POLL_ADD",
		"POLL_REMOVE", "SYNC_FILE_RANGE", "SENDMSG", "RECVMSG", "TIMEOUT",
		"TIMEOUT_REMOVE", "ACCEPT", "ASYNC_CANCEL", "LINK_TIMEOUT", "CONNECT",
		"FALLOCATE", "OPENAT", "CLOSE", "FILES_UPDATE", "STATX", "READ", "WRITE",
		"FADVISE", "MADVISE", "SEND", "RECV", "OPENAT2", "EPOLL_CTL", "SPLICE",
		"PROVIDE_BUFFERS", "REMOVE_BUFFERS", "TEE", "SHUTDOWN", "RENAMEAT", "UNLINKAT",
		"MKDIRAT", "SYMLINKAT", "LINKAT", "MSG_RING", "FSETXATTR", "SETXATTR",
		"FGETXATTR", "GETXATTR", "SOCKET", "URING_CMD", "SEND_ZC", "SENDMSG_ZC",
		"READ_MULTISHOT", "WAITID", "FUTEX_WAIT", "FUTEX_WAKE", "FUTEX_WAITV",
		"FIXED_FD_INSTALL", "FTRUNCATE", "BIND", "LISTEN",
	};
	if (op == WARD_URING_SETUP)
		return "io_uring_setup";
	if (op < sizeof(ops) / sizeof(ops[0]))
		snprintf(buf, size, "io_uring:%s", ops[op]);
	else
		snprintf(buf, size, "io_uring:%u", op);
	return buf;
}

static const char *const api_names[WARD_API_MAX] = {
	[WARD_API_EVP_ENCRYPTINIT_EX] = "EVP_EncryptInit_ex",
	[WARD_API_EVP_CIPHERINIT_EX] = "EVP_CipherInit_ex",
	[WARD_API_EVP_SEALINIT] = "EVP_SealInit",
};

/* The file mapped at ip in the process: one read of its maps, done only
 * for API events (already folded per process and API in the kernel). */
static const char *library_at(struct ward_decoder *d, uint32_t pid, uint64_t ip)
{
	char path[64];
	snprintf(path, sizeof(path), "%s/%u/maps", d->procfs_root, pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	const char *found = NULL;
	char line[PATH_MAX + 128];
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		int off = 0;
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &lo, &hi, &off) < 2 || !off)
			continue;
		if (ip < lo || ip >= hi)
			continue;
		char *p = line + off;
		p[strcspn(p, "\n")] = 0;
		if (*p == '/') {
			snprintf(d->library, sizeof(d->library), "%s", p);
			found = d->library;
		}
		break;
	}
	fclose(f);
	return found;
}

static int decode_act(struct ward_decoder *d, const uint8_t *rec, size_t size,
		      struct ward_event *ev)
{
	const struct ward_rec_act *r = (const void *)rec;
	struct ward_str_ref path, api;
	if (size < sizeof(*r) || tail_str(rec, size, sizeof(*r), r->path, &path) ||
	    tail_str(rec, size, sizeof(*r), r->api, &api))
		return -EBADMSG;
	unsigned int a = r->access_type;
	unsigned int et = ward_event_type_of(a);
	if (!ward_access_type_name(a) ||
	    !(et == XDR_EVENT_MODIFIED_PROCESS || et == XDR_EVENT_MEMORY ||
	      a == XDR_ACCOUNT_IMPERSONATE || a == XDR_PROCESS_LOAD_IMAGE ||
	      a == XDR_PROCESS_TRACME || et == XDR_EVENT_BM))
		return -EBADMSG;

	/* What the process was before this record: credentials and name. */
	struct ward_proc *before = ward_proc_get(d->cache, r->c.task.tgid);
	uint32_t from_uid = before ? before->uid : r->c.task.uid;
	uint32_t from_euid = before ? before->euid : r->c.task.euid;
	uint32_t from_gid = before ? before->gid : r->c.task.gid;
	uint32_t from_ids[5] = { 0 };
	if (before) {
		from_ids[0] = before->suid;
		from_ids[1] = before->fsuid;
		from_ids[2] = before->egid;
		from_ids[3] = before->sgid;
		from_ids[4] = before->fsgid;
	}
	snprintf(d->old_name, sizeof(d->old_name), "%s", before ? before->comm : "");

	struct ward_proc *p = acting_proc(d, &r->c.task);
	begin_event(d, ev, &r->c.hdr, et, a);
	fill_process(d, ev, &r->c.task, p, comm_of(&r->c.task, d->comm));
	ev->count = r->count ? r->count : 1;
	struct ward_act_info *x = &ev->act;
	x->syscall = ward_syscall_name(r->syscall_nr);

	if (a == XDR_BM_INVOKE) {
		x->api_name = ward_uring_op_name(r->request, d->library, sizeof(d->library));
		x->api_library = "io_uring";
		return finish(d, &r->c.hdr, ev);
	}
	if (a == XDR_BM_INVOKE_API) {
		if (r->request >= WARD_API_MAX)
			return -EBADMSG;
		x->api_name = api_names[r->request];
		x->api_library = path.s && path.len ? path.s
						    : library_at(d, r->c.task.tgid, r->addr);
		return finish(d, &r->c.hdr, ev);
	}

	if (a == XDR_ACCOUNT_IMPERSONATE) {
		x->from_uid = from_uid;
		x->from_euid = from_euid;
		x->from_gid = from_gid;
		x->to_uid = r->c.task.uid;
		x->to_euid = r->c.task.euid;
		x->to_gid = r->c.task.gid;
		x->to_egid = r->request;
		x->to_suid = r->addr >> 32;
		x->to_fsuid = (uint32_t)r->addr;
		uint32_t to_ids[5] = { x->to_suid, x->to_fsuid, x->to_egid, (uint32_t)(r->len >> 32),
				       (uint32_t)r->len };
		bool same = from_uid == x->to_uid && from_euid == x->to_euid &&
			    from_gid == x->to_gid && (!before || !memcmp(from_ids, to_ids,
									 sizeof(to_ids)));
		if (p) {
			p->suid = to_ids[0];
			p->fsuid = to_ids[1];
			p->egid = to_ids[2];
			p->sgid = to_ids[3];
			p->fsgid = to_ids[4];
		}
		if (same) {
			/* setuid(getuid()) and the like: nothing changed */
			d->stats.cache_only++;
			return 0;
		}
		x->to_user = user_name(d, x->to_euid);
		return finish(d, &r->c.hdr, ev);
	}

	/* The other process (for renames and memory: the process itself). */
	struct ward_target_process *t = &ev->target;
	t->pid = r->target_tgid;
	struct ward_proc *tp = ward_proc_get(d->cache, r->target_tgid);
	if (tp) {
		ref_set(&t->exe, tp->exe, tp->exe_len);
		ref_set(&t->cmdline, tp->cmdline, tp->cmdline_len);
		t->comm = tp->comm;
		t->hash_id = tp->hash_id;
	}
	if (a == XDR_MODIFIED_PROCESS_WRITE_PROCESS_NAME) {
		memcpy(d->new_name, r->name, 16);
		d->new_name[16] = 0;
		x->old_name = d->old_name;
		x->new_name = d->new_name;
		t->comm = d->new_name;
		return finish(d, &r->c.hdr, ev);
	}
	if (a == XDR_MODIFIED_PROCESS_WRITE_MEMORY || a == XDR_MODIFIED_PROCESS_READ_PROCESS ||
	    a == XDR_MODIFIED_PROCESS_WRITE_PROCESS || a == XDR_PROCESS_TRACME) {
		x->ptrace_request = r->syscall_nr == (uint32_t)ward_syscall_nr("ptrace")
					    ? ptrace_name(r->request) : NULL;
		x->has_memory = a == XDR_MODIFIED_PROCESS_WRITE_MEMORY ||
				(a == XDR_MODIFIED_PROCESS_READ_PROCESS && r->len);
		x->address = r->addr;
		x->length = r->len;
		return finish(d, &r->c.hdr, ev);
	}
	if (a == XDR_PROCESS_LOAD_IMAGE) {
		ev->file.path = path;
		ev->file.inode = r->inode;
		ev->file.dev = r->dev;
		ev->file.path_truncated = r->flags & WARD_ACT_PATH_TRUNCATED;
		ev->file.deleted = r->flags & WARD_ACT_DELETED;
		ev->file.resolved = true;
	}
	if (et == XDR_EVENT_MEMORY || a == XDR_PROCESS_LOAD_IMAGE) {
		/* the mapping: where, how long, with which protection */
		x->has_memory = true;
		x->has_prot = true;
		x->address = r->addr;
		x->length = r->len;
		x->prot = r->prot;
	}
	return finish(d, &r->c.hdr, ev);
}

int ward_decode(struct ward_decoder *d, const void *data, size_t size, struct ward_event *ev)
{
	const uint8_t *rec = data;
	const struct ward_hdr *h = data;
	d->stats.records++;
	if (size < sizeof(struct ward_rec_common) || h->size > size ||
	    h->size < sizeof(struct ward_rec_common)) {
		d->stats.malformed++;
		return -EBADMSG;
	}
	size = h->size;
	track_seq(d, h);

	int ret;
	switch (h->type) {
	case WARD_REC_PROC_FORK:
		ret = decode_fork(d, rec, size, ev);
		break;
	case WARD_REC_PROC_EXEC:
		ret = decode_exec(d, rec, size, ev);
		break;
	case WARD_REC_PROC_EXIT:
		ret = decode_exit(d, rec, size, ev);
		break;
	case WARD_REC_FILE:
		ret = decode_file(d, rec, size, ev);
		break;
	case WARD_REC_CWD:
		ret = decode_cwd(d, rec, size);
		break;
	case WARD_REC_NET:
		ret = decode_net(d, rec, size, ev);
		break;
	case WARD_REC_ACT:
		ret = decode_act(d, rec, size, ev);
		break;
	case WARD_REC_FOLD:
		ret = decode_fold(d, rec, size, ev);
		break;
	case WARD_REC_PATH_NOTE:
		ret = decode_path_note(d, rec, size);
		break;
	default:
		ret = -EBADMSG;
	}
	if (ret < 0)
		d->stats.malformed++;
	return ret;
}
