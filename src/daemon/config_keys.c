/*
 * Every configuration key: type, default, bounds, reloadability and a line of
 * help. The parser, the defaults, `ward config show`, the diff on SIGHUP and
 * the docs test all read this one table, so a key is added in one place
 * (plus its field in config.h and its row in docs/config.md).
 *
 * Keys of one section are contiguous, sections in the order the YAML shows.
 */
#include "daemon/config_keys.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <syslog.h>

#include "path_hooks.h"

#define OFF(f) offsetof(struct ward_config, f)
#define K 1024ULL
#define M (1024ULL * K)
#define G (1024ULL * M)
#define T (1024ULL * G)
#define SEC 1000ULL
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)

#define BOOL(k, f, d, r, h) \
	{ .key = k, .type = CFG_BOOL, .off = OFF(f), .def = d, .reloadable = r, \
	  .range = "true, false", .help = h }
#define INT(k, f, d, lo, hi, rng, r, h) \
	{ .key = k, .type = CFG_INT, .off = OFF(f), .def = d, .min = lo, .max = hi, \
	  .reloadable = r, .range = rng, .help = h }
#define SIZE(k, f, d, lo, hi, rng, r, h) \
	{ .key = k, .type = CFG_SIZE, .off = OFF(f), .def = d, .min = lo, .max = hi, \
	  .reloadable = r, .range = rng, .help = h }
#define DURATION(k, f, d, lo, hi, rng, r, h) \
	{ .key = k, .type = CFG_DURATION, .off = OFF(f), .def = d, .min = lo, .max = hi, \
	  .reloadable = r, .range = rng, .help = h }
#define PATH(k, f, d, r, h) \
	{ .key = k, .type = CFG_PATH, .off = OFF(f), .def_str = d, .reloadable = r, \
	  .range = "absolute path", .help = h }

static const struct cfg_name route_names[] = {
	{ "auto", WARD_ROUTE_AUTO },
	{ "tracepoint", WARD_ROUTE_TRACEPOINT },
	{ "fentry", WARD_ROUTE_FENTRY },
	{ "lsm", WARD_ROUTE_LSM },
	{ NULL, 0 },
};

static const struct cfg_name sync_names[] = {
	{ "block", WARD_CONFIG_SYNC_BLOCK },
	{ "segment", WARD_CONFIG_SYNC_SEGMENT },
	{ "none", WARD_CONFIG_SYNC_NONE },
	{ "interval", WARD_CONFIG_SYNC_INTERVAL },
	{ NULL, 0 },
};

static const struct cfg_name facility_names[] = {
	{ "daemon", LOG_DAEMON },     { "auth", LOG_AUTH },         { "authpriv", LOG_AUTHPRIV },
	{ "local0", LOG_LOCAL0 },     { "local1", LOG_LOCAL1 },     { "local2", LOG_LOCAL2 },
	{ "local3", LOG_LOCAL3 },     { "local4", LOG_LOCAL4 },     { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 },     { "local7", LOG_LOCAL7 },     { NULL, 0 },
};

static const struct cfg_name response_names[] = {
	{ "none", WARD_CONFIG_RESPONSE_NONE },
	{ "stop", WARD_CONFIG_RESPONSE_STOP },
	{ "kill", WARD_CONFIG_RESPONSE_KILL },
	{ NULL, 0 },
};

static const char *const default_rule_files[] = { "/etc/ward/rules.d" };

#define THRESHOLD(name, what) \
	INT("detection.ransomware.thresholds." #name, detection.ransomware.thresholds.name, 50, \
	    1, 1000000, "1..1000000", true, \
	    "files " what " by one process tree within the window that raise an alert")

