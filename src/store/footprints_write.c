/* Writing pending footprints to SQLite; see footprints_write.h. */
#include "store/footprints_write.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "footprint.h"
#include "store/footprints_db.h"

#define EXE_CACHE_ENTRIES 4096
#define NAME_CACHE 64                     /* uids and gids remembered, each */
#define NAME_TTL_NS (60ULL * 1000000000)  /* so a renamed user shows within a minute */
#define NAME_MAX_LEN 256
#define PW_BUF 16384                      /* getpwuid_r scratch; a larger entry is "unknown" */

struct name_entry {
	uint32_t id;
	bool used, found;
	uint64_t at_ns;
	char name[NAME_MAX_LEN];
};

struct name_cache {
	struct name_entry e[NAME_CACHE];
	unsigned int next;                /* round-robin victim */
};

struct ward_fp_writer {
	sqlite3 *db;
	sqlite3_stmt *upsert;
	struct ward_exe_hash *hash;       /* NULL when executables are not hashed */
	struct name_cache users, groups;
	char *pw_buf;
};

/* The parameters of the statement, in this order. */
enum {
	P_KIND = 1, P_HASH_ID, P_NAME, P_FIRST, P_LAST, P_COUNT, P_MASK, P_MASK_HI,
	P_SIZE, P_BTIME, P_MTIME, P_MODE, P_UID, P_GID, P_OWNER, P_GROUP, P_SHA256, P_SHA_SKIP,
	P_PID, P_PPID, P_PROC_UID, P_CMDLINE, P_START,
	P_PROTOCOL, P_REMOTE_IP, P_REMOTE_PORT, P_OUTBOUND, P_INBOUND,
};

/*
 * count adds up, first/last seen widen, access bits and directions
 * accumulate. The stat and hash columns are replaced when this flush could
 * stat the object (excluded.mtime not NULL), so a deleted file keeps its last
 * known attributes. Process attributes are the latest (exec changes them).
 */
static const char upsert_sql[] =
	"INSERT INTO footprints (kind, hash_id, name, first_seen, last_seen, count,"
	" access_mask, access_mask_hi, size, btime, mtime, mode, uid, gid, owner_name,"
	" group_name, sha256, sha256_skipped, pid, ppid, proc_uid, cmdline, start_time,"
	" protocol, remote_ip, remote_port, outbound, inbound)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
	" ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28)"
	" ON CONFLICT (kind, hash_id) DO UPDATE SET"
	" name = excluded.name,"
	" first_seen = min(first_seen, excluded.first_seen),"
	" last_seen = max(last_seen, excluded.last_seen),"
	" count = count + excluded.count,"
	" access_mask = access_mask | excluded.access_mask,"
	" access_mask_hi = access_mask_hi | excluded.access_mask_hi,"
	" size = iif(excluded.mtime IS NULL, size, excluded.size),"
	" btime = iif(excluded.mtime IS NULL, btime, excluded.btime),"
	" mtime = iif(excluded.mtime IS NULL, mtime, excluded.mtime),"
	" mode = iif(excluded.mtime IS NULL, mode, excluded.mode),"
	" uid = iif(excluded.mtime IS NULL, uid, excluded.uid),"
	" gid = iif(excluded.mtime IS NULL, gid, excluded.gid),"
	" owner_name = iif(excluded.mtime IS NULL, owner_name, excluded.owner_name),"
	" group_name = iif(excluded.mtime IS NULL, group_name, excluded.group_name),"
	" sha256 = iif(excluded.mtime IS NULL, sha256, excluded.sha256),"
	" sha256_skipped = iif(excluded.mtime IS NULL, sha256_skipped, excluded.sha256_skipped),"
	" pid = excluded.pid, ppid = excluded.ppid, proc_uid = excluded.proc_uid,"
	" cmdline = coalesce(excluded.cmdline, cmdline), start_time = excluded.start_time,"
	" outbound = max(outbound, excluded.outbound),"
	" inbound = max(inbound, excluded.inbound)";

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The user or group name of id, NULL if there is none; cached. */
static const char *id_name(struct ward_fp_writer *w, bool group, uint32_t id)
{
	struct name_cache *c = group ? &w->groups : &w->users;
	uint64_t now = mono_ns();
	struct name_entry *e;
	const char *found = NULL;

	for (int i = 0; i < NAME_CACHE; i++) {
		e = &c->e[i];
		if (e->used && e->id == id && now - e->at_ns < NAME_TTL_NS)
			return e->found ? e->name : NULL;
	}
	if (group) {
		struct group gr, *res = NULL;
		if (!getgrgid_r(id, &gr, w->pw_buf, PW_BUF, &res) && res)
			found = gr.gr_name;
	} else {
		struct passwd pw, *res = NULL;
		if (!getpwuid_r(id, &pw, w->pw_buf, PW_BUF, &res) && res)
			found = pw.pw_name;
	}
	e = &c->e[c->next];
	c->next = (c->next + 1) % NAME_CACHE;
	*e = (struct name_entry){ .id = id, .used = true, .at_ns = now };
	if (found && strlen(found) < NAME_MAX_LEN) {
		strcpy(e->name, found);
		e->found = true;
		return e->name;
	}
	return NULL;
}

