/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CRC32C (Castagnoli, polynomial 0x1EDC6F41, reflected), the checksum of the event log's block
 * headers and payloads. Chosen over CRC32 because x86-64 (SSE4.2) and arm64 compute it in one
 * instruction per 8 bytes; the table fallback gives the same values everywhere.
 */
#ifndef WARD_LIB_CRC32C_H
#define WARD_LIB_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/*
 * CRC32C of n bytes, continuing from crc (0 to start): ward_crc32c(ward_crc32c(0, a, na), b, nb)
 * equals the checksum of a followed by b. ward_crc32c(0, "123456789", 9) == 0xe3069283.
 */
uint32_t ward_crc32c(uint32_t crc, const void *p, size_t n);

#endif /* WARD_LIB_CRC32C_H */
