#include "sensor.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "hooks.h"
#include "lib/log.h"
#include "path_hooks.h"
#include "skel.h"

#define MAX_HOOKS 256

struct ward_sensor {
	struct ward_skel skel;
	struct ring_buffer *rb;
	ward_record_fn fn;
	void *fn_ctx;
	int ncpus;
	struct ward_percpu *pcpu; /* scratch for reading the counters */
	struct ward_hook_report hooks[MAX_HOOKS];
	size_t nhooks;
	struct bpf_link *links[MAX_HOOKS];
	size_t nlinks;
	/* programs left out because the verifier refused them, and why */
	char refused[MAX_HOOKS][64];
	char refused_reason[MAX_HOOKS][256];
	size_t nrefused;
	struct ward_kernel_info kernel;
	struct ward_path_hooks *path_hooks;
	/* libraries the API uprobes are attached to, by identity */
	struct { dev_t dev; ino_t ino; } libs[32];
	size_t nlibs;
};

static const char *refusal_of(const struct ward_sensor *s, const char *prog)
{
	for (size_t i = 0; i < s->nrefused; i++)
		if (!strcmp(s->refused[i], prog))
			return s->refused_reason[i];
	return "program not loaded";
}

/* ---- libbpf messages ---- */

/* While loading, libbpf's warnings are kept to name the program the verifier
 * refused and why; they are printed only with --verbose. */
static char last_failed_prog[64];
static char last_verifier_line[256];

/* The verifier's reason is the last line of its log before the
 * "processed N insns" summary. */
static void keep_verifier_reason(const char *log)
{
	const char *end = strstr(log, "-- END PROG LOAD LOG --");
	const char *p = strstr(log, "-- BEGIN PROG LOAD LOG --");
	if (!p || !end)
		return;
	const char *line = NULL, *prev = NULL;
	for (p = strchr(p, '\n'); p && p + 1 < end; p = strchr(p + 1, '\n')) {
		const char *l = p + 1;
		if (!strncmp(l, "processed ", 10) || !strncmp(l, "verification time", 17) ||
		    !strncmp(l, "stack depth", 11) || *l == '\n')
			continue;
		prev = line;
		line = l;
	}
	(void)prev;
	if (!line)
		return;
	size_t n = strcspn(line, "\n");
	if (n >= sizeof(last_verifier_line))
		n = sizeof(last_verifier_line) - 1;
	memcpy(last_verifier_line, line, n);
	last_verifier_line[n] = 0;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	static char line[65536];
	va_list copy;
	va_copy(copy, ap);
	vsnprintf(line, sizeof(line), fmt, copy);
	va_end(copy);
	const char *p = strstr(line, "prog '");
	if (level == LIBBPF_WARN && p && strstr(line, "failed") && !last_failed_prog[0]) {
		p += 6;
		const char *q = strchr(p, '\'');
		if (q && (size_t)(q - p) < sizeof(last_failed_prog)) {
			memcpy(last_failed_prog, p, q - p);
			last_failed_prog[q - p] = 0;
			/* Until the verifier's log says more: libbpf's own words,
			 * e.g. a CO-RE relocation this kernel cannot satisfy. */
			const char *why = q + 1;
			while (*why == ':' || *why == ' ')
				why++;
			snprintf(last_verifier_line, sizeof(last_verifier_line), "%.*s",
				 (int)strcspn(why, "\n"), why);
		}
	}
	if (level == LIBBPF_WARN)
		keep_verifier_reason(line);
	/* Shown with --verbose; a refusal is summarised by the loader. */
	if (ward_log_get_level() < WARD_LOG_DEBUG)
		return 0;
	return ward_log_vprintf(level, fmt, ap);
}

/* ---- fault injection, for tests of the error paths ----
 *
 * WARD_FAULT_INJECT=verifier:PROG  PROG's first instruction reads a register
 *                                  nothing wrote, so the real verifier refuses
 *                                  it and the real fallback runs.
 * WARD_FAULT_INJECT=tracepoint:TP  the tracepoint TP is looked up under a name
 *                                  this kernel does not have.
 * WARD_FAULT_INJECT=btf:PATH       look for the kernel's BTF at PATH.
 * WARD_FAULT_INJECT=compat:1       load the compat build (no bpf_loop), as on
 *                                  a 5.10-5.16 kernel.
 */
static const char *fault_value(const char *kind)
{
	const char *f = getenv("WARD_FAULT_INJECT");
	size_t n = strlen(kind);
	if (!f || strncmp(f, kind, n) || f[n] != ':')
		return NULL;
	return f + n + 1;
}

