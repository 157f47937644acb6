/*
 * kernel/imgstore_blk.c on the host, over a fake include/blk.h defined here: an
 * exact-size heap disk whose blk_read checks every request (count > 0, inside the
 * disk) and records its size, so the tests see how byte ranges become sector reads
 * (partial sectors through the bounce buffer, whole ones straight into the buffer,
 * at most 2048 per request). The `disk list` command runs through shell_exec_line
 * (kernel/shell/shell.c, shim/shell_host.c) and its whole output is compared.
 */
#include <blk.h>
#include <crc32.h>
#include <errno.h>
#include <imgstore.h>
#include <kmalloc.h>
#include <shell_loop.h>
#include <stdlib.h>
#include "host_test.h"
#include "imgstore_disk.h"

/* ---- the fake block layer ---- */

struct blk_dev {
	uint8_t *buf;
	uint64_t sectors;
	unsigned calls;
	uint32_t max_count;
	int fail;                  /* blk_read returns this (0: works) */
};

static struct blk_dev disks[1];
static unsigned ndisks;

struct blk_dev *blk_get(unsigned idx) { return idx < ndisks ? &disks[idx] : NULL; }
const char *blk_name(const struct blk_dev *d) { return d == disks ? "blk0" : "blk?"; }
uint64_t blk_sectors(const struct blk_dev *d) { return d->sectors; }
bool blk_read_only(const struct blk_dev *d) { (void)d; return true; }
int blk_write(struct blk_dev *d, uint64_t lba, uint32_t n, const void *b)
{
	(void)d; (void)lba; (void)n; (void)b;
	return -EROFS;
}
int blk_flush(struct blk_dev *d) { (void)d; return 0; }

int blk_read(struct blk_dev *d, uint64_t lba, uint32_t count, void *buf)
{
	if (count == 0 || lba > d->sectors || count > d->sectors - lba)
		fail_msg("blk_read(lba %llu, count %u) on a %llu-sector disk",
			 (unsigned long long)lba, count, (unsigned long long)d->sectors);
	d->calls++;
	if (count > d->max_count)
		d->max_count = count;
	if (d->fail)
		return d->fail;
	memcpy(buf, d->buf + lba * BLK_SECTOR_SIZE, (size_t)count * BLK_SECTOR_SIZE);
	return 0;
}

void *kmalloc(size_t n) { return malloc(n); }
void kfree(const void *p) { free((void *)p); }

/* ---- disks ---- */

/* A disk of `sectors` sectors of pattern bytes; with a store whose images are
 * (name, lba, size) and whose CRCs match. */
static void set_disk(uint64_t sectors, unsigned n, const char *const *names,
		     const uint64_t *lba, const uint64_t *size)
{
	free(disks[0].buf);
	disks[0] = (struct blk_dev){ malloc(sectors * BLK_SECTOR_SIZE), sectors, 0, 0, 0 };
	uint8_t *d = disks[0].buf;
	for (uint64_t i = 0; i < sectors * BLK_SECTOR_SIZE; i++)
		d[i] = (uint8_t)(i * 131 + (i >> 9));
	memset(d, 0, IMGSTORE_HDR_BYTES);
	imgstore_put_super(d, n);
	for (unsigned i = 0; i < n; i++)
		imgstore_put_entry(d, i, names[i], lba[i], size[i],
				   crc32(d + lba[i] * BLK_SECTOR_SIZE, size[i]));
	imgstore_seal(d);
	ndisks = 1;
}

static int teardown(void **state)
{
	(void)state;
	free(disks[0].buf);
	disks[0].buf = NULL;
	ndisks = 0;
	return 0;
}

/* ---- byte ranges to sector reads ---- */

