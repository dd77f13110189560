#include "path_hooks.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "lib/log.h"
#include "ward_path_hooks.skel.h"

/* The LSM path hooks used, and the syscalls whose paths they give. */
static const struct {
	const char *hook;
	const char *covers;
} path_hooks[] = {
	{ "path_unlink", "FILE_DELETE paths: unlink, unlinkat" },
	{ "path_rmdir", "FILE_DELETE paths: rmdir, unlinkat(AT_REMOVEDIR)" },
	{ "path_mkdir", "FILE_CREATE paths: mkdir, mkdirat" },
	{ "path_mknod", "FILE_CREATE paths: mknod, mknodat" },
	{ "path_symlink", "FILE_CREATE paths: symlink, symlinkat" },
	{ "path_link", "FILE_CREATE paths: link, linkat" },
	{ "path_rename", "FILE_MOVE paths: rename, renameat, renameat2" },
	{ "path_chmod", "FILE_SET_SECURITY paths: chmod, fchmodat, fchmodat2" },
	{ "path_chown", "FILE_SET_SECURITY paths: chown, lchown, fchownat" },
	{ "path_truncate", "FILE_MODIFY paths: truncate" },
};

#define NHOOKS (sizeof(path_hooks) / sizeof(path_hooks[0]))

struct ward_path_hooks {
	struct ward_path_hooks_bpf *skel;
	struct bpf_link *links[NHOOKS];
};

int ward_route_parse(const char *s)
{
	static const char *const names[] = { "auto", "tracepoint", "fentry", "lsm" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i]))
			return (int)i;
	return -1;
}

const char *ward_route_name(enum ward_route r)
{
	switch (r) {
	case WARD_ROUTE_TRACEPOINT: return "tracepoint";
	case WARD_ROUTE_FENTRY: return "fentry";
	case WARD_ROUTE_LSM: return "lsm";
	default: return "auto";
	}
}

/* libbpf's last warning while the hooks load: the reason a kernel gives. */
static char last_warning[256];

static int keep_warning(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_WARN)
		return 0;
	char line[1024];
	vsnprintf(line, sizeof(line), fmt, ap);
	const char *l = strncmp(line, "libbpf: ", 8) ? line : line + 8;
	size_t n = strcspn(l, "\n");
	/* the first one names the program and the kernel's answer; the rest
	 * are libbpf unwinding */
	if (n && !last_warning[0] && strncmp(l, "-- ", 3))
		snprintf(last_warning, sizeof(last_warning), "%.*s", (int)n, l);
	return 0;
}

/* BPF-LSM programs attach anywhere but run only when "bpf" is one of the
 * active LSMs (the lsm= boot argument or CONFIG_LSM). */
static bool bpf_lsm_active(void)
{
	char buf[512];
	FILE *f = fopen("/sys/kernel/security/lsm", "re");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	for (char *save = NULL, *t = strtok_r(buf, ",\n", &save); t;
	     t = strtok_r(NULL, ",\n", &save))
		if (!strcmp(t, "bpf"))
			return true;
	return false;
}

static bool kernel_has_func(const struct btf *vmlinux, const char *prefix, const char *hook)
{
	char name[128];
	snprintf(name, sizeof(name), "%s%s", prefix, hook);
	return vmlinux && btf__find_by_name_kind(vmlinux, name, BTF_KIND_FUNC) > 0;
}

/* Maps the hooks share with the main object are main's own (the ring, the
 * thread marks, the counters, the filters, the scratch buffers). */
static int share_maps(struct bpf_object *hooks, struct bpf_object *main)
{
	struct bpf_map *m;
	bpf_object__for_each_map(m, hooks) {
		if (bpf_map__is_internal(m))
			continue;
		struct bpf_map *mm = bpf_object__find_map_by_name(main, bpf_map__name(m));
		if (!mm)
			continue;
		int err = bpf_map__reuse_fd(m, bpf_map__fd(mm));
		if (err)
			return err;
	}
	return 0;
}

static void free_hooks(struct ward_path_hooks *h)
{
	ward_path_hooks_detach(h);
	ward_path_hooks_bpf__destroy(h->skel);
	free(h);
}

/*
 * One route: load the programs of this kind whose kernel function exists,
 * attach them. NULL with reason set when the kernel refuses the route; a
 * hook that alone fails is reported failed and the rest go on.
 */