static const char *fault_btf_path(void)
{
	const char *p = fault_value("btf");
	return p ? p : "/sys/kernel/btf/vmlinux";
}

static const char *tracepoint_name(const char *tp, char *buf, size_t size)
{
	const char *f = fault_value("tracepoint");
	if (f && !strcmp(f, tp)) {
		snprintf(buf, size, "%s_ward_fault_injected", tp);
		return buf;
	}
	return tp;
}

static void inject_verifier_fault(struct bpf_program *prog)
{
	const char *f = fault_value("verifier");
	if (!f || strcmp(f, bpf_program__name(prog)))
		return;
	/* Make the first instruction read a register nothing wrote. Same
	 * instruction count, so libbpf's relocations still apply; the real
	 * verifier then refuses the program ("R9 !read_ok"). */
	size_t n = bpf_program__insn_cnt(prog);
	struct bpf_insn *insns = calloc(n, sizeof(*insns));
	if (!insns)
		return;
	memcpy(insns, bpf_program__insns(prog), n * sizeof(*insns));
	insns[0] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = 0,
				      .src_reg = 9 };
	bpf_program__set_insns(prog, insns, n);
	free(insns);
}

/* ---- preflight: one clear line per cause ---- */

static bool has_cap(int cap)
{
	FILE *f = fopen("/proc/self/status", "re");
	if (!f)
		return false;
	char line[256];
	unsigned long long eff = 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	return (eff >> cap) & 1;
}

/* "none [integrity] confidentiality" -> "integrity" */
static void read_lockdown(char *out, size_t size)
{
	snprintf(out, size, "n/a");
	FILE *f = fopen("/sys/kernel/security/lockdown", "re");
	if (!f)
		return;
	char line[128] = "";
	if (fgets(line, sizeof(line), f)) {
		char *a = strchr(line, '['), *b = a ? strchr(a, ']') : NULL;
		if (a && b)
			snprintf(out, size, "%.*s", (int)(b - a - 1), a + 1);
	}
	fclose(f);
}

static enum ward_open_error preflight(void)
{
	const int CAP_SYS_ADMIN_ = 21, CAP_PERFMON_ = 38, CAP_BPF_ = 39;
	if (!has_cap(CAP_SYS_ADMIN_) && !(has_cap(CAP_BPF_) && has_cap(CAP_PERFMON_))) {
		ward_log(WARD_LOG_ERROR, "loading BPF programs needs root (CAP_SYS_ADMIN, or "
					 "CAP_BPF with CAP_PERFMON); run ward as root");
		return WARD_OPEN_PERMISSION;
	}
	const char *btf = fault_btf_path();
	if (access(btf, R_OK) != 0) {
		ward_log(WARD_LOG_ERROR, "this kernel has no BTF (%s: %s); ward needs "
					 "CONFIG_DEBUG_INFO_BTF=y to relocate its programs",
			 btf, strerror(errno));
		return WARD_OPEN_KERNEL;
	}
	char lockdown[32];
	read_lockdown(lockdown, sizeof(lockdown));
	if (!strcmp(lockdown, "confidentiality")) {
		ward_log(WARD_LOG_ERROR, "kernel lockdown is 'confidentiality': BPF may not read "
					 "kernel memory, so no sensor can work here");
		return WARD_OPEN_KERNEL;
	}
	return WARD_OPEN_OK;
}

/* ---- hooks ---- */

static struct ward_hook_report *hook_add(struct ward_sensor *s, const char *name, const char *prog,
					 const char *covers, bool root)
{
	if (s->nhooks >= MAX_HOOKS)
		return NULL;
	struct ward_hook_report *h = &s->hooks[s->nhooks++];
	snprintf(h->name, sizeof(h->name), "%s", name);
	snprintf(h->prog, sizeof(h->prog), "%s", prog);
	h->covers = covers;
	h->root = root;
	h->kind = root ? "tracepoint" : "syscall";
	h->status = WARD_HOOK_ATTACHED;
	return h;
}

/* --strict: the first hook from `from` on that is not attached, said once. */
static bool strict_refuses(const struct ward_sensor *s, size_t from)
{
	for (size_t i = from; i < s->nhooks; i++)
		if (s->hooks[i].status != WARD_HOOK_ATTACHED) {
			ward_log(WARD_LOG_ERROR, "--strict: %s (%s) %s", s->hooks[i].name,
				 s->hooks[i].prog, s->hooks[i].reason);
			return true;
		}
	return false;
}