const struct cfg_key cfg_keys[] = {
	/* the kernel refuses a ring buffer whose size is not a power of two */
	{ .key = "sensor.ring_size", .type = CFG_SIZE, .off = OFF(sensor.ring_size), .def = 8 * M,
	  .min = 64 * K, .max = 1 * G, .flags = CFG_POW2, .range = "64K..1G, power of two",
	  .help = "kernel ring buffer size" },
	INT("sensor.flush_ms", sensor.flush_ms, 100, 1, 10000, "1..10000", false,
	    "longest time (ms) an event waits in the ring before it is read"),
	INT("sensor.fold_ms", sensor.fold_ms, 1000, 0, 60000, "0..60000", false,
	    "report repeated opens of a file once per this many ms (0: every open)"),
	BOOL("sensor.strict", sensor.strict, false, false,
	     "refuse to start if any hook or program fails to load"),
	{ .key = "sensor.route", .type = CFG_ENUM, .off = OFF(sensor.route), .names = route_names,
	  .def = WARD_ROUTE_AUTO, .range = "auto, tracepoint, fentry, lsm",
	  .help = "paths of unlink, rename, chmod...: from path hooks where the kernel allows "
		  "(auto), or resolved in user space" },
	{ .key = "sensor.types", .type = CFG_LIST, .off = OFF(sensor.types), .elem = CFG_ELEM_XDR_TYPE,
	  .range = "event or access type names", .help = "event or access types to capture ([]: all)" },

	DURATION("daemon.stats_interval", daemon.stats_interval_ms, 10 * SEC, 1 * SEC, 1 * HOUR,
		 "1s..1h", true, "time between stats records"),

	BOOL("socket.enabled", socket.enabled, true, false, "serve clients on a Unix socket"),
	{ .key = "socket.path", .type = CFG_PATH, .off = OFF(socket.path),
	  .def_str = "/run/ward/ward.sock", .maxlen = 107 /* sun_path */,
	  .range = "absolute path, at most 107 bytes", .help = "Unix socket clients connect to" },
	{ .key = "socket.mode", .type = CFG_MODE, .off = OFF(socket.mode), .def = 0600,
	  .max = 0777, .range = "octal, 0000..0777", .help = "permissions of the socket" },
	{ .key = "socket.group", .type = CFG_STRING, .off = OFF(socket.group), .def_str = "",
	  .maxlen = 32, .range = "group name, at most 32 bytes",
	  .help = "group that owns the socket (\"\": root's)" },
	SIZE("socket.client_queue", socket.client_queue, 4 * M, 64 * K, 256 * M, "64K..256M", false,
	     "output queued for one slow client before it is dropped"),
	INT("socket.max_clients", socket.max_clients, 64, 1, 1024, "1..1024", false,
	    "clients connected at once"),

	BOOL("log.enabled", log.enabled, true, false, "keep a compressed event log on disk"),
	PATH("log.dir", log.dir, "/var/lib/ward/log", false, "directory of the log segments"),
	SIZE("log.segment_size", log.segment_size, 64 * M, 1 * M, 4 * G, "1M..4G", false,
	     "start a new segment after this many bytes"),
	DURATION("log.segment_age", log.segment_age_ms, 1 * HOUR, 1 * MIN, 7 * DAY, "1m..7d", false,
		 "start a new segment after this long"),
	SIZE("log.retention_size", log.retention_size, 1 * G, 1 * M, 16 * T, "1M..16T", true,
	     "delete the oldest segments beyond this total size"),
	DURATION("log.retention_age", log.retention_age_ms, 7 * DAY, 1 * MIN, 3650 * DAY,
		 "1m..3650d", true, "delete segments older than this"),
	SIZE("log.block_size", log.block_size, 256 * K, 4 * K, 16 * M, "4K..16M", false,
	     "events compressed together in one block"),
	DURATION("log.flush_interval", log.flush_interval_ms, 1 * SEC, 10, 60 * SEC, "10ms..60s",
		 false, "longest time an event waits before its block is written"),
	INT("log.compression_level", log.compression_level, 3, 1, 19, "1..19", false,
	    "zstd compression level"),
	{ .key = "log.sync", .type = CFG_ENUM, .off = OFF(log.sync), .names = sync_names,
	  .def = WARD_CONFIG_SYNC_INTERVAL, .range = "interval, block, segment, none",
	  .help = "fsync once per flush interval, after every block, every segment, or never" },
	SIZE("log.queue", log.queue, 8 * M, 64 * K, 1 * G, "64K..1G", false,
	     "events queued for the log writer before they are dropped"),

	BOOL("footprints.enabled", footprints.enabled, true, false,
	     "keep what each program touched (footprints) in a database"),
	PATH("footprints.database", footprints.database, "/var/lib/ward/footprints.db", false,
	     "SQLite database of footprints"),
	DURATION("footprints.flush_interval", footprints.flush_interval_ms, 2 * SEC, 100, 1 * HOUR,
		 "100ms..1h", false, "time between writes to the database"),
	BOOL("footprints.hash_executables", footprints.hash_executables, true, false,
	     "record the SHA-256 of executables"),
	SIZE("footprints.hash_max_size", footprints.hash_max_size, 256 * M, 4 * K, 16 * G,
	     "4K..16G", false, "executables larger than this are not hashed"),
	INT("footprints.max_pending", footprints.max_pending, 32768, 1, 1000000, "1..1000000",
	    false, "footprint records waiting for the database before new ones are dropped"),

	BOOL("jsonl.enabled", jsonl.enabled, false, false, "write events as JSON Lines"),
	{ .key = "jsonl.path", .type = CFG_PATH, .off = OFF(jsonl.path), .flags = CFG_DASH,
	  .def_str = "-", .range = "\"-\" or absolute path",
	  .help = "file to append JSON Lines to (\"-\": stdout)" },
	SIZE("jsonl.queue", jsonl.queue, 4 * M, 64 * K, 1 * G, "64K..1G", false,
	     "output queued for the JSON Lines writer before events are dropped"),

	BOOL("syslog.enabled", syslog.enabled, false, false, "send alerts to syslog"),
	PATH("syslog.socket", syslog.socket, "/dev/log", false,
	     "the syslog daemon's datagram socket"),
	{ .key = "syslog.ident", .type = CFG_STRING, .off = OFF(syslog.ident), .def_str = "ward",
	  .flags = CFG_NONEMPTY, .maxlen = 64, .range = "1..64 bytes", .help = "syslog identifier" },
	{ .key = "syslog.facility", .type = CFG_ENUM, .off = OFF(syslog.facility),
	  .names = facility_names, .def = LOG_DAEMON,
	  .range = "daemon, auth, authpriv, local0..local7", .help = "syslog facility" },
	{ .key = "syslog.min_severity", .type = CFG_SEVERITY, .off = OFF(syslog.min_severity),
	  .def = 4 /* WARD_SEV_WARNING */, .reloadable = true,
	  .range = "emergency, alert, critical, error, warning, notice, informational, debug",
	  .help = "alerts less severe than this are not sent" },

	BOOL("detection.rules.enabled", detection.rules.enabled, true, true, "evaluate rules"),
	BOOL("detection.rules.default_rules", detection.rules.default_rules, true, true,
	     "load the rules built into ward"),
	{ .key = "detection.rules.files", .type = CFG_LIST, .off = OFF(detection.rules.files),
	  .elem = CFG_ELEM_PATH, .def_list = default_rule_files, .def_nlist = 1,
	  .reloadable = true, .range = "absolute paths",
	  .help = "rule files, or directories of *.yaml rule files" },
	PATH("detection.profiles.dir", detection.profiles.dir, "/etc/ward/profiles", true,
	     "directory of behaviour profiles"),
	BOOL("detection.ransomware.enabled", detection.ransomware.enabled, true, true,
	     "detect mass file changes by one process tree"),
	DURATION("detection.ransomware.window", detection.ransomware.window_ms, 30 * SEC, 1 * SEC,
		 1 * HOUR, "1s..1h", true, "time window the thresholds count in"),
	THRESHOLD(open, "opened"),
	THRESHOLD(create, "created"),
	THRESHOLD(delete, "deleted"),
	THRESHOLD(move, "moved (renamed)"),
	THRESHOLD(modify, "modified"),
	{ .key = "detection.ransomware.response", .type = CFG_ENUM,
	  .off = OFF(detection.ransomware.response), .names = response_names,
	  .def = WARD_CONFIG_RESPONSE_NONE, .reloadable = true, .range = "none, stop, kill",
	  .help = "what to do to the process tree: nothing, SIGSTOP or SIGKILL" },
	{ .key = "detection.ransomware.allow", .type = CFG_LIST,
	  .off = OFF(detection.ransomware.allow), .elem = CFG_ELEM_PATH, .reloadable = true,
	  .range = "absolute paths", .help = "executables never acted on" },
};

