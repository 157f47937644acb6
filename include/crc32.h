/*
 * CRC-32/ISO-HDLC, the CRC of zlib, gzip, PNG and Ethernet: reflected polynomial
 * 0xEDB88320, initial value and final xor 0xFFFFFFFF; crc32("123456789") is
 * 0xCBF43926. Table-driven, eight bytes per step (slicing-by-8); the tables are
 * built on first use (8 KiB, not thread-safe the first time: Baton runs one CPU).
 * Pure C; builds for the kernel and the host.
 */
#ifndef CRC32_H
#define CRC32_H
#include <stddef.h>
#include <stdint.h>

/* Continue a CRC: crc32_update(0, a) then crc32_update(that, b) == crc32 of a||b.
 * Start with 0. */
uint32_t crc32_update(uint32_t crc, const void *buf, size_t len);

static inline uint32_t crc32(const void *buf, size_t len)
{
	return crc32_update(0, buf, len);
}
#endif