static bool tracepoint_exists(const struct btf *vmlinux, const char *tp)
{
	char name[160], tpbuf[128];
	snprintf(name, sizeof(name), "btf_trace_%s", tracepoint_name(tp, tpbuf, sizeof(tpbuf)));
	return !vmlinux || btf__find_by_name_kind(vmlinux, name, BTF_KIND_TYPEDEF) > 0;
}

static bool is_handler(const char *prog)
{
	for (size_t i = 0; i < ward_syscall_hook_count; i++)
		if (!strcmp(ward_syscall_hooks[i].prog, prog))
			return true;
	return false;
}

static struct bpf_map *map_of(const struct ward_sensor *s, const char *name)
{
	return bpf_object__find_map_by_name(s->skel.obj, name);
}

/* Open the object and apply everything that must be set before load. */
static int skel_open(struct ward_skel *skel, const struct ward_sensor_opts *o,
		     char (*disabled)[64], size_t ndisabled, const struct btf *vmlinux)
{
	/* bpf_loop (5.17+) keeps verification of the path walk to ~1k
	 * instructions per program; older kernels get the compat build. */
	bool has_loop =
		libbpf_probe_bpf_helper(BPF_PROG_TYPE_RAW_TRACEPOINT, BPF_FUNC_loop, NULL) > 0 &&
		!fault_value("compat");
	int err = ward_skel_open(skel, !has_loop);
	if (err)
		return err;
	skel->cfg->self_tgid = getpid();
	skel->cfg->wakeup_bytes = o->wakeup_bytes;
	skel->cfg->fold_ns = o->fold_ns;
	/* The coarse clocks tick with the kernel's jiffies: their resolution is
	 * 1/HZ, which the kernel tells nowhere else without its config file. */
	struct timespec tick;
	if (clock_getres(CLOCK_MONOTONIC_COARSE, &tick) == 0 && !tick.tv_sec && tick.tv_nsec > 0 &&
	    tick.tv_nsec <= 100 * 1000 * 1000)
		skel->cfg->jiffy_ns = (uint64_t)tick.tv_nsec;
	bpf_map__set_max_entries(bpf_object__find_map_by_name(skel->obj, "ward_events"),
				 o->ring_bytes);

	struct bpf_program *prog;
	bpf_object__for_each_program(prog, skel->obj) {
		const char *name = bpf_program__name(prog);
		/* Handlers run only through the tail-call tables. */
		if (is_handler(name))
			bpf_program__set_autoattach(prog, false);
		inject_verifier_fault(prog);
		for (size_t i = 0; i < ndisabled; i++)
			if (!strcmp(disabled[i], name))
				bpf_program__set_autoload(prog, false);
		for (size_t i = 0; i < ward_root_hook_count; i++)
			if (!strcmp(ward_root_hooks[i].prog, name) &&
			    !tracepoint_exists(vmlinux, ward_root_hooks[i].tracepoint))
				bpf_program__set_autoload(prog, false);
	}
	return 0;
}

/*
 * Load; when the verifier refuses a program, name it, leave it out and try
 * again with the rest (unless strict). Each retry reopens the object: libbpf
 * cannot reload a half-loaded one.
 */
static int load_with_fallback(struct ward_sensor *s, const struct ward_sensor_opts *o,
			      const struct btf *vmlinux)
{
	char (*disabled)[64] = s->refused;
	size_t ndisabled = 0;

	for (;;) {
		int err = skel_open(&s->skel, o, disabled, ndisabled, vmlinux);
		if (err) {
			ward_log(WARD_LOG_ERROR, "cannot open the BPF object: %s", strerror(-err));
			return err;
		}
		last_failed_prog[0] = 0;
		last_verifier_line[0] = 0;
		err = ward_skel_load(&s->skel);
		if (!err)
			return 0;
		ward_skel_destroy(&s->skel);
		if (!last_failed_prog[0] || ndisabled >= MAX_HOOKS) {
			ward_log(WARD_LOG_ERROR, "loading the BPF programs failed: %s%s%s",
				 strerror(-err), last_verifier_line[0] ? ": " : "",
				 last_verifier_line);
			return err;
		}
		snprintf(s->refused_reason[ndisabled], sizeof(s->refused_reason[0]),
			 "%s could not be loaded: %s", last_failed_prog,
			 last_verifier_line[0] ? last_verifier_line : strerror(-err));
		if (o->strict) {
			ward_log(WARD_LOG_ERROR, "--strict: %s", s->refused_reason[ndisabled]);
			return -EPERM;
		}
		snprintf(disabled[ndisabled++], 64, "%s", last_failed_prog);
		s->nrefused = ndisabled;
	}
}

