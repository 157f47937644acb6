/*
 * `blk`: the console's view of block device blk0 (docs/console.md). Every
 * subcommand goes through include/blk.h, so its errors are the driver's:
 *   blk info                     ok dev=blk0 sectors=N bytes=N ro=0|1 ...
 *                                irq=msix:VECTOR|poll irqs=N
 *   blk read LBA COUNT           COUNT 1..8 sectors; "blk-hex HEX" lines of 64 bytes
 *   blk write LBA HEX            1..240 bytes at the start of sector LBA, the rest
 *                                of that sector zeroed; then a flush
 *   blk fill LBA COUNT SEED      the reference pattern over COUNT sectors; then flush
 *   blk verify LBA COUNT SEED    read them back and compare
 *   blk submit LBA COUNT SEED    the pattern over COUNT sectors in one write request,
 *                                not waited for (a later request reaps it): a write in
 *                                flight across `kexec exec` when blk0 is preserved
 *   blk flush
 *   blk bench-read MIB           MIB mebibytes read in 1 MiB requests, TSC ticks
 * fill and verify use a vmalloc buffer (at most BLK_PATTERN_MAX sectors), so they
 * also exercise the driver's page-by-page translation.
 */
#include <errno.h>
#include <memfd.h>
#include <mm.h>
#include <printk.h>
#include <shell.h>
#include <string.h>
#include <vmalloc.h>
#include <x86.h>
#include "virtio_blk.h"

#define READ_MAX          8u                  /* sectors `blk read` prints */
#define BLK_PATTERN_MAX   (128u * 1024)       /* sectors for fill/verify: 64 MiB */
#define BENCH_ORDER       8                   /* 1 MiB requests */
#define SUBMIT_MAX        8u                  /* sectors `blk submit` writes: one page */

static uint8_t sector_buf[READ_MAX * BLK_SECTOR_SIZE];

static int io_err(struct shell_ctx *c, int err, const char *what, uint64_t lba, uint64_t count)
{
	if (err == -EINVAL)
		return shell_err(c, err, "%s: sectors %llu+%llu outside the device (or count 0)",
				 what, (unsigned long long)lba, (unsigned long long)count);
	return shell_err(c, err, "%s at sector %llu failed", what, (unsigned long long)lba);
}

static int blk_info(struct shell_ctx *c, struct blk_dev *d)
{
	shell_kv(c, "dev", "%s", blk_name(d));
	shell_kv(c, "sectors", "%llu", (unsigned long long)blk_sectors(d));
	shell_kv(c, "bytes", "%llu", (unsigned long long)blk_sectors(d) * BLK_SECTOR_SIZE);
	shell_kv(c, "ro", "%d", blk_read_only(d));
	shell_kv(c, "pci", "%s", d->vd.pci->name);
	shell_kv(c, "transport", "%s", d->vd.ops->name);
	shell_kv(c, "blk-size", "%u", d->blk_size);
	shell_kv(c, "flush", "%d", d->flush);
	shell_kv(c, "queue-size", "%u", d->vq.size);
	shell_kv(c, "found-status", "0x%x", d->vd.found_status);
	if (d->vd.irq_vector)
		shell_kv(c, "irq", "msix:%d", d->vd.irq_vector);
	else
		shell_kv(c, "irq", "poll");
	shell_kv(c, "irqs", "%llu", (unsigned long long)d->irqs);
	return 0;
}

static int blk_read_cmd(struct shell_ctx *c, struct blk_dev *d, uint64_t lba, uint64_t count)
{
	if (count > READ_MAX)
		return shell_err(c, -EINVAL, "COUNT is at most %u sectors", READ_MAX);
	int err = blk_read(d, lba, (uint32_t)count, sector_buf);
	if (err)
		return io_err(c, err, "read", lba, count);
	for (uint64_t off = 0; off < count * BLK_SECTOR_SIZE; off += 64) {
		char line[129];
		for (unsigned i = 0; i < 64; i++)
			snprintf(line + 2 * i, 3, "%02x", sector_buf[off + i]);
		printk("blk-hex %s\n", line);
	}
	shell_kv(c, "lba", "%llu", (unsigned long long)lba);
	shell_kv(c, "count", "%llu", (unsigned long long)count);
	shell_kv(c, "bytes", "%llu", (unsigned long long)count * BLK_SECTOR_SIZE);
	return 0;
}

static int blk_write_cmd(struct shell_ctx *c, struct blk_dev *d, uint64_t lba, const char *hex)
{
	memset(sector_buf, 0, BLK_SECTOR_SIZE);
	int n = parse_hex(hex, sector_buf, BLK_SECTOR_SIZE);
	if (n < 0)
		return shell_err(c, -EINVAL, "HEX must be pairs of hex digits, 1 to 512 bytes");
	int err = blk_write(d, lba, 1, sector_buf);
	err = err ?: blk_flush(d);
	if (err)
		return io_err(c, err, "write", lba, 1);
	shell_kv(c, "lba", "%llu", (unsigned long long)lba);
	shell_kv(c, "bytes", "%d", n);
	return 0;
}

