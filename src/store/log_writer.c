// SPDX-License-Identifier: GPL-2.0
#include "store/log_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "lib/crc32c.h"
#include "store/log_dir.h"
#include "store/log_reader.h"

/*
 * Loss notes in the open block, and losses waiting for a marker. A block with more notes is
 * cut early, so the first bound costs nothing but a smaller block; beyond the second, losses of
 * further reasons are merged into the last slot (their count stays exact, their reason not).
 */
#define MAX_NOTES 16
#define MAX_PENDING 8
#define MARKER_RAW_MAX (MAX_PENDING * (WARD_LOG_LOSS_MAX + WARD_LOG_VARINT_MAX))

struct loss {
	int reason;
	uint64_t count, first_ns, last_ns;
};

struct seg {
	char name[WARD_LOG_NAME_MAX];
	uint64_t seq, start_ns, size;
};

struct ward_log {
	struct ward_log_opts o;
	char *dir;
	int dirfd;
	uint8_t boot_id[WARD_LOG_BOOT_ID_LEN];
	ZSTD_CCtx *cctx;

	/* Segments on disk, oldest first; while fd >= 0 the last one is being written. */
	struct seg *segs;
	size_t nsegs, segcap;
	uint64_t total_bytes;
	uint64_t next_seq;
	int fd;
	uint64_t seg_created_ns;
	bool seg_broken;	/* a failed write could not be undone: finish this segment */
	bool unsynced;		/* blocks written since the last fdatasync (FSYNC_FLUSH) */

	/* The open block: framed records, uncompressed. */
	uint8_t *raw;
	size_t raw_len, raw_cap;
	uint32_t blk_count;
	uint64_t blk_first, blk_last;
	struct loss notes[MAX_NOTES];	/* loss markers among the block's records */
	size_t nnotes;
	size_t notes_bytes;

	/* Losses with no marker on disk yet: written in front of the next block. */
	struct loss pending[MAX_PENDING];
	size_t npending;
	uint8_t marker_raw[MARKER_RAW_MAX];

	/* [marker block][data block], written with one pwrite. */
	uint8_t *out;
	size_t out_cap;

	struct ward_log_stats st;
};

void ward_log_opts_init(struct ward_log_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->dir = WARD_LOG_DEFAULT_DIR;
	o->segment_bytes = WARD_LOG_DEFAULT_SEGMENT_BYTES;
	o->segment_age_ns = WARD_LOG_DEFAULT_SEGMENT_AGE_NS;
	o->retain_bytes = WARD_LOG_DEFAULT_RETAIN_BYTES;
	o->retain_age_ns = WARD_LOG_DEFAULT_RETAIN_AGE_NS;
	o->block_bytes = WARD_LOG_DEFAULT_BLOCK_BYTES;
	o->zstd_level = WARD_LOG_DEFAULT_ZSTD_LEVEL;
	o->fsync = WARD_LOG_FSYNC_BLOCK;
}

