/*
 * The image store on a block device (include/imgstore.h); its console command,
 * `disk list`, is kernel/cmd_disk.c. Kernel only: it needs blk_read (include/blk.h). The read
 * function turns a byte range into sector reads: whole sectors go straight into
 * the caller's buffer, at most IMGSTORE_BLK_CHUNK per request; a partial sector at
 * either end goes through a one-sector bounce buffer. Calls are synchronous and the
 * kernel runs one CPU, so one static bounce buffer serves every reader.
 */
#include <blk.h>
#include <errno.h>
#include <imgstore.h>
#include <kmalloc.h>
#include <printk.h>
#include <string.h>

#define IMGSTORE_BLK_CHUNK 2048u  /* sectors (1 MiB) per blk_read */

static uint8_t bounce[BLK_SECTOR_SIZE] __attribute__((aligned(BLK_SECTOR_SIZE)));

/* Bytes [skip, skip + len) of sector lba into buf; len <= 512 - skip. */
static int read_part(struct blk_dev *d, uint64_t lba, size_t skip, uint8_t *buf,
		     size_t len)
{
	int err = blk_read(d, lba, 1, bounce);
	if (!err)
		memcpy(buf, bounce + skip, len);
	return err;
}

static int blk_rd(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct blk_dev *d = ctx;
	uint64_t lba = off / BLK_SECTOR_SIZE;
	size_t skip = off % BLK_SECTOR_SIZE;
	uint8_t *p = buf;
	int err;

	if (skip && len) {
		size_t n = MIN(len, BLK_SECTOR_SIZE - skip);
		if ((err = read_part(d, lba++, skip, p, n)))
			return err;
		p += n;
		len -= n;
	}
	while (len >= BLK_SECTOR_SIZE) {
		uint32_t n = (uint32_t)MIN(len / BLK_SECTOR_SIZE, IMGSTORE_BLK_CHUNK);
		if ((err = blk_read(d, lba, n, p)))
			return err;
		lba += n;
		p += (size_t)n * BLK_SECTOR_SIZE;
		len -= (size_t)n * BLK_SECTOR_SIZE;
	}
	return len ? read_part(d, lba, 0, p, len) : 0;
}

int imgstore_open_blk(struct imgstore *st, struct blk_dev *d, const char **why)
{
	uint64_t sectors = blk_sectors(d);

	/* Bytes beyond 2^64 cannot be addressed anyway; clamp instead of wrapping. */
	if (sectors > UINT64_MAX / BLK_SECTOR_SIZE)
		sectors = UINT64_MAX / BLK_SECTOR_SIZE;
	return imgstore_open(st, blk_rd, d, sectors * BLK_SECTOR_SIZE, why);
}
