/* The config parser: every value type, and every kind of error with its exact position. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "daemon/config.h"
#include "unit.h"

#define DATA "tests/data/config/"

static struct ward_config_error err;

static int load_str(const char *yaml, struct ward_config *c)
{
	return ward_config_load_buf("t.yaml", yaml, strlen(yaml), c, &err);
}

/* Error i as `ward config check` prints it. */
static const char *error_line(size_t i)
{
	static char buf[512];

	ward_config_error_format(&err, i, buf, sizeof(buf));
	return buf;
}

/* One key set to one value: 0 or the load's error, with *c loaded. */
static int load_kv(struct ward_config *c, const char *section, const char *key, const char *value)
{
	char yaml[1024];

	snprintf(yaml, sizeof(yaml), "%s:\n  %s: %s\n", section, key, value);
	return load_str(yaml, c);
}

/* The one error a bad section.key: value gives, as printed. */
static const char *bad_kv(const char *section, const char *key, const char *value)
{
	struct ward_config c;
	int ret = load_kv(&c, section, key, value);

	if (ret != -EINVAL || err.n != 1)
		return "(expected exactly one error)";
	return error_line(0);
}

UNIT_TEST(defaults)
{
	struct ward_config c;

	ward_config_defaults(&c);
	CHECK_EQ_INT(c.sensor.ring_size, 8 << 20);
	CHECK_EQ_INT(c.sensor.flush_ms, 100);
	CHECK_EQ_INT(c.sensor.fold_ms, 1000);
	CHECK_EQ_INT(c.sensor.strict, false);
	CHECK_EQ_INT(c.sensor.types.n, 0);
	CHECK_EQ_INT(c.daemon.stats_interval_ms, 10000);
	CHECK_EQ_INT(c.socket.enabled, true);
	CHECK_EQ_STR(c.socket.path, "/run/ward/ward.sock");
	CHECK_EQ_INT(c.socket.mode, 0600);
	CHECK_EQ_STR(c.socket.group, "");
	CHECK_EQ_INT(c.socket.client_queue, 4 << 20);
	CHECK_EQ_INT(c.socket.max_clients, 64);
	CHECK_EQ_STR(c.log.dir, "/var/lib/ward/log");
	CHECK_EQ_INT(c.log.segment_size, 64 << 20);
	CHECK_EQ_INT(c.log.segment_age_ms, 3600 * 1000);
	CHECK_EQ_INT(c.log.retention_size, 1 << 30);
	CHECK_EQ_INT(c.log.retention_age_ms, 7 * 86400 * 1000LL);
	CHECK_EQ_INT(c.log.block_size, 256 << 10);
	CHECK_EQ_INT(c.log.flush_interval_ms, 1000);
	CHECK_EQ_INT(c.log.compression_level, 3);
	CHECK_EQ_INT(c.log.sync, WARD_CONFIG_SYNC_INTERVAL);
	CHECK_EQ_INT(c.log.queue, 8 << 20);
	CHECK_EQ_STR(c.footprints.database, "/var/lib/ward/footprints.db");
	CHECK_EQ_INT(c.footprints.flush_interval_ms, 2000);
	CHECK_EQ_INT(c.footprints.hash_executables, true);
	CHECK_EQ_INT(c.footprints.hash_max_size, 256 << 20);
	CHECK_EQ_INT(c.footprints.max_pending, 32768);
	CHECK_EQ_INT(c.jsonl.enabled, false);
	CHECK_EQ_STR(c.jsonl.path, "-");
	CHECK_EQ_INT(c.jsonl.queue, 4 << 20);
	CHECK_EQ_INT(c.syslog.enabled, false);
	CHECK_EQ_STR(c.syslog.ident, "ward");
	CHECK_EQ_INT(c.syslog.facility, LOG_DAEMON);
	CHECK_EQ_INT(c.syslog.min_severity, 4);
	CHECK_EQ_INT(c.detection.rules.enabled, true);
	CHECK_EQ_INT(c.detection.rules.default_rules, true);
	if (CHECK_EQ_INT(c.detection.rules.files.n, 1))
		CHECK_EQ_STR(c.detection.rules.files.v[0], "/etc/ward/rules.d");
	CHECK_EQ_STR(c.detection.profiles.dir, "/etc/ward/profiles");
	CHECK_EQ_INT(c.detection.ransomware.enabled, true);
	CHECK_EQ_INT(c.detection.ransomware.window_ms, 30000);
	CHECK_EQ_INT(c.detection.ransomware.thresholds.open, 50);
	CHECK_EQ_INT(c.detection.ransomware.thresholds.create, 50);
	CHECK_EQ_INT(c.detection.ransomware.thresholds.delete, 50);
	CHECK_EQ_INT(c.detection.ransomware.thresholds.move, 50);
	CHECK_EQ_INT(c.detection.ransomware.thresholds.modify, 50);
	CHECK_EQ_INT(c.detection.ransomware.response, WARD_CONFIG_RESPONSE_NONE);
	CHECK_EQ_INT(c.detection.ransomware.allow.n, 0);
	CHECK(c.mem == NULL);
	CHECK_EQ_INT(c.from_file[0] | c.from_file[1], 0);
	ward_config_free(&c);
}

