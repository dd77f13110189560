// SPDX-License-Identifier: GPL-2.0
#include "store/log_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "lib/crc32c.h"
#include "store/log_dir.h"

/* How much the resynchronizing search reads at a time. */
#define SCAN_CHUNK (64u << 10)

struct ward_log_reader {
	ZSTD_DCtx *dctx;
	uint8_t *zbuf;		/* compressed payload, grows up to WARD_LOG_BLOCK_ZMAX */
	size_t zcap;
	uint8_t *raw;		/* decompressed payload, grows up to WARD_LOG_BLOCK_RAW_MAX */
	size_t rawcap;
	uint8_t *chunk;		/* SCAN_CHUNK bytes for the magic search */
};

/* One file being read. */
struct scan {
	struct ward_log_reader *r;
	int fd;
	const char *path;
	const struct ward_log_read_opts *o;
	struct ward_log_file_stats *st;
	uint64_t size;
};

struct ward_log_reader *ward_log_reader_new(void)
{
	struct ward_log_reader *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->dctx = ZSTD_createDCtx();
	r->chunk = malloc(SCAN_CHUNK);
	if (!r->dctx || !r->chunk) {
		ward_log_reader_free(r);
		errno = ENOMEM;
		return NULL;
	}
	return r;
}

void ward_log_reader_free(struct ward_log_reader *r)
{
	if (!r)
		return;
	ZSTD_freeDCtx(r->dctx);
	free(r->zbuf);
	free(r->raw);
	free(r->chunk);
	free(r);
}

/* Grows *buf to at least n bytes (n is already bounded by the format's limits). */
static int ensure(uint8_t **buf, size_t *cap, size_t n)
{
	if (n <= *cap)
		return 0;
	uint8_t *nb = realloc(*buf, n);
	if (!nb)
		return -ENOMEM;
	*buf = nb;
	*cap = n;
	return 0;
}

/* Reads up to n bytes at off; returns the count (short only at the end of the file) or -errno. */
static ssize_t read_at(int fd, void *buf, size_t n, uint64_t off)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = pread(fd, (uint8_t *)buf + got, n - got, (off_t)(off + got));

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (ssize_t)got;
}

static void problem(struct scan *s, uint64_t off, uint64_t skipped, enum ward_log_fault f,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void problem(struct scan *s, uint64_t off, uint64_t skipped, enum ward_log_fault f,
		    const char *fmt, ...)
{
	struct ward_log_problem p = {
		.path = s->path, .offset = off, .skipped = skipped, .fault = f,
	};
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(p.detail, sizeof(p.detail), fmt, ap);
		va_end(ap);
	}
	s->st->problems++;
	s->st->problems_at_end++;
	if (s->o->on_problem)
		s->o->on_problem(&p, s->o->ctx);
}

/* The header at off, if one is there and checks out. */
static enum ward_log_fault header_at(struct scan *s, uint64_t off, struct ward_log_blk_hdr *h)
{
	uint8_t buf[WARD_LOG_BLK_HDR_LEN];
	ssize_t n = read_at(s->fd, buf, sizeof(buf), off);

	if (n < 0)
		return WARD_LOG_IO;
	if ((size_t)n < sizeof(buf))
		return WARD_LOG_TRUNCATED;
	return ward_log_blk_hdr_decode(buf, h);
}

/*
 * The offset of the next block at or after from whose header checks out, or the file size.
 * A payload could contain the magic by chance; its header CRC then almost surely fails.
 */
static uint64_t resync(struct scan *s, uint64_t from)
{
	uint64_t pos = from;

	while (pos + WARD_LOG_BLK_HDR_LEN <= s->size) {
		size_t want = SCAN_CHUNK;
		if (s->size - pos < want)
			want = (size_t)(s->size - pos);
		ssize_t n = read_at(s->fd, s->r->chunk, want, pos);
		if (n < (ssize_t)WARD_LOG_BLK_MAGIC_LEN)
			break;
		const uint8_t *p = s->r->chunk, *end = p + n;
		while ((p = memmem(p, (size_t)(end - p), WARD_LOG_BLK_MAGIC, WARD_LOG_BLK_MAGIC_LEN))) {
			struct ward_log_blk_hdr h;
			uint64_t c = pos + (uint64_t)(p - s->r->chunk);

			if (header_at(s, c, &h) == WARD_LOG_OK)
				return c;
			p++;
		}
		/* The magic may straddle the chunk's end: overlap by its length minus one. */
		pos += (uint64_t)n - (WARD_LOG_BLK_MAGIC_LEN - 1);
	}
	return s->size;
}

