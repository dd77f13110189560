/*
 * SHA-256 of executables, cached by what identifies a file's content without
 * reading it: (dev, inode, size, mtime, ctime). An unchanged binary is hashed
 * once however often it runs. ctime is in the key besides mtime because
 * utimensat(2) can put mtime back after a write, but nothing can set ctime.
 *
 * Runs on the footprint store's flush thread, never on the event path: it
 * opens and reads files. Not thread-safe: one caller at a time.
 */
#ifndef WARD_STORE_EXE_HASH_H
#define WARD_STORE_EXE_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "lib/sha256.h"

struct ward_exe_hash;

struct ward_exe_hash_stats {
	uint64_t computed;     /* files read and hashed */
	uint64_t hits;         /* answered from the cache */
	uint64_t too_large;    /* larger than max_size, not hashed */
	uint64_t errors;       /* could not be opened or read */
};

/* max_entries: cache size (rounded up to a multiple of 4, at most 1M);
 * max_size: larger files are not hashed. NULL and errno on failure. */
struct ward_exe_hash *ward_exe_hash_new(size_t max_entries, uint64_t max_size);
void ward_exe_hash_free(struct ward_exe_hash *h);

/*
 * Hashes the regular file at path into hex (64 digits and a NUL). Returns 0,
 * -EFBIG when it is larger than max_size, -EINVAL when it is not a regular
 * file, or -errno from open/read. When st is not NULL it receives the fstat
 * of the file that was hashed (also on -EFBIG and -EINVAL).
 */
int ward_exe_hash_file(struct ward_exe_hash *h, const char *path, char hex[WARD_SHA256_HEX_LEN],
		       struct stat *st);

void ward_exe_hash_get_stats(const struct ward_exe_hash *h, struct ward_exe_hash_stats *s);

#endif /* WARD_STORE_EXE_HASH_H */
