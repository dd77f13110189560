/*
 * Internals of the rule engine, shared by its stages:
 *   rules_yaml.c     YAML files -> items (lists, macros, rules) with positions
 *   rules_lex.c      condition text -> tokens
 *   rules_parse.c    tokens -> syntax tree (struct rast)
 *   rules_compile.c  syntax tree -> evaluation tree (struct rnode), types checked,
 *                    macros inlined, lists sorted, globs and networks pre-parsed
 *   rules_glob.c     glob patterns
 *   rules_eval.c     evaluation, the per-event entry point
 *   rules_output.c   output templates
 *   rules.c          loading order, append/override, the index, the public API
 */
#ifndef WARD_DETECT_RULES_INT_H
#define WARD_DETECT_RULES_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect/fields.h"
#include "detect/rules.h"
#include "lib/buf.h"

/* Limits on what a rules file may ask for. */
#define RULES_FILE_MAX (8u << 20)      /* bytes per file */
#define RULES_FILES_MAX 256            /* files per load */
#define RULES_ITEMS_MAX 20000          /* lists + macros + rules */
#define RULES_LIST_ITEMS_MAX 100000    /* items of one list, after expansion */
#define RULES_COND_MAX 65536           /* bytes of one condition, appends included */
#define RULES_DEPTH_MAX 100            /* parentheses / not / macro nesting */
#define RULES_NAME_MAX 256
#define RULES_GLOB_MAX 255             /* tokens of one glob pattern */

/* A piece of condition text and where it came from, so an offset in it maps
 * back to the file's line and column. A condition is one or more of these
 * (append: true adds pieces). */
struct rfrag {
	char *text;
	size_t len;
	const char *file;
	const char *raw;       /* the whole file's text */
	size_t raw_len;
	size_t index;          /* where the scalar starts in raw */
	int style;             /* yaml_scalar_style_t */
	unsigned int line, col;/* of the scalar's start, 1-based */
};

struct rtext {
	struct rfrag *f;
	size_t n;
};

struct rpos {
	const char *file;
	unsigned int line, col;
};

/* Error collection. */
struct rerrs {
	struct ward_rules_error_list *out; /* may be NULL */
	size_t count;                      /* errors seen, kept or not */
	bool oom;
};

