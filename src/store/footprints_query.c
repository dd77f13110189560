/* Reading footprints back; see footprints_query.h. */
#include "store/footprints_query.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "store/footprints_db.h"

enum {
	C_KIND, C_HASH_ID, C_NAME, C_FIRST, C_LAST, C_COUNT, C_MASK, C_MASK_HI,
	C_SIZE, C_BTIME, C_MTIME, C_MODE, C_UID, C_GID, C_OWNER, C_GROUP, C_SHA256, C_SHA_SKIP,
	C_PID, C_PPID, C_PROC_UID, C_CMDLINE, C_START,
	C_PROTOCOL, C_REMOTE_IP, C_REMOTE_PORT, C_OUTBOUND, C_INBOUND,
};

static const char select_sql[] =
	"SELECT kind, hash_id, name, first_seen, last_seen, count, access_mask, access_mask_hi,"
	" size, btime, mtime, mode, uid, gid, owner_name, group_name, sha256, sha256_skipped,"
	" pid, ppid, proc_uid, cmdline, start_time, protocol, remote_ip, remote_port, outbound,"
	" inbound FROM footprints WHERE 1";

static uint64_t col_u64(sqlite3_stmt *st, int c)
{
	return (uint64_t)sqlite3_column_int64(st, c);
}

static const char *col_str(sqlite3_stmt *st, int c)
{
	return (const char *)sqlite3_column_text(st, c); /* NULL for NULL */
}

static void row_to_footprint(sqlite3_stmt *st, struct ward_footprint *fp)
{
	memset(fp, 0, sizeof(*fp));
	fp->kind = (enum ward_footprint_kind)sqlite3_column_int(st, C_KIND);
	fp->hash_id = col_u64(st, C_HASH_ID);
	fp->name = col_str(st, C_NAME);
	fp->first_seen_ns = col_u64(st, C_FIRST);
	fp->last_seen_ns = col_u64(st, C_LAST);
	fp->count = col_u64(st, C_COUNT);
	fp->access_mask = col_u64(st, C_MASK);
	fp->access_mask_hi = col_u64(st, C_MASK_HI);
	fp->has_stat = sqlite3_column_type(st, C_MTIME) != SQLITE_NULL;
	fp->size = col_u64(st, C_SIZE);
	fp->btime_ns = col_u64(st, C_BTIME);
	fp->mtime_ns = col_u64(st, C_MTIME);
	fp->mode = (uint32_t)col_u64(st, C_MODE);
	fp->uid = (uint32_t)col_u64(st, C_UID);
	fp->gid = (uint32_t)col_u64(st, C_GID);
	fp->owner = col_str(st, C_OWNER);
	fp->group = col_str(st, C_GROUP);
	fp->sha256 = col_str(st, C_SHA256);
	fp->sha256_skipped = col_str(st, C_SHA_SKIP);
	fp->pid = (uint32_t)col_u64(st, C_PID);
	fp->ppid = (uint32_t)col_u64(st, C_PPID);
	fp->proc_uid = (uint32_t)col_u64(st, C_PROC_UID);
	fp->cmdline = col_str(st, C_CMDLINE);
	fp->start_time_ns = col_u64(st, C_START);
	fp->protocol = (uint8_t)col_u64(st, C_PROTOCOL);
	fp->remote_ip = col_str(st, C_REMOTE_IP);
	fp->remote_port = (uint16_t)col_u64(st, C_REMOTE_PORT);
	fp->outbound = col_u64(st, C_OUTBOUND) != 0;
	fp->inbound = col_u64(st, C_INBOUND) != 0;
}

int ward_footprints_query(const char *db_path, const struct ward_footprints_query *q,
			  ward_footprint_fn fn, void *arg, int *version)
{
	char sql[sizeof(select_sql) + 256];
	size_t len;
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	struct ward_footprint fp;
	int ret, rc;

	ret = ward_footprints_db_open(db_path, true, &db, version);
	if (ret)
		return ret;
	/* only numbers of ward's own kinds and fixed text go into the SQL; the
	 * user's glob and time are bound */
	len = (size_t)snprintf(sql, sizeof(sql), "%s", select_sql);
	if (q->kinds) {
		const char *sep = " AND kind IN (";
		for (int k = 1; k < 32; k++) {
			if (!(q->kinds & WARD_FP_KIND_BIT(k)))
				continue;
			len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s%d", sep, k);
			sep = ",";
		}
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, ")");
	}
	if (q->name_glob)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, " AND name GLOB ?1");
	if (q->since_ns)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, " AND last_seen >= ?2");
	len += (size_t)snprintf(sql + len, sizeof(sql) - len,
				" ORDER BY last_seen DESC, kind, name");
	if (q->limit)
		snprintf(sql + len, sizeof(sql) - len, " LIMIT ?3");

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		ret = -EIO;
		goto out;
	}
	if (q->name_glob)
		sqlite3_bind_text(st, 1, q->name_glob, -1, SQLITE_STATIC);
	if (q->since_ns)
		sqlite3_bind_int64(st, 2, (sqlite3_int64)q->since_ns);
	if (q->limit)
		sqlite3_bind_int64(st, 3, q->limit > INT64_MAX ? INT64_MAX : (sqlite3_int64)q->limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_to_footprint(st, &fp);
		if (!fp.name)
			continue; /* NOT NULL in the schema; a foreign row is skipped */
		ret = fn(&fp, arg);
		if (ret)
			goto out;
	}
	if (rc != SQLITE_DONE)
		ret = (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB ? -EBADMSG : -EIO;
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ret;
}