const size_t cfg_nkeys = sizeof(cfg_keys) / sizeof(cfg_keys[0]);

_Static_assert(sizeof(cfg_keys) / sizeof(cfg_keys[0]) <= WARD_CONFIG_MAX_KEYS,
	       "raise WARD_CONFIG_MAX_KEYS");

const char *const cfg_sections[] = {
	"sensor", "daemon", "socket", "log", "footprints", "jsonl", "syslog", "detection",
	"detection.rules", "detection.profiles", "detection.ransomware",
	"detection.ransomware.thresholds",
};

const size_t cfg_nsections = sizeof(cfg_sections) / sizeof(cfg_sections[0]);

const struct cfg_key *cfg_key_find(const char *key, size_t *index)
{
	for (size_t i = 0; i < cfg_nkeys; i++)
		if (!strcmp(cfg_keys[i].key, key)) {
			if (index)
				*index = i;
			return &cfg_keys[i];
		}
	return NULL;
}

int cfg_section_find(const char *key)
{
	for (size_t i = 0; i < cfg_nsections; i++)
		if (!strcmp(cfg_sections[i], key))
			return (int)i;
	return -ENOENT;
}

const char *cfg_type_name(enum cfg_type t)
{
	switch (t) {
	case CFG_BOOL: return "bool";
	case CFG_INT: return "integer";
	case CFG_SIZE: return "size";
	case CFG_DURATION: return "duration";
	case CFG_ENUM: return "enum";
	case CFG_SEVERITY: return "severity";
	case CFG_MODE: return "mode";
	case CFG_STRING: return "string";
	case CFG_PATH: return "path";
	case CFG_LIST: return "list";
	}
	return "?";
}

size_t ward_config_nkeys(void)
{
	return cfg_nkeys;
}

int ward_config_key_at(size_t i, struct ward_config_key_info *info)
{
	if (i >= cfg_nkeys)
		return -ENOENT;
	info->key = cfg_keys[i].key;
	info->type = cfg_type_name(cfg_keys[i].type);
	info->range = cfg_keys[i].range;
	info->help = cfg_keys[i].help;
	info->reloadable = cfg_keys[i].reloadable;
	return 0;
}

int ward_config_key_index(const char *key)
{
	size_t i;

	return cfg_key_find(key, &i) ? (int)i : -ENOENT;
}