static void test_ranges(void **state)
{
	(void)state;
	static const char *const names[] = { "baton" };
	static const uint64_t lba[] = { 8 }, size[] = { 1000 };
	set_disk(5000, 1, names, lba, size);          /* 2.4 MiB */
	struct imgstore st;
	const char *why = NULL;
	assert_int_equal(imgstore_open_blk(&st, &disks[0], &why), 0);
	assert_int_equal(st.disk_bytes, 5000 * 512);

	static const struct { uint64_t off; size_t len; unsigned calls; } cases[] = {
		{ 0, 0, 0 }, { 0, 1, 1 }, { 511, 1, 1 }, { 511, 2, 2 }, { 0, 512, 1 },
		{ 1, 512, 2 }, { 100, 1000, 3 }, { 512, 1024, 1 }, { 512, 1025, 2 },
		{ 300, 2048 * 512, 3 }, { 0, 2048 * 512 + 1, 2 }, { 0, 4096 * 512, 2 },
		{ 7, 4097 * 512, 4 }, { 5000 * 512 - 3, 3, 1 }, { 0, 5000 * 512, 3 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *buf = malloc(cases[i].len + 1);
		disks[0].calls = 0;
		disks[0].max_count = 0;
		assert_int_equal(st.rd(st.ctx, cases[i].off, buf, cases[i].len), 0);
		if (memcmp(buf, disks[0].buf + cases[i].off, cases[i].len))
			case_fail("case %zu: wrong bytes", i);
		if (disks[0].calls != cases[i].calls)
			case_fail("case %zu: %u reads, want %u", i, disks[0].calls, cases[i].calls);
		if (disks[0].max_count > 2048)
			case_fail("case %zu: a read of %u sectors", i, disks[0].max_count);
		free(buf);
	}
	disks[0].fail = -ETIMEDOUT;
	uint8_t b[1000];
	assert_int_equal(st.rd(st.ctx, 100, b, 600), -ETIMEDOUT);
	assert_int_equal(st.rd(st.ctx, 512, b, 512), -ETIMEDOUT);
	assert_int_equal(imgstore_load(&st, 0, b, sizeof(b), &why), -ETIMEDOUT);
	assert_string_equal(why, "cannot read the image");
	assert_int_equal(imgstore_open_blk(&st, &disks[0], &why), -ETIMEDOUT);
}

/* A 4 MiB image loads in two full requests plus a partial sector. */
static void test_load_big(void **state)
{
	(void)state;
	static const char *const names[] = { "baton", "next" };
	static const uint64_t lba[] = { 8, 16 }, size[] = { 100, 4 * 1024 * 1024 + 77 };
	set_disk(16 + 8192 + 1, 2, names, lba, size);
	struct imgstore st;
	const char *why = NULL;
	assert_int_equal(imgstore_open_blk(&st, &disks[0], &why), 0);
	uint8_t *buf = malloc(size[1]);
	disks[0].calls = 0;
	assert_int_equal(imgstore_load(&st, 1, buf, size[1], &why), 0);
	assert_int_equal(disks[0].calls, 5);          /* 2048 x 4, then the bounce */
	assert_int_equal(disks[0].max_count, 2048);
	disks[0].buf[16 * 512 + 4 * 1024 * 1024 + 76] ^= 1;
	assert_int_equal(imgstore_load(&st, 1, buf, size[1], &why), -EBADMSG);
	free(buf);
}

/* ---- disk list ---- */

static void test_disk_list(void **state)
{
	(void)state;
	static const char *const names[] = { "baton", "baton-next" };
	static const uint64_t lba[] = { 8, 24 }, size[] = { 5000, 700 };
	static const struct { int setup; char line[40]; const char *out; } cases[] = {
		{ 0, "disk list", "error: ENODEV: no block device 0\n" },
		{ 1, "disk list",
		  "  n=0 name=baton bytes=5000 crc=0x%08x lba=8\n"
		  "  n=1 name=baton-next bytes=700 crc=0x%08x lba=24\n"
		  "ok dev=blk0 count=2\n" },
		{ 1, "disk list 0", NULL },                 /* same as above */
		{ 1, "disk list 1", "error: ENODEV: no block device 1\n" },
		{ 1, "disk list 0x100000000", "error: ENODEV: no block device 4294967296\n" },
		{ 1, "disk", "error: EINVAL: usage: disk list [DEV]\n" },
		{ 1, "disk lst", "error: EINVAL: usage: disk list [DEV]\n" },
		{ 1, "disk list x", "error: EINVAL: usage: disk list [DEV]\n" },
		{ 1, "disk list 0 0", "error: EINVAL: usage: disk list [DEV]\n" },
		{ 2, "disk list", "error: ENODATA: blk0: no image store: bad magic\n" },
		{ 3, "disk list",
		  "error: ERANGE: blk0: entry 1: an image runs past the end of the disk (truncated)\n" },
		{ 4, "disk list", "error: EIO: blk0: cannot read the image store header\n" },
		{ 5, "disk list", "ok dev=blk0 count=0\n" },
	};
	char want[512], list[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ndisks = 0;
		if (cases[i].setup) {
			set_disk(26, cases[i].setup == 5 ? 0 : 2, names, lba, size);
			if (cases[i].setup == 2)
				disks[0].buf[0] = 'b';
			if (cases[i].setup == 3)
				disks[0].sectors = 25;
			if (cases[i].setup == 4)
				disks[0].fail = -EIO;
		}
		if (i == 1)
			snprintf(list, sizeof(list), cases[1].out,
				 crc32(disks[0].buf + 8 * 512, 5000), crc32(disks[0].buf + 24 * 512, 700));
		snprintf(want, sizeof(want), "%s", cases[i].out && i != 1 ? cases[i].out : list);
		char line[40];
		memcpy(line, cases[i].line, sizeof(line));
		printk_log_reset();
		shell_exec_line(line);
		if (strcmp(printk_log(), want))
			case_fail("case %zu '%s': printed\n%s want\n%s", i, cases[i].line,
				  printk_log(), want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_ranges, teardown),
		cmocka_unit_test_teardown(test_load_big, teardown),
		cmocka_unit_test_teardown(test_disk_list, teardown),
	};
	return cmocka_run_group_tests_name("imgstore_blk", tests, NULL, NULL);
}
