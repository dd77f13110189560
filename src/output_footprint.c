/*
 * Footprints as JSON Lines ("kind":"footprint", docs/footprints.md) and as
 * table lines. Field names are a contract: add, never rename. No printf.
 */
#include "output.h"

#include <string.h>

#include "lib/json.h"
#include "output_keys.h"
#include "lib/timefmt.h"
#include "ward/abi.h"
#include "ward/xdr_types.h"
#include "xdr_names.h"

static bool seen(const struct ward_footprint *fp, unsigned int access_type)
{
	int bit = ward_access_bit(access_type);
	uint64_t word = bit < 64 ? fp->access_mask : fp->access_mask_hi;
	return bit >= 0 && bit < 128 && (word >> (bit & 63)) & 1;
}

static void put_accesses(struct ward_buf *b, const struct ward_footprint *fp)
{
	unsigned int a;
	bool first = true;

	ward_json_key(b, "accesses");
	ward_buf_putc(b, '[');
	for (unsigned int i = 0; (a = ward_access_type_at(i)); i++) {
		if (!seen(fp, a))
			continue;
		if (!first)
			ward_buf_putc(b, ',');
		const char *name = ward_access_type_name(a);
		ward_json_str(b, name, strlen(name));
		first = false;
	}
	ward_buf_put(b, "],", 2);
}

static void put_file(struct ward_buf *b, const struct ward_footprint *fp)
{
	static const char *const keys[] = { "size", "btime", "mtime", "mode",
					    "uid", "gid", "owner", "group" };
	if (!fp->has_stat) {
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			key_null(b, keys[i]);
		return;
	}
	key_u64(b, "size", fp->size);
	if (fp->btime_ns)
		key_time(b, "btime", fp->btime_ns);
	else
		key_null(b, "btime");
	key_time(b, "mtime", fp->mtime_ns);
	key_u64(b, "mode", fp->mode);
	key_u64(b, "uid", fp->uid);
	key_u64(b, "gid", fp->gid);
	key_cstr(b, "owner", fp->owner);
	key_cstr(b, "group", fp->group);
}

static void put_executable(struct ward_buf *b, const struct ward_footprint *fp)
{
	key_cstr(b, "sha256", fp->sha256);
	key_cstr(b, "sha256_skipped", fp->sha256 ? NULL : fp->sha256_skipped);
	if (fp->has_stat) {
		key_u64(b, "size", fp->size);
		key_time(b, "mtime", fp->mtime_ns);
	} else {
		key_null(b, "size");
		key_null(b, "mtime");
	}
}

void ward_json_footprint(struct ward_buf *b, const struct ward_footprint *fp)
{
	ward_buf_puts(b, "{\"kind\":\"footprint\",");
	key_cstr(b, "object", ward_footprint_kind_name(fp->kind));
	ward_json_key(b, "hash_id");
	ward_buf_putc(b, '"');
	ward_buf_put_hex64(b, fp->hash_id);
	ward_buf_put(b, "\",", 2);
	key_cstr(b, "name", fp->name);
	key_time(b, "first_seen", fp->first_seen_ns);
	key_time(b, "last_seen", fp->last_seen_ns);
	key_u64(b, "count", fp->count);
	put_accesses(b, fp);
	switch (fp->kind) {
	case WARD_FP_FILE:
		put_file(b, fp);
		break;
	case WARD_FP_EXECUTABLE:
		put_executable(b, fp);
		break;
	case WARD_FP_PROCESS:
		key_u64(b, "pid", fp->pid);
		key_u64(b, "ppid", fp->ppid);
		key_u64(b, "uid", fp->proc_uid);
		key_cstr(b, "cmdline", fp->cmdline);
		if (fp->start_time_ns)
			key_time(b, "start_time", fp->start_time_ns);
		else
			key_null(b, "start_time");
		break;
	case WARD_FP_CONNECTION:
		key_cstr(b, "protocol", fp->protocol == XDR_CONNECTION_TCP ? "TCP"
					: fp->protocol == XDR_CONNECTION_UDP ? "UDP" : NULL);
		key_cstr(b, "remote_ip", fp->remote_ip);
		key_u64(b, "remote_port", fp->remote_port);
		key_bool(b, "outbound", fp->outbound);
		key_bool(b, "inbound", fp->inbound);
		break;
	default:
		break;
	}
	/* replace the trailing comma */
	if (b->len && b->data[b->len - 1] == ',')
		b->data[b->len - 1] = '}';
	else
		ward_buf_putc(b, '}');
	ward_buf_putc(b, '\n');
}

/* Control bytes in names would let a file name forge table lines. */
static void put_safe(struct ward_buf *b, const char *s)
{
	for (; s && *s; s++)
		ward_buf_putc(b, (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

static void col(struct ward_buf *b, size_t start, size_t width)
{
	size_t have = b->len - start;
	while (have++ < width)
		ward_buf_putc(b, ' ');
	ward_buf_putc(b, ' ');
}

/* "2026-11-23T12:00:00Z": seconds are enough for people */
static void put_time_s(struct ward_buf *b, uint64_t unix_ns)
{
	char t[WARD_TIME_LEN];
	ward_time_rfc3339(unix_ns, t);
	ward_buf_put(b, t, 19);
	ward_buf_putc(b, 'Z');
}

void ward_table_footprint_header(struct ward_buf *b)
{
	ward_buf_puts(b, "OBJECT     COUNT     FIRST_SEEN           LAST_SEEN            NAME\n");
}

void ward_table_footprint(struct ward_buf *b, const struct ward_footprint *fp)
{
	size_t start = b->len;

	ward_buf_puts(b, ward_footprint_kind_name(fp->kind));
	col(b, start, 10);
	start = b->len;
	ward_buf_put_u64(b, fp->count);
	col(b, start, 9);
	put_time_s(b, fp->first_seen_ns);
	ward_buf_putc(b, ' ');
	put_time_s(b, fp->last_seen_ns);
	ward_buf_putc(b, ' ');
	put_safe(b, fp->name);
	if (fp->kind == WARD_FP_EXECUTABLE) {
		ward_buf_puts(b, "  sha256:");
		if (fp->sha256) {
			ward_buf_put(b, fp->sha256, strnlen(fp->sha256, 16));
		} else {
			ward_buf_putc(b, '-');
			if (fp->sha256_skipped) {
				ward_buf_puts(b, " (");
				put_safe(b, fp->sha256_skipped);
				ward_buf_putc(b, ')');
			}
		}
	} else if (fp->kind == WARD_FP_FILE && fp->has_stat) {
		ward_buf_puts(b, "  size:");
		ward_buf_put_u64(b, fp->size);
	} else if (fp->kind == WARD_FP_PROCESS) {
		ward_buf_puts(b, "  pid:");
		ward_buf_put_u64(b, fp->pid);
	} else if (fp->kind == WARD_FP_CONNECTION) {
		ward_buf_puts(b, fp->outbound && fp->inbound ? "  in+out"
				 : fp->inbound               ? "  in"
							     : "  out");
	}
	ward_buf_putc(b, '\n');
}
