/* ward: one binary, git-style subcommands. */
#include <stdio.h>
#include <string.h>

#include "cmd/cmds.h"
#include "lib/log.h"

#include "version.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "watch", ward_cmd_watch, "watch process, file and network activity live (table or --json)" },
	{ "daemon", ward_cmd_daemon, "run the sensor as a service: log, socket, footprints, detection" },
	{ "events", ward_cmd_events, "print the running daemon's events and alerts live" },
	{ "status", ward_cmd_status, "how the running daemon is: hooks, drops, counts, CPU, memory" },
	{ "profile", ward_cmd_profile, "learn an application's allowlist profile (profile learn)" },
	{ "config", ward_cmd_config, "check or show the daemon configuration (/etc/ward/ward.yaml)" },
	{ "footprints", ward_cmd_footprints, "the files, processes, executables, endpoints and DNS names seen" },
	{ "log", ward_cmd_log, "read and check the daemon's event log (cat, verify)" },
	{ "rules", ward_cmd_rules, "check or list detection rules (docs/rules.md)" },
};

static void usage(FILE *f)
{
	fputs("usage: ward <command> [options]\n\ncommands:\n", f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\n'ward <command> --help' describes a command. 'ward --version' prints the "
	      "version.\n"
	      "\nEXAMPLES\n"
	      "  ward watch                 live table of process, file and network events (root)\n"
	      "  ward watch --json          the same as JSON Lines (docs/output.md)\n"
	      "  ward watch --help          every option of watch\n",
	      f);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("ward %s\n", WARD_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	ward_log(WARD_LOG_ERROR, "unknown command '%s'", argv[1]);
	usage(stderr);
	return 2;
}
