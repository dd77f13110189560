/*
 * `ward rules check|list`: validate rule files without the sensor, or show
 * what a rule set contains. No root, no BPF.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmds.h"
#include "detect/rules.h"
#include "lib/log.h"
#include "xdr_names.h"

static const char usage_text[] =
	"usage: ward rules check [--no-defaults] [FILE|DIR...]\n"
	"       ward rules list  [--no-defaults] [FILE|DIR...]\n"
	"\n"
	"Detection rules (Falco-style YAML, docs/rules.md). The shipped default set\n"
	"is loaded first, then each FILE, or each DIR's *.yaml in name order; later\n"
	"files may append to lists, macros and rules, or disable a rule by name.\n"
	"\n"
	"  check              compile everything; print 'N rules, N macros, N lists: ok'\n"
	"                     or every error as FILE:LINE:COL: message (exit 1)\n"
	"  list               print each rule: name, priority, enabled, tags and the\n"
	"                     access types it applies to\n"
	"  -n, --no-defaults  leave out the embedded default rules\n"
	"  -h, --help         this help\n"
	"\n"
	"Exit codes: 0 ok, 1 the rules have errors, 2 bad usage.\n"
	"\n"
	"EXAMPLES\n"
	"  ward rules check                          the default rules\n"
	"  ward rules check /etc/ward/rules.d        defaults plus a directory of overrides\n"
	"  ward rules check --no-defaults my.yaml    one file on its own\n"
	"  ward rules list /etc/ward/rules.d\n";

static void print_errors(const struct ward_rules_error_list *errs)
{
	char line[1024];
	for (size_t i = 0; i < errs->n; i++) {
		ward_rules_error_format(&errs->v[i], line, sizeof(line));
		printf("%s\n", line);
	}
	if (errs->dropped)
		printf("(%zu more errors not shown)\n", errs->dropped);
}

static void print_list(const struct ward_rules *r)
{
	struct ward_rule_info in;
	printf("%-48s %-13s %-7s %-40s %s\n", "RULE", "PRIORITY", "ENABLED", "TAGS", "APPLIES TO");
	for (size_t i = 0; !ward_rules_rule_info(r, i, &in); i++) {
		char tags[512] = "", types[1024] = "";
		size_t off = 0;
		for (size_t k = 0; k < in.ntags && off < sizeof(tags); k++)
			off += (size_t)snprintf(tags + off, sizeof(tags) - off, "%s%s", k ? "," : "",
						in.tags[k]);
		off = 0;
		if (in.all_types)
			snprintf(types, sizeof(types), "all");
		for (size_t k = 0; !in.all_types && k < in.naccess_types && off < sizeof(types); k++) {
			const char *n = ward_access_type_name(in.access_types[k]);
			off += (size_t)snprintf(types + off, sizeof(types) - off, "%s%s", k ? "," : "",
						n ? n : "?");
		}
		if (!in.all_types && !in.naccess_types)
			snprintf(types, sizeof(types), "none");
		printf("%-48s %-13s %-7s %-40s %s\n", in.name, ward_severity_name(in.severity),
		       in.enabled ? "yes" : "no", in.ntags ? tags : "-", types);
	}
}

int ward_cmd_rules(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "no-defaults", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool defaults = true;
	int c;

	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (argc < 2) {
		ward_log(WARD_LOG_ERROR, "rules: missing action: check or list (see 'ward rules --help')");
		return 2;
	}
	const char *action = argv[1];
	if (strcmp(action, "check") && strcmp(action, "list")) {
		ward_log(WARD_LOG_ERROR, "rules: unknown action '%s': check or list", action);
		return 2;
	}
	argc--;
	argv++;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+nh", opts, NULL)) != -1) {
		switch (c) {
		case 'n': defaults = false; break;
		case 'h': fputs(usage_text, stdout); return 0;
		default:
			ward_log(WARD_LOG_ERROR, "rules %s: unknown option '%s' (see 'ward rules --help')",
				 action, argv[optind - 1]);
			return 2;
		}
	}
	struct ward_rules_opts o = {
		.default_rules = defaults,
		.files = (const char *const *)(argv + optind),
		.nfiles = (size_t)(argc - optind),
	};
	struct ward_rules_error_list errs = { 0 };
	struct ward_rules *r = ward_rules_load(&o, &errs);
	if (!r) {
		int err = errno;
		print_errors(&errs);
		ward_rules_errors_free(&errs);
		if (err != EINVAL) {
			ward_log(WARD_LOG_ERROR, "rules: %s", strerror(err));
			return 1;
		}
		return 1;
	}
	if (!strcmp(action, "check"))
		printf("%zu rules, %zu macros, %zu lists: ok\n", ward_rules_count(r),
		       ward_rules_macro_count(r), ward_rules_list_count(r));
	else
		print_list(r);
	ward_rules_free(r);
	ward_rules_errors_free(&errs);
	return 0;
}
