/*
 * Writing image store headers in tests (format: docs/abi/imgstore.md): little-endian
 * stores and the header CRC, shared by test_imgstore.c and test_imgstore_blk.c.
 */
#ifndef IMGSTORE_DISK_H
#define IMGSTORE_DISK_H
#include <crc32.h>
#include <imgstore.h>
#include <stddef.h>

static inline void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

static inline void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* Recompute the header CRC (after an edit). */
static inline void imgstore_seal(uint8_t *disk)
{
	size_t at = offsetof(struct imgstore_super_ser, hdr_crc32);
	put32(disk + at, 0);
	put32(disk + at, crc32(disk, IMGSTORE_HDR_BYTES));
}

/* The superblock of a store of n entries; the entries are the caller's. */
static inline void imgstore_put_super(uint8_t *disk, uint32_t n)
{
	memcpy(disk, IMGSTORE_MAGIC, IMGSTORE_MAGIC_LEN);
	put32(disk + 8, IMGSTORE_VERSION);
	put32(disk + 12, IMGSTORE_HDR_BYTES);
	put32(disk + 16, n);
}

/* Entry i: name, first sector, size; its CRC over the bytes at lba. */
static inline void imgstore_put_entry(uint8_t *disk, unsigned i, const char *name,
				      uint64_t lba, uint64_t size, uint32_t crc)
{
	uint8_t *e = disk + 64 + 64 * i;
	strncpy((char *)e, name, IMGSTORE_NAME_LEN);
	put64(e + 32, lba);
	put64(e + 40, size);
	put32(e + 48, crc);
}
#endif