static void note_good(struct scan *s, const struct ward_log_blk_hdr *h, uint64_t end)
{
	struct ward_log_file_stats *st = s->st;

	if (!st->blocks || h->first_ns < st->first_ns)
		st->first_ns = h->first_ns;
	if (!st->blocks || h->last_ns > st->last_ns)
		st->last_ns = h->last_ns;
	st->blocks++;
	st->records += h->count;
	st->raw_bytes += h->raw_len;
	st->good_end = end;
	st->problems_at_end = 0;
}

/* Checks and delivers one block whose header checked out; returns a callback's stop value. */
static int block(struct scan *s, uint64_t off, const struct ward_log_blk_hdr *h, uint64_t *next)
{
	struct ward_log_reader *r = s->r;
	const struct ward_log_read_opts *o = s->o;
	uint64_t span = WARD_LOG_BLK_HDR_LEN + (uint64_t)h->compressed_len;
	size_t bad_off;
	ssize_t n;
	int err;

	*next = off + span;
	if ((o->since_ns && h->last_ns < o->since_ns) || (o->until_ns && h->first_ns > o->until_ns)) {
		s->st->blocks_skipped++;
		note_good(s, h, off + span);
		return 0;
	}
	err = ensure(&r->zbuf, &r->zcap, h->compressed_len);
	if (err)
		return err;
	n = read_at(s->fd, r->zbuf, h->compressed_len, off + WARD_LOG_BLK_HDR_LEN);
	if (n != (ssize_t)h->compressed_len) {
		problem(s, off, s->size - off, n < 0 ? WARD_LOG_IO : WARD_LOG_TRUNCATED,
			"%s", n < 0 ? strerror((int)-n) : "the file shrank while being read");
		*next = s->size;
		return 0;
	}
	uint32_t crc = ward_crc32c(0, r->zbuf, h->compressed_len);
	if (crc != h->payload_crc) {
		problem(s, off, span, WARD_LOG_PAYLOAD_CRC, "stored 0x%08x, computed 0x%08x",
			h->payload_crc, crc);
		return 0;
	}
	if (o->crc_only) {
		note_good(s, h, off + span);
		return 0;
	}
	err = ensure(&r->raw, &r->rawcap, h->raw_len ? h->raw_len : 1);
	if (err)
		return err;
	size_t got = ZSTD_decompressDCtx(r->dctx, r->raw, h->raw_len, r->zbuf, h->compressed_len);
	if (ZSTD_isError(got) || got != h->raw_len) {
		problem(s, off, span, WARD_LOG_ZSTD, "%s",
			ZSTD_isError(got) ? ZSTD_getErrorName(got) : "size differs from the header's");
		return 0;
	}
	/* Check the whole framing first: a block is delivered entirely or not at all. */
	if (!ward_log_payload_framing_ok(r->raw, got, h->count, &bad_off)) {
		problem(s, off, span, WARD_LOG_RECORD_LENGTH, "at payload offset %zu of %zu, %" PRIu32
			" records announced", bad_off, got, h->count);
		return 0;
	}
	note_good(s, h, off + span);
	if (!o->on_record)
		return 0;
	for (size_t p = 0; p < got;) {
		uint64_t len = 0;
		p += ward_log_varint_get(r->raw + p, got - p, &len);
		err = o->on_record(r->raw + p, (size_t)len, h->first_ns, h->last_ns, o->ctx);
		if (err)
			return err;
		p += (size_t)len;
	}
	return 0;
}

static int scan_segment_header(struct scan *s, uint64_t *off)
{
	uint8_t buf[WARD_LOG_SEG_HDR_LEN];
	ssize_t n = read_at(s->fd, buf, sizeof(buf), 0);

	*off = WARD_LOG_SEG_HDR_LEN;
	s->st->good_end = WARD_LOG_SEG_HDR_LEN;
	if (n < 0) {
		problem(s, 0, s->size, WARD_LOG_IO, "%s", strerror((int)-n));
		return (int)n;
	}
	if ((size_t)n < sizeof(buf)) {
		s->st->good_end = 0;
		problem(s, 0, s->size, WARD_LOG_TRUNCATED, "segment header cut short: %zd of %d bytes",
			n, WARD_LOG_SEG_HDR_LEN);
		*off = s->size;
		return 0;
	}
	if (ward_log_seg_hdr_decode(buf, &s->st->header) == WARD_LOG_OK) {
		s->st->header_ok = true;
		return 0;
	}
	bool magic = !memcmp(buf, WARD_LOG_SEG_MAGIC, WARD_LOG_SEG_MAGIC_LEN);
	uint16_t version = (uint16_t)(buf[8] | buf[9] << 8);
	if (magic && version != WARD_LOG_VERSION) {
		/* A format this reader does not know: better nothing than misread blocks. */
		problem(s, 0, s->size, WARD_LOG_BAD_SEGMENT_HEADER,
			"format version %u, this ward reads version %d", version, WARD_LOG_VERSION);
		*off = s->size;
		return 0;
	}
	/* Bad checksum or no magic: the blocks may still be fine; look for the first one. */
	*off = resync(s, magic ? WARD_LOG_SEG_HDR_LEN : 0);
	problem(s, 0, *off, WARD_LOG_BAD_SEGMENT_HEADER, "%s",
		magic ? "header CRC mismatch" : "no segment magic: not a ward log segment?");
	return 0;
}

