/*
 * Files a process modified and has not closed yet: (tgid, file_id) -> path.
 * FILE_CLOSE is seen at syscall exit, when the kernel may have freed the
 * file, so its path comes from the FILE_MODIFY that opened the pair. Bounded:
 * when full, the oldest entries go first (a close then shows no path and is
 * counted).
 */
#ifndef WARD_FILE_TABLE_H
#define WARD_FILE_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct ward_file_table;

struct ward_file_table *ward_file_table_new(size_t capacity);
void ward_file_table_free(struct ward_file_table *t);

/* Remember (or replace) the path; 0 or -ENOMEM. */
int ward_file_table_put(struct ward_file_table *t, uint32_t tgid, uint64_t file_id,
			const char *path, size_t len);
/* The path, or NULL. Valid until the next put or take. */
const char *ward_file_table_get(struct ward_file_table *t, uint32_t tgid, uint64_t file_id,
				size_t *len);
/* Forget an entry (after its FILE_CLOSE was reported). */
void ward_file_table_drop(struct ward_file_table *t, uint32_t tgid, uint64_t file_id);
size_t ward_file_table_size(const struct ward_file_table *t);
uint64_t ward_file_table_evicted(const struct ward_file_table *t);

#endif