struct ward_fp_writer *ward_fp_writer_new(const char *db_path, bool hash_executables,
					  uint64_t hash_max_size)
{
	struct ward_fp_writer *w = calloc(1, sizeof(*w));
	int ret;

	if (!w)
		return NULL;
	w->pw_buf = malloc(PW_BUF);
	if (!w->pw_buf) {
		ret = -ENOMEM;
		goto err_free;
	}
	if (hash_executables) {
		w->hash = ward_exe_hash_new(EXE_CACHE_ENTRIES, hash_max_size);
		if (!w->hash) {
			ret = -errno;
			goto err_free;
		}
	}
	ret = ward_footprints_db_open(db_path, false, &w->db, NULL);
	if (ret)
		goto err_free;
	if (sqlite3_prepare_v3(w->db, upsert_sql, -1, SQLITE_PREPARE_PERSISTENT, &w->upsert,
			       NULL) != SQLITE_OK) {
		ret = -EIO;
		goto err_free;
	}
	return w;

err_free:
	ward_fp_writer_free(w);
	errno = -ret;
	return NULL;
}

void ward_fp_writer_free(struct ward_fp_writer *w)
{
	if (!w)
		return;
	sqlite3_finalize(w->upsert);
	sqlite3_close(w->db);
	ward_exe_hash_free(w->hash);
	free(w->pw_buf);
	free(w);
}

static inline uint64_t ts_ns(struct statx_timestamp t)
{
	return t.tv_sec < 0 ? 0 : (uint64_t)t.tv_sec * 1000000000ULL + t.tv_nsec;
}

/* Binds a uint64 as its two's-complement bit pattern (SQLite has no unsigned). */
static inline void bind_u64(sqlite3_stmt *st, int i, uint64_t v)
{
	sqlite3_bind_int64(st, i, (sqlite3_int64)v);
}

static void bind_str(sqlite3_stmt *st, int i, const char *s, size_t len)
{
	if (s)
		sqlite3_bind_text(st, i, s, (int)len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* Files and executables: the attributes, from a stat made now. */
static void bind_stat(struct ward_fp_writer *w, const struct ward_fp_entry *e, const char *path,
		      char hex[WARD_SHA256_HEX_LEN])
{
	sqlite3_stmt *st = w->upsert;
	struct statx sx;

	/* NOFOLLOW: the path names the object the event touched (an unlinked
	 * or renamed symlink is that link, not its target) */
	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT,
		  STATX_BASIC_STATS | STATX_BTIME, &sx))
		return; /* gone or unreadable: the row keeps what it had */
	bind_u64(st, P_SIZE, sx.stx_size);
	if (sx.stx_mask & STATX_BTIME)
		bind_u64(st, P_BTIME, ts_ns(sx.stx_btime));
	bind_u64(st, P_MTIME, ts_ns(sx.stx_mtime));
	sqlite3_bind_int64(st, P_MODE, sx.stx_mode);
	sqlite3_bind_int64(st, P_UID, sx.stx_uid);
	sqlite3_bind_int64(st, P_GID, sx.stx_gid);
	const char *owner = id_name(w, false, sx.stx_uid);
	bind_str(st, P_OWNER, owner, owner ? strlen(owner) : 0);
	/* owner points into the user cache, which a group lookup leaves alone */
	const char *group = id_name(w, true, sx.stx_gid);
	bind_str(st, P_GROUP, group, group ? strlen(group) : 0);
	if (e->kind != WARD_FP_EXECUTABLE)
		return;
	const char *skipped = NULL;
	if (!w->hash) {
		skipped = "disabled";
	} else {
		int ret = ward_exe_hash_file(w->hash, path, hex, NULL);
		if (ret == -EFBIG)
			skipped = "too_large";
		else if (ret == -EINVAL)
			skipped = "not_regular";
		else if (ret)
			skipped = "unreadable";
	}
	if (skipped)
		bind_str(st, P_SHA_SKIP, skipped, strlen(skipped));
	else
		bind_str(st, P_SHA256, hex, 64);
}