UNIT_TEST(every_type_from_a_file)
{
	struct ward_config c;

	if (!CHECK_EQ_INT(ward_config_load(DATA "all_types.yaml", &c, &err), 0)) {
		for (size_t i = 0; i < err.n; i++)
			fprintf(stderr, "    %s\n", error_line(i));
		return;
	}
	CHECK_EQ_INT(c.sensor.ring_size, 16 << 20);
	CHECK_EQ_INT(c.sensor.flush_ms, 250);
	CHECK_EQ_INT(c.sensor.fold_ms, 0);
	CHECK_EQ_INT(c.sensor.strict, true);
	if (CHECK_EQ_INT(c.sensor.types.n, 3)) {
		/* canonical spellings, whatever the file wrote */
		CHECK_EQ_STR(c.sensor.types.v[0], "FILE_OPEN");
		CHECK_EQ_STR(c.sensor.types.v[1], "DNS");
		CHECK_EQ_STR(c.sensor.types.v[2], "DNS_QUERY");
	}
	CHECK_EQ_INT(c.daemon.stats_interval_ms, 90000);
	CHECK_EQ_INT(c.socket.mode, 0660);
	CHECK_EQ_STR(c.socket.group, "ward");
	CHECK_EQ_STR(c.socket.path, "/run/ward/ward.sock"); /* untouched */
	CHECK_EQ_STR(c.log.dir, "/srv/ward/log");
	CHECK_EQ_INT(c.log.segment_age_ms, 90 * 60000);
	CHECK_EQ_INT(c.log.sync, WARD_CONFIG_SYNC_SEGMENT);
	CHECK_EQ_INT(c.log.retention_size, 2ULL << 30);
	CHECK_EQ_INT(c.syslog.enabled, true);
	CHECK_EQ_INT(c.syslog.facility, LOG_LOCAL3);
	CHECK_EQ_INT(c.syslog.min_severity, 6);
	CHECK_EQ_STR(c.jsonl.path, "/var/log/ward.jsonl");
	if (CHECK_EQ_INT(c.detection.rules.files.n, 2)) {
		CHECK_EQ_STR(c.detection.rules.files.v[0], "/etc/ward/rules.d");
		CHECK_EQ_STR(c.detection.rules.files.v[1], "/opt/rules/extra.yaml");
	}
	CHECK_EQ_INT(c.detection.ransomware.thresholds.open, 50);
	CHECK_EQ_INT(c.detection.ransomware.thresholds.delete, 10);
	CHECK_EQ_INT(c.detection.ransomware.thresholds.move, 1000000);
	CHECK_EQ_INT(c.detection.ransomware.response, WARD_CONFIG_RESPONSE_KILL);
	CHECK_EQ_INT(c.detection.ransomware.allow.n, 0);
	/* the keys the file set, and no other */
	CHECK(c.from_file[0] & (1ULL << ward_config_key_index("sensor.types")));
	CHECK(c.from_file[0] & (1ULL << ward_config_key_index("log.sync")));
	CHECK(!(c.from_file[0] & (1ULL << ward_config_key_index("log.queue"))));
	ward_config_free(&c);
	CHECK(c.mem == NULL);
	CHECK_EQ_STR(c.log.dir, "/var/lib/ward/log"); /* free leaves the defaults */
}

UNIT_TEST(bool_values)
{
	static const struct {
		const char *text;
		bool value;
	} good[] = {
		{ "true", true }, { "false", false }, { "yes", true }, { "no", false },
		{ "on", true },   { "off", false },   { "True", true }, { "OFF", false },
	};
	struct ward_config c;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CHECK_EQ_INT(load_kv(&c, "sensor", "strict", good[i].text), 0);
		CHECK_EQ_INT(c.sensor.strict, good[i].value);
		ward_config_free(&c);
	}
	CHECK_EQ_STR(bad_kv("sensor", "strict", "maybe"),
		     "t.yaml:2:11: sensor.strict: 'maybe': not a bool (true/false, yes/no, on/off)");
	CHECK_EQ_STR(bad_kv("sensor", "strict", "1"),
		     "t.yaml:2:11: sensor.strict: '1': not a bool (true/false, yes/no, on/off)");
}

