/*
 * The image store on a block device (include/imgstore.h), and the `disk list`
 * console command. Kernel only: it needs blk_read (include/blk.h). The read
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
#include <shell.h>
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

/* ---- console: disk list [DEV] ---- */

static int cmd_disk(struct shell_ctx *c, int argc, char **argv)
{
	uint64_t idx = 0;
	struct blk_dev *d;
	struct imgstore *st;
	const char *why = "";
	int err, n;

	if (argc < 2 || argc > 3 || strcmp(argv[1], "list") ||
	    (argc == 3 && parse_u64(argv[2], &idx)))
		return shell_err(c, -EINVAL, "usage: disk list [DEV]");
	d = idx <= UINT32_MAX ? blk_get((unsigned)idx) : NULL;
	if (!d)
		return shell_err(c, -ENODEV, "no block device %llu", (unsigned long long)idx);
	st = kmalloc(sizeof(*st));
	if (!st)
		return shell_err(c, -ENOMEM, "no memory for the image store header");
	err = imgstore_open_blk(st, d, &why);
	if (err) {
		if (st->bad_entry >= 0)
			err = shell_err(c, err, "%s: entry %d: %s", blk_name(d), st->bad_entry, why);
		else
			err = shell_err(c, err, "%s: %s", blk_name(d), why);
		goto out_free;
	}
	n = imgstore_count(st);
	for (int i = 0; i < n; i++) {
		struct imgstore_entry e;
		imgstore_entry(st, (unsigned)i, &e);
		printk("  n=%d name=%s bytes=%llu crc=0x%08x lba=%llu\n", i, e.name,
		       (unsigned long long)e.size, e.crc32, (unsigned long long)e.lba);
	}
	shell_kv(c, "dev", "%s", blk_name(d));
	shell_kv(c, "count", "%d", n);
out_free:
	kfree(st);
	return err;
}
SHELL_CMD("disk", "list [DEV]", "list the kernel images in the image store on a disk",
	  cmd_disk);
