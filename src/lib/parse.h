/* Strict number parsing for the command line: the whole string must be a
 * number, no sign, no overflow. */
#ifndef WARD_PARSE_H
#define WARD_PARSE_H

#include <stdint.h>

/* 0 or -EINVAL / -ERANGE */
int ward_parse_u64(const char *s, uint64_t *out);
/* A byte count with an optional K, M or G suffix (powers of 1024). */
int ward_parse_size(const char *s, uint64_t *out);

#endif