UNIT_TEST(integer_values)
{
	struct ward_config c;

	CHECK_EQ_INT(load_kv(&c, "sensor", "flush_ms", "1"), 0);
	CHECK_EQ_INT(c.sensor.flush_ms, 1);
	CHECK_EQ_INT(load_kv(&c, "sensor", "flush_ms", "10000"), 0);
	CHECK_EQ_INT(c.sensor.flush_ms, 10000);
	CHECK_EQ_INT(load_kv(&c, "sensor", "flush_ms", "'42'"), 0); /* quoted is still a number */
	CHECK_EQ_INT(c.sensor.flush_ms, 42);
	CHECK_EQ_STR(bad_kv("sensor", "flush_ms", "0"),
		     "t.yaml:2:13: sensor.flush_ms: 0 is out of range (1..10000)");
	CHECK_EQ_STR(bad_kv("sensor", "flush_ms", "10001"),
		     "t.yaml:2:13: sensor.flush_ms: 10001 is out of range (1..10000)");
	CHECK_EQ_STR(bad_kv("sensor", "flush_ms", "-1"),
		     "t.yaml:2:13: sensor.flush_ms: -1 is out of range (1..10000)");
	CHECK_EQ_STR(bad_kv("sensor", "flush_ms", "18446744073709551616"),
		     "t.yaml:2:13: sensor.flush_ms: 18446744073709551616 is out of range (1..10000)");
	CHECK_EQ_STR(bad_kv("sensor", "flush_ms", "1.5"),
		     "t.yaml:2:13: sensor.flush_ms: '1.5': not a whole number");
	CHECK_EQ_STR(bad_kv("sensor", "flush_ms", "0x10"),
		     "t.yaml:2:13: sensor.flush_ms: '0x10': not a whole number");
	CHECK_EQ_STR(bad_kv("sensor", "flush_ms", "100ms"),
		     "t.yaml:2:13: sensor.flush_ms: '100ms': not a whole number");
	/* fold_ms starts at 0 */
	CHECK_EQ_INT(load_kv(&c, "sensor", "fold_ms", "0"), 0);
	CHECK_EQ_INT(c.sensor.fold_ms, 0);
}

UNIT_TEST(size_values)
{
	struct ward_config c;

	CHECK_EQ_INT(load_kv(&c, "sensor", "ring_size", "64K"), 0);
	CHECK_EQ_INT(c.sensor.ring_size, 65536);
	CHECK_EQ_INT(load_kv(&c, "sensor", "ring_size", "1G"), 0);
	CHECK_EQ_INT(c.sensor.ring_size, 1 << 30);
	CHECK_EQ_INT(load_kv(&c, "sensor", "ring_size", "131072"), 0); /* plain bytes */
	CHECK_EQ_INT(c.sensor.ring_size, 131072);
	CHECK_EQ_INT(load_kv(&c, "sensor", "ring_size", "512k"), 0);
	CHECK_EQ_INT(c.sensor.ring_size, 512 << 10);
	CHECK_EQ_INT(load_str("log:\n  segment_size: 4G\n  retention_size: 4G\n", &c), 0);
	CHECK_EQ_INT(c.log.segment_size, 4ULL << 30);
	ward_config_free(&c);
	CHECK_EQ_INT(load_kv(&c, "log", "retention_size", "16T"), 0);
	CHECK_EQ_INT(c.log.retention_size, 16ULL << 40);
	CHECK_EQ_STR(bad_kv("sensor", "ring_size", "32K"),
		     "t.yaml:2:14: sensor.ring_size: 32K is out of range (64K..1G, power of two)");
	CHECK_EQ_STR(bad_kv("sensor", "ring_size", "2G"),
		     "t.yaml:2:14: sensor.ring_size: 2G is out of range (64K..1G, power of two)");
	CHECK_EQ_STR(bad_kv("sensor", "ring_size", "3M"),
		     "t.yaml:2:14: sensor.ring_size: 3M is not a power of two");
	CHECK_EQ_STR(bad_kv("log", "segment_size", "64MB"),
		     "t.yaml:2:17: log.segment_size: '64MB': bad size unit (K, M, G or T; 1K = 1024 bytes)");
	CHECK_EQ_STR(bad_kv("log", "segment_size", "64 M"),
		     "t.yaml:2:17: log.segment_size: '64 M': bad size unit (K, M, G or T; 1K = 1024 bytes)");
	CHECK_EQ_STR(bad_kv("log", "segment_size", "M"),
		     "t.yaml:2:17: log.segment_size: 'M': not a size (bytes, or with a unit: 512K, 64M, 1G)");
	CHECK_EQ_STR(bad_kv("log", "segment_size", "4294967295T"),
		     "t.yaml:2:17: log.segment_size: 4294967295T is out of range (1M..4G)");
	CHECK_EQ_STR(bad_kv("log", "segment_size", "16777216T"),
		     "t.yaml:2:17: log.segment_size: 16777216T is out of range (1M..4G)");
}

