/* The cache of resolved directories: hits, expiry, and invalidation by any
 * change at or above a cached directory, under either spelling. */
#include <string.h>

#include "dir_cache.h"
#include "unit.h"

#define S 1000000000ULL

UNIT_TEST(hit_and_expiry)
{
	struct ward_dir_cache *c = ward_dir_cache_new();
	ward_dir_cache_put(c, "/a/link/b", "/real/b", 10 * S);
	CHECK_EQ_STR(ward_dir_cache_get(c, "/a/link/b", 10 * S + 5), "/real/b");
	CHECK(ward_dir_cache_get(c, "/a/link", 10 * S) == NULL);
	CHECK(ward_dir_cache_get(c, "/a/link/b", 12 * S) == NULL); /* after a second */
	ward_dir_cache_free(c);
}

UNIT_TEST(invalidated_by_changes_on_its_path)
{
	struct ward_dir_cache *c = ward_dir_cache_new();
	ward_dir_cache_put(c, "/a/link/b", "/real/b", S);
	ward_dir_cache_invalidate(c, "/a/link/b/file");   /* a file inside: stays */
	CHECK(ward_dir_cache_get(c, "/a/link/b", S) != NULL);
	ward_dir_cache_invalidate(c, "/a/lin");           /* not a component prefix */
	CHECK(ward_dir_cache_get(c, "/a/link/b", S) != NULL);
	ward_dir_cache_invalidate(c, "/a/link");          /* the symlink swapped */
	CHECK(ward_dir_cache_get(c, "/a/link/b", S) == NULL);

	ward_dir_cache_put(c, "/a/link/b", "/real/b", S);
	ward_dir_cache_invalidate(c, "/real");            /* the target renamed */
	CHECK(ward_dir_cache_get(c, "/a/link/b", S) == NULL);

	ward_dir_cache_put(c, "/x/y", "/x/y", S);
	ward_dir_cache_invalidate(c, "/");
	CHECK(ward_dir_cache_get(c, "/x/y", S) == NULL);
	ward_dir_cache_free(c);
}
UNIT_MAIN()