void rerr(struct rerrs *e, const struct rpos *p, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void rerr_va(struct rerrs *e, const struct rpos *p, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
/* Position of byte off of the concatenated text. */
struct rpos rtext_pos(const struct rtext *t, size_t off);
/* The pieces joined by one space, NUL-terminated; NULL on ENOMEM. */
char *rtext_join(const struct rtext *t, size_t *len);

/* ---- items ---- */
struct rlist {
	char *name;
	char **items;
	size_t n, cap;
	struct rpos pos;
	bool expanded;         /* nested list names replaced by their items */
	bool expanding;
};

struct rast;
struct rnode;

struct rmacro {
	char *name;
	struct rtext cond;
	struct rpos pos;
	struct rast *ast;      /* NULL until parsed, or when it has syntax errors */
	int state;             /* MACRO_* in rules_compile.c */
};

struct rtmpl_seg {
	const char *lit;       /* literal text, or NULL for a field */
	size_t len;
	const struct ward_field *field;
};

struct rtmpl {
	char *text;            /* owns the literal pieces */
	struct rtmpl_seg *seg;
	size_t n;
};

struct rrule {
	char *name;
	char *desc;
	struct rfrag output;
	bool has_output;
	int severity;          /* -1 until set */
	char **tags;
	size_t ntags;
	bool enabled;
	struct rtext cond;
	struct rpos pos;
	/* compiled */
	struct rnode *root;
	struct rtmpl tmpl;
	uint64_t mask;         /* access types it can match, by ward_rules_type_index() */
	uint16_t *types;
	size_t ntypes;
	uint64_t matches;
};

/* Everything loaded, before and after compilation. */
struct rset {
	struct rlist **lists;
	size_t nlists;
	struct rmacro **macros;
	size_t nmacros;
	struct rrule **rules;
	size_t nrules;
	size_t nitems;
};

struct rlist *rset_list(const struct rset *s, const char *name, size_t len);
struct rmacro *rset_macro(const struct rset *s, const char *name, size_t len);
struct rrule *rset_rule(const struct rset *s, const char *name);
void rset_free(struct rset *s);
void rtext_free(struct rtext *t);

/* rules_yaml.c: parse one file's text and merge its items into s.
 * raw must outlive s's compilation (positions point into it). */
int rules_yaml_load(struct rset *s, const char *file, const char *raw, size_t len,
		    struct rerrs *e);

/* ---- lexer ---- */
enum rtok_kind { TK_EOF, TK_LP, TK_RP, TK_COMMA, TK_OP, TK_WORD, TK_STR, TK_BAD };

struct rtok {
	enum rtok_kind kind;
	size_t off;            /* in the joined text */
	const char *s;         /* TK_WORD, TK_OP: the text; TK_STR: without quotes */
	size_t len;
};

struct rlex {
	const char *text;
	size_t len, pos;
};

void rlex_init(struct rlex *l, const char *text, size_t len);
/* Next token. Quoted strings have no escapes: a quote inside a string needs
 * the other kind of quote around it. TK_BAD: an unterminated string, or a
 * lone '!'. */
struct rtok rlex_next(struct rlex *l);

/* ---- syntax tree ---- */
enum rast_kind { AST_AND, AST_OR, AST_NOT, AST_CMP, AST_REF };

struct rast_val {
	char *s;
	size_t len;
	bool quoted;
	struct rpos pos;
};

struct rast {
	enum rast_kind kind;
	struct rast *l, *r;    /* AND, OR: both; NOT: l */
	char *name;            /* CMP: field; REF: macro or bool field */
	struct rpos pos;
	char *op;              /* CMP */
	struct rpos op_pos;
	struct rast_val *vals;
	size_t nvals;
	bool list;             /* values were in parentheses */
};

/* NULL on a syntax error (reported) or ENOMEM (e->oom). */
struct rast *rules_parse(const struct rtext *t, struct rerrs *e);
void rast_free(struct rast *a);

/* ---- glob ---- */
struct rglob;
struct rglob *rglob_compile(const char *pat, size_t len, const char **why);
bool rglob_match(const struct rglob *g, const char *s, size_t len);
void rglob_free(struct rglob *g);

/* ---- evaluation tree ---- */
enum rop {
	OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
	OP_IN, OP_STARTSWITH, OP_ENDSWITH, OP_CONTAINS, OP_ICONTAINS, OP_GLOB,
	OP_EXISTS, OP_IN_DOMAIN, OP_IN_CIDR,
	OP_TRUE,               /* a bare bool field */
};

struct rcidr {
	uint8_t family;        /* 4 or 6 */
	uint8_t bits;
	uint8_t addr[16];
};

struct rval {
	const char *s;         /* strings: owned by rnode.strs */
	size_t len;
	int64_t n;
	struct rglob *glob;
	struct rcidr cidr;
};

enum rnode_kind { RN_AND, RN_OR, RN_NOT, RN_CMP, RN_CONST };

struct rnode {
	enum rnode_kind kind;
	struct rnode **kids;
	size_t nkids;
	/* RN_CMP */
	const struct ward_field *field;
	enum rop op;
	struct rval *vals;     /* OP_IN: sorted */
	size_t nvals;
	char *strs;            /* backing store of the string values */
	bool cval;             /* RN_CONST */
};

struct rcompile {
	struct rset *set;
	struct rerrs *e;
	unsigned int depth;
	struct rmacro *stack[RULES_DEPTH_MAX];
	unsigned int nstack;
};

/* Compile every macro (to report its errors once) and every rule. */
int rules_compile_all(struct rset *s, struct rerrs *e);
void rnode_free(struct rnode *n);
bool rnode_eval(const struct rnode *n, struct ward_field_ctx *c);

/* Dense index of access types for the per-type rule lists: 0..N-1, N = unknown. */
#define RULES_TYPES_MAX 64
unsigned int rules_type_index(unsigned int access_type);
unsigned int rules_type_count(void);
unsigned int rules_type_at(unsigned int idx);

/* ---- output templates ---- */
int rtmpl_compile(struct rtmpl *t, const struct rfrag *src, struct rerrs *e);
void rtmpl_render(const struct rtmpl *t, struct ward_field_ctx *c, struct ward_buf *b);
void rtmpl_free(struct rtmpl *t);

#endif /* WARD_DETECT_RULES_INT_H */
