/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The event log directory: segment file names and the sorted list of segments in it.
 * A segment is named ward-<UTC start, seconds>-<seq>.wlog, e.g.
 * ward-20261123T120000Z-00000042.wlog; seq orders segments even if the clock steps back.
 */
#ifndef WARD_STORE_LOG_DIR_H
#define WARD_STORE_LOG_DIR_H

#include <stddef.h>
#include <stdint.h>

/* "ward-" + 16 + "-" + up to 20 digits + ".wlog" + NUL, rounded up. */
#define WARD_LOG_NAME_MAX 64
/* A directory listing stops here; retention keeps real directories far below it. */
#define WARD_LOG_MAX_SEGMENTS 1000000

struct ward_log_seg_name {
	char name[WARD_LOG_NAME_MAX];
	uint64_t start_ns;	/* from the name: whole seconds */
	uint64_t seq;
};

/* Writes the name of the segment started at start_ns (unix ns) with sequence seq. */
void ward_log_seg_name_format(char out[WARD_LOG_NAME_MAX], uint64_t start_ns, uint64_t seq);
/* 0 if name is a segment name (then fills *out), -EINVAL otherwise. */
int ward_log_seg_name_parse(const char *name, struct ward_log_seg_name *out);

/*
 * The segments in the directory open as dirfd, sorted by seq (then name); other files are
 * ignored. *out is malloc'd (NULL when there are none); the caller frees it. 0 or -errno
 * (-E2BIG beyond WARD_LOG_MAX_SEGMENTS).
 */
int ward_log_dir_list(int dirfd, struct ward_log_seg_name **out, size_t *n);

#endif /* WARD_STORE_LOG_DIR_H */
