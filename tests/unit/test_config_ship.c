/*
 * The config as shipped and as the daemon uses it: etc/ward.yaml and
 * docs/config.md agree with the key table, `show` output loads back, and the
 * SIGHUP diff and merge classify every key right.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"
#include "lib/buf.h"
#include "unit.h"

#define DATA "tests/data/config/"

static struct ward_config_error err;

static void print_errors(void)
{
	char line[512];

	for (size_t i = 0; i < err.n; i++) {
		ward_config_error_format(&err, i, line, sizeof(line));
		fprintf(stderr, "    %s\n", line);
	}
}

/* The whole file, NUL-terminated; NULL if unreadable. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *data = NULL;
	size_t cap = 0, len = 0, n;

	if (!f)
		return NULL;
	do {
		if (len + 4096 + 1 > cap) {
			char *p = realloc(data, cap = len + 65536);

			if (!p) {
				free(data);
				fclose(f);
				return NULL;
			}
			data = p;
		}
		n = fread(data + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	data[len] = '\0';
	fclose(f);
	return data;
}

static bool all_keys_from_file(const struct ward_config *c)
{
	bool ok = true;

	for (size_t i = 0; i < ward_config_nkeys(); i++) {
		if (!(c->from_file[i / 64] & (1ULL << (i % 64)))) {
			struct ward_config_key_info info;

			ward_config_key_at(i, &info);
			fprintf(stderr, "    not in the file: %s\n", info.key);
			ok = false;
		}
	}
	return ok;
}

UNIT_TEST(shipped_file_is_the_defaults)
{
	struct ward_config c, def;
	struct ward_buf yaml;
	char *text;

	ward_config_defaults(&def);
	if (!CHECK_EQ_INT(ward_config_load("etc/ward.yaml", &c, &err), 0)) {
		print_errors();
		return;
	}
	CHECK_EQ_INT(ward_config_diff_reload(&def, &c, NULL, 0), 0);
	CHECK(all_keys_from_file(&c));
	ward_config_free(&c);

	/* and it is `ward config show --comments` of the defaults, below its header */
	ward_buf_init(&yaml);
	CHECK_EQ_INT(ward_config_write_yaml(&def, &yaml, WARD_CONFIG_YAML_COMMENTS), 0);
	text = slurp("etc/ward.yaml");
	if (CHECK(text != NULL) && CHECK(strlen(text) >= yaml.len))
		CHECK_EQ_STR(text + strlen(text) - yaml.len, ward_buf_cstr(&yaml));
	free(text);
	ward_buf_free(&yaml);
}

/* The docs row of key i: | `key` | type | `default` | range | reloadable | help | */
static void doc_row(size_t i, char *row, size_t len)
{
	struct ward_config_key_info info;
	struct ward_config def;
	char value[256];

	ward_config_defaults(&def);
	ward_config_key_at(i, &info);
	ward_config_format_value(&def, i, value, sizeof(value));
	snprintf(row, len, "| `%s` | %s | `%s` | %s | %s | %s |", info.key, info.type, value,
		 info.range, info.reloadable ? "yes" : "no", info.help);
}

UNIT_TEST(docs_list_every_key)
{
	char *doc = slurp("docs/config.md"), row[1024];
	size_t rows = 0, missing = 0;

	if (!CHECK(doc != NULL))
		return;
	for (size_t i = 0; i < ward_config_nkeys(); i++) {
		doc_row(i, row, sizeof(row));
		/* a whole line of the file */
		char *at = strstr(doc, row);

		if (!at || (at != doc && at[-1] != '\n') || at[strlen(row)] != '\n') {
			fprintf(stderr, "    docs/config.md lacks the row:\n%s\n", row);
			missing++;
		}
	}
	CHECK_EQ_INT(missing, 0);
	/* and no row for a key the code does not know */
	for (const char *p = doc; (p = strstr(p, "\n| `")); p++)
		rows++;
	CHECK_EQ_INT(rows, ward_config_nkeys());
	free(doc);
}

