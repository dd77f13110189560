/* The (process, file) -> path table behind FILE_CLOSE paths. */
#include <stdio.h>
#include <string.h>

#include "file_table.h"
#include "unit.h"

UNIT_TEST(put_get_drop)
{
	struct ward_file_table *t = ward_file_table_new(8);
	size_t len = 0;
	CHECK_EQ_INT(ward_file_table_put(t, 10, 0xabc, "/a", 2), 0);
	CHECK_EQ_INT(ward_file_table_put(t, 11, 0xabc, "/b", 2), 0); /* other process */
	CHECK_EQ_STR(ward_file_table_get(t, 10, 0xabc, &len), "/a");
	CHECK_EQ_STR(ward_file_table_get(t, 11, 0xabc, &len), "/b");
	CHECK_EQ_INT(ward_file_table_put(t, 10, 0xabc, "/c", 2), 0); /* replace */
	CHECK_EQ_STR(ward_file_table_get(t, 10, 0xabc, &len), "/c");
	CHECK_EQ_INT(ward_file_table_size(t), 2);
	ward_file_table_drop(t, 10, 0xabc);
	CHECK(ward_file_table_get(t, 10, 0xabc, &len) == NULL);
	CHECK_EQ_STR(ward_file_table_get(t, 11, 0xabc, &len), "/b");
	ward_file_table_free(t);
}

UNIT_TEST(bounded_evicts_oldest)
{
	struct ward_file_table *t = ward_file_table_new(100);
	char p[32];
	size_t len;
	for (int i = 0; i < 1000; i++) {
		snprintf(p, sizeof(p), "/f%d", i);
		ward_file_table_put(t, 1, 0x1000 + i, p, strlen(p));
	}
	CHECK_EQ_INT(ward_file_table_size(t), 100);
	CHECK_EQ_INT(ward_file_table_evicted(t), 900);
	CHECK(ward_file_table_get(t, 1, 0x1000, &len) == NULL);
	CHECK_EQ_STR(ward_file_table_get(t, 1, 0x1000 + 999, &len), "/f999");
	CHECK_EQ_STR(ward_file_table_get(t, 1, 0x1000 + 900, &len), "/f900");
	/* every survivor is still findable after the shifts */
	int missing = 0;
	for (int i = 900; i < 1000; i++)
		if (!ward_file_table_get(t, 1, 0x1000 + i, &len))
			missing++;
	CHECK_EQ_INT(missing, 0);
	ward_file_table_free(t);
}

UNIT_MAIN()
