/*
 * The daemon's configuration: /etc/ward/ward.yaml parsed into plain values.
 *
 * One table (config_keys.c) knows every key: its type, default, bounds and
 * whether SIGHUP can reload it. Loading starts from the defaults and lets the
 * file override them; every problem is reported with file, line, column and
 * key, and the parser goes on after an error when it can, so one run of
 * `ward config check` shows them all.
 *
 * Strings and lists either point at static defaults or into memory the
 * config owns (c->mem); ward_config_free() releases it. No other module is
 * needed to use the values: they are ints, bools, strings and string lists.
 */
#ifndef WARD_DAEMON_CONFIG_H
#define WARD_DAEMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WARD_CONFIG_PATH "/etc/ward/ward.yaml"

/* Limits on what a file may ask for; beyond them the file is refused. */
#define WARD_CONFIG_MAX_FILE (1u << 20) /* bytes: a config is a few KiB */
#define WARD_CONFIG_MAX_DEPTH 16        /* nested mappings/lists, even in skipped values */
#define WARD_CONFIG_MAX_LIST 256        /* entries in one list */
#define WARD_CONFIG_MAX_STRING 4095     /* bytes in one string (PATH_MAX - 1) */
#define WARD_CONFIG_MAX_KEYS 128        /* size of from_file; the table has fewer */
#define WARD_CONFIG_MAX_ERRORS 32       /* errors kept; more are only counted */

/* A list of strings: v[0..n-1]. */
struct ward_strv {
	const char *const *v;
	size_t n;
};

/* log.sync: when a log segment is fsync'ed. */
enum ward_config_sync {
	WARD_CONFIG_SYNC_BLOCK = 0,   /* after every compressed block */
	WARD_CONFIG_SYNC_SEGMENT = 1, /* when a segment is closed */
	WARD_CONFIG_SYNC_NONE = 2,    /* never (the kernel writes back) */
	WARD_CONFIG_SYNC_INTERVAL = 3, /* once per log.flush_interval (group commit) */
};

/* detection.ransomware.response; same numbers as enum ward_response_action (alert.h). */
enum ward_config_response {
	WARD_CONFIG_RESPONSE_NONE = 0,
	WARD_CONFIG_RESPONSE_STOP = 1,
	WARD_CONFIG_RESPONSE_KILL = 2,
};

/*
 * Units: sizes in bytes, durations in milliseconds (the _ms fields), modes as
 * permission bits, syslog.facility as <syslog.h>'s LOG_* value,
 * syslog.min_severity as enum ward_severity (= syslog level, alert.h).
 */
struct ward_config {
	struct {
		uint64_t ring_size;       /* power of two */
		int64_t flush_ms;
		int64_t fold_ms;          /* 0: report every open */
		bool strict;
		int route;                /* enum ward_route (path_hooks.h) */
		struct ward_strv types;   /* canonical XDR names; empty: all */
	} sensor;
	struct {
		uint64_t stats_interval_ms;
	} daemon;
	struct {
		bool enabled;
		const char *path;
		unsigned int mode;
		const char *group;        /* "": root's group */
		uint64_t client_queue;
		int64_t max_clients;
	} socket;
	struct {
		bool enabled;
		const char *dir;
		uint64_t segment_size;
		uint64_t segment_age_ms;
		uint64_t retention_size;
		uint64_t retention_age_ms;
		uint64_t block_size;
		uint64_t flush_interval_ms;
		int64_t compression_level;
		int sync;                 /* enum ward_config_sync */
		uint64_t queue;
	} log;
	struct {
		bool enabled;
		const char *database;
		uint64_t flush_interval_ms;
		bool hash_executables;
		uint64_t hash_max_size;
		int64_t max_pending;
	} footprints;
	struct {
		bool enabled;
		const char *path;         /* "-": stdout */
		uint64_t queue;
	} jsonl;
	struct {
		bool enabled;
		const char *socket;
		const char *ident;
		int facility;             /* LOG_DAEMON, LOG_AUTH, ... */
		int min_severity;         /* enum ward_severity */
	} syslog;
	struct {
		struct {
			bool enabled;
			bool default_rules;
			struct ward_strv files;
		} rules;
		struct {
			const char *dir;
		} profiles;
		struct {
			bool enabled;
			uint64_t window_ms;
			struct {
				int64_t open, create, delete, move, modify;
			} thresholds;
			int response;     /* enum ward_config_response */
			struct ward_strv allow;
		} ransomware;
	} detection;

