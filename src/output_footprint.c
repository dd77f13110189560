/*
 * Placeholder for the footprint record's JSON until the footprint helper's
 * full src/output_footprint.c replaces this file: only the members the
 * protobuf round trip needs to tell footprints apart.
 */
#include "output.h"

#include <string.h>

#include "lib/json.h"

void ward_json_footprint(struct ward_buf *b, const struct ward_footprint *fp)
{
	ward_buf_puts(b, "{\"kind\":\"footprint\",\"object\":");
	const char *k = ward_footprint_kind_name(fp->kind);
	ward_json_str(b, k, strlen(k));
	ward_buf_puts(b, ",\"hash_id\":\"");
	ward_buf_put_hex64(b, fp->hash_id);
	ward_buf_puts(b, "\",\"name\":");
	if (fp->name)
		ward_json_str(b, fp->name, strlen(fp->name));
	else
		ward_buf_puts(b, "null");
	ward_buf_puts(b, "}\n");
}