static int write_entry(struct ward_fp_writer *w, const struct ward_fp_pending *p,
		       const struct ward_fp_entry *e)
{
	sqlite3_stmt *st = w->upsert;
	const char *name = ward_fp_pending_cstr(p, &e->name);
	char hex[WARD_SHA256_HEX_LEN];
	int rc;

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	sqlite3_bind_int(st, P_KIND, e->kind);
	bind_u64(st, P_HASH_ID, e->hash_id);
	bind_str(st, P_NAME, name, e->name.len);
	bind_u64(st, P_FIRST, e->first_ns);
	bind_u64(st, P_LAST, e->last_ns);
	bind_u64(st, P_COUNT, e->count);
	bind_u64(st, P_MASK, e->access_mask[0]);
	bind_u64(st, P_MASK_HI, e->access_mask[1]);
	switch (e->kind) {
	case WARD_FP_FILE:
	case WARD_FP_EXECUTABLE:
		bind_stat(w, e, name, hex);
		break;
	case WARD_FP_PROCESS:
		sqlite3_bind_int64(st, P_PID, e->pid);
		sqlite3_bind_int64(st, P_PPID, e->ppid);
		sqlite3_bind_int64(st, P_PROC_UID, e->uid);
		bind_str(st, P_CMDLINE, ward_fp_pending_cstr(p, &e->cmdline), e->cmdline.len);
		bind_u64(st, P_START, e->start_time_ns);
		break;
	case WARD_FP_CONNECTION:
		sqlite3_bind_int(st, P_PROTOCOL, e->protocol);
		bind_str(st, P_REMOTE_IP, e->remote_ip, strlen(e->remote_ip));
		sqlite3_bind_int(st, P_REMOTE_PORT, e->remote_port);
		sqlite3_bind_int(st, P_OUTBOUND, e->outbound);
		sqlite3_bind_int(st, P_INBOUND, e->inbound);
		break;
	default:
		break;
	}
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	/* the statement binds strings SQLITE_STATIC from the arena and hex:
	 * drop them before either changes */
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

int ward_fp_writer_write(struct ward_fp_writer *w, const struct ward_fp_pending *p,
			 uint64_t *written, uint64_t *lost)
{
	uint64_t ok = 0, refused = 0, all = 0;
	int rc;

	*written = 0;
	*lost = 0;
	if (!p->n)
		return 0;
	for (uint32_t i = 0; i < p->n; i++)
		all += p->entries[i].count;
	rc = sqlite3_exec(w->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		goto failed;
	for (uint32_t i = 0; i < p->n; i++) {
		if (write_entry(w, p, &p->entries[i]))
			refused += p->entries[i].count;
		else
			ok++;
	}
	rc = sqlite3_exec(w->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
		goto failed;
	}
	*written = ok;
	*lost = refused;
	return 0;

failed:
	*lost = all;
	return (rc & 0xff) == SQLITE_BUSY ? -EBUSY : -EIO;
}

void ward_fp_writer_hash_stats(const struct ward_fp_writer *w, struct ward_exe_hash_stats *s)
{
	if (w->hash)
		ward_exe_hash_get_stats(w->hash, s);
	else
		memset(s, 0, sizeof(*s));
}
