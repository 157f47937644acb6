/*
 * In-kernel tests of the image store (kernel/imgstore.c, lib/crc32.c) as the
 * kernel compiles them: CRC32 test vectors, a store built in memory read through a
 * memory read function (the same path the blk adapter feeds), and the CRC32 of
 * 4 MiB timed in TSC ticks (under TCG this is the cost `kexec load disk:N` pays to
 * check a kernel image). The device path itself needs virtio-blk (imgstore_blk.c).
 */
#include <crc32.h>
#include <errno.h>
#include <imgstore.h>
#include <kmalloc.h>
#include <ktest.h>
#include <printk.h>
#include <string.h>
#include <x86.h>

KTEST(imgstore, crc32_vectors)
{
	KT_EXPECT_EQ(crc32("", 0), 0);
	KT_EXPECT_EQ(crc32("a", 1), 0xe8b7be43u);
	KT_EXPECT_EQ(crc32("123456789", 9), 0xcbf43926u);
	KT_EXPECT_EQ(crc32_update(crc32("1234", 4), "56789", 5), 0xcbf43926u);
}

struct mem_disk {
	uint8_t *buf;
	size_t len;
};

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct mem_disk *d = ctx;
	if (off > d->len || len > d->len - off)
		return -EIO;
	memcpy(buf, d->buf + off, len);
	return 0;
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

KTEST(imgstore, open_and_load_in_memory)
{
	struct mem_disk d = { kzalloc(6 * 1024), 6 * 1024 };
	struct imgstore *st = kmalloc(sizeof(*st));
	struct imgstore_entry e;
	const char *why = NULL;
	uint8_t out[100];

	KT_ASSERT(d.buf && st);
	memcpy(d.buf, IMGSTORE_MAGIC, IMGSTORE_MAGIC_LEN);
	put_le(d.buf + 8, IMGSTORE_VERSION, 4);
	put_le(d.buf + 12, IMGSTORE_HDR_BYTES, 4);
	put_le(d.buf + 16, 1, 4);
	memcpy(d.buf + 64, "baton", 5);
	put_le(d.buf + 96, 8, 8);                     /* lba */
	put_le(d.buf + 104, 100, 8);                  /* size */
	for (int i = 0; i < 100; i++)
		d.buf[4096 + i] = (uint8_t)(i * 3);
	put_le(d.buf + 112, crc32(d.buf + 4096, 100), 4);
	put_le(d.buf + 20, crc32(d.buf, IMGSTORE_HDR_BYTES), 4);

	KT_EXPECT_EQ(imgstore_open(st, mem_read, &d, d.len, &why), 0);
	KT_EXPECT_EQ(imgstore_count(st), 1);
	KT_EXPECT_EQ(imgstore_entry(st, 0, &e), 0);
	KT_EXPECT(!strcmp(e.name, "baton") && e.lba == 8 && e.size == 100);
	KT_EXPECT_EQ(imgstore_load(st, 0, out, sizeof(out), &why), 0);
	KT_EXPECT(!memcmp(out, d.buf + 4096, 100));
	KT_EXPECT_EQ(imgstore_load(st, 0, out, 99, &why), (uint64_t)-E2BIG);
	d.buf[4096 + 50] ^= 1;
	KT_EXPECT_EQ(imgstore_load(st, 0, out, sizeof(out), &why), (uint64_t)-EBADMSG);
	d.buf[65] ^= 1;                               /* the header, unsealed */
	KT_EXPECT_EQ(imgstore_open(st, mem_read, &d, d.len, &why), (uint64_t)-EBADMSG);
	KT_EXPECT_EQ(imgstore_count(st), 0);
	kfree(st);
	kfree(d.buf);
}

KTEST(imgstore, crc32_4mib_speed)
{
	const size_t len = 4u << 20;
	uint8_t *buf = kvmalloc(len);
	KT_ASSERT(buf);
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + (i >> 12));
	uint64_t t0 = rdtsc();
	uint32_t c = crc32(buf, len);
	uint64_t t1 = rdtsc();
	printk("# imgstore: crc32 of 4 MiB = 0x%08x in %llu TSC ticks\n", c,
	       (unsigned long long)(t1 - t0));
	/* The same bytes in two pieces at an odd split give the same CRC. */
	KT_EXPECT_EQ(crc32_update(crc32(buf, 12345), buf + 12345, len - 12345), c);
	kvfree(buf);
}
