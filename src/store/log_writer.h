/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The event log writer: appends opaque records (serialized ward.Record messages) to a directory
 * of segment files, in zstd-compressed, checksummed blocks (format: docs/log.md).
 *
 * Guarantees:
 * - A block is written with one pwrite() and is good only if both its checksums match, so a
 *   crash at any moment (SIGKILL, power loss with fsync) never leaves a record that decodes
 *   wrong: a reader gets each record whole or not at all.
 * - On open, the last segment's torn tail is cut off at the end of its last good block, and
 *   what was cut is reported to the caller.
 * - Records lost on the way (the caller's queue was full, or the disk refused a block) are
 *   replaced in the log by a loss marker record at the place they were lost.
 * - A full disk is not fatal: the block is dropped and counted, and the next flush tries again.
 *
 * Threading: an object is used by one thread (the daemon's writer thread); no call blocks on
 * anything but the disk. Appending copies into a preallocated block buffer: no allocation and
 * no system call until a block is cut.
 */
#ifndef WARD_STORE_LOG_WRITER_H
#define WARD_STORE_LOG_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "store/log_format.h"

enum ward_log_fsync {
	WARD_LOG_FSYNC_BLOCK,	/* fdatasync after every block (default) */
	WARD_LOG_FSYNC_SEGMENT,	/* fdatasync when a segment is finished and at close */
	WARD_LOG_FSYNC_NONE,	/* never; the page cache still survives a crash of ward itself */
	WARD_LOG_FSYNC_FLUSH,	/* at every ward_log_flush() (group commit: the daemon flushes
				 * every log.flush_interval), and when a segment is finished */
};

/* Why records were lost; passed to encode_loss. Callers may use other values of their own. */
enum ward_log_loss_reason {
	WARD_LOG_LOSS_QUEUE = 1,	/* the caller's queue in front of the log was full */
	WARD_LOG_LOSS_DISK = 2,		/* the writer could not write a block (ENOSPC, EIO, EFBIG) */
};

/* A loss marker record is at most this long. */
#define WARD_LOG_LOSS_MAX 512

/*
 * Encodes a loss marker (count records lost, with times first_ns..last_ns) into out[0..cap);
 * returns its length or -errno. The daemon encodes a protobuf ward.Record with a Loss message.
 */
typedef ssize_t (*ward_log_encode_loss_fn)(uint64_t count, uint64_t first_ns, uint64_t last_ns,
					   int reason, uint8_t *out, size_t cap, void *ctx);

struct ward_log_opts {
	const char *dir;		/* created (with parents) if missing */
	uint64_t segment_bytes;		/* start a new segment beyond this size */
	uint64_t segment_age_ns;	/* ... or when the segment is this old */
	uint64_t retain_bytes;		/* delete the oldest segments beyond this total */
	uint64_t retain_age_ns;		/* ... and those whose records are all older than this */
	uint32_t block_bytes;		/* cut a block at this much uncompressed data */
	int zstd_level;
	enum ward_log_fsync fsync;
	ward_log_encode_loss_fn encode_loss;	/* NULL: losses are only counted */
	void *loss_ctx;

	/* For tests; NULL for the real thing. */
	uint64_t (*clock)(void *ctx);	/* wall clock in unix ns */
	void *clock_ctx;
	ssize_t (*pwrite)(int fd, const void *buf, size_t n, off_t off, void *ctx);
	void *pwrite_ctx;
	const uint8_t *boot_id;		/* WARD_LOG_BOOT_ID_LEN bytes; NULL: this host's */
};

/* Defaults and limits, all checked by ward_log_opts_check(). */
#define WARD_LOG_DEFAULT_DIR "/var/lib/ward/log"
#define WARD_LOG_DEFAULT_SEGMENT_BYTES (64ull << 20)
#define WARD_LOG_DEFAULT_SEGMENT_AGE_NS (3600ull * 1000000000ull)
#define WARD_LOG_DEFAULT_RETAIN_BYTES (1ull << 30)
#define WARD_LOG_DEFAULT_RETAIN_AGE_NS (7ull * 86400 * 1000000000ull)
#define WARD_LOG_DEFAULT_BLOCK_BYTES (256u << 10)
#define WARD_LOG_DEFAULT_ZSTD_LEVEL 3
#define WARD_LOG_MIN_BLOCK_BYTES 1024u
#define WARD_LOG_MAX_BLOCK_BYTES (16u << 20)
#define WARD_LOG_MIN_SEGMENT_BYTES (16ull << 10)
#define WARD_LOG_MAX_SEGMENT_BYTES (4ull << 30)
#define WARD_LOG_MIN_SEGMENT_AGE_NS (1000000000ull)
#define WARD_LOG_MAX_AGE_NS (3650ull * 86400 * 1000000000ull)
#define WARD_LOG_MAX_RETAIN_BYTES (1ull << 50)
#define WARD_LOG_MIN_ZSTD_LEVEL 1
#define WARD_LOG_MAX_ZSTD_LEVEL 19

/* Fills o with the defaults (directory WARD_LOG_DEFAULT_DIR, nothing injected). */
void ward_log_opts_init(struct ward_log_opts *o);
/* 0, or -EINVAL with *why naming the option out of bounds and its limits. */
int ward_log_opts_check(const struct ward_log_opts *o, const char **why);

/* What ward_log_open() found and repaired in the last segment; the caller logs it. */
struct ward_log_recovery {
	char segment[64];		/* the segment scanned, "" if there was none */
	uint64_t blocks_kept;		/* good blocks in it */
	uint64_t records_kept;
	uint64_t bytes_cut;		/* torn tail removed */
	uint64_t blocks_cut;		/* damaged blocks in that tail (0 if only a header was torn) */
	uint64_t corrupt_blocks;	/* damaged blocks before the last good one: left for readers
					 * to skip, reported by `ward log verify` */
	bool segment_removed;		/* its own header was torn: the file held nothing */
	bool appending;			/* writing continues in this segment */
};

struct ward_log_stats {
	uint64_t records_written;
	uint64_t bytes_written;		/* on disk: headers and compressed payloads */
	uint64_t raw_bytes_written;	/* records before compression, with their length prefixes */
	uint64_t blocks;
	uint64_t records_dropped;	/* in blocks the disk refused */
	uint64_t bytes_dropped;		/* their uncompressed size */
	uint64_t write_errors;		/* failed block writes and fsyncs */
	int last_error;			/* errno of the last failure, 0 if none */
	uint64_t loss_markers;		/* loss marker records written */
	uint64_t loss_markers_failed;	/* encode_loss failed: that loss is only counted */
	uint64_t records_rejected;	/* longer than WARD_LOG_RECORD_MAX */
	uint64_t bytes_cut;		/* at recovery */
	uint64_t segments_created;
	uint64_t segments_deleted;	/* by retention */
	uint64_t bytes_deleted;
};

struct ward_log;

/*
 * Opens (creating it if needed) the log directory, takes an exclusive lock on it (a second
 * writer gets EWOULDBLOCK), recovers the last segment and reports into *rec (may be NULL).
 * NULL and errno on failure (EINVAL: options out of bounds).
 */
struct ward_log *ward_log_open(const struct ward_log_opts *o, struct ward_log_recovery *rec);

/*
 * Appends one record with its time (unix ns; blocks carry the earliest and latest, so readers
 * can skip by time). -EMSGSIZE: longer than WARD_LOG_RECORD_MAX, rejected. A negative errno
 * otherwise says a block write failed (disk full, I/O error): the records of that block are
 * counted in records_dropped and a loss marker takes their place once writing works again.
 */
int ward_log_append(struct ward_log *log, const void *rec, size_t len, uint64_t time_ns);

/*
 * The caller lost count records (times first_ns..last_ns) before they reached the log: a loss
 * marker is appended here, between the records before and after it. 0 or -errno as append.
 */
int ward_log_note_loss(struct ward_log *log, uint64_t count, uint64_t first_ns,
		       uint64_t last_ns, int reason);

/*
 * Writes the open block now (the daemon calls it every flush interval so no record waits long
 * in memory), writes pending loss markers, retries after disk errors, and applies rotation by
 * age and retention. 0 or the -errno of a failed write.
 */
int ward_log_flush(struct ward_log *log);

/* New retention limits (SIGHUP), applied at the next flush. 0 or -EINVAL out of bounds. */
int ward_log_set_retention(struct ward_log *log, uint64_t retain_bytes, uint64_t retain_age_ns);

/* Copies the counters. */
void ward_log_get_stats(const struct ward_log *log, struct ward_log_stats *out);

/* The name of the segment being written ("" if none is open yet). */
const char *ward_log_current_segment(const struct ward_log *log);

/*
 * Flushes, fsyncs (unless the policy is none) and frees. Returns 0 or the -errno of the last
 * flush or fsync; the log is freed in any case. Accepts NULL.
 */
int ward_log_close(struct ward_log *log);

#endif /* WARD_STORE_LOG_WRITER_H */
