/* The footprint database: schema and version; see footprints_db.h. */
#include "store/footprints_db.h"

#include <errno.h>
#include <stddef.h>
#include <sys/stat.h>

/*
 * Times are Unix nanoseconds; hash_id and access_mask are the uint64 bit
 * patterns stored as SQLite's signed 64-bit integers. Attribute columns are
 * NULL where they do not apply to the kind (docs/footprints.md).
 */
static const char schema_sql[] =
	"CREATE TABLE footprints ("
	" kind INTEGER NOT NULL,"
	" hash_id INTEGER NOT NULL,"
	" name TEXT NOT NULL,"
	" first_seen INTEGER NOT NULL,"
	" last_seen INTEGER NOT NULL,"
	" count INTEGER NOT NULL,"
	" access_mask INTEGER NOT NULL DEFAULT 0,"
	" access_mask_hi INTEGER NOT NULL DEFAULT 0,"
	" size INTEGER, btime INTEGER, mtime INTEGER, mode INTEGER,"
	" uid INTEGER, gid INTEGER, owner_name TEXT, group_name TEXT,"
	" sha256 TEXT, sha256_skipped TEXT,"
	" pid INTEGER, ppid INTEGER, proc_uid INTEGER, cmdline TEXT, start_time INTEGER,"
	" protocol INTEGER, remote_ip TEXT, remote_port INTEGER, outbound INTEGER, inbound INTEGER,"
	" PRIMARY KEY (kind, hash_id));"
	"CREATE INDEX footprints_kind_name ON footprints (kind, name);"
	"CREATE INDEX footprints_last_seen ON footprints (last_seen);";

static int user_version(sqlite3 *db, int *out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);

	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Whether the database holds any table at all (a foreign database if so). */
static int has_tables(sqlite3 *db, int *out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL);

	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int(st, 0) > 0;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

static int rc_to_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return -EBADMSG;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	case SQLITE_PERM:
	case SQLITE_AUTH:
	case SQLITE_READONLY:
		return -EACCES;
	case SQLITE_NOMEM:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

/* Creates the schema in an empty database, or checks the version of an
 * existing one. Under BEGIN IMMEDIATE so two writers starting at once do
 * not both create it. */
static int prepare_schema(sqlite3 *db, int *version)
{
	int rc, v = 0, tables = 0, ret = 0;

	rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return rc_to_errno(rc);
	rc = user_version(db, &v);
	if (rc == SQLITE_OK && v == 0)
		rc = has_tables(db, &tables);
	if (rc != SQLITE_OK) {
		ret = rc_to_errno(rc);
		goto rollback;
	}
	*version = v;
	if (v > WARD_FP_SCHEMA_VERSION) {
		ret = -EPROTONOSUPPORT;
		goto rollback;
	}
	if (v == 0 && tables) {
		ret = -EBADMSG;
		goto rollback;
	}
	if (v == 0) {
		rc = sqlite3_exec(db, schema_sql, NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db, "PRAGMA user_version = 1", NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			ret = rc_to_errno(rc);
			goto rollback;
		}
		*version = WARD_FP_SCHEMA_VERSION;
	}
	rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : rc_to_errno(rc);

rollback:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return ret;
}

_Static_assert(WARD_FP_SCHEMA_VERSION == 1, "the schema text sets user_version = 1");

int ward_footprints_db_open(const char *path, bool readonly, sqlite3 **out, int *version)
{
	sqlite3 *db = NULL;
	struct stat st;
	int rc, ret, v = 0;

	*out = NULL;
	if (readonly && stat(path, &st))
		return -errno;
	/* SQLite opens its files with O_CLOEXEC. NOMUTEX: each connection is
	 * used by one thread at a time (the store serialises its flushes). */
	rc = sqlite3_open_v2(path, &db,
			     (readonly ? SQLITE_OPEN_READONLY
				       : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
				     SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		/* the file exists (the reader checked): CANTOPEN is then no access */
		ret = readonly && (rc & 0xff) == SQLITE_CANTOPEN ? -EACCES : rc_to_errno(rc);
		goto err_close;
	}
	/* the daemon's flush holds the write lock briefly; wait for it */
	sqlite3_busy_timeout(db, 5000);
	if (readonly) {
		rc = user_version(db, &v);
		if (rc != SQLITE_OK) {
			ret = rc_to_errno(rc);
			goto err_close;
		}
		if (version)
			*version = v;
		if (v > WARD_FP_SCHEMA_VERSION) {
			ret = -EPROTONOSUPPORT;
			goto err_close;
		}
		if (v == 0) {
			ret = -EBADMSG;
			goto err_close;
		}
		*out = db;
		return 0;
	}
	/* a newer ward's database is refused before anything in it changes */
	rc = user_version(db, &v);
	if (rc != SQLITE_OK) {
		ret = rc_to_errno(rc);
		goto err_close;
	}
	if (version)
		*version = v;
	if (v > WARD_FP_SCHEMA_VERSION) {
		ret = -EPROTONOSUPPORT;
		goto err_close;
	}
	/* WAL: readers (ward footprints) never block the writer nor it them;
	 * synchronous=NORMAL: in WAL mode a crash loses at most the last
	 * transactions, never consistency, and commits need no fsync. */
	rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		ret = rc_to_errno(rc);
		goto err_close;
	}
	ret = prepare_schema(db, &v);
	if (version)
		*version = v;
	if (ret)
		goto err_close;
	*out = db;
	return 0;

err_close:
	sqlite3_close(db);
	return ret;
}
