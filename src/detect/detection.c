/*
 * The detectors a configuration asks for, built together so that SIGHUP can
 * build a new set and swap it in whole (a bad file leaves the old set
 * running). Rules first, then profiles and ransomware behaviour.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "detect/detection.h"
#include "detect/profile.h"
#include "detect/profile_detect.h"
#include "detect/ransomware.h"
#include "detect/rules.h"
#include "lib/log.h"
#include "proc_cache.h"

struct ward_detection {
	struct ward_rules *rules;
	struct ward_profiles *profiles;
	struct ward_profile_detector *profile_detector;
	struct ward_ransomware *ransomware;
	char **allow;           /* our copy: the detectors borrow it, and a SIGHUP
				 * frees the configuration it came from */
	size_t nallow;
};

static const struct ward_proc *lookup_proc(void *ctx, uint32_t tgid)
{
	return ward_proc_get(ctx, tgid);
}

static struct ward_rules *load_rules(const struct ward_config *c, struct ward_proc_cache *procs)
{
	const struct ward_strv *files = &c->detection.rules.files;
	const char **present = calloc(files->n + 1, sizeof(*present));
	size_t n = 0;
	if (!present)
		return NULL;
	/* The default /etc/ward/rules.d need not exist; a file named on
	 * purpose that is missing is an error the loader reports. */
	for (size_t i = 0; i < files->n; i++) {
		struct stat st;
		if (stat(files->v[i], &st) < 0 && errno == ENOENT &&
		    !strcmp(files->v[i], "/etc/ward/rules.d")) {
			ward_log(WARD_LOG_DEBUG, "rules: no %s", files->v[i]);
			continue;
		}
		present[n++] = files->v[i];
	}
	struct ward_rules_opts o = {
		.default_rules = c->detection.rules.default_rules,
		.files = present,
		.nfiles = n,
		.lookup = lookup_proc,
		.lookup_ctx = procs,
	};
	struct ward_rules_error_list errs = { 0 };
	struct ward_rules *r = ward_rules_load(&o, &errs);
	if (!r) {
		char line[1024];
		for (size_t i = 0; i < errs.n; i++) {
			ward_rules_error_format(&errs.v[i], line, sizeof(line));
			ward_log(WARD_LOG_ERROR, "%s", line);
		}
		if (errs.dropped)
			ward_log(WARD_LOG_ERROR, "... and %zu more rule errors", errs.dropped);
		if (!errs.n)
			ward_log(WARD_LOG_ERROR, "rules: %s", strerror(errno));
	} else {
		ward_log(WARD_LOG_INFO, "rules: %zu loaded (%s%zu files)", ward_rules_count(r),
			 o.default_rules ? "defaults + " : "", n);
	}
	ward_rules_errors_free(&errs);
	free(present);
	return r;
}

/* Every *.yaml in the profiles directory; a missing directory means none. */
static int load_profiles(struct ward_detection *d, const char *dir)
{
	struct stat st;
	if (!dir || (stat(dir, &st) < 0 && errno == ENOENT))
		return 0;
	d->profiles = ward_profiles_new();
	if (!d->profiles)
		return -ENOMEM;
	static struct ward_profile_error err;
	memset(&err, 0, sizeof(err));
	if (ward_profiles_load_dir(d->profiles, dir, &err) < 0) {
		char line[1024];
		ward_profile_error_format(&err, line, sizeof(line));
		ward_log(WARD_LOG_ERROR, "profiles: %s", line);
		return -EINVAL;
	}
	size_t n = ward_profiles_count(d->profiles);
	if (!n)
		return 0;
	struct ward_profile_detector_opts o = { .profiles = d->profiles };
	d->profile_detector = ward_profile_detector_new(&o);
	if (!d->profile_detector)
		return -ENOMEM;
	ward_log(WARD_LOG_INFO, "profiles: %zu applications from %s", n, dir);
	return 0;
}

static int start_ransomware(struct ward_detection *d, const struct ward_config *c,
			    struct ward_proc_cache *procs)
{
	const __typeof__(c->detection.ransomware) *rc = &c->detection.ransomware;
	d->allow = calloc(rc->allow.n + 1, sizeof(*d->allow));
	if (!d->allow)
		return -ENOMEM;
	for (; d->nallow < rc->allow.n; d->nallow++)
		if (!(d->allow[d->nallow] = strdup(rc->allow.v[d->nallow])))
			return -ENOMEM;
	struct ward_ransomware_opts o = {
		.window_ns = rc->window_ms * 1000000ULL,
		.thresholds = {
			[WARD_RANSOM_OPEN] = (uint32_t)rc->thresholds.open,
			[WARD_RANSOM_CREATE] = (uint32_t)rc->thresholds.create,
			[WARD_RANSOM_DELETE] = (uint32_t)rc->thresholds.delete,
			[WARD_RANSOM_MOVE] = (uint32_t)rc->thresholds.move,
			[WARD_RANSOM_MODIFY] = (uint32_t)rc->thresholds.modify,
		},
		.response = {
			.action = (enum ward_response_action)rc->response,
			.allow = (const char *const *)d->allow,
			.nallow = d->nallow,
		},
		.get = lookup_proc,
		.get_ctx = procs,
	};
	d->ransomware = ward_ransomware_new(&o);
	return d->ransomware ? 0 : (errno ? -errno : -ENOMEM);
}

struct ward_detection *ward_detection_new(const struct ward_config *c,
					  struct ward_proc_cache *procs)
{
	struct ward_detection *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	if (c->detection.rules.enabled) {
		d->rules = load_rules(c, procs);
		if (!d->rules)
			goto fail;
	}
	if (load_profiles(d, c->detection.profiles.dir))
		goto fail;
	int rc = c->detection.ransomware.enabled ? start_ransomware(d, c, procs) : 0;
	if (rc) {
		ward_log(WARD_LOG_ERROR, "ransomware detection: %s", strerror(-rc));
		goto fail;
	}
	return d;
fail:
	ward_detection_free(d);
	return NULL;
}

void ward_detection_free(struct ward_detection *d)
{
	if (!d)
		return;
	ward_rules_free(d->rules);
	ward_profile_detector_free(d->profile_detector);
	ward_profiles_free(d->profiles);
	ward_ransomware_free(d->ransomware);
	for (size_t i = 0; i < d->nallow; i++)
		free(d->allow[i]);
	free(d->allow);
	free(d);
}

void ward_detection_observe(struct ward_detection *d, const struct ward_event *ev,
			    ward_alert_fn emit, void *ctx)
{
	if (d->rules)
		ward_rules_eval(d->rules, ev, emit, ctx);
	if (d->profile_detector)
		ward_profile_detector_observe(d->profile_detector, ev, emit, ctx);
	if (d->ransomware)
		ward_ransomware_observe(d->ransomware, ev, emit, ctx);
}