	/* Bit i set: the file gave key i (ward_config_key_at(i)). */
	uint64_t from_file[WARD_CONFIG_MAX_KEYS / 64];
	/* Owned allocations behind the strings and lists; NULL for pure defaults. */
	struct ward_config_mem *mem;
};

struct ward_config_error_item {
	unsigned int line, col; /* 1-based; 0 when there is no position (unreadable file) */
	char key[96];           /* "log.segment_size", or "" */
	char msg[224];
};

/* Every error of one load, in file order. */
struct ward_config_error {
	char file[256];
	size_t n;               /* items kept */
	size_t total;           /* errors found, >= n */
	struct ward_config_error_item items[WARD_CONFIG_MAX_ERRORS];
};

/* Fills *c with the defaults; allocates nothing (ward_config_free is still fine). */
void ward_config_defaults(struct ward_config *c);

/*
 * Defaults, overridden by the file at path. Returns 0; or -errno when the file
 * cannot be read (-ENOENT, -EACCES, -EFBIG over WARD_CONFIG_MAX_FILE, ...),
 * -EINVAL when its content has errors, -ENOMEM. Every error is in *err (which
 * may be NULL). On failure *c holds the defaults, with nothing to free.
 */
int ward_config_load(const char *path, struct ward_config *c, struct ward_config_error *err);

/* The same from a buffer; name is what errors call the file. */
int ward_config_load_buf(const char *name, const char *data, size_t len, struct ward_config *c,
			 struct ward_config_error *err);

/* Releases what c owns and leaves the defaults; accepts NULL. */
void ward_config_free(struct ward_config *c);

/* "FILE:LINE:COL: KEY: MESSAGE" (parts without a value left out); returns snprintf's count. */
int ward_config_error_format(const struct ward_config_error *e, size_t i, char *buf, size_t len);

struct ward_config_change {
	const char *key;        /* "log.retention_size" (static) */
	bool reloadable;        /* false: "restart to apply" */
};

/*
 * The keys whose values differ between old and new, in table order: stores
 * up to max of them in out and returns how many differ (0: same config).
 */
int ward_config_diff_reload(const struct ward_config *old, const struct ward_config *new,
			    struct ward_config_change *out, size_t max);

/*
 * What a SIGHUP applies: *out becomes running, with every reloadable key taken
 * from loaded. *out owns its copies (free it with ward_config_free); it may not
 * be running or loaded. Returns 0 or -ENOMEM (then *out holds the defaults).
 */
int ward_config_merge_reloadable(struct ward_config *out, const struct ward_config *running,
				 const struct ward_config *loaded);

/* The configuration as YAML that loads back to the same values. */
#define WARD_CONFIG_YAML_COMMENTS 1 /* a "# help" line above every key */
struct ward_buf;
int ward_config_write_yaml(const struct ward_config *c, struct ward_buf *out, unsigned int flags);

/* What the table says about one key, for docs, `ward config show` and the daemon. */
struct ward_config_key_info {
	const char *key;        /* "log.segment_size" */
	const char *type;       /* "size", "duration", "bool", ... */
	const char *range;      /* "1M..4G", "block, segment, none", "absolute path", ... */
	const char *help;       /* one line */
	bool reloadable;
};
size_t ward_config_nkeys(void);
/* 0, or -ENOENT past the end. */
int ward_config_key_at(size_t i, struct ward_config_key_info *info);
/* The index of key, or -ENOENT. */
int ward_config_key_index(const char *key);
/* Key i's value in c as YAML text ("64M", "true", "\"/run/ward/ward.sock\"", "[]"); a list is
 * written in flow style. Returns snprintf's count, or -ENOENT. */
int ward_config_format_value(const struct ward_config *c, size_t i, char *buf, size_t len);

#endif /* WARD_DAEMON_CONFIG_H */
