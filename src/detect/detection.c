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
#include "detect/rules.h"
#include "lib/log.h"
#include "proc_cache.h"

struct ward_detection {
	struct ward_rules *rules;
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
	free(d);
}

void ward_detection_observe(struct ward_detection *d, const struct ward_event *ev,
			    ward_alert_fn emit, void *ctx)
{
	if (d->rules)
		ward_rules_eval(d->rules, ev, emit, ctx);
}
