/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading the event log: segments in order, their blocks, their records. A block is used only
 * when both its checksums match and its payload decompresses to exactly the records its header
 * announces, so a record is delivered whole and right or not at all. A damaged block is
 * reported (file, offset, what is wrong) and skipped; after a damaged header the reader
 * searches for the next block magic whose header checks out, so one bad byte costs one block.
 *
 * The records are opaque bytes (serialized ward.Record messages); this module does not parse
 * them. Not thread-safe: one reader per thread.
 */
#ifndef WARD_STORE_LOG_READER_H
#define WARD_STORE_LOG_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/log_format.h"

struct ward_log_problem {
	const char *path;
	uint64_t offset;	/* file offset where the bad block (or unreadable bytes) starts */
	uint64_t skipped;	/* bytes given up, up to the next good block or the end of file */
	enum ward_log_fault fault;
	char detail[112];	/* specifics, e.g. "stored 0x1a2b3c4d, computed 0x5e6f7a8b" */
};

/* Return 0 to go on; anything else stops the read and is returned by ward_log_read_*(). */
typedef int (*ward_log_record_fn)(const uint8_t *rec, size_t len, uint64_t block_first_ns,
				  uint64_t block_last_ns, void *ctx);
typedef void (*ward_log_problem_fn)(const struct ward_log_problem *p, void *ctx);

struct ward_log_read_opts {
	/* Blocks whose records all lie before since_ns or after until_ns are skipped unread
	 * (their payload is neither read nor checked). 0 means no bound. */
	uint64_t since_ns;
	uint64_t until_ns;
	/* Check the checksums only: no decompression, no record callbacks (writer recovery). */
	bool crc_only;
	ward_log_record_fn on_record;	/* may be NULL */
	ward_log_problem_fn on_problem;	/* may be NULL */
	void *ctx;
};

/* What one file held; ward_log_read_file() fills it. */
struct ward_log_file_stats {
	bool header_ok;			/* the segment header checked out */
	struct ward_log_seg_hdr header;	/* valid if header_ok */
	uint64_t file_bytes;		/* size when the read started */
	uint64_t blocks;		/* good blocks, including those skipped by time */
	uint64_t blocks_skipped;	/* good headers outside since/until, payload not read */
	uint64_t records;		/* in good blocks (announced count for skipped ones) */
	uint64_t raw_bytes;		/* uncompressed payload bytes of good blocks */
	uint64_t first_ns, last_ns;	/* earliest and latest record time of good blocks; 0 if none */
	uint64_t problems;		/* problems reported */
	uint64_t good_end;		/* offset just past the last good block (or the header) */
	uint64_t problems_at_end;	/* problems after the last good block: a torn tail */
};

struct ward_log_reader;

/* NULL and errno on failure. */
struct ward_log_reader *ward_log_reader_new(void);
void ward_log_reader_free(struct ward_log_reader *r);

/*
 * Reads one segment file. Returns 0 when the file was read to its end (problems are reported,
 * not returned), -errno if it cannot be opened or read, or a callback's nonzero value.
 * st may be NULL.
 */
int ward_log_read_file(struct ward_log_reader *r, const char *path,
		       const struct ward_log_read_opts *o, struct ward_log_file_stats *st);
/* The same on an open file; path only names it in problems. */
int ward_log_read_fd(struct ward_log_reader *r, int fd, const char *path,
		     const struct ward_log_read_opts *o, struct ward_log_file_stats *st);

/*
 * Expands command line arguments into segment paths in reading order: a directory becomes its
 * segments sorted by sequence number, a file stays itself. *paths is a malloc'd array of
 * malloc'd strings; free it with ward_log_paths_free(). 0 or -errno; *bad names the argument
 * that failed.
 */
int ward_log_paths_expand(char *const *args, size_t nargs, char ***paths, size_t *npaths,
			  const char **bad);
void ward_log_paths_free(char **paths, size_t n);

#endif /* WARD_STORE_LOG_READER_H */
