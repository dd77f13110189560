/* SPDX-License-Identifier: GPL-2.0 */
/*
 * JSON string writing. Strings from the kernel are arbitrary bytes (file names, argv), so the
 * encoding must never change them silently:
 *  - '"' and '\\' are escaped; control bytes (< 0x20 and 0x7f) become \n, \t, \r, \b, \f or
 *    \u00xx (lowercase hex);
 *  - well-formed UTF-8 (RFC 3629: no overlongs, no encoded surrogates, nothing above U+10FFFF)
 *    is copied unchanged;
 *  - every other byte XX becomes the lone surrogate \udcXX, Python's "surrogateescape"
 *    convention, so the original bytes come back with
 *    json.loads(s).encode("utf-8", "surrogateescape").
 * Consumers that reject lone surrogates (strict UTF-16 validation) will refuse such strings,
 * which is the point: a name that is not text must not look like text.
 */
#ifndef WARD_LIB_JSON_H
#define WARD_LIB_JSON_H

#include <stddef.h>

#include "lib/buf.h"

/* Writes s[0..n) as a quoted JSON string; NUL bytes inside are data (written as \u0000). */
void ward_json_str(struct ward_buf *b, const char *s, size_t n);

/* Writes "key": with no escaping: keys are trusted ASCII literals from ward's own code. */
void ward_json_key(struct ward_buf *b, const char *key);

#endif /* WARD_LIB_JSON_H */