UNIT_TEST(docs_example_loads)
{
	char *doc = slurp("docs/config.md"), *start, *end;
	struct ward_config c;

	if (!CHECK(doc != NULL))
		return;
	start = strstr(doc, "## Example");
	start = start ? strstr(start, "```yaml\n") : NULL;
	end = start ? strstr(start + 8, "\n```") : NULL;
	if (CHECK(start && end)) {
		start += 8;
		if (!CHECK_EQ_INT(ward_config_load_buf("example", start, (size_t)(end - start + 1), &c,
						       &err), 0))
			print_errors();
		CHECK_EQ_INT(c.detection.ransomware.response, WARD_CONFIG_RESPONSE_STOP);
		CHECK_EQ_INT(c.log.retention_age_ms, 30 * 86400000ULL);
		ward_config_free(&c);
	}
	free(doc);
}

/* show -> load gives the same config, and show of that is the same text. */
static void round_trip(const struct ward_config *c, unsigned int flags)
{
	struct ward_buf a, b;
	struct ward_config back;

	ward_buf_init(&a);
	ward_buf_init(&b);
	CHECK_EQ_INT(ward_config_write_yaml(c, &a, flags), 0);
	if (!CHECK_EQ_INT(ward_config_load_buf("show", a.data, a.len, &back, &err), 0)) {
		print_errors();
		fprintf(stderr, "%s", ward_buf_cstr(&a));
		goto out;
	}
	CHECK_EQ_INT(ward_config_diff_reload(c, &back, NULL, 0), 0);
	CHECK(all_keys_from_file(&back));
	CHECK_EQ_INT(ward_config_write_yaml(&back, &b, flags), 0);
	CHECK_EQ_STR(ward_buf_cstr(&b), ward_buf_cstr(&a));
	ward_config_free(&back);
out:
	ward_buf_free(&a);
	ward_buf_free(&b);
}

UNIT_TEST(show_loads_back)
{
	static const char odd[] = "socket:\n  group: \"we\\\"ird\\\\\"\n"
				  "log:\n  queue: 65537\n  flush_interval: 1001ms\n"
				  "  retention_size: 1025M\n";
	struct ward_config c;

	ward_config_defaults(&c);
	round_trip(&c, 0);
	round_trip(&c, WARD_CONFIG_YAML_COMMENTS);
	if (!CHECK_EQ_INT(ward_config_load(DATA "all_types.yaml", &c, &err), 0))
		return;
	round_trip(&c, 0);
	round_trip(&c, WARD_CONFIG_YAML_COMMENTS);
	ward_config_free(&c);
	/* strings that need quoting, sizes and durations without a round unit */
	if (!CHECK_EQ_INT(ward_config_load_buf("t", odd, sizeof(odd) - 1, &c, &err), 0)) {
		print_errors();
		return;
	}
	CHECK_EQ_STR(c.socket.group, "we\"ird\\");
	round_trip(&c, 0);
	ward_config_free(&c);
}

UNIT_TEST(format_value_spellings)
{
	struct ward_config c;
	char v[128];

	ward_config_defaults(&c);
	c.log.queue = 65537;
	c.log.flush_interval_ms = 90000;
	c.log.retention_age_ms = 0;
	c.socket.mode = 0640;
	c.syslog.min_severity = 6;
	ward_config_format_value(&c, (size_t)ward_config_key_index("log.queue"), v, sizeof(v));
	CHECK_EQ_STR(v, "65537");
	ward_config_format_value(&c, (size_t)ward_config_key_index("log.flush_interval"), v, sizeof(v));
	CHECK_EQ_STR(v, "90s");
	ward_config_format_value(&c, (size_t)ward_config_key_index("log.retention_age"), v, sizeof(v));
	CHECK_EQ_STR(v, "0ms");
	ward_config_format_value(&c, (size_t)ward_config_key_index("socket.mode"), v, sizeof(v));
	CHECK_EQ_STR(v, "\"0640\"");
	ward_config_format_value(&c, (size_t)ward_config_key_index("syslog.min_severity"), v, sizeof(v));
	CHECK_EQ_STR(v, "informational");
	ward_config_format_value(&c, (size_t)ward_config_key_index("detection.rules.files"), v, sizeof(v));
	CHECK_EQ_STR(v, "[\"/etc/ward/rules.d\"]");
	ward_config_format_value(&c, (size_t)ward_config_key_index("sensor.ring_size"), v, sizeof(v));
	CHECK_EQ_STR(v, "8M");
	CHECK_EQ_INT(ward_config_format_value(&c, ward_config_nkeys(), v, sizeof(v)), -ENOENT);
	CHECK_EQ_INT(ward_config_key_index("log.nope"), -ENOENT);
}