UNIT_TEST(duration_values)
{
	static const struct {
		const char *text;
		uint64_t ms;
	} good[] = {
		{ "500ms", 500 }, { "10s", 10000 }, { "5m", 300000 }, { "1h", 3600000 },
	};
	struct ward_config c;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CHECK_EQ_INT(load_kv(&c, "footprints", "flush_interval", good[i].text), 0);
		CHECK_EQ_INT(c.footprints.flush_interval_ms, good[i].ms);
	}
	CHECK_EQ_INT(load_kv(&c, "log", "retention_age", "7d"), 0);
	CHECK_EQ_INT(c.log.retention_age_ms, 604800000);
	CHECK_EQ_INT(load_kv(&c, "log", "retention_age", "3650d"), 0);
	CHECK_EQ_INT(c.log.retention_age_ms, 3650 * 86400000ULL);
	CHECK_EQ_STR(bad_kv("log", "retention_age", "3651d"),
		     "t.yaml:2:18: log.retention_age: 3651d is out of range (1m..3650d)");
	/* edges of log.flush_interval: 10ms..60s */
	CHECK_EQ_INT(load_kv(&c, "log", "flush_interval", "10ms"), 0);
	CHECK_EQ_INT(c.log.flush_interval_ms, 10);
	CHECK_EQ_INT(load_kv(&c, "log", "flush_interval", "1m"), 0);
	CHECK_EQ_INT(c.log.flush_interval_ms, 60000);
	CHECK_EQ_STR(bad_kv("log", "flush_interval", "9ms"),
		     "t.yaml:2:19: log.flush_interval: 9ms is out of range (10ms..60s)");
	CHECK_EQ_STR(bad_kv("log", "flush_interval", "61s"),
		     "t.yaml:2:19: log.flush_interval: 61s is out of range (10ms..60s)");
	CHECK_EQ_STR(bad_kv("log", "flush_interval", "10"),
		     "t.yaml:2:19: log.flush_interval: '10': a duration needs a unit (ms, s, m, h or d)");
	CHECK_EQ_STR(bad_kv("log", "flush_interval", "2w"),
		     "t.yaml:2:19: log.flush_interval: '2w': bad duration unit (ms, s, m, h or d)");
	CHECK_EQ_STR(bad_kv("log", "flush_interval", "1.5s"),
		     "t.yaml:2:19: log.flush_interval: '1.5s': bad duration unit (ms, s, m, h or d)");
	CHECK_EQ_STR(bad_kv("log", "flush_interval", "s"),
		     "t.yaml:2:19: log.flush_interval: 's': not a duration (500ms, 10s, 5m, 1h, 7d)");
	CHECK_EQ_STR(bad_kv("log", "flush_interval", "999999999999999999d"),
		     "t.yaml:2:19: log.flush_interval: 999999999999999999d is out of range (10ms..60s)");
}

UNIT_TEST(enum_and_severity_values)
{
	struct ward_config c;

	CHECK_EQ_INT(load_kv(&c, "log", "sync", "none"), 0);
	CHECK_EQ_INT(c.log.sync, WARD_CONFIG_SYNC_NONE);
	CHECK_EQ_INT(load_kv(&c, "log", "sync", "SEGMENT"), 0);
	CHECK_EQ_INT(c.log.sync, WARD_CONFIG_SYNC_SEGMENT);
	CHECK_EQ_INT(load_kv(&c, "syslog", "facility", "local7"), 0);
	CHECK_EQ_INT(c.syslog.facility, LOG_LOCAL7);
	CHECK_EQ_INT(load_kv(&c, "syslog", "facility", "authpriv"), 0);
	CHECK_EQ_INT(c.syslog.facility, LOG_AUTHPRIV);
	CHECK_EQ_INT(load_str("detection:\n  ransomware:\n    response: stop\n", &c), 0);
	CHECK_EQ_INT(c.detection.ransomware.response, WARD_CONFIG_RESPONSE_STOP);
	CHECK_EQ_INT(load_kv(&c, "syslog", "min_severity", "debug"), 0);
	CHECK_EQ_INT(c.syslog.min_severity, 7);
	CHECK_EQ_INT(load_kv(&c, "syslog", "min_severity", "Emergency"), 0);
	CHECK_EQ_INT(c.syslog.min_severity, 0);
	CHECK_EQ_STR(bad_kv("log", "sync", "sometimes"),
		     "t.yaml:2:9: log.sync: unknown value 'sometimes' (interval, block, segment, none)");
	CHECK_EQ_STR(bad_kv("syslog", "facility", "local8"),
		     "t.yaml:2:13: syslog.facility: unknown value 'local8' "
		     "(daemon, auth, authpriv, local0..local7)");
	CHECK_EQ_STR(bad_kv("syslog", "min_severity", "loud"),
		     "t.yaml:2:17: syslog.min_severity: unknown severity 'loud' (emergency, alert, "
		     "critical, error, warning, notice, informational, debug)");
}