int ward_log_read_fd(struct ward_log_reader *r, int fd, const char *path,
		     const struct ward_log_read_opts *o, struct ward_log_file_stats *st)
{
	struct ward_log_file_stats local;
	struct scan s = { .r = r, .fd = fd, .path = path, .o = o, .st = st ? st : &local };
	struct stat sb;
	uint64_t off;
	int err;

	memset(s.st, 0, sizeof(*s.st));
	if (fstat(fd, &sb))
		return -errno;
	if (!S_ISREG(sb.st_mode))
		return -EINVAL;
	s.size = (uint64_t)sb.st_size;
	s.st->file_bytes = s.size;
	err = scan_segment_header(&s, &off);
	if (err)
		return err;
	while (off < s.size) {
		struct ward_log_blk_hdr h;
		enum ward_log_fault f = header_at(&s, off, &h);
		uint64_t next;

		if (f == WARD_LOG_IO) {
			problem(&s, off, s.size - off, f, "%s", strerror(errno));
			return 0;
		}
		if (f == WARD_LOG_TRUNCATED) {
			problem(&s, off, s.size - off, f, "%" PRIu64 " bytes, a header is %d",
				s.size - off, WARD_LOG_BLK_HDR_LEN);
			break;
		}
		if (f == WARD_LOG_OK && off + WARD_LOG_BLK_HDR_LEN + h.compressed_len > s.size) {
			problem(&s, off, s.size - off, WARD_LOG_TRUNCATED,
				"block of %" PRIu64 " bytes, %" PRIu64 " in the file",
				(uint64_t)WARD_LOG_BLK_HDR_LEN + h.compressed_len, s.size - off);
			break;
		}
		if (f != WARD_LOG_OK) {
			next = resync(&s, off + 1);
			problem(&s, off, next - off, f, "next good block at offset %" PRIu64 "%s", next,
				next == s.size ? " (none: end of file)" : "");
			off = next;
			continue;
		}
		err = block(&s, off, &h, &next);
		if (err)
			return err;
		off = next;
	}
	return 0;
}

int ward_log_read_file(struct ward_log_reader *r, const char *path,
		       const struct ward_log_read_opts *o, struct ward_log_file_stats *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int err;

	if (fd < 0)
		return -errno;
	err = ward_log_read_fd(r, fd, path, o, st);
	close(fd);
	return err;
}

void ward_log_paths_free(char **paths, size_t n)
{
	if (!paths)
		return;
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

static int push(char ***v, size_t *n, size_t *cap, char *s)
{
	if (!s)
		return -ENOMEM;
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		char **nv = realloc(*v, ncap * sizeof(**v));
		if (!nv) {
			free(s);
			return -ENOMEM;
		}
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = s;
	return 0;
}

int ward_log_paths_expand(char *const *args, size_t nargs, char ***paths, size_t *npaths,
			  const char **bad)
{
	char **v = NULL;
	size_t n = 0, cap = 0;
	int err = 0;

	for (size_t i = 0; i < nargs; i++) {
		struct stat sb;

		*bad = args[i];
		if (stat(args[i], &sb)) {
			err = -errno;
			goto fail;
		}
		if (!S_ISDIR(sb.st_mode)) {
			err = push(&v, &n, &cap, strdup(args[i]));
			if (err)
				goto fail;
			continue;
		}
		struct ward_log_seg_name *segs;
		size_t nsegs;
		int dfd = open(args[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0) {
			err = -errno;
			goto fail;
		}
		err = ward_log_dir_list(dfd, &segs, &nsegs);
		close(dfd);
		if (err)
			goto fail;
		size_t dlen = strlen(args[i]);
		bool slash = dlen && args[i][dlen - 1] == '/';
		for (size_t j = 0; j < nsegs && !err; j++) {
			char *p;
			if (asprintf(&p, "%s%s%s", args[i], slash ? "" : "/", segs[j].name) < 0)
				p = NULL;
			err = push(&v, &n, &cap, p);
		}
		free(segs);
		if (err)
			goto fail;
	}
	*bad = NULL;
	*paths = v;
	*npaths = n;
	return 0;
fail:
	ward_log_paths_free(v, n);
	return err;
}
