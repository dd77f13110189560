/* Paths of reported opens, remembered for the repeats a process's exit reports. */
#include "fold_origin.h"
#include "unit.h"

UNIT_TEST(a_put_path_comes_back_by_its_key_only)
{
	struct ward_fold_origin *o = ward_fold_origin_new(64, 4096);
	size_t len;
	uint32_t mode;
	ward_fold_origin_put(o, 100, 7, 3, 0, 0100644, "/etc/passwd", 11);
	const char *p = ward_fold_origin_get(o, 100, 7, 3, 0, &len, &mode);
	if (CHECK(p)) {
		CHECK_EQ_MEM(p, len, "/etc/passwd", 11);
		CHECK_EQ_INT(mode, 0100644);
	}
	CHECK(!ward_fold_origin_get(o, 101, 7, 3, 0, &len, &mode)); /* another process */
	CHECK(!ward_fold_origin_get(o, 100, 8, 3, 0, &len, &mode)); /* another inode */
	CHECK(!ward_fold_origin_get(o, 100, 7, 4, 0, &len, &mode)); /* another device */
	CHECK(!ward_fold_origin_get(o, 100, 7, 3, 2, &len, &mode)); /* other flags */
	ward_fold_origin_free(o);
}

/* The ring of path bytes goes round: a path written over is not returned
 * half-overwritten, it is not returned at all. */
UNIT_TEST(overwritten_paths_are_forgotten_not_garbled)
{
	struct ward_fold_origin *o = ward_fold_origin_new(1024, 4096);
	char path[100];
	size_t len;
	uint32_t mode;
	memset(path, 'a', sizeof(path));
	ward_fold_origin_put(o, 1, 1, 1, 0, 0, path, sizeof(path));
	CHECK(ward_fold_origin_get(o, 1, 1, 1, 0, &len, &mode));
	memset(path, 'b', sizeof(path));
	for (uint64_t i = 2; i < 41; i++) /* 40 x 101 bytes in all: just under the ring */
		ward_fold_origin_put(o, 1, i, 1, 0, 0, path, sizeof(path));
	const char *p = ward_fold_origin_get(o, 1, 1, 1, 0, &len, &mode);
	if (CHECK(p))
		CHECK_EQ_INT(p[0], 'a');
	ward_fold_origin_put(o, 1, 99, 1, 0, 0, path, sizeof(path)); /* over the first */
	CHECK(!ward_fold_origin_get(o, 1, 1, 1, 0, &len, &mode));
	p = ward_fold_origin_get(o, 1, 99, 1, 0, &len, &mode);
	if (CHECK(p))
		CHECK_EQ_INT(p[len - 1], 'b');
	ward_fold_origin_free(o);
}

UNIT_TEST(bad_sizes_are_refused)
{
	CHECK(!ward_fold_origin_new(0, 4096));
	CHECK(!ward_fold_origin_new(100, 4096)); /* not a power of two */
	CHECK(!ward_fold_origin_new(64, 100));
}

UNIT_MAIN()
