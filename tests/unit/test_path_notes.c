/* Paths the path hooks send ahead of their syscall's record, by thread. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "path_notes.h"
#include "unit.h"
#include "ward/abi.h"

UNIT_TEST(put_take_once)
{
	struct ward_path_notes *n = ward_path_notes_new();
	struct ward_str_ref p, p2;
	uint32_t flags;
	CHECK_EQ_INT(ward_path_notes_put(n, 100, 87, 0, "/etc/x", 6, NULL, 0), 0);
	CHECK_EQ_INT(ward_path_notes_take(n, 101, 87, &p, &p2, &flags), -ENOENT); /* other thread */
	CHECK_EQ_INT(ward_path_notes_take(n, 100, 263, &p, &p2, &flags), -ENOENT); /* other call */
	CHECK_EQ_INT(ward_path_notes_take(n, 100, 87, &p, &p2, &flags), 0);
	CHECK_EQ_STR(p.s, "/etc/x");
	CHECK_EQ_INT(p.len, 6);
	CHECK(p2.s == NULL);
	CHECK_EQ_INT(flags, 0);
	CHECK_EQ_INT(ward_path_notes_take(n, 100, 87, &p, &p2, &flags), -ENOENT);
	ward_path_notes_free(n);
}

UNIT_TEST(a_thread_keeps_its_latest_note)
{
	struct ward_path_notes *n = ward_path_notes_new();
	struct ward_str_ref p, p2;
	uint32_t flags;
	/* a failed unlink's note, then the next call's: not an eviction */
	CHECK_EQ_INT(ward_path_notes_put(n, 7, 87, 0, "/a", 2, NULL, 0), 0);
	CHECK_EQ_INT(ward_path_notes_put(n, 7, 82, WARD_PATH2_TRUNCATED, "/b", 2, "/c", 2), 0);
	CHECK_EQ_INT(ward_path_notes_take(n, 7, 87, &p, &p2, &flags), -ENOENT);
	CHECK_EQ_INT(ward_path_notes_take(n, 7, 82, &p, &p2, &flags), 0);
	CHECK_EQ_STR(p.s, "/b");
	CHECK_EQ_STR(p2.s, "/c");
	CHECK_EQ_INT(flags, WARD_PATH2_TRUNCATED);
	ward_path_notes_free(n);
}

UNIT_TEST(many_threads_in_flight)
{
	struct ward_path_notes *n = ward_path_notes_new();
	struct ward_str_ref p, p2;
	uint32_t flags;
	char path[32];
	int evicted = 0, found = 0;
	/* more threads inside a syscall at once than slots: the table says how
	 * many notes it had to drop, and keeps the rest */
	for (uint32_t tid = 1000; tid < 1200; tid++) {
		int len = snprintf(path, sizeof(path), "/t/%u", tid);
		evicted += ward_path_notes_put(n, tid, 87, 0, path, len, NULL, 0);
	}
	for (uint32_t tid = 1000; tid < 1200; tid++) {
		if (ward_path_notes_take(n, tid, 87, &p, &p2, &flags))
			continue;
		snprintf(path, sizeof(path), "/t/%u", tid);
		CHECK_EQ_STR(p.s, path);
		found++;
	}
	CHECK_EQ_INT(found + evicted, 200);
	CHECK(found > 0 && found <= 64);
	ward_path_notes_free(n);
}

UNIT_TEST(long_path_is_cut_and_flagged)
{
	struct ward_path_notes *n = ward_path_notes_new();
	static char big[PATH_MAX + 100];
	struct ward_str_ref p, p2;
	uint32_t flags;
	memset(big, 'a', sizeof(big));
	big[0] = '/';
	CHECK_EQ_INT(ward_path_notes_put(n, 1, 87, 0, big, sizeof(big), NULL, 0), 0);
	CHECK_EQ_INT(ward_path_notes_take(n, 1, 87, &p, &p2, &flags), 0);
	CHECK_EQ_INT(p.len, PATH_MAX - 1);
	CHECK_EQ_INT(strlen(p.s), PATH_MAX - 1);
	CHECK_EQ_INT(flags, WARD_PATH_TRUNCATED);
	ward_path_notes_free(n);
}

UNIT_MAIN()