/* fill (verify false) or verify the reference pattern over count sectors at lba. */
static int blk_pattern(struct shell_ctx *c, struct blk_dev *d, bool verify, uint64_t lba,
		       uint64_t count, uint64_t seed)
{
	if (!count || count > BLK_PATTERN_MAX)
		return shell_err(c, -EINVAL, "COUNT is 1 to %u sectors", BLK_PATTERN_MAX);
	uint64_t bytes = count * BLK_SECTOR_SIZE;
	uint64_t *buf = vmalloc(bytes, 0);
	if (!buf)
		return shell_err(c, -ENOMEM, "no memory for %llu bytes", (unsigned long long)bytes);
	int err = 0;
	if (verify) {
		err = blk_read(d, lba, (uint32_t)count, buf);
		for (uint64_t w = 0; !err && w < bytes / 8; w++) {
			uint64_t want = splitmix64(seed ^ w), diff = buf[w] ^ want;
			if (diff)            /* little-endian: the lowest set byte differs first */
				err = shell_err(c, -EIO, "mismatch at offset %llu",
						(unsigned long long)(w * 8 + __builtin_ctzll(diff) / 8));
		}
	} else {
		for (uint64_t w = 0; w < bytes / 8; w++)
			buf[w] = splitmix64(seed ^ w);
		err = blk_write(d, lba, (uint32_t)count, buf);
		err = err ?: blk_flush(d);
	}
	vfree(buf);
	if (err == -EIO && c->err[0])
		return err;
	if (err)
		return io_err(c, err, verify ? "verify" : "fill", lba, count);
	shell_kv(c, "bytes", "%llu", (unsigned long long)bytes);
	return 0;
}

static int blk_bench(struct shell_ctx *c, struct blk_dev *d, uint64_t mib)
{
	const uint64_t per = MiB / BLK_SECTOR_SIZE;
	uint64_t span = blk_sectors(d) / per * per;
	if (!mib || !span)
		return shell_err(c, -EINVAL, "MIB must be positive and the disk at least 1 MiB");
	paddr_t pa = page_alloc(BENCH_ORDER, 0);
	if (!pa)
		return shell_err(c, -ENOMEM, "no memory for a 1 MiB buffer");
	uint64_t t0 = rdtsc();
	int err = 0;
	for (uint64_t i = 0; !err && i < mib; i++)
		err = blk_read(d, i * per % span, (uint32_t)per, page_virt(pa));
	uint64_t ticks = rdtsc() - t0;
	page_free(pa, BENCH_ORDER);
	if (err)
		return shell_err(c, err, "read failed");
	shell_kv(c, "bytes", "%llu", (unsigned long long)(mib * MiB));
	shell_kv(c, "ticks", "%llu", (unsigned long long)ticks);
	shell_kv(c, "request", "%llu", (unsigned long long)MiB);
	return 0;
}

static int blk_submit_cmd(struct shell_ctx *c, struct blk_dev *d, uint64_t lba, uint64_t count,
			  uint64_t seed)
{
	if (count > SUBMIT_MAX)
		return shell_err(c, -EINVAL, "COUNT is at most %u sectors", SUBMIT_MAX);
	int err = virtio_blk_submit(d, lba, (uint32_t)count, seed);
	if (err)
		return io_err(c, err, "submit", lba, count);
	shell_kv(c, "lba", "%llu", (unsigned long long)lba);
	shell_kv(c, "count", "%llu", (unsigned long long)count);
	return 0;
}

static int cmd_blk(struct shell_ctx *c, int argc, char **argv)
{
	uint64_t a = 0, b = 0, seed = 0;
	const char *sub = argc >= 2 ? argv[1] : "";
	bool ok_args =
		(argc == 2 && (!strcmp(sub, "info") || !strcmp(sub, "flush"))) ||
		(argc == 3 && !strcmp(sub, "bench-read") && !parse_u64(argv[2], &a)) ||
		(argc == 4 && !strcmp(sub, "read") && !parse_u64(argv[2], &a) && !parse_u64(argv[3], &b)) ||
		(argc == 4 && !strcmp(sub, "write") && !parse_u64(argv[2], &a)) ||
		(argc == 5 && (!strcmp(sub, "fill") || !strcmp(sub, "verify") || !strcmp(sub, "submit")) &&
		 !parse_u64(argv[2], &a) && !parse_u64(argv[3], &b) && !parse_u64(argv[4], &seed));
	if (!ok_args)
		return shell_err(c, -EINVAL, "usage: blk info | read LBA COUNT | write LBA HEX | "
				 "fill|verify|submit LBA COUNT SEED | flush | bench-read MIB");
	struct blk_dev *d = blk_get(0);
	if (!d)
		return shell_err(c, -ENODEV, "no block device");
	if (!strcmp(sub, "info"))
		return blk_info(c, d);
	if (!strcmp(sub, "read"))
		return blk_read_cmd(c, d, a, b);
	if (!strcmp(sub, "write"))
		return blk_write_cmd(c, d, a, argv[3]);
	if (!strcmp(sub, "fill") || !strcmp(sub, "verify"))
		return blk_pattern(c, d, !strcmp(sub, "verify"), a, b, seed);
	if (!strcmp(sub, "bench-read"))
		return blk_bench(c, d, a);
	if (!strcmp(sub, "submit"))
		return blk_submit_cmd(c, d, a, b, seed);
	int err = blk_flush(d);
	return err ? shell_err(c, err, "flush failed") : 0;
}
SHELL_CMD("blk", "info|read|write|fill|verify|submit|flush|bench-read", "virtio-blk disk blk0", cmd_blk);