int ward_log_opts_check(const struct ward_log_opts *o, const char **why)
{
	const char *w = NULL;

	if (!o->dir || !*o->dir || strlen(o->dir) > 1024)
		w = "log directory: empty or longer than 1024 bytes";
	else if (o->segment_bytes < WARD_LOG_MIN_SEGMENT_BYTES ||
		 o->segment_bytes > WARD_LOG_MAX_SEGMENT_BYTES)
		w = "segment size: 16 KiB to 4 GiB";
	else if (o->segment_age_ns < WARD_LOG_MIN_SEGMENT_AGE_NS ||
		 o->segment_age_ns > WARD_LOG_MAX_AGE_NS)
		w = "segment age: 1 s to 3650 days";
	else if (o->retain_bytes < WARD_LOG_MIN_SEGMENT_BYTES ||
		 o->retain_bytes > WARD_LOG_MAX_RETAIN_BYTES)
		w = "retention size: 16 KiB to 1 PiB";
	else if (o->retain_age_ns < WARD_LOG_MIN_SEGMENT_AGE_NS ||
		 o->retain_age_ns > WARD_LOG_MAX_AGE_NS)
		w = "retention age: 1 s to 3650 days";
	else if (o->block_bytes < WARD_LOG_MIN_BLOCK_BYTES ||
		 o->block_bytes > WARD_LOG_MAX_BLOCK_BYTES)
		w = "block size: 1 KiB to 16 MiB";
	else if (o->zstd_level < WARD_LOG_MIN_ZSTD_LEVEL || o->zstd_level > WARD_LOG_MAX_ZSTD_LEVEL)
		w = "zstd level: 1 to 19";
	else if (o->fsync != WARD_LOG_FSYNC_BLOCK && o->fsync != WARD_LOG_FSYNC_SEGMENT &&
		 o->fsync != WARD_LOG_FSYNC_NONE && o->fsync != WARD_LOG_FSYNC_FLUSH)
		w = "fsync policy: block, segment, flush or none";
	if (why)
		*why = w;
	return w ? -EINVAL : 0;
}