static int set_filters(struct ward_sensor *s, const struct ward_sensor_opts *o)
{
	struct ward_filter_cfg cfg = { 0 };
	cfg.access_mask[0] = o->access_mask[0];
	cfg.access_mask[1] = o->access_mask[1];
	uint8_t one = 1;
	for (size_t i = 0; i < o->npids; i++) {
		if (bpf_map__update_elem(map_of(s, "ward_filter_pids"), &o->pids[i],
					 sizeof(uint32_t), &one, 1, BPF_ANY))
			return -errno;
		cfg.flags |= WARD_FILTER_PID;
	}
	for (size_t i = 0; i < o->ncomms; i++) {
		if (bpf_map__update_elem(map_of(s, "ward_filter_comms"), o->comms[i], WARD_COMM_LEN,
					 &one, 1, BPF_ANY))
			return -errno;
		cfg.flags |= WARD_FILTER_COMM;
	}
	uint32_t zero = 0;
	if (bpf_map__update_elem(map_of(s, "ward_filter"), &zero, sizeof(zero), &cfg, sizeof(cfg),
				 BPF_ANY))
		return -errno;
	return 0;
}

/* Fill the tail-call tables; a handler that did not load leaves its
 * syscall unwatched and is reported. */
static void fill_tail_calls(struct ward_sensor *s)
{
	int exit_fd = bpf_map__fd(map_of(s, "ward_sys_exit_progs"));
	for (size_t i = 0; i < ward_syscall_hook_count; i++) {
		const struct ward_syscall_hook *sh = &ward_syscall_hooks[i];
		struct bpf_program *prog =
			bpf_object__find_program_by_name(s->skel.obj, sh->prog);
		int pfd = prog ? bpf_program__fd(prog) : -1;
		if (pfd < 0) {
			struct ward_hook_report *h = hook_add(s, sh->name, sh->prog, sh->covers, false);
			if (h) {
				h->status = WARD_HOOK_FAILED;
				snprintf(h->reason, sizeof(h->reason), "%s", refusal_of(s, sh->prog));
			}
			continue;
		}
		uint32_t key = sh->nr;
		if (bpf_map_update_elem(exit_fd, &key, &pfd, BPF_ANY)) {
			struct ward_hook_report *h = hook_add(s, sh->name, sh->prog, sh->covers, false);
			if (h) {
				h->status = WARD_HOOK_FAILED;
				snprintf(h->reason, sizeof(h->reason), "tail-call table: %s",
					 strerror(errno));
			}
		}
	}
}

static int attach_roots(struct ward_sensor *s, const struct ward_sensor_opts *o,
			const struct btf *vmlinux)
{
	for (size_t i = 0; i < ward_root_hook_count; i++) {
		const struct ward_root_hook *rh = &ward_root_hooks[i];
		struct ward_hook_report *h =
			hook_add(s, rh->tracepoint, rh->prog, rh->covers, true);
		if (!h)
			continue;
		if (!tracepoint_exists(vmlinux, rh->tracepoint)) {
			h->status = WARD_HOOK_UNAVAILABLE;
			snprintf(h->reason, sizeof(h->reason), "this kernel has no %s tracepoint",
				 rh->tracepoint);
		} else {
			struct bpf_program *prog =
				bpf_object__find_program_by_name(s->skel.obj, rh->prog);
			if (!prog || bpf_program__fd(prog) < 0) {
				h->status = WARD_HOOK_FAILED;
				snprintf(h->reason, sizeof(h->reason), "%s", refusal_of(s, rh->prog));
			} else {
				/* tp_btf: the target was resolved at load */
				struct bpf_link *link = bpf_program__attach(prog);
				if (!link) {
					h->status = WARD_HOOK_FAILED;
					snprintf(h->reason, sizeof(h->reason), "attach: %s",
						 strerror(errno));
				} else {
					s->links[s->nlinks++] = link;
				}
			}
		}
		if (h->status != WARD_HOOK_ATTACHED && o->strict) {
			ward_log(WARD_LOG_ERROR, "--strict: hook %s: %s", rh->tracepoint, h->reason);
			return -ENOENT;
		}
	}
	return 0;
}

/* ---- BM_INVOKE_API: uprobes on libcrypto ---- */

