/*
 * Reading the image store (format: include/abi/imgstore.h, docs/abi/imgstore.md).
 * The parser is pure: it reaches the disk only through an imgstore_read_fn, so it
 * builds for the host and its tests need no device. imgstore_open() reads and checks
 * the whole header once; after it succeeds every entry is known to be well formed,
 * inside the disk and disjoint from the header and from the other entries, so
 * imgstore_entry() cannot fail on a valid index. imgstore_load() reads one image and
 * checks its CRC32; whether the bytes are a bootable Baton kernel is elf_check()'s
 * business (include/elf_check.h), not the store's.
 *
 * Errors (negative errno; *why, when why is not NULL, gets a short static message):
 *   imgstore_open:
 *     -ENODATA     no image store: the disk is smaller than the header, or bad magic
 *     -EOPNOTSUPP  a store of another format version
 *     -EBADMSG     the header's CRC32 does not match (a damaged header)
 *     -EINVAL      the CRC matches but a field is invalid: header size, entry count,
 *                  a nonzero reserved byte or unused slot, a bad name, an image over
 *                  the header or over another image
 *     -ERANGE      an image runs past the end of the disk (a truncated disk or image)
 *     other        what the read function returned (e.g. -EIO from the device)
 *   imgstore_entry: -ENOENT  n >= count
 *   imgstore_load:  -ENOENT  n >= count
 *                   -E2BIG   dst_len is smaller than the image
 *                   -EBADMSG the image's CRC32 does not match its entry (dst holds
 *                            the bytes read, which must not be used)
 *                   other    what the read function returned
 * Not thread-safe; a struct imgstore is only read after imgstore_open().
 */
#ifndef IMGSTORE_H
#define IMGSTORE_H
#include <stddef.h>
#include <stdint.h>
#include <abi/imgstore.h>

/* Read len bytes at byte offset off of the disk into buf: 0 or -errno. The parser
 * asks only for ranges inside [0, disk_bytes); the offset of an image read is a
 * multiple of 512. */
typedef int (*imgstore_read_fn)(void *ctx, uint64_t off, void *buf, size_t len);

struct imgstore_entry {
	char name[IMGSTORE_NAME_LEN]; /* NUL-terminated, 1..31 printable bytes, no space */
	uint64_t lba;             /* first sector */
	uint64_t size;            /* bytes */
	uint32_t crc32;           /* expected CRC32 of the bytes */
};

struct imgstore {
	imgstore_read_fn rd;
	void *ctx;
	uint64_t disk_bytes;
	unsigned count;           /* entries, once open succeeded; 0 before or after a failure */
	int bad_entry;            /* after a failed open: the entry at fault, or -1 */
	struct imgstore_hdr_ser hdr; /* as read and checked */
};

/* Read and check the header of the store on a disk of disk_bytes bytes (only whole
 * 512-byte sectors count). 0 or an error above. */
int imgstore_open(struct imgstore *st, imgstore_read_fn rd, void *ctx,
		  uint64_t disk_bytes, const char **why);
/* Number of images (0..IMGSTORE_MAX_ENTRIES; 0 if open failed). */
int imgstore_count(const struct imgstore *st);
/* Entry n: 0, or -ENOENT past the end. */
int imgstore_entry(const struct imgstore *st, unsigned n, struct imgstore_entry *e);
/* Read image n into dst[0, size) and check its CRC32. */
int imgstore_load(const struct imgstore *st, unsigned n, void *dst, size_t dst_len,
		  const char **why);

/* Kernel only (kernel/imgstore_blk.c): open the store on a block device. Reads go
 * through a sector bounce buffer where they are not whole sectors. */
struct blk_dev;
int imgstore_open_blk(struct imgstore *st, struct blk_dev *d, const char **why);
#endif
