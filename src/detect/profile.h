/*
 * Per-application allowlists ("profiles"): for a named executable, the
 * files it may open, the commands it may execute and the ports it may
 * connect to. One YAML file per application in a directory:
 *
 *   application: /usr/sbin/nginx          # the real executable (process.exe)
 *   severity: warning                     # optional, default WARNING
 *   files: [...]                          # globs of the files it may touch
 *   exec: []                              # executables (globs)
 *   connect: [80, 443/tcp, 53/udp, 8000-8099]
 *
 * (a full example in docs/detection.md)
 *
 * Globs: `*` and `?` stay within one path component, `**` crosses slashes.
 * This module loads and matches; profile_detect.c raises the alerts.
 */
#ifndef WARD_DETECT_PROFILE_H
#define WARD_DETECT_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert.h"

#define WARD_PROFILE_MAX 1024            /* profiles in a set */
#define WARD_PROFILE_MAX_ENTRIES 4096    /* entries in one list */
#define WARD_PROFILE_PATTERN_MAX 1024    /* bytes of one glob */
#define WARD_PROFILE_FILE_MAX (1 << 20)  /* bytes of one profile file */

/* Where a profile file is wrong: "path:line:column: what". */
struct ward_profile_error {
	char file[512];
	unsigned int line, column;  /* 1-based; 0 when not tied to a place */
	char what[256];
};

struct ward_profile_port {
	uint16_t lo, hi;            /* inclusive */
	uint8_t protocol;           /* enum xdr_connection_type; 0 = both */
};

struct ward_profile {
	char *application;
	enum ward_severity severity;
	char *source;               /* the file it came from */
	char **files;
	size_t nfiles;
	char **exec;
	size_t nexec;
	struct ward_profile_port *ports;
	size_t nports;
};

struct ward_profiles;

struct ward_profiles *ward_profiles_new(void);
void ward_profiles_free(struct ward_profiles *ps);

/* Load one profile from memory (name is used in errors). 0, or -EINVAL with
 * *err filled, -EEXIST for a second profile of one application, -ENOMEM. */
int ward_profiles_load_buf(struct ward_profiles *ps, const char *name, const char *data,
			   size_t len, struct ward_profile_error *err);
int ward_profiles_load_file(struct ward_profiles *ps, const char *path,
			    struct ward_profile_error *err);
/* Every *.yaml and *.yml in dir, in name order; stops at the first error. */
int ward_profiles_load_dir(struct ward_profiles *ps, const char *dir,
			   struct ward_profile_error *err);

size_t ward_profiles_count(const struct ward_profiles *ps);
/* The profile of this executable, NULL if none. */
const struct ward_profile *ward_profiles_find(const struct ward_profiles *ps, const char *exe,
					      size_t len);

bool ward_profile_file_allowed(const struct ward_profile *p, const char *path, size_t len);
bool ward_profile_exec_allowed(const struct ward_profile *p, const char *exe, size_t len);
bool ward_profile_port_allowed(const struct ward_profile *p, uint16_t port, uint8_t protocol);

/* `*`, `?` within a component, `**` across; whole-string match. */
bool ward_glob_match(const char *pattern, const char *s, size_t len);

/* "path:line:col: what" into buf. */
void ward_profile_error_format(const struct ward_profile_error *e, char *buf, size_t len);

#endif /* WARD_DETECT_PROFILE_H */
