/*
 * The footprint database: schema, version check and the statements the
 * writer and the reader share. One table, `footprints`, keyed by
 * (kind, hash_id); PRAGMA user_version holds the schema version.
 */
#ifndef WARD_STORE_FOOTPRINTS_DB_H
#define WARD_STORE_FOOTPRINTS_DB_H

#include <stdbool.h>

#include <sqlite3.h>

#define WARD_FP_SCHEMA_VERSION 1

/*
 * Opens path. The writer (readonly false) creates the file and the schema if
 * needed and sets WAL mode and synchronous=NORMAL; the reader opens an
 * existing database read-only. Returns 0, -ENOENT (no such database, reader),
 * -EPROTONOSUPPORT (schema newer than this ward; *version says which),
 * -EBADMSG (not a footprint database), -EIO (anything else SQLite refused).
 * version may be NULL.
 */
int ward_footprints_db_open(const char *path, bool readonly, sqlite3 **out, int *version);

#endif /* WARD_STORE_FOOTPRINTS_DB_H */