static uint64_t now_ns(const struct ward_log *log)
{
	struct timespec ts;

	if (log->o.clock)
		return log->o.clock(log->o.clock_ctx);
	if (clock_gettime(CLOCK_REALTIME, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void fail(struct ward_log *log, int err)
{
	log->st.write_errors++;
	log->st.last_error = err;
}

/* The kernel's boot id (a UUID) as 16 bytes; zeros if it cannot be read. */
static void read_boot_id(uint8_t out[WARD_LOG_BOOT_ID_LEN])
{
	char text[64] = "";
	size_t n = 0;
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);

	memset(out, 0, WARD_LOG_BOOT_ID_LEN);
	if (fd < 0)
		return;
	ssize_t k = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (k <= 0)
		return;
	uint8_t id[WARD_LOG_BOOT_ID_LEN] = { 0 };
	for (ssize_t i = 0; i < k && n < 2 * WARD_LOG_BOOT_ID_LEN; i++) {
		char c = text[i];
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (v < 0)
			continue;
		id[n / 2] = (uint8_t)(id[n / 2] << 4 | v);
		n++;
	}
	if (n == 2 * WARD_LOG_BOOT_ID_LEN)
		memcpy(out, id, WARD_LOG_BOOT_ID_LEN);
}

/* mkdir -p, mode 0750: the log holds what every process on the host did. */
static int make_dirs(const char *dir)
{
	char path[1100];
	size_t len = strlen(dir);

	if (len >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		char c = path[i];
		path[i] = '\0';
		if (mkdir(path, 0750) && errno != EEXIST)
			return -errno;
		path[i] = c;
	}
	return 0;
}

static ssize_t do_pwrite(struct ward_log *log, const void *buf, size_t n, off_t off)
{
	if (log->o.pwrite)
		return log->o.pwrite(log->fd, buf, n, off, log->o.pwrite_ctx);
	return pwrite(log->fd, buf, n, off);
}

/*
 * Writes n bytes at the end of the current segment. One pwrite() normally; a short one is
 * continued, and if the rest fails the file is cut back so no partial block stays behind.
 */
static int write_tail(struct ward_log *log, const uint8_t *buf, size_t n)
{
	struct seg *cur = &log->segs[log->nsegs - 1];
	size_t done = 0;
	int err = 0;

	while (done < n) {
		ssize_t k = do_pwrite(log, buf + done, n - done, (off_t)(cur->size + done));

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			err = k < 0 ? errno : ENOSPC;
			break;
		}
		done += (size_t)k;
	}
	if (!err) {
		cur->size += n;
		log->total_bytes += n;
		return 0;
	}
	if (done && ftruncate(log->fd, (off_t)cur->size))
		log->seg_broken = true;
	return -err;
}

static void close_segment(struct ward_log *log)
{
	if (log->fd < 0)
		return;
	if (log->o.fsync != WARD_LOG_FSYNC_NONE && fdatasync(log->fd))
		fail(log, errno);
	close(log->fd);
	log->fd = -1;
	log->seg_broken = false;
}

static int segs_push(struct ward_log *log, const struct seg *s)
{
	if (log->nsegs == log->segcap) {
		size_t ncap = log->segcap ? log->segcap * 2 : 16;
		struct seg *n = realloc(log->segs, ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		log->segs = n;
		log->segcap = ncap;
	}
	log->segs[log->nsegs++] = *s;
	log->total_bytes += s->size;
	return 0;
}

static void segs_remove(struct ward_log *log, size_t i)
{
	log->total_bytes -= log->segs[i].size;
	memmove(&log->segs[i], &log->segs[i + 1], (log->nsegs - i - 1) * sizeof(*log->segs));
	log->nsegs--;
}

static int new_segment(struct ward_log *log, uint64_t now)
{
	uint8_t hdr[WARD_LOG_SEG_HDR_LEN];
	struct seg s = { .size = WARD_LOG_SEG_HDR_LEN };
	int fd = -1, err;

	/* Another file of that name (a clock set back, a copy) is left alone: take the next seq. */
	for (int tries = 0; fd < 0; tries++) {
		s.seq = log->next_seq++;
		s.start_ns = now - now % 1000000000ull;
		ward_log_seg_name_format(s.name, now, s.seq);
		fd = openat(log->dirfd, s.name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
		if (fd < 0 && (errno != EEXIST || tries == 16))
			return -errno;
	}
	struct ward_log_seg_hdr h = { .created_ns = now, .seq = s.seq };
	memcpy(h.boot_id, log->boot_id, WARD_LOG_BOOT_ID_LEN);
	ward_log_seg_hdr_encode(&h, hdr);
	log->fd = fd;
	ssize_t k = do_pwrite(log, hdr, sizeof(hdr), 0);
	if (k != (ssize_t)sizeof(hdr)) {
		err = k < 0 ? -errno : -ENOSPC;
		goto fail_unlink;
	}
	/* The new name must survive a power loss as well as the blocks in it. */
	if (log->o.fsync != WARD_LOG_FSYNC_NONE && (fdatasync(fd) || fsync(log->dirfd))) {
		err = -errno;
		goto fail_unlink;
	}
	err = segs_push(log, &s);
	if (err)
		goto fail_unlink;
	log->seg_created_ns = now;
	log->st.segments_created++;
	return 0;

fail_unlink:
	unlinkat(log->dirfd, s.name, 0);
	close(fd);
	log->fd = -1;
	return err;
}

/* Deletes the oldest segments beyond the size or age limit; never the newest one. */
static void retention(struct ward_log *log, uint64_t now)
{
	while (log->nsegs > 1) {
		struct seg *old = &log->segs[0];
		/* The next segment started when this one was finished: every record is older. */
		uint64_t ended = log->segs[1].start_ns;
		bool too_big = log->total_bytes > log->o.retain_bytes;
		bool too_old = now >= ended && now - ended >= log->o.retain_age_ns;

		if (!too_big && !too_old)
			break;
		if (unlinkat(log->dirfd, old->name, 0) && errno != ENOENT) {
			fail(log, errno);
			break;
		}
		log->st.segments_deleted++;
		log->st.bytes_deleted += old->size;
		segs_remove(log, 0);
	}
}

/* Compresses raw into a block at dst; returns its length or 0 if zstd fails. */
static size_t make_block(struct ward_log *log, const uint8_t *raw, size_t n, uint32_t count,
			 uint64_t first, uint64_t last, uint8_t *dst, size_t cap)
{
	size_t z = ZSTD_compressCCtx(log->cctx, dst + WARD_LOG_BLK_HDR_LEN,
				     cap - WARD_LOG_BLK_HDR_LEN, raw, n, log->o.zstd_level);
	if (ZSTD_isError(z))
		return 0;
	struct ward_log_blk_hdr h = {
		.codec = WARD_LOG_CODEC_ZSTD,
		.compressed_len = (uint32_t)z,
		.raw_len = (uint32_t)n,
		.count = count,
		.payload_crc = ward_crc32c(0, dst + WARD_LOG_BLK_HDR_LEN, z),
		.first_ns = first,
		.last_ns = last,
	};
	ward_log_blk_hdr_encode(&h, dst);
	return WARD_LOG_BLK_HDR_LEN + z;
}

static void pending_add(struct ward_log *log, const struct loss *l)
{
	size_t i;

	for (i = 0; i < log->npending; i++)
		if (log->pending[i].reason == l->reason)
			break;
	if (i == log->npending) {
		if (log->npending == MAX_PENDING) {
			i = MAX_PENDING - 1;
		} else {
			log->pending[log->npending++] = *l;
			return;
		}
	}
	struct loss *p = &log->pending[i];
	p->count += l->count;
	if (l->first_ns < p->first_ns)
		p->first_ns = l->first_ns;
	if (l->last_ns > p->last_ns)
		p->last_ns = l->last_ns;
}

/* Encodes the pending losses as marker records; returns the block length built at out. */
static size_t marker_block(struct ward_log *log, size_t *nmarkers)
{
	uint8_t one[WARD_LOG_LOSS_MAX];
	uint64_t first = UINT64_MAX, last = 0;
	size_t len = 0;
	uint32_t n = 0;

	*nmarkers = 0;
	if (!log->o.encode_loss)
		return 0;
	for (size_t i = 0; i < log->npending; i++) {
		const struct loss *l = &log->pending[i];
		ssize_t k = log->o.encode_loss(l->count, l->first_ns, l->last_ns, l->reason, one,
					       sizeof(one), log->o.loss_ctx);
		if (k < 0 || (size_t)k > sizeof(one)) {
			log->st.loss_markers_failed++;
			continue;
		}
		len += ward_log_varint_put(log->marker_raw + len, (uint64_t)k);
		memcpy(log->marker_raw + len, one, (size_t)k);
		len += (size_t)k;
		n++;
		if (l->first_ns < first)
			first = l->first_ns;
		if (l->last_ns > last)
			last = l->last_ns;
	}
	if (!n)
		return 0;
	if (first > last)
		first = last;
	*nmarkers = n;
	return make_block(log, log->marker_raw, len, n, first, last, log->out, log->out_cap);
}

static void reset_block(struct ward_log *log)
{
	log->raw_len = 0;
	log->blk_count = 0;
	log->nnotes = 0;
	log->notes_bytes = 0;
}

/* The disk refused the open block: count its records and keep a marker for them pending. */
static void drop_block(struct ward_log *log, int err)
{
	uint32_t records = log->blk_count - (uint32_t)log->nnotes;

	fail(log, -err);
	if (records) {
		struct loss l = { WARD_LOG_LOSS_DISK, records, log->blk_first, log->blk_last };

		log->st.records_dropped += records;
		log->st.bytes_dropped += log->raw_len - log->notes_bytes;
		pending_add(log, &l);
	}
	/* The markers for the caller's own losses were in the block too: keep them pending. */
	for (size_t i = 0; i < log->nnotes; i++)
		pending_add(log, &log->notes[i]);
	reset_block(log);
}

/*
 * Writes pending loss markers and the open block, in that order, with one pwrite into the
 * current segment (rotating first if due). On failure the block is dropped and counted.
 */
static int cut(struct ward_log *log)
{
	size_t nmarkers, mlen, dlen = 0, total;
	uint64_t now;
	int err;

	if (!log->raw_len && !log->npending)
		return 0;
	mlen = marker_block(log, &nmarkers);
	if (log->raw_len) {
		dlen = make_block(log, log->raw, log->raw_len, log->blk_count, log->blk_first,
				  log->blk_last, log->out + mlen, log->out_cap - mlen);
		if (!dlen) {
			drop_block(log, -EIO);
			return -EIO;
		}
	}
	total = mlen + dlen;
	if (!total) {
		log->npending = 0;	/* no encoder: the counters are all there is */
		return 0;
	}
	now = now_ns(log);
	/* A block larger than a whole segment still goes into a fresh one, alone. */
	if (log->fd >= 0 && (log->seg_broken ||
			     (log->segs[log->nsegs - 1].size > WARD_LOG_SEG_HDR_LEN &&
			      log->segs[log->nsegs - 1].size + total > log->o.segment_bytes) ||
			     (now >= log->seg_created_ns &&
			      now - log->seg_created_ns >= log->o.segment_age_ns)))
		close_segment(log);
	err = log->fd < 0 ? new_segment(log, now) : 0;
	if (!err)
		err = write_tail(log, log->out, total);
	if (err) {
		if (log->raw_len)
			drop_block(log, err);
		else
			fail(log, -err);
		return err;
	}
	log->st.blocks += (nmarkers ? 1 : 0) + (dlen ? 1 : 0);
	log->st.bytes_written += total;
	log->st.raw_bytes_written += log->raw_len;
	log->st.records_written += log->blk_count - log->nnotes;
	log->st.loss_markers += nmarkers + log->nnotes;
	log->npending = 0;
	reset_block(log);
	log->unsynced = true;
	if (log->o.fsync == WARD_LOG_FSYNC_BLOCK && fdatasync(log->fd)) {
		err = -errno;
		fail(log, errno);
	}
	retention(log, now);
	return err;
}

/* Adds one framed record (or loss note) to the open block, cutting blocks as they fill. */
static int add(struct ward_log *log, const void *rec, size_t len, uint64_t first,
	       uint64_t last, const struct loss *note)
{
	size_t need = WARD_LOG_VARINT_MAX + len;
	int err = 0, err2;

	if (log->raw_len && (log->raw_len + need > log->o.block_bytes ||
			     (note && log->nnotes == MAX_NOTES)))
		err = cut(log);
	size_t start = log->raw_len;
	log->raw_len += ward_log_varint_put(log->raw + log->raw_len, len);
	memcpy(log->raw + log->raw_len, rec, len);
	log->raw_len += len;
	if (!log->blk_count || first < log->blk_first)
		log->blk_first = first;
	if (!log->blk_count || last > log->blk_last)
		log->blk_last = last;
	log->blk_count++;
	if (note) {
		log->notes[log->nnotes++] = *note;
		log->notes_bytes += log->raw_len - start;
	}
	if (log->raw_len >= log->o.block_bytes) {
		err2 = cut(log);
		if (!err)
			err = err2;
	}
	return err;
}

int ward_log_append(struct ward_log *log, const void *rec, size_t len, uint64_t time_ns)
{
	if (len > WARD_LOG_RECORD_MAX) {
		log->st.records_rejected++;
		return -EMSGSIZE;
	}
	return add(log, rec, len, time_ns, time_ns, NULL);
}

int ward_log_note_loss(struct ward_log *log, uint64_t count, uint64_t first_ns,
		       uint64_t last_ns, int reason)
{
	uint8_t buf[WARD_LOG_LOSS_MAX];
	struct loss l = { reason, count, first_ns, last_ns };

	if (!count || !log->o.encode_loss)
		return 0;
	if (l.first_ns > l.last_ns)
		l.first_ns = l.last_ns;
	ssize_t k = log->o.encode_loss(count, l.first_ns, l.last_ns, reason, buf, sizeof(buf),
				       log->o.loss_ctx);
	if (k < 0 || (size_t)k > sizeof(buf)) {
		log->st.loss_markers_failed++;
		return k < 0 ? (int)k : -EMSGSIZE;
	}
	return add(log, buf, (size_t)k, l.first_ns, l.last_ns, &l);
}

int ward_log_flush(struct ward_log *log)
{
	int err = cut(log);
	uint64_t now = now_ns(log);

	/* Group commit: one fdatasync per flush interval however many blocks. */
	if (log->o.fsync == WARD_LOG_FSYNC_FLUSH && log->unsynced && log->fd >= 0) {
		if (fdatasync(log->fd)) {
			if (!err)
				err = -errno;
			fail(log, errno);
		} else {
			log->unsynced = false;
		}
	}

	/* An idle segment past its age is finished now, so retention can count it as done. */
	if (log->fd >= 0 && now >= log->seg_created_ns &&
	    now - log->seg_created_ns >= log->o.segment_age_ns)
		close_segment(log);
	retention(log, now);
	return err;
}

void ward_log_get_stats(const struct ward_log *log, struct ward_log_stats *out)
{
	*out = log->st;
}

const char *ward_log_current_segment(const struct ward_log *log)
{
	return log->fd >= 0 ? log->segs[log->nsegs - 1].name : "";
}

/*
 * Scans the newest segment, cuts its torn tail and decides whether to keep writing into it.
 * A segment whose own header is torn holds nothing and is removed, and the one before it is
 * looked at instead.
 */
static int recover(struct ward_log *log, struct ward_log_recovery *rec, uint64_t now)
{
	struct ward_log_reader *r = ward_log_reader_new();
	struct ward_log_read_opts ro = { .crc_only = true };
	struct ward_log_file_stats st;
	int err = 0;

	if (!r)
		return -errno;
	while (log->nsegs) {
		struct seg *last = &log->segs[log->nsegs - 1];
		int fd = openat(log->dirfd, last->name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);

		if (fd < 0) {
			err = -errno;
			break;
		}
		snprintf(rec->segment, sizeof(rec->segment), "%s", last->name);
		err = ward_log_read_fd(r, fd, last->name, &ro, &st);
		if (err) {
			close(fd);
			break;
		}
		if (!st.header_ok && !st.blocks) {
			/* Created, then killed before its header was whole. */
			rec->segment_removed = true;
			rec->bytes_cut += st.file_bytes;
			close(fd);
			if (unlinkat(log->dirfd, last->name, 0)) {
				err = -errno;
				break;
			}
			segs_remove(log, log->nsegs - 1);
			continue;
		}
		rec->blocks_kept = st.blocks;
		rec->records_kept = st.records;
		rec->corrupt_blocks = st.problems - st.problems_at_end;
		if (st.file_bytes > st.good_end) {
			if (ftruncate(fd, (off_t)st.good_end)) {
				err = -errno;
				close(fd);
				break;
			}
			rec->bytes_cut += st.file_bytes - st.good_end;
			rec->blocks_cut = st.problems_at_end;
			log->total_bytes -= last->size - st.good_end;
			last->size = st.good_end;
			if (log->o.fsync != WARD_LOG_FSYNC_NONE && fdatasync(fd)) {
				err = -errno;
				close(fd);
				break;
			}
		}
		/* Keep writing here if it is ours, healthy, and neither full nor old. */
		if (st.header_ok && st.header.seq == last->seq &&
		    !memcmp(st.header.boot_id, log->boot_id, WARD_LOG_BOOT_ID_LEN) &&
		    last->size < log->o.segment_bytes && now >= st.header.created_ns &&
		    now - st.header.created_ns < log->o.segment_age_ns) {
			log->fd = fd;
			log->seg_created_ns = st.header.created_ns;
			rec->appending = true;
		} else {
			close(fd);
		}
		break;
	}
	ward_log_reader_free(r);
	log->st.bytes_cut = rec->bytes_cut;
	return err;
}

static int load_segments(struct ward_log *log)
{
	struct ward_log_seg_name *names;
	size_t n;
	int err = ward_log_dir_list(log->dirfd, &names, &n);

	if (err)
		return err;
	for (size_t i = 0; i < n && !err; i++) {
		struct seg s = { .seq = names[i].seq, .start_ns = names[i].start_ns };
		struct stat sb;

		memcpy(s.name, names[i].name, sizeof(s.name));
		if (fstatat(log->dirfd, s.name, &sb, AT_SYMLINK_NOFOLLOW) || !S_ISREG(sb.st_mode))
			continue;
		s.size = (uint64_t)sb.st_size;
		err = segs_push(log, &s);
	}
	log->next_seq = n ? names[n - 1].seq + 1 : 1;
	free(names);
	return err;
}

struct ward_log *ward_log_open(const struct ward_log_opts *o, struct ward_log_recovery *rec)
{
	struct ward_log_recovery local;
	struct ward_log *log;
	int err;

	if (!rec)
		rec = &local;
	memset(rec, 0, sizeof(*rec));
	err = ward_log_opts_check(o, NULL);
	if (err)
		goto fail;
	log = calloc(1, sizeof(*log));
	if (!log) {
		err = -ENOMEM;
		goto fail;
	}
	log->o = *o;
	log->fd = -1;
	log->dirfd = -1;
	log->dir = strdup(o->dir);
	log->o.dir = log->dir;
	/* A record never waits alone: the buffer holds a block plus the record that fills it. */
	log->raw_cap = o->block_bytes + WARD_LOG_RECORD_MAX + WARD_LOG_VARINT_MAX;
	log->raw = malloc(log->raw_cap);
	log->out_cap = 2 * WARD_LOG_BLK_HDR_LEN + ZSTD_compressBound(MARKER_RAW_MAX) +
		       ZSTD_compressBound(log->raw_cap);
	log->out = malloc(log->out_cap);
	log->cctx = ZSTD_createCCtx();
	if (!log->dir || !log->raw || !log->out || !log->cctx) {
		err = -ENOMEM;
		goto fail_free;
	}
	if (o->boot_id)
		memcpy(log->boot_id, o->boot_id, WARD_LOG_BOOT_ID_LEN);
	else
		read_boot_id(log->boot_id);
	err = make_dirs(log->dir);
	if (err)
		goto fail_free;
	log->dirfd = open(log->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (log->dirfd < 0) {
		err = -errno;
		goto fail_free;
	}
	/* Two writers in one directory would interleave blocks and delete each other's files. */
	if (flock(log->dirfd, LOCK_EX | LOCK_NB)) {
		err = -errno;
		goto fail_free;
	}
	err = load_segments(log);
	if (err)
		goto fail_free;
	uint64_t now = now_ns(log);
	err = recover(log, rec, now);
	if (err)
		goto fail_free;
	retention(log, now);
	return log;

fail_free:
	if (log->fd >= 0)
		close(log->fd);
	if (log->dirfd >= 0)
		close(log->dirfd);
	ZSTD_freeCCtx(log->cctx);
	free(log->out);
	free(log->raw);
	free(log->segs);
	free(log->dir);
	free(log);
fail:
	errno = -err;
	return NULL;
}

int ward_log_close(struct ward_log *log)
{
	int err;

	if (!log)
		return 0;
	err = cut(log);
	if (log->fd >= 0) {
		if (log->o.fsync != WARD_LOG_FSYNC_NONE && fdatasync(log->fd) && !err)
			err = -errno;
		close(log->fd);
	}
	close(log->dirfd);
	ZSTD_freeCCtx(log->cctx);
	free(log->out);
	free(log->raw);
	free(log->segs);
	free(log->dir);
	free(log);
	return err;
}

int ward_log_set_retention(struct ward_log *log, uint64_t retain_bytes, uint64_t retain_age_ns)
{
	struct ward_log_opts o = log->o;
	const char *why;
	o.retain_bytes = retain_bytes;
	o.retain_age_ns = retain_age_ns;
	if (ward_log_opts_check(&o, &why))
		return -EINVAL;
	log->o.retain_bytes = retain_bytes;
	log->o.retain_age_ns = retain_age_ns;
	return 0;
}