UNIT_TEST(mode_values)
{
	struct ward_config c;

	CHECK_EQ_INT(load_kv(&c, "socket", "mode", "\"0640\""), 0);
	CHECK_EQ_INT(c.socket.mode, 0640);
	CHECK_EQ_INT(load_kv(&c, "socket", "mode", "0660"), 0); /* unquoted: still octal */
	CHECK_EQ_INT(c.socket.mode, 0660);
	CHECK_EQ_INT(load_kv(&c, "socket", "mode", "600"), 0);
	CHECK_EQ_INT(c.socket.mode, 0600);
	CHECK_EQ_INT(load_kv(&c, "socket", "mode", "0000"), 0);
	CHECK_EQ_INT(c.socket.mode, 0);
	CHECK_EQ_STR(bad_kv("socket", "mode", "\"0800\""),
		     "t.yaml:2:9: socket.mode: '0800': not an octal mode (e.g. \"0600\")");
	CHECK_EQ_STR(bad_kv("socket", "mode", "00600"),
		     "t.yaml:2:9: socket.mode: '00600': not an octal mode (e.g. \"0600\")");
	CHECK_EQ_STR(bad_kv("socket", "mode", "rw"),
		     "t.yaml:2:9: socket.mode: 'rw': not an octal mode (e.g. \"0600\")");
	CHECK_EQ_STR(bad_kv("socket", "mode", "1777"),
		     "t.yaml:2:9: socket.mode: 1777 is out of range (octal, 0000..0777)");
}

UNIT_TEST(path_and_string_values)
{
	struct ward_config c;
	char longpath[200];

	CHECK_EQ_INT(load_kv(&c, "jsonl", "path", "\"-\""), 0);
	CHECK_EQ_STR(c.jsonl.path, "-");
	CHECK_EQ_INT(load_kv(&c, "jsonl", "path", "/var/log/w.jsonl"), 0);
	CHECK_EQ_STR(c.jsonl.path, "/var/log/w.jsonl");
	ward_config_free(&c);
	CHECK_EQ_STR(bad_kv("jsonl", "path", "out.jsonl"),
		     "t.yaml:2:9: jsonl.path: 'out.jsonl' is not an absolute path (or \"-\" for stdout)");
	CHECK_EQ_STR(bad_kv("log", "dir", "\"-\""),
		     "t.yaml:2:8: log.dir: '-' is not an absolute path");
	/* socket.path: sun_path holds 107 bytes and a NUL */
	memset(longpath, 'a', sizeof(longpath));
	longpath[0] = '/';
	longpath[107] = '\0';
	CHECK_EQ_INT(load_kv(&c, "socket", "path", longpath), 0);
	CHECK_EQ_INT(strlen(c.socket.path), 107);
	ward_config_free(&c);
	longpath[107] = 'a';
	longpath[108] = '\0';
	CHECK_EQ_STR(bad_kv("socket", "path", longpath),
		     "t.yaml:2:9: socket.path: longer than 107 bytes");
	CHECK_EQ_STR(bad_kv("syslog", "ident", "\"\""),
		     "t.yaml:2:10: syslog.ident: must not be empty");
	CHECK_EQ_STR(bad_kv("syslog", "ident", "\"a\\tb\""),
		     "t.yaml:2:10: syslog.ident: a control character in the value");
	CHECK_EQ_STR(bad_kv("syslog", "ident", "\"a\\0b\""),
		     "t.yaml:2:10: syslog.ident: a NUL byte in the value");
	CHECK_EQ_STR(bad_kv("socket", "group", ""),
		     "t.yaml:2:9: socket.group: missing value (\"\" for an empty string)");
	CHECK_EQ_INT(load_kv(&c, "socket", "group", "\"\""), 0);
	CHECK_EQ_STR(c.socket.group, "");
}