static struct ward_path_hooks *try_route(struct bpf_object *main, const struct btf *vmlinux,
					 enum ward_route kind, uint32_t self_tgid, char *reason,
					 size_t reason_size, struct ward_hook_report *hooks,
					 size_t *nhooks, size_t max)
{
	const char *kname = ward_route_name(kind);
	const char *prog_prefix = kind == WARD_ROUTE_LSM ? "ward_lsm_" : "ward_fentry_";
	const char *func_prefix = kind == WARD_ROUTE_LSM ? "bpf_lsm_" : "security_";
	struct ward_path_hooks *h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(reason, reason_size, "%s: %s", kname, strerror(errno));
		return NULL;
	}
	h->skel = ward_path_hooks_bpf__open();
	if (!h->skel) {
		snprintf(reason, reason_size, "%s: cannot open the object: %s", kname,
			 strerror(errno));
		free(h);
		return NULL;
	}
	h->skel->rodata->ward_cfg.self_tgid = self_tgid;

	/* only this route's programs, and of those the ones the kernel has a
	 * function for */
	struct bpf_program *prog, *progs[NHOOKS] = { NULL };
	size_t nwanted = 0;
	bpf_object__for_each_program(prog, h->skel->obj)
		bpf_program__set_autoload(prog, false);
	for (size_t i = 0; i < NHOOKS; i++) {
		char pname[64];
		snprintf(pname, sizeof(pname), "%s%s", prog_prefix, path_hooks[i].hook);
		prog = bpf_object__find_program_by_name(h->skel->obj, pname);
		if (prog && kernel_has_func(vmlinux, func_prefix, path_hooks[i].hook)) {
			bpf_program__set_autoload(prog, true);
			progs[i] = prog;
			nwanted++;
		}
	}
	if (!nwanted) {
		snprintf(reason, reason_size, "%s: this kernel has no %spath_* functions "
			 "(CONFIG_SECURITY_PATH)", kname, func_prefix);
		free_hooks(h);
		return NULL;
	}
	int err = share_maps(h->skel->obj, main);
	if (!err) {
		last_warning[0] = 0;
		err = ward_path_hooks_bpf__load(h->skel);
	}
	if (err) {
		snprintf(reason, reason_size, "%s programs refused: %s%s%s", kname, strerror(-err),
			 last_warning[0] ? ": " : "", last_warning);
		free_hooks(h);
		return NULL;
	}

	size_t first = *nhooks, attached = 0;
	int attach_err = 0;
	for (size_t i = 0; i < NHOOKS; i++) {
		if (!progs[i])
			continue;
		struct bpf_link *link = bpf_program__attach(progs[i]);
		if (!link)
			attach_err = errno ? errno : ENOENT;
		else
			h->links[attached++] = link;
		if (*nhooks >= max)
			continue;
		struct ward_hook_report *r = &hooks[(*nhooks)++];
		memset(r, 0, sizeof(*r));
		snprintf(r->name, sizeof(r->name), "%s%s", func_prefix, path_hooks[i].hook);
		snprintf(r->prog, sizeof(r->prog), "%s", bpf_program__name(progs[i]));
		r->covers = path_hooks[i].covers;
		r->root = true;
		r->kind = kname;
		r->status = link ? WARD_HOOK_ATTACHED : WARD_HOOK_FAILED;
		if (!link)
			snprintf(r->reason, sizeof(r->reason), "attach: %s", strerror(attach_err));
	}
	if (!attached) {
		/* refused as a whole (lockdown refuses at attach on some kernels):
		 * not a failure of single hooks but a route this kernel lacks */
		*nhooks = first;
		snprintf(reason, reason_size, "%s attach refused: %s", kname, strerror(attach_err));
		free_hooks(h);
		return NULL;
	}
	return h;
}

/* Tell main's exit handlers to look for the hooks' marks (ward_path_hooks_on). */
static int switch_on(struct bpf_object *main)
{
	uint32_t zero = 0, v = 1;
	struct bpf_map *m = bpf_object__find_map_by_name(main, "ward_path_hooks_on");
	if (!m) {
		errno = ENOENT;
		return -1;
	}
	return bpf_map__update_elem(m, &zero, sizeof(zero), &v, sizeof(v), BPF_ANY) ? -1 : 0;
}

static void append_reason(char *reason, size_t size, const char *why)
{
	size_t n = strlen(reason);
	snprintf(reason + n, size - n, "%s%s", n ? "; " : "", why);
}

struct ward_path_hooks *ward_path_hooks_open(struct bpf_object *main, const struct btf *vmlinux,
					     enum ward_route want, uint32_t self_tgid,
					     bool has_loop, const char **route, char *reason,
					     size_t reason_size, struct ward_hook_report *hooks,
					     size_t *nhooks, size_t max)
{
	*route = "tracepoint";
	reason[0] = 0;
	if (want == WARD_ROUTE_TRACEPOINT) {
		snprintf(reason, reason_size, "the tracepoint route was asked for");
		return NULL;
	}
	if (!has_loop) {
		snprintf(reason, reason_size, "the path hooks need bpf_loop and bpf_task_pt_regs "
			 "(Linux 5.17)");
		return NULL;
	}
	bool lsm = bpf_lsm_active();
	size_t first = *nhooks;
	char why[256];
	struct ward_path_hooks *h = NULL;
	libbpf_print_fn_t old = libbpf_set_print(keep_warning);
	if (want == WARD_ROUTE_LSM || want == WARD_ROUTE_AUTO) {
		if (!lsm)
			append_reason(reason, reason_size, "BPF-LSM is not active "
				      "(/sys/kernel/security/lsm has no bpf)");
		else if ((h = try_route(main, vmlinux, WARD_ROUTE_LSM, self_tgid, why, sizeof(why),
					hooks, nhooks, max)))
			*route = "lsm";
		else
			append_reason(reason, reason_size, why);
	}
	if (!h && (want == WARD_ROUTE_FENTRY || want == WARD_ROUTE_AUTO)) {
		if ((h = try_route(main, vmlinux, WARD_ROUTE_FENTRY, self_tgid, why, sizeof(why),
				   hooks, nhooks, max)))
			*route = "fentry";
		else
			append_reason(reason, reason_size, why);
	}
	libbpf_set_print(old);
	if (h && switch_on(main)) {
		/* the exit handlers would not take the notes */
		snprintf(why, sizeof(why), "%s hooks attached but not switched on: %s", *route,
			 strerror(errno));
		append_reason(reason, reason_size, why);
		*nhooks = first;
		free_hooks(h);
		h = NULL;
		*route = "tracepoint";
	}
	if (want != WARD_ROUTE_AUTO && !h)
		ward_log(WARD_LOG_WARN, "route %s asked for but not available: %s; paths of "
			 "path-named syscalls take the tracepoint route", ward_route_name(want),
			 reason);
	return h;
}

void ward_path_hooks_detach(struct ward_path_hooks *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < NHOOKS; i++) {
		bpf_link__destroy(h->links[i]);
		h->links[i] = NULL;
	}
}

void ward_path_hooks_free(struct ward_path_hooks *h)
{
	if (h)
		free_hooks(h);
}
