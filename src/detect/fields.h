/*
 * The fields rules can name: the JSON contract's (docs/output.md) plus
 * derived ones (process.parent.*, process.ancestors.*, file.name, ...).
 * Rules resolve names to ids once; evaluation reads values by id through
 * one switch, without allocating.
 */
#ifndef WARD_DETECT_FIELDS_H
#define WARD_DETECT_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct ward_proc;

enum ward_field_type {
	WARD_FT_STR = 1,
	WARD_FT_INT,
	WARD_FT_BOOL,
	WARD_FT_ACCESS,   /* access_type: compared by id, written by name */
	WARD_FT_EVENT,    /* event_type */
};

enum ward_field_flags {
	WARD_FF_MULTI = 1,  /* several values: an operator is true if any value matches */
	WARD_FF_HEX = 2,    /* written as 0x... in outputs */
};

/* The two ids the compiler needs by name, to index rules by access type. */
#define WARD_FIELD_ACCESS_TYPE 0
#define WARD_FIELD_EVENT_TYPE 1

struct ward_field {
	const char *name;
	int id;
	enum ward_field_type type;
	unsigned int flags;
	const char *doc;
};

/* How far process.ancestors.* looks up the parent chain. */
#define WARD_ANCESTORS_MAX 8

/* One value: s/len for strings, n for numbers and type ids, b for bools. */
struct ward_value {
	const char *s;
	size_t len;
	int64_t n;
	bool b;
};

/* Per-event state of the getters: the ancestors looked up so far (lazily,
 * once per event) and scratch space for formatted values. Lives on the stack. */
struct ward_field_ctx {
	const struct ward_event *ev;
	const struct ward_proc *(*lookup)(void *ctx, uint32_t tgid);
	void *lookup_ctx;
	const struct ward_proc *anc[WARD_ANCESTORS_MAX];
	unsigned int nanc;      /* looked up so far */
	bool anc_end;           /* the chain ended before WARD_ANCESTORS_MAX */
	char tmp[24];
};

const struct ward_field *ward_field_find(const char *name, size_t len);
/* The i-th field of the table, NULL past the end (for docs and `rules`). */
const struct ward_field *ward_field_at(size_t i);
const char *ward_field_type_name(enum ward_field_type t);

void ward_field_ctx_init(struct ward_field_ctx *c, const struct ward_event *ev,
			 const struct ward_proc *(*lookup)(void *, uint32_t), void *lookup_ctx);
/* Value k of field id (k > 0 only for WARD_FF_MULTI fields): true if present.
 * Absent means the event has no such value (no file in a DNS event, a null
 * exe, an ancestor past the top). */
bool ward_field_get(struct ward_field_ctx *c, int id, size_t k, struct ward_value *v);

#endif /* WARD_DETECT_FIELDS_H */
