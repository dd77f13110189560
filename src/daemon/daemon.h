/*
 * `ward daemon`: the sensor pipeline feeding the sinks (durable log, local
 * socket, JSON Lines, syslog), the footprint store and the detectors, with
 * periodic stats. Runs in the foreground until SIGTERM/SIGINT; SIGHUP
 * reloads what can be reloaded.
 */
#ifndef WARD_DAEMON_DAEMON_H
#define WARD_DAEMON_DAEMON_H

#include <stdbool.h>

struct ward_daemon_args {
	const char *config_path;  /* NULL: /etc/ward/ward.yaml if it exists, else defaults */
	bool strict;              /* as sensor.strict */
};

/* Returns the process exit code (0 after a clean stop, see `ward daemon --help`). */
int ward_daemon_run(const struct ward_daemon_args *a);

#endif
