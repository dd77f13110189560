/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SHA-256 (FIPS 180-4), streaming. Used to fingerprint executables off the
 * event path; written here so the sensor needs no crypto library.
 */
#ifndef WARD_LIB_SHA256_H
#define WARD_LIB_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define WARD_SHA256_LEN 32
#define WARD_SHA256_HEX_LEN 65 /* 64 lowercase hex digits and a NUL */

struct ward_sha256 {
	uint32_t h[8];
	uint64_t total;        /* bytes hashed so far */
	uint8_t block[64];
	size_t fill;           /* bytes waiting in block */
};

void ward_sha256_init(struct ward_sha256 *c);
void ward_sha256_update(struct ward_sha256 *c, const void *data, size_t n);
/* Writes the digest; c must be initialised again before reuse. */
void ward_sha256_final(struct ward_sha256 *c, uint8_t out[WARD_SHA256_LEN]);

/* One-shot digest of data[0..n). */
void ward_sha256(const void *data, size_t n, uint8_t out[WARD_SHA256_LEN]);
/* The digest as 64 lowercase hex digits and a NUL. */
void ward_sha256_hex(const uint8_t digest[WARD_SHA256_LEN], char out[WARD_SHA256_HEX_LEN]);

#endif /* WARD_LIB_SHA256_H */