static const struct {
	const char *prog;
	const char *func;
} crypto_apis[] = {
	{ "ward_api_encrypt_init", "EVP_EncryptInit_ex" },
	{ "ward_api_cipher_init", "EVP_CipherInit_ex" },
	{ "ward_api_seal_init", "EVP_SealInit" },
};

int ward_sensor_attach_library(struct ward_sensor *s, const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	for (size_t i = 0; i < s->nlibs; i++)
		if (s->libs[i].dev == st.st_dev && s->libs[i].ino == st.st_ino)
			return 0;
	if (s->nlibs == sizeof(s->libs) / sizeof(s->libs[0]))
		return -ENOSPC;
	s->libs[s->nlibs].dev = st.st_dev;
	s->libs[s->nlibs].ino = st.st_ino;
	s->nlibs++;
	for (size_t i = 0; i < sizeof(crypto_apis) / sizeof(crypto_apis[0]); i++) {
		char name[128];
		snprintf(name, sizeof(name), "%s@%s", crypto_apis[i].func, path);
		struct ward_hook_report *h = hook_add(s, name, crypto_apis[i].prog, "BM_INVOKE_API",
						      true);
		if (h)
			h->kind = "uprobe";
		struct bpf_program *prog =
			bpf_object__find_program_by_name(s->skel.obj, crypto_apis[i].prog);
		if (!prog || bpf_program__fd(prog) < 0) {
			if (h) {
				h->status = WARD_HOOK_FAILED;
				snprintf(h->reason, sizeof(h->reason), "%s",
					 refusal_of(s, crypto_apis[i].prog));
			}
			continue;
		}
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = crypto_apis[i].func);
		struct bpf_link *link = bpf_program__attach_uprobe_opts(prog, -1, path, 0, &uo);
		if (!link) {
			if (h) {
				h->status = WARD_HOOK_FAILED;
				snprintf(h->reason, sizeof(h->reason), "uprobe: %s", strerror(errno));
			}
			continue;
		}
		if (s->nlinks < MAX_HOOKS)
			s->links[s->nlinks++] = link;
		else
			bpf_link__destroy(link);
	}
	return 1;
}

/* Every libcrypto in the usual library directories. */
static void attach_crypto(struct ward_sensor *s)
{
	static const char *const dirs[] = {
		"/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib", "/lib",
		"/usr/lib64", "/lib64", "/usr/local/lib", "/usr/local/lib64",
	};
	for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		DIR *dir = opendir(dirs[d]);
		if (!dir)
			continue;
		struct dirent *de;
		while ((de = readdir(dir))) {
			if (strncmp(de->d_name, "libcrypto.so", 12))
				continue;
			char path[PATH_MAX], real[PATH_MAX];
			snprintf(path, sizeof(path), "%s/%s", dirs[d], de->d_name);
			if (!realpath(path, real))
				continue;
			ward_sensor_attach_library(s, real);
		}
		closedir(dir);
	}
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct ward_sensor *s = ctx;
	return s->fn(s->fn_ctx, data, size);
}

struct ward_sensor *ward_sensor_open(const struct ward_sensor_opts *o, enum ward_open_error *err)
{
	*err = preflight();
	if (*err)
		return NULL;

	struct ward_sensor *s = calloc(1, sizeof(*s));
	if (!s) {
		*err = WARD_OPEN_RUNTIME;
		return NULL;
	}
	libbpf_set_print(libbpf_print);
	struct utsname u;
	if (uname(&u) == 0)
		snprintf(s->kernel.release, sizeof(s->kernel.release), "%s", u.release);
	read_lockdown(s->kernel.lockdown, sizeof(s->kernel.lockdown));
	struct btf *vmlinux = btf__parse(fault_btf_path(), NULL);
	if (!vmlinux)
		ward_log(WARD_LOG_WARN, "cannot read kernel BTF to check tracepoints: %s",
			 strerror(errno));

	*err = WARD_OPEN_RUNTIME;
	int rc = load_with_fallback(s, o, vmlinux);
	s->kernel.path_walk = s->skel.compat ? "bounded loop (compat build, no bpf_loop)"
					     : "bpf_loop";
	s->kernel.path_route = "tracepoint";
	if (rc) {
		if (o->strict && rc == -EPERM)
			*err = WARD_OPEN_STRICT;
		else if (rc == -EPERM || rc == -EACCES)
			*err = WARD_OPEN_PERMISSION;
		goto fail;
	}
	rc = set_filters(s, o);
	if (rc) {
		ward_log(WARD_LOG_ERROR, "cannot set the in-kernel filters: %s", strerror(-rc));
		goto fail;
	}
	fill_tail_calls(s);
	if (o->strict && strict_refuses(s, 0)) {
		*err = WARD_OPEN_STRICT;
		goto fail;
	}

