/* SHA-256 of executables with a bounded cache; see exe_hash.h. */
#include "store/exe_hash.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WAYS 4                       /* entries per set; the least recently used is evicted */
#define MAX_ENTRIES ((size_t)1 << 20)
#define READ_CHUNK (64 * 1024)

struct key {
	uint64_t dev, ino, size;
	int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
};

struct entry {
	struct key key;
	uint64_t used;                   /* clock of the last use; 0 = empty */
	char hex[WARD_SHA256_HEX_LEN];
};

struct ward_exe_hash {
	struct entry *entries;
	size_t nsets;                    /* a power of two */
	uint64_t max_size;
	uint64_t clock;
	uint8_t *buf;                    /* READ_CHUNK bytes, reused for every file */
	struct ward_exe_hash_stats stats;
};

static struct key key_of(const struct stat *st)
{
	return (struct key){
		.dev = st->st_dev, .ino = st->st_ino, .size = (uint64_t)st->st_size,
		.mtime_s = st->st_mtim.tv_sec, .mtime_ns = st->st_mtim.tv_nsec,
		.ctime_s = st->st_ctim.tv_sec, .ctime_ns = st->st_ctim.tv_nsec,
	};
}

static bool key_eq(const struct key *a, const struct key *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_s == b->mtime_s && a->mtime_ns == b->mtime_ns &&
	       a->ctime_s == b->ctime_s && a->ctime_ns == b->ctime_ns;
}

/* The set of a file: by dev and inode only, so a changed file lands in the
 * set of its stale entry and replaces it instead of crowding the cache. */
static struct entry *set_of(struct ward_exe_hash *h, const struct key *k)
{
	uint64_t x = k->ino * 0x9e3779b97f4a7c15ULL ^ k->dev * 0xc2b2ae3d27d4eb4fULL;
	x ^= x >> 29;
	return &h->entries[(x & (h->nsets - 1)) * WAYS];
}

struct ward_exe_hash *ward_exe_hash_new(size_t max_entries, uint64_t max_size)
{
	struct ward_exe_hash *h;
	size_t nsets = 1;

	if (max_entries == 0 || max_entries > MAX_ENTRIES) {
		errno = EINVAL;
		return NULL;
	}
	while (nsets * WAYS < max_entries)
		nsets <<= 1;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->entries = calloc(nsets * WAYS, sizeof(*h->entries));
	if (!h->entries)
		goto err_free;
	h->buf = malloc(READ_CHUNK);
	if (!h->buf)
		goto err_entries;
	h->nsets = nsets;
	h->max_size = max_size;
	return h;

err_entries:
	free(h->entries);
err_free:
	free(h);
	errno = ENOMEM;
	return NULL;
}

void ward_exe_hash_free(struct ward_exe_hash *h)
{
	if (!h)
		return;
	free(h->buf);
	free(h->entries);
	free(h);
}

static int hash_fd(struct ward_exe_hash *h, int fd, char hex[WARD_SHA256_HEX_LEN])
{
	struct ward_sha256 c;
	uint8_t d[WARD_SHA256_LEN];

	ward_sha256_init(&c);
	for (;;) {
		ssize_t n = read(fd, h->buf, READ_CHUNK);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		ward_sha256_update(&c, h->buf, (size_t)n);
	}
	ward_sha256_final(&c, d);
	ward_sha256_hex(d, hex);
	return 0;
}

static void remember(struct ward_exe_hash *h, const struct key *k,
		     const char hex[WARD_SHA256_HEX_LEN])
{
	struct entry *set = set_of(h, k), *victim = &set[0];

	for (int i = 0; i < WAYS; i++) {
		if (set[i].used && set[i].key.dev == k->dev && set[i].key.ino == k->ino) {
			victim = &set[i]; /* the same file, changed: replace its stale hash */
			break;
		}
		if (set[i].used < victim->used)
			victim = &set[i];
	}
	victim->key = *k;
	victim->used = ++h->clock;
	memcpy(victim->hex, hex, WARD_SHA256_HEX_LEN);
}

int ward_exe_hash_file(struct ward_exe_hash *h, const char *path, char hex[WARD_SHA256_HEX_LEN],
		       struct stat *st_out)
{
	struct stat st, after;
	struct key k;
	int fd, ret;

	/* O_NONBLOCK: a FIFO under an executable's name must not hang the flush
	 * thread. O_NOATIME: reading a binary is not an access worth recording;
	 * it is refused (EPERM) for files we do not own without CAP_FOWNER. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOATIME);
	if (fd < 0 && errno == EPERM)
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		h->stats.errors++;
		return -errno;
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		h->stats.errors++;
		goto out;
	}
	if (st_out)
		*st_out = st;
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		h->stats.errors++;
		goto out;
	}
	if ((uint64_t)st.st_size > h->max_size) {
		ret = -EFBIG;
		h->stats.too_large++;
		goto out;
	}
	k = key_of(&st);
	struct entry *set = set_of(h, &k);
	for (int i = 0; i < WAYS; i++) {
		if (set[i].used && key_eq(&set[i].key, &k)) {
			set[i].used = ++h->clock;
			memcpy(hex, set[i].hex, WARD_SHA256_HEX_LEN);
			h->stats.hits++;
			ret = 0;
			goto out;
		}
	}
	ret = hash_fd(h, fd, hex);
	if (ret) {
		h->stats.errors++;
		goto out;
	}
	h->stats.computed++;
	/* A file written while we read it has a hash of neither version: return
	 * it, but do not cache it, so the next look reads the file again. */
	if (!fstat(fd, &after)) {
		struct key now = key_of(&after);
		if (key_eq(&k, &now))
			remember(h, &k, hex);
	}
out:
	close(fd);
	return ret;
}

void ward_exe_hash_get_stats(const struct ward_exe_hash *h, struct ward_exe_hash_stats *s)
{
	*s = h->stats;
}