UNIT_TEST(list_values)
{
	struct ward_config c;
	char yaml[8192];
	size_t n;

	CHECK_EQ_INT(load_kv(&c, "sensor", "types", "[]"), 0);
	CHECK_EQ_INT(c.sensor.types.n, 0);
	CHECK_EQ_INT(load_str("detection:\n  rules:\n    files: []\n", &c), 0);
	CHECK_EQ_INT(c.detection.rules.files.n, 0); /* [] replaces the default list */
	CHECK_EQ_INT(load_str("detection:\n  ransomware:\n    allow:\n      - /usr/bin/rsync\n", &c), 0);
	if (CHECK_EQ_INT(c.detection.ransomware.allow.n, 1))
		CHECK_EQ_STR(c.detection.ransomware.allow.v[0], "/usr/bin/rsync");
	ward_config_free(&c);
	CHECK_EQ_STR(bad_kv("sensor", "types", "[FILE, FILE_OPNE]"),
		     "t.yaml:2:17: sensor.types: unknown event or access type 'FILE_OPNE' "
		     "(FILE, FILE_OPEN, DNS_QUERY, ...)");
	CHECK_EQ_STR(bad_kv("sensor", "types", "FILE"),
		     "t.yaml:2:10: sensor.types: expected a list (\"[]\" for none), not a scalar");
	CHECK_EQ_STR(bad_kv("sensor", "types", ""),
		     "t.yaml:2:9: sensor.types: expected a list (\"[]\" for none), not nothing");
	CHECK_EQ_STR(bad_kv("sensor", "types", "[FILE, {a: b}]"),
		     "t.yaml:2:17: sensor.types: a list entry must be a string, not a mapping");
	CHECK_EQ_STR(bad_kv("sensor", "types", "[FILE, ~]"),
		     "t.yaml:2:17: sensor.types: a list entry must be a string, not empty");
	CHECK_EQ_STR(bad_kv("sensor", "types", "{FILE: 1}"),
		     "t.yaml:2:10: sensor.types: expected a list (\"[]\" for none), not a mapping");
	CHECK_EQ_STR(bad_kv("detection", "ransomware", "{allow: [rsync]}"),
		     "t.yaml:2:24: detection.ransomware.allow: 'rsync' is not an absolute path");
	/* WARD_CONFIG_MAX_LIST entries fit; one more is refused, once */
	n = (size_t)snprintf(yaml, sizeof(yaml), "sensor:\n  types: [");
	for (int i = 0; i < WARD_CONFIG_MAX_LIST; i++)
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "%sFILE", i ? "," : "");
	snprintf(yaml + n, sizeof(yaml) - n, "]\n");
	CHECK_EQ_INT(load_str(yaml, &c), 0);
	CHECK_EQ_INT(c.sensor.types.n, WARD_CONFIG_MAX_LIST);
	ward_config_free(&c);
	snprintf(yaml + n, sizeof(yaml) - n, ",FILE,FILE]\n");
	CHECK_EQ_INT(load_str(yaml, &c), -EINVAL);
	CHECK_EQ_INT(err.total, 1);
	CHECK_EQ_STR(error_line(0), "t.yaml:2:1291: sensor.types: more than 256 entries");
}

UNIT_TEST(unknown_key_suggests)
{
	struct ward_config c;

	CHECK_EQ_INT(ward_config_load(DATA "unknown_key.yaml", &c, &err), -EINVAL);
	if (!CHECK_EQ_INT(err.n, 3))
		return;
	CHECK_EQ_STR(error_line(0), DATA "unknown_key.yaml:2:3: log.segment_sise: "
				    "unknown key (did you mean 'segment_size'?)");
	/* a key of another section */
	CHECK_EQ_STR(error_line(1), DATA "unknown_key.yaml:4:3: sensor.stats_interval: "
				    "unknown key (did you mean 'daemon.stats_interval'?)");
	/* nothing close */
	CHECK_EQ_STR(error_line(2), DATA "unknown_key.yaml:5:3: sensor.colour: unknown key");
	/* sections are suggested too; a short name is not "close" to anything */
	CHECK_EQ_INT(load_str("sensr:\n  strict: true\nx: 1\n", &c), -EINVAL);
	CHECK_EQ_STR(error_line(0), "t.yaml:1:1: sensr: unknown key (did you mean 'sensor'?)");
	CHECK_EQ_STR(error_line(1), "t.yaml:3:1: x: unknown key");
	CHECK_EQ_INT(load_str("log.dir: /x\n", &c), -EINVAL);
	CHECK_EQ_STR(error_line(0), "t.yaml:1:1: log.dir: unknown key "
				    "(write sections as nested mappings, not dotted keys)");
}

UNIT_TEST(duplicate_keys)
{
	struct ward_config c;

	CHECK_EQ_INT(ward_config_load(DATA "duplicate.yaml", &c, &err), -EINVAL);
	if (!CHECK_EQ_INT(err.n, 2))
		return;
	CHECK_EQ_STR(error_line(0), DATA "duplicate.yaml:3:3: log.queue: duplicate key (first at line 2)");
	CHECK_EQ_STR(error_line(1), DATA "duplicate.yaml:6:1: log: duplicate key (first at line 1)");
}

