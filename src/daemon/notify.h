/* systemd's readiness protocol (sd_notify(3)) without libsystemd. */
#ifndef WARD_DAEMON_NOTIFY_H
#define WARD_DAEMON_NOTIFY_H

/* Sends e.g. "READY=1" to $NOTIFY_SOCKET. 0 if sent or not under systemd,
 * -errno on failure. */
int ward_notify(const char *state);

#endif
