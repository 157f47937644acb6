/*
 * The image store: kernel images on a block device, for `kexec load disk:N`
 * (docs/abi/imgstore.md). Sector 0 starts a 4096-byte header (8 sectors): a 64-byte
 * superblock then IMGSTORE_MAX_ENTRIES 64-byte entries; each used entry names an
 * image lying in whole sectors after the header. Every integer is little-endian.
 * Readers trust nothing: the header carries a CRC32 of itself, each entry a CRC32
 * of its image's bytes (CRC-32/ISO-HDLC, the zlib/gzip one: include/crc32.h).
 * Changing this layout requires bumping IMGSTORE_VERSION.
 */
#ifndef ABI_IMGSTORE_H
#define ABI_IMGSTORE_H
#include <stdint.h>

#define IMGSTORE_MAGIC        "BATONIMG"  /* 8 bytes, no NUL */
#define IMGSTORE_MAGIC_LEN    8
#define IMGSTORE_VERSION      1
#define IMGSTORE_SECTOR       512u
#define IMGSTORE_HDR_BYTES    4096u       /* sectors 0..7 */
#define IMGSTORE_MAX_ENTRIES  63          /* (4096 - 64) / 64 */
#define IMGSTORE_NAME_LEN     32          /* 1..31 bytes, NUL-padded to 32 */

/* One image. Unused slots (index >= count) are all zero. */
struct imgstore_entry_ser {
	char name[IMGSTORE_NAME_LEN]; /* printable ASCII, no space; NUL-padded, last byte 0 */
	uint64_t lba;             /* first sector; >= 8 (after the header) */
	uint64_t size;            /* bytes; the image spans ceil(size / 512) sectors */
	uint32_t crc32;           /* of the size bytes of the image */
	uint8_t reserved[12];     /* 0 */
} __attribute__((packed));
_Static_assert(sizeof(struct imgstore_entry_ser) == 64, "imgstore_entry_ser is 64 bytes");

struct imgstore_super_ser {
	char magic[IMGSTORE_MAGIC_LEN]; /* IMGSTORE_MAGIC */
	uint32_t version;         /* IMGSTORE_VERSION */
	uint32_t hdr_bytes;       /* IMGSTORE_HDR_BYTES */
	uint32_t count;           /* used entries, <= IMGSTORE_MAX_ENTRIES */
	uint32_t hdr_crc32;       /* of the 4096 header bytes with this field as 0 */
	uint8_t reserved[40];     /* 0 */
} __attribute__((packed));
_Static_assert(sizeof(struct imgstore_super_ser) == 64, "imgstore_super_ser is 64 bytes");

/* The whole header, as it lies in sectors 0..7. */
struct imgstore_hdr_ser {
	struct imgstore_super_ser super;
	struct imgstore_entry_ser entry[IMGSTORE_MAX_ENTRIES];
} __attribute__((packed));
_Static_assert(sizeof(struct imgstore_hdr_ser) == IMGSTORE_HDR_BYTES,
	       "imgstore_hdr_ser fills the 4096-byte header");
_Static_assert(IMGSTORE_HDR_BYTES % IMGSTORE_SECTOR == 0, "header is whole sectors");
#endif