UNIT_TEST(wrong_nesting)
{
	struct ward_config c;

	CHECK_EQ_INT(ward_config_load(DATA "wrong_nesting.yaml", &c, &err), -EINVAL);
	if (!CHECK_EQ_INT(err.n, 5))
		return;
	CHECK_EQ_STR(error_line(0), DATA "wrong_nesting.yaml:1:9: sensor: expected a mapping of keys, not a scalar");
	CHECK_EQ_STR(error_line(1), DATA "wrong_nesting.yaml:4:5: log.dir: expected a path value, not a mapping");
	CHECK_EQ_STR(error_line(2), DATA "wrong_nesting.yaml:5:12: log.enabled: expected a bool value, not a list");
	CHECK_EQ_STR(error_line(3), DATA "wrong_nesting.yaml:8:12: detection.rules.files: "
				    "expected a list (\"[]\" for none), not a scalar");
	CHECK_EQ_STR(error_line(4), DATA "wrong_nesting.yaml:10:17: detection.ransomware.thresholds: "
				    "expected a mapping of keys, not a scalar");
	/* the top level must be a mapping */
	CHECK_EQ_INT(load_str("- log\n- sensor\n", &c), -EINVAL);
	CHECK_EQ_STR(error_line(0), "t.yaml:1:1: expected a mapping of sections (sensor:, log:, ...), "
				    "not a list");
	CHECK_EQ_INT(load_str("[a, {b: c}]: 1\n", &c), -EINVAL);
	CHECK_EQ_STR(error_line(0), "t.yaml:1:1: a key must be a plain name, not a list");
	CHECK_EQ_INT(load_str("log:\n  \"dir\\0x\": /a\n", &c), -EINVAL);
	CHECK_EQ_STR(error_line(0), "t.yaml:2:3: log: a key must be a plain name, not one with a NUL byte");
}

UNIT_TEST(syntax_error_position)
{
	struct ward_config c;

	CHECK_EQ_INT(ward_config_load(DATA "syntax_error.yaml", &c, &err), -EINVAL);
	if (!CHECK_EQ_INT(err.n, 1))
		return;
	/* an unclosed quote: libyaml finds out at the end of the file */
	CHECK_EQ_STR(error_line(0), DATA "syntax_error.yaml:6:1: YAML syntax error: found unexpected "
				    "end of stream (while scanning a quoted scalar at line 3, column 8)");
	/* errors before the syntax error are kept; nothing after it can be */
	CHECK_EQ_INT(load_str("log:\n  queue: [16M\nsensor:\n  strict: maybe\n", &c), -EINVAL);
	CHECK_EQ_INT(err.n, 2);
	CHECK_EQ_STR(error_line(0), "t.yaml:2:10: log.queue: expected a size value, not a list");
	CHECK_EQ_STR(error_line(1), "t.yaml:3:7: YAML syntax error: did not find expected ',' or ']' "
				    "(while parsing a flow sequence at line 2, column 10)");
	CHECK_EQ_INT(load_str("log:\n  dir: /a\n bad: 1\n", &c), -EINVAL);
	CHECK_EQ_STR(error_line(0), "t.yaml:3:2: YAML syntax error: did not find expected key "
				    "(while parsing a block mapping at line 1, column 1)");
	CHECK_EQ_INT(load_str("log:\n  dir: /a: b\n", &c), -EINVAL);
	CHECK_EQ_STR(error_line(0), "t.yaml:2:10: YAML syntax error: mapping values are not allowed "
				    "in this context");
	CHECK_EQ_INT(load_str("log:\n  dir: \"/a\xff\"\n", &c), -EINVAL);
	CHECK_EQ_STR(error_line(0), "t.yaml:2:11: YAML syntax error: invalid leading UTF-8 octet");
	CHECK_EQ_INT(load_str("log: {}\n---\nsensor: {}\n", &c), -EINVAL);
	CHECK_EQ_STR(error_line(0), "t.yaml:2:1: more than one YAML document");
	CHECK_EQ_INT(load_str("a: &x /p\nlog:\n  dir: *x\n", &c), -EINVAL);
	CHECK_EQ_STR(error_line(1), "t.yaml:3:8: log.dir: aliases are not supported");
}

UNIT_TEST(empty_files_give_defaults)
{
	static const char *const files[] = {
		DATA "empty.yaml", DATA "comments_only.yaml", DATA "empty_sections.yaml",
	};
	struct ward_config c, def;

	ward_config_defaults(&def);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		CHECK_EQ_INT(ward_config_load(files[i], &c, &err), 0);
		CHECK_EQ_INT(err.n, 0);
		CHECK_EQ_INT(ward_config_diff_reload(&def, &c, NULL, 0), 0);
		ward_config_free(&c);
	}
	CHECK_EQ_INT(load_str("---\n...\n", &c), 0);
	CHECK_EQ_INT(load_str("~\n", &c), 0);
}