	s->ncpus = libbpf_num_possible_cpus();
	s->pcpu = calloc(s->ncpus > 0 ? s->ncpus : 1, sizeof(*s->pcpu));
	s->rb = ring_buffer__new(bpf_map__fd(map_of(s, "ward_events")), on_record, s, NULL);
	if (!s->pcpu || !s->rb) {
		ward_log(WARD_LOG_ERROR, "cannot set up the ring buffer: %s", strerror(errno));
		goto fail;
	}
	/* Attach last: filters and tables are in place before any event. */
	rc = attach_roots(s, o, vmlinux);
	if (rc) {
		*err = WARD_OPEN_STRICT;
		goto fail;
	}
	attach_crypto(s);
	size_t first_path_hook = s->nhooks;
	s->path_hooks = ward_path_hooks_open(s->skel.obj, vmlinux, o->route, getpid(),
					     !s->skel.compat, &s->kernel.path_route,
					     s->kernel.path_route_reason,
					     sizeof(s->kernel.path_route_reason), s->hooks,
					     &s->nhooks, MAX_HOOKS);
	/* a route the kernel refuses lists no hook; one that loads must attach whole */
	if (o->strict && strict_refuses(s, first_path_hook)) {
		*err = WARD_OPEN_STRICT;
		goto fail;
	}
	if (s->nlinks == 0) {
		ward_log(WARD_LOG_ERROR, "no hook could be attached");
		*err = WARD_OPEN_KERNEL;
		goto fail;
	}
	btf__free(vmlinux);
	*err = WARD_OPEN_OK;
	return s;
fail:
	btf__free(vmlinux);
	ward_sensor_free(s);
	return NULL;
}

void ward_sensor_detach(struct ward_sensor *s)
{
	ward_path_hooks_detach(s->path_hooks);
	for (size_t i = 0; i < s->nlinks; i++)
		bpf_link__destroy(s->links[i]);
	s->nlinks = 0;
}

void ward_sensor_free(struct ward_sensor *s)
{
	if (!s)
		return;
	ward_sensor_detach(s);
	ward_path_hooks_free(s->path_hooks);
	ring_buffer__free(s->rb);
	ward_skel_destroy(&s->skel);
	free(s->pcpu);
	free(s);
}

const struct ward_kernel_info *ward_sensor_kernel(const struct ward_sensor *s)
{
	return &s->kernel;
}

size_t ward_sensor_hooks(const struct ward_sensor *s, const struct ward_hook_report **hooks)
{
	*hooks = s->hooks;
	return s->nhooks;
}

int ward_sensor_poll(struct ward_sensor *s, int timeout_ms, ward_record_fn fn, void *ctx)
{
	s->fn = fn;
	s->fn_ctx = ctx;
	/* Records are written without a wake-up below the fill threshold, so
	 * after the wait the ring is drained whether or not epoll fired. */
	int n = ring_buffer__poll(s->rb, timeout_ms);
	if (n < 0)
		return n;
	int m = ring_buffer__consume(s->rb);
	if (m < 0)
		return m;
	return n + m;
}

int ward_sensor_counters(struct ward_sensor *s, uint64_t totals[WARD_CNT_MAX])
{
	uint32_t zero = 0;
	memset(totals, 0, sizeof(uint64_t) * WARD_CNT_MAX);
	if (bpf_map__lookup_elem(map_of(s, "ward_counters"), &zero, sizeof(zero), s->pcpu,
				 sizeof(*s->pcpu) * s->ncpus, 0))
		return -errno;
	for (int c = 0; c < s->ncpus; c++)
		for (int i = 0; i < WARD_CNT_MAX; i++)
			totals[i] += s->pcpu[c].cnt[i];
	return 0;
}

size_t ward_sensor_lost_by_cpu(struct ward_sensor *s, uint64_t *lost, size_t max)
{
	uint32_t zero = 0;
	if (bpf_map__lookup_elem(map_of(s, "ward_counters"), &zero, sizeof(zero), s->pcpu,
				 sizeof(*s->pcpu) * s->ncpus, 0))
		return 0;
	size_t n = (size_t)s->ncpus < max ? (size_t)s->ncpus : max;
	for (size_t c = 0; c < n; c++)
		lost[c] = s->pcpu[c].cnt[WARD_CNT_LOST];
	return n;
}