UNIT_TEST(diff_classifies_reloadable_keys)
{
	static const char yaml[] =
		"sensor:\n  types: [FILE]\n"
		"log:\n  dir: /srv/log\n  retention_size: 2G\n"
		"syslog:\n  min_severity: error\n"
		"detection:\n  ransomware:\n    thresholds:\n      delete: 10\n";
	struct ward_config old, new;
	struct ward_config_change ch[8];
	int n;

	ward_config_defaults(&old);
	if (!CHECK_EQ_INT(ward_config_load_buf("t", yaml, sizeof(yaml) - 1, &new, &err), 0))
		return;
	n = ward_config_diff_reload(&old, &new, ch, 8);
	if (CHECK_EQ_INT(n, 5)) {
		/* table order */
		CHECK_EQ_STR(ch[0].key, "sensor.types");
		CHECK_EQ_INT(ch[0].reloadable, false);
		CHECK_EQ_STR(ch[1].key, "log.dir");
		CHECK_EQ_INT(ch[1].reloadable, false);
		CHECK_EQ_STR(ch[2].key, "log.retention_size");
		CHECK_EQ_INT(ch[2].reloadable, true);
		CHECK_EQ_STR(ch[3].key, "syslog.min_severity");
		CHECK_EQ_INT(ch[3].reloadable, true);
		CHECK_EQ_STR(ch[4].key, "detection.ransomware.thresholds.delete");
		CHECK_EQ_INT(ch[4].reloadable, true);
	}
	/* more changes than room: the count is still the total */
	CHECK_EQ_INT(ward_config_diff_reload(&old, &new, ch, 2), 5);
	CHECK_EQ_STR(ch[1].key, "log.dir");
	CHECK_EQ_INT(ward_config_diff_reload(&new, &old, NULL, 0), 5);
	CHECK_EQ_INT(ward_config_diff_reload(&new, &new, ch, 8), 0);
	ward_config_free(&new);
}

UNIT_TEST(merge_takes_only_reloadable_keys)
{
	static const char a[] = "log:\n  dir: /a\n  retention_size: 2G\n"
				"detection:\n  rules:\n    files: [/r/a]\n";
	static const char b[] = "log:\n  dir: /b\n  retention_size: 3G\n"
				"sensor:\n  types: [DNS]\n"
				"detection:\n  rules:\n    files: [/r/b1, /r/b2]\n";
	struct ward_config running, loaded, out;
	struct ward_config_change ch[8];

	if (!CHECK_EQ_INT(ward_config_load_buf("a", a, sizeof(a) - 1, &running, &err), 0) ||
	    !CHECK_EQ_INT(ward_config_load_buf("b", b, sizeof(b) - 1, &loaded, &err), 0))
		return;
	CHECK_EQ_INT(ward_config_merge_reloadable(&out, &running, &loaded), 0);
	/* the copies are out's own: the sources can go */
	ward_config_free(&running);
	ward_config_free(&loaded);
	CHECK_EQ_STR(out.log.dir, "/a");
	CHECK_EQ_INT(out.log.retention_size, 3ULL << 30);
	CHECK_EQ_INT(out.sensor.types.n, 0);
	if (CHECK_EQ_INT(out.detection.rules.files.n, 2)) {
		CHECK_EQ_STR(out.detection.rules.files.v[0], "/r/b1");
		CHECK_EQ_STR(out.detection.rules.files.v[1], "/r/b2");
	}
	/* what is left to restart for: the non-reloadable keys b changed */
	if (!CHECK_EQ_INT(ward_config_load_buf("b", b, sizeof(b) - 1, &loaded, &err), 0))
		goto out;
	if (CHECK_EQ_INT(ward_config_diff_reload(&out, &loaded, ch, 8), 2)) {
		CHECK_EQ_STR(ch[0].key, "sensor.types");
		CHECK_EQ_STR(ch[1].key, "log.dir");
	}
	ward_config_free(&loaded);
out:
	ward_config_free(&out);
}

