/*
 * The rule engine: Falco-style YAML rules (lists, macros, rules) compiled
 * once into trees over the JSON contract's field names, evaluated per event
 * without allocating, indexed by access type. docs/rules.md is the language.
 *
 *	struct ward_rules_opts o = { .default_rules = true, .files = paths, .nfiles = n,
 *				     .lookup = proc_get, .lookup_ctx = cache };
 *	struct ward_rules_error_list errs = { 0 };
 *	struct ward_rules *r = ward_rules_load(&o, &errs);   // NULL: see errs
 *	...
 *	ward_rules_eval(r, ev, emit_alert, pipeline);         // per event
 *	ward_rules_free(r);
 *	ward_rules_errors_free(&errs);
 */
#ifndef WARD_DETECT_RULES_H
#define WARD_DETECT_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "event.h"

struct ward_proc;

/* Rule text held in memory (tests, embedding), loaded like a file. */
struct ward_rules_source {
	const char *name;      /* shown in errors */
	const char *text;
	size_t len;
};

struct ward_rules_opts {
	bool default_rules;              /* the embedded rules/default.yaml first */
	const char *const *files;        /* then these files or directories (*.yaml, sorted) */
	size_t nfiles;
	const struct ward_rules_source *sources; /* then these */
	size_t nsources;
	/* process.parent.* and process.ancestors.*: a process by tgid (e.g. the
	 * process cache's ward_proc_get). NULL: those fields are never present. */
	const struct ward_proc *(*lookup)(void *ctx, uint32_t tgid);
	void *lookup_ctx;
};

/* One problem in a rules file. line and col are 1-based; 0 when the problem
 * has no position (a file that cannot be read). */
struct ward_rules_error {
	char *file;
	unsigned int line, col;
	char *msg;
};

/* Zero-initialise; ward_rules_load appends. At most WARD_RULES_MAX_ERRORS are
 * kept, the rest counted in dropped. */
struct ward_rules_error_list {
	struct ward_rules_error *v;
	size_t n, cap;
	size_t dropped;
};

#define WARD_RULES_MAX_ERRORS 1000

void ward_rules_errors_free(struct ward_rules_error_list *l);
/* "FILE:LINE:COL: message" (or "FILE: message") into buf, NUL-terminated. */
void ward_rules_error_format(const struct ward_rules_error *e, char *buf, size_t size);

/* NULL with errno set on failure: EINVAL when a rules file has errors (all
 * of them appended to errs, which may be NULL), ENOMEM. */
struct ward_rules *ward_rules_load(const struct ward_rules_opts *o,
				   struct ward_rules_error_list *errs);
void ward_rules_free(struct ward_rules *r);

/* Runs every enabled rule that can apply to ev's access type; for each match
 * renders the output and calls emit once. Returns the number of matches.
 * No allocation once the output buffer has grown, no syscalls. */
int ward_rules_eval(struct ward_rules *r, const struct ward_event *ev, ward_alert_fn emit,
		    void *ctx);

struct ward_rules_stats {
	uint64_t events;          /* ward_rules_eval calls */
	uint64_t rules_evaluated; /* conditions evaluated */
	uint64_t matches;         /* alerts emitted */
};

void ward_rules_get_stats(const struct ward_rules *r, struct ward_rules_stats *s);

struct ward_rule_info {
	const char *name;
	const char *desc;
	enum ward_severity severity;
	bool enabled;
	const char *const *tags;
	size_t ntags;
	uint64_t matches;
	/* the access types the rule can match; all_types when its condition does
	 * not constrain access_type/event_type */
	bool all_types;
	const uint16_t *access_types;
	size_t naccess_types;
};

size_t ward_rules_count(const struct ward_rules *r);     /* rules, disabled ones too */
size_t ward_rules_macro_count(const struct ward_rules *r);
size_t ward_rules_list_count(const struct ward_rules *r);
/* Rule i in load order; 0 or -ENOENT. */
int ward_rules_rule_info(const struct ward_rules *r, size_t i, struct ward_rule_info *out);

#endif /* WARD_DETECT_RULES_H */
