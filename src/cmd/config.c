/*
 * `ward config check [FILE]` and `ward config show [FILE]`: validate the
 * daemon's YAML configuration, or print the configuration in effect.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmds.h"
#include "daemon/config.h"
#include "lib/buf.h"

static const char usage_text[] =
	"usage: ward config check [FILE]\n"
	"       ward config show [--comments] [FILE]\n"
	"\n"
	"check  reads FILE (default " WARD_CONFIG_PATH ") as the daemon would and prints\n"
	"       'FILE: ok', or every error as FILE:LINE:COL: KEY: MESSAGE.\n"
	"show   prints the configuration in effect as YAML: every key, with the\n"
	"       defaults for what FILE does not set. The output loads back unchanged.\n"
	"\n"
	"A missing " WARD_CONFIG_PATH " is fine (the defaults apply); a missing FILE given\n"
	"on the command line is an error. docs/config.md describes every key.\n"
	"\n"
	"  -c, --comments  show: a comment line above each key (its meaning and range)\n"
	"  -h, --help      this help\n"
	"\n"
	"Exit codes: 0 valid, 1 errors in the file, 2 bad usage.\n"
	"\n"
	"EXAMPLES\n"
	"  ward config check                       check " WARD_CONFIG_PATH "\n"
	"  ward config check ./ward.yaml           check a file before installing it\n"
	"  ward config show                        the effective configuration\n"
	"  ward config show --comments > new.yaml  a commented starting point\n";

static void print_errors(const struct ward_config_error *err)
{
	char line[512];

	for (size_t i = 0; i < err->n; i++) {
		ward_config_error_format(err, i, line, sizeof(line));
		fprintf(stderr, "%s\n", line);
	}
	if (err->total > err->n)
		fprintf(stderr, "%s: %zu more errors not shown\n", err->file, err->total - err->n);
}

/* 0 loaded (*missing: the default file is absent, so the defaults), 1 errors printed. */
static int load(const char *file, bool explicit, struct ward_config *c, bool *missing)
{
	static struct ward_config_error err; /* ~10 KiB: kept off the stack */
	int ret = ward_config_load(file, c, &err);

	*missing = ret == -ENOENT && !explicit;
	if (*missing)
		return 0;
	if (ret == -ENOMEM) {
		fprintf(stderr, "%s: out of memory\n", file);
		return 1;
	}
	if (ret) {
		print_errors(&err);
		return 1;
	}
	return 0;
}

int ward_cmd_config(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "comments", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ward_config c;
	const char *action, *file = WARD_CONFIG_PATH;
	bool comments = false, missing, show;
	struct ward_buf out;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "+ch", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "ward: config: which action? 'check' or 'show'\n");
		return 2;
	}
	action = argv[optind++];
	if (strcmp(action, "check") && strcmp(action, "show")) {
		fprintf(stderr, "ward: config: unknown action '%s' (check or show)\n", action);
		return 2;
	}
	show = !strcmp(action, "show");
	/* the action's own options, after it: getopt from the start, the action as argv[0] */
	argc -= optind - 1;
	argv += optind - 1;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "ch", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			if (!show) {
				fprintf(stderr, "ward: config: --comments is an option of 'show'\n");
				return 2;
			}
			comments = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "ward: config %s: one FILE at most, got '%s' too\n", action,
			argv[optind + 1]);
		return 2;
	}
	if (optind < argc)
		file = argv[optind];

	if (load(file, optind < argc, &c, &missing))
		return 1;
	if (!show) {
		if (missing)
			printf("%s: no config file, using defaults\n", file);
		else
			printf("%s: ok\n", file);
		ward_config_free(&c);
		return 0;
	}
	if (missing)
		fprintf(stderr, "ward: %s: no config file, using defaults\n", file);
	ward_buf_init(&out);
	ret = ward_config_write_yaml(&c, &out, comments ? WARD_CONFIG_YAML_COMMENTS : 0);
	if (!ret && fwrite(out.data, 1, out.len, stdout) != out.len)
		ret = -EIO;
	if (!ret && fflush(stdout))
		ret = -EIO;
	ward_buf_free(&out);
	ward_config_free(&c);
	if (ret) {
		fprintf(stderr, "ward: config show: %s\n", strerror(-ret));
		return 1;
	}
	return 0;
}