/* The range text the docs show agrees with the bounds the parser enforces. */
UNIT_TEST(key_table_is_consistent)
{
	struct ward_config_key_info info;
	size_t n = ward_config_nkeys();

	CHECK(n > 40 && n <= WARD_CONFIG_MAX_KEYS);
	CHECK_EQ_INT(ward_config_key_at(n, &info), -ENOENT);
	for (size_t i = 0; i < n; i++) {
		if (!CHECK_EQ_INT(ward_config_key_at(i, &info), 0))
			continue;
		CHECK_EQ_INT(ward_config_key_index(info.key), (int)i);
		CHECK(info.help && *info.help && !strchr(info.help, '|') && !strchr(info.help, '\n'));
		CHECK(info.range && *info.range && !strchr(info.range, '|'));
	}
	ward_config_key_at((size_t)ward_config_key_index("daemon.stats_interval"), &info);
	CHECK_EQ_STR(info.type, "duration");
	CHECK_EQ_STR(info.range, "1s..1h");
	CHECK_EQ_INT(info.reloadable, true);
	ward_config_key_at((size_t)ward_config_key_index("socket.path"), &info);
	CHECK_EQ_STR(info.type, "path");
	CHECK_EQ_INT(info.reloadable, false);
}

/* Each numeric key accepts both ends of its documented range. */
UNIT_TEST(documented_bounds_are_accepted)
{
	struct ward_config_key_info info;
	struct ward_config c;
	char yaml[512], lo[64], hi[64];
	size_t checked = 0;

	for (size_t i = 0; i < ward_config_nkeys(); i++) {
		const char *dots, *sep;
		char section[96], path[96];

		ward_config_key_at(i, &info);
		if (strcmp(info.type, "integer") && strcmp(info.type, "size") &&
		    strcmp(info.type, "duration"))
			continue;
		/* "1M..4G" or "64K..1G, power of two" */
		dots = strstr(info.range, "..");
		if (!CHECK(dots != NULL))
			continue;
		sep = strchr(dots, ',');
		snprintf(lo, sizeof(lo), "%.*s", (int)(dots - info.range), info.range);
		snprintf(hi, sizeof(hi), "%.*s", (int)(sep ? sep - dots - 2 : (long)strlen(dots + 2)),
			 dots + 2);
		snprintf(path, sizeof(path), "%s", info.key);
		*strrchr(path, '.') = '\0';
		snprintf(section, sizeof(section), "%s", path);
		/* nested YAML for the dotted key, with the other log sizes out of the way */
		for (const char *bound = lo; bound; bound = bound == lo ? hi : NULL) {
			size_t n = 0, depth = 0;
			char *p, *save = NULL, buf[96];

			snprintf(buf, sizeof(buf), "%s", info.key);
			for (p = strtok_r(buf, ".", &save); p; p = strtok_r(NULL, ".", &save), depth++) {
				bool leaf = !strchr(info.key + (p - buf), '.');

				n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "%*s%s:%s", (int)depth * 2,
						      "", p, leaf ? " " : "\n");
				if (leaf)
					n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "%s\n", bound);
			}
			/* log sizes must also agree with each other (block <= segment <= retention) */
			if (!strcmp(section, "log"))
				snprintf(yaml + n, sizeof(yaml) - n, "%s",
					 strcmp(info.key, "log.retention_size") ? "  retention_size: 16T\n"
										: "  segment_size: 1M\n");
			if (!CHECK_EQ_INT(ward_config_load_buf("t", yaml, strlen(yaml), &c, &err), 0)) {
				fprintf(stderr, "    %s = %s\n", info.key, bound);
				print_errors();
			}
			ward_config_free(&c);
		}
		checked++;
	}
	CHECK_EQ_INT(checked, 24);
}

UNIT_MAIN()
