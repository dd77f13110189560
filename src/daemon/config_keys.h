/*
 * Inside the config module: the key table (config_keys.c) and the value
 * parsers (config_values.c) that config_parse.c and config.c share.
 */
#ifndef WARD_DAEMON_CONFIG_KEYS_H
#define WARD_DAEMON_CONFIG_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/config.h"

struct ward_buf;

/* How a value is written and where it is stored (the field's C type). */
enum cfg_type {
	CFG_BOOL,      /* bool */
	CFG_INT,       /* int64_t */
	CFG_SIZE,      /* uint64_t bytes */
	CFG_DURATION,  /* uint64_t ms */
	CFG_ENUM,      /* int, from names[] */
	CFG_SEVERITY,  /* int, ward_severity_parse() */
	CFG_MODE,      /* unsigned int */
	CFG_STRING,    /* const char * */
	CFG_PATH,      /* const char *, absolute */
	CFG_LIST,      /* struct ward_strv of elem */
};

/* What a list holds. */
enum cfg_elem {
	CFG_ELEM_PATH,     /* absolute paths */
	CFG_ELEM_XDR_TYPE, /* event or access type names (xdr_names.h) */
};

#define CFG_POW2 0x1u     /* size: a power of two */
#define CFG_DASH 0x2u     /* path: "-" (stdout) is allowed too */
#define CFG_NONEMPTY 0x4u /* string: "" is refused */

struct cfg_name {
	const char *name;
	int value;
};

struct cfg_key {
	const char *key;          /* full dotted path */
	enum cfg_type type;
	size_t off;               /* offsetof(struct ward_config, ...) */
	bool reloadable;
	unsigned int flags;
	uint64_t min, max;        /* numbers, sizes, durations (ms) */
	size_t maxlen;            /* strings: bytes; 0 = WARD_CONFIG_MAX_STRING */
	enum cfg_elem elem;       /* lists */
	const struct cfg_name *names; /* enums, NULL-terminated */
	/* the default, in the field's type */
	uint64_t def;             /* bool, int, size, duration, enum, severity, mode */
	const char *def_str;      /* string, path */
	const char *const *def_list;
	size_t def_nlist;
	const char *range;        /* for docs: how min/max/names read */
	const char *help;
};

extern const struct cfg_key cfg_keys[];
extern const size_t cfg_nkeys;
/* Intermediate mappings ("log", "detection.ransomware"); cfg_nsections of them. */
extern const char *const cfg_sections[];
extern const size_t cfg_nsections;

const struct cfg_key *cfg_key_find(const char *key, size_t *index);
int cfg_section_find(const char *key);
const char *cfg_type_name(enum cfg_type t);

/* Value parsers: 0, or -EINVAL/-ERANGE with *why saying what is wrong. */
int cfg_parse_bool(const char *s, bool *out, const char **why);
int cfg_parse_uint(const char *s, uint64_t *out, const char **why);
int cfg_parse_size(const char *s, uint64_t *out, const char **why);
int cfg_parse_duration(const char *s, uint64_t *ms, const char **why);
int cfg_parse_mode(const char *s, unsigned int *out, const char **why);

/* Shortest exact spelling: 65536 -> "64K", 90000 ms -> "90s". */
void cfg_put_size(struct ward_buf *b, uint64_t v);
void cfg_put_duration(struct ward_buf *b, uint64_t ms);
/* A YAML double-quoted scalar. */
void cfg_put_quoted(struct ward_buf *b, const char *s);
/* Key k's value in c as a YAML scalar or flow list. */
void cfg_put_value(struct ward_buf *b, const struct ward_config *c, const struct cfg_key *k);
/* The same for the key's default. */
void cfg_put_default(struct ward_buf *b, const struct cfg_key *k);

/* Field access. */
#define CFG_FIELD(c, k, T) ((T *)((char *)(c) + (k)->off))
#define CFG_CFIELD(c, k, T) ((const T *)((const char *)(c) + (k)->off))

/* Memory owned by a config: allocations are chained and freed together. */
void *cfg_alloc(struct ward_config *c, size_t n);
char *cfg_strdup(struct ward_config *c, const char *s);

#endif /* WARD_DAEMON_CONFIG_KEYS_H */
