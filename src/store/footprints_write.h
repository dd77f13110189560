/*
 * Writes a table of pending footprints to the database in one transaction:
 * stats files and executables, hashes executables and names owners on the
 * way. Runs on the store's flush thread only (it makes syscalls and reads
 * files); one caller at a time.
 */
#ifndef WARD_STORE_FOOTPRINTS_WRITE_H
#define WARD_STORE_FOOTPRINTS_WRITE_H

#include <stdbool.h>
#include <stdint.h>

#include "store/exe_hash.h"
#include "store/footprints_pending.h"

struct ward_fp_writer;

/* NULL and errno (as ward_footprints_db_open() returns it, made positive). */
struct ward_fp_writer *ward_fp_writer_new(const char *db_path, bool hash_executables,
					  uint64_t hash_max_size);
void ward_fp_writer_free(struct ward_fp_writer *w);

/*
 * Upserts every entry of p. Returns 0 with *written rows, or -errno when the
 * transaction failed (nothing written). *lost is the sum of the counts of
 * entries not written (all of them on failure; single rows SQLite refused).
 */
int ward_fp_writer_write(struct ward_fp_writer *w, const struct ward_fp_pending *p,
			 uint64_t *written, uint64_t *lost);

void ward_fp_writer_hash_stats(const struct ward_fp_writer *w, struct ward_exe_hash_stats *s);

#endif /* WARD_STORE_FOOTPRINTS_WRITE_H */