UNIT_TEST(keeps_going_after_errors)
{
	struct ward_config c;

	CHECK_EQ_INT(ward_config_load(DATA "bad_values.yaml", &c, &err), -EINVAL);
	CHECK_EQ_INT(err.total, 15);
	if (!CHECK_EQ_INT(err.n, 15))
		return;
	CHECK_EQ_STR(error_line(0), DATA "bad_values.yaml:2:14: sensor.ring_size: 2G is out of range (64K..1G, power of two)");
	CHECK_EQ_STR(error_line(14), DATA "bad_values.yaml:22:13: detection.ransomware.window: '1.5s': "
				     "bad duration unit (ms, s, m, h or d)");
	/* on failure the config holds the defaults and nothing to free */
	CHECK(c.mem == NULL);
	CHECK_EQ_INT(c.sensor.flush_ms, 100);
	CHECK_EQ_STR(c.log.dir, "/var/lib/ward/log");
}

UNIT_TEST(error_list_is_bounded)
{
	struct ward_config c;
	char yaml[2048];
	size_t n = 0;

	for (int i = 0; i < 40; i++)
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "nokey%d: 1\n", i);
	CHECK_EQ_INT(load_str(yaml, &c), -EINVAL);
	CHECK_EQ_INT(err.total, 40);
	CHECK_EQ_INT(err.n, WARD_CONFIG_MAX_ERRORS);
	CHECK_EQ_STR(error_line(31), "t.yaml:32:1: nokey31: unknown key");
}

UNIT_TEST(nesting_is_bounded)
{
	struct ward_config c;
	char yaml[256] = "unknown: ";
	size_t n = strlen(yaml);

	for (int i = 0; i < 20; i++)
		yaml[n++] = '[';
	yaml[n] = '\0';
	strcat(yaml, "1");
	for (int i = 0; i < 20; i++)
		strcat(yaml, "]");
	CHECK_EQ_INT(load_str(yaml, &c), -EINVAL);
	CHECK_EQ_INT(err.n, 2);
	CHECK_EQ_STR(error_line(0), "t.yaml:1:1: unknown: unknown key");
	CHECK_EQ_STR(error_line(1), "t.yaml:1:25: nested deeper than 16 levels");
}

UNIT_TEST(keys_that_must_agree)
{
	struct ward_config c;

	CHECK_EQ_INT(load_str("log:\n  segment_size: 2G\n", &c), -EINVAL);
	CHECK_EQ_INT(err.n, 1);
	CHECK_EQ_STR(error_line(0), "t.yaml:2:3: log.segment_size: "
				    "log.retention_size is smaller than log.segment_size");
	CHECK_EQ_INT(load_str("log:\n  segment_size: 2G\n  retention_size: 1G\n", &c), -EINVAL);
	CHECK_EQ_STR(error_line(0), "t.yaml:3:3: log.retention_size: "
				    "log.retention_size is smaller than log.segment_size");
	CHECK_EQ_INT(load_str("log:\n  segment_size: 1M\n  block_size: 2M\n", &c), -EINVAL);
	CHECK_EQ_STR(error_line(0), "t.yaml:2:3: log.segment_size: "
				    "log.block_size is larger than log.segment_size");
	CHECK_EQ_INT(load_str("log:\n  segment_size: 2G\n  retention_size: 2G\n", &c), 0);
	ward_config_free(&c);
}

UNIT_TEST(unreadable_files)
{
	struct ward_config c;
	char path[] = "/tmp/ward-config-XXXXXX";
	static char big[WARD_CONFIG_MAX_FILE + 1];
	int fd;

	CHECK_EQ_INT(ward_config_load(DATA "no-such-file.yaml", &c, &err), -ENOENT);
	CHECK_EQ_STR(error_line(0), DATA "no-such-file.yaml: cannot open: No such file or directory");
	CHECK_EQ_INT(ward_config_load(DATA, &c, &err), -EISDIR);
	CHECK_EQ_STR(error_line(0), DATA ": cannot read: Is a directory");
	CHECK_EQ_INT(ward_config_load("/dev/null", &c, &err), -EINVAL);
	CHECK_EQ_STR(error_line(0), "/dev/null: cannot read: Invalid argument");
	CHECK_EQ_INT(ward_config_load(DATA "empty.yaml", &c, NULL), 0); /* err is optional */

	/* one byte over the limit; comments, so only the size can be wrong */
	memset(big, '#', sizeof(big));
	fd = mkostemp(path, O_CLOEXEC);
	if (!CHECK(fd >= 0))
		return;
	CHECK_EQ_INT(write(fd, big, sizeof(big)), sizeof(big));
	CHECK_EQ_INT(ward_config_load(path, &c, &err), -EFBIG);
	CHECK_EQ_STR(error_line(0) + strlen(path), ": larger than 1048576 bytes");
	CHECK_EQ_INT(ftruncate(fd, WARD_CONFIG_MAX_FILE), 0);
	CHECK_EQ_INT(ward_config_load(path, &c, &err), 0);
	close(fd);
	unlink(path);
}

UNIT_MAIN()
