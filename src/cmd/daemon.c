/* `ward daemon`: the sensor as a service (src/daemon/daemon.c). */
#include <getopt.h>
#include <stdio.h>

#include "cmd/cmds.h"
#include "daemon/daemon.h"
#include "lib/log.h"

static const char usage_text[] =
	"usage: ward daemon [--config FILE] [--strict] [--verbose]\n"
	"\n"
	"Run the sensor as a service, in the foreground, until SIGTERM or SIGINT:\n"
	"every event and alert is written to the durable log (ward log cat), served\n"
	"to local clients on a Unix socket (ward events, ward status), optionally\n"
	"written as JSON Lines and sent to syslog; footprints go to a database\n"
	"(ward footprints). SIGHUP reloads rules, profiles and the reloadable\n"
	"settings. Under systemd (Type=notify) it reports readiness.\n"
	"\n"
	"  -c, --config FILE   configuration (default /etc/ward/ward.yaml; without\n"
	"                      that file, the built-in defaults: docs/config.md)\n"
	"      --strict        exit if any hook or program fails to load\n"
	"  -v, --verbose       print libbpf and verifier messages\n"
	"  -h, --help          this help\n"
	"\n"
	"Exit codes: 0 stopped by a signal, 1 runtime error, 2 bad usage or\n"
	"configuration, 3 not permitted (not root), 4 kernel unsupported, 5 --strict\n"
	"failure.\n"
	"\n"
	"EXAMPLES\n"
	"  ward daemon                              defaults, or /etc/ward/ward.yaml\n"
	"  ward daemon --config /etc/ward/ward.yaml\n"
	"  systemctl start ward                     etc/systemd/ward.service\n";

int ward_cmd_daemon(int argc, char **argv)
{
	enum { OPT_STRICT = 256 };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct ward_daemon_args a = { 0 };
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			a.config_path = optarg;
			break;
		case OPT_STRICT:
			a.strict = true;
			break;
		case 'v':
			ward_log_set_level(WARD_LOG_DEBUG);
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case ':':
			ward_log(WARD_LOG_ERROR, "option '%s' needs a value (see 'ward daemon --help')",
				 argv[optind - 1]);
			return 2;
		default:
			ward_log(WARD_LOG_ERROR, "unknown option '%s' (see 'ward daemon --help')",
				 argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		ward_log(WARD_LOG_ERROR, "unexpected argument '%s'", argv[optind]);
		return 2;
	}
	return ward_daemon_run(&a);
}
