/*
 * In-kernel tests of include/blk.h over the first virtio-blk disk (skipped when
 * there is none; tests/qemu/test_virtio_blk.py runs them with a disk attached).
 * They write only the disk's last TEST_SECTORS sectors and put back what was there.
 *   blk.errors          ENODEV, EINVAL for count 0 and every kind of range past the end
 *   blk.vmalloc_split   a transfer from and to vmalloc buffers at odd byte offsets
 *                       whose pages are mapped in descending physical order, so no
 *                       two merge: it takes several requests, each cut by the
 *                       segment limit inside a sector (the trim in build_segs)
 *   blk.image_stack     the same sectors read into the kernel image and the stack
 */
#include <blk.h>
#include <errno.h>
#include <ktest.h>
#include <mm.h>
#include <string.h>
#include <vmalloc.h>

#define TEST_SECTORS 1200u                       /* 600 KiB: about 150 pages */
#define MAP_PAGES    (TEST_SECTORS / 8 + 1)

/* A vmalloc mapping of MAP_PAGES frames in descending physical order: no page is
 * followed by its physical successor, so the driver cannot merge any two. */
static uint8_t *scattered(void)
{
	paddr_t frames[MAP_PAGES];
	unsigned n = 0;
	for (; n < MAP_PAGES; n++) {
		paddr_t pa = page_alloc(0, GFP_ZERO);
		if (!pa)
			goto fail;
		unsigned k = n;
		for (; k && frames[k - 1] < pa; k--)
			frames[k] = frames[k - 1];
		frames[k] = pa;
	}
	uint8_t *p = vmap_frames(frames, MAP_PAGES, 0);
	if (p)
		return p;
fail:
	while (n--)
		page_free(frames[n], 0);
	return NULL;
}

static struct blk_dev *test_disk(void)
{
	struct blk_dev *d = blk_get(0);
	if (d && (blk_read_only(d) || blk_sectors(d) < 2 * TEST_SECTORS))
		d = NULL;
	return d;
}

KTEST(blk, errors)
{
	uint8_t buf[BLK_SECTOR_SIZE];
	KT_EXPECT(blk_get(4) == NULL);
	KT_EXPECT_EQ(blk_read(NULL, 0, 1, buf), -ENODEV);
	KT_EXPECT_EQ(blk_write(NULL, 0, 1, buf), -ENODEV);
	KT_EXPECT_EQ(blk_flush(NULL), -ENODEV);
	struct blk_dev *d = blk_get(0);
	if (!d)
		KT_SKIP("no virtio-blk disk");
	uint64_t n = blk_sectors(d);
	KT_EXPECT_EQ(blk_read(d, 0, 0, buf), -EINVAL);
	KT_EXPECT_EQ(blk_read(d, n, 1, buf), -EINVAL);
	KT_EXPECT_EQ(blk_read(d, n - 1, 2, buf), -EINVAL);
	KT_EXPECT_EQ(blk_read(d, UINT64_MAX, 1, buf), -EINVAL);
	KT_EXPECT_EQ(blk_read(d, 1, UINT32_MAX, buf), -EINVAL);
	KT_EXPECT_EQ(blk_write(d, n, 1, buf), -EINVAL);
	KT_EXPECT_EQ(blk_read(d, n - 1, 1, buf), 0);
}

KTEST(blk, vmalloc_split)
{
	struct blk_dev *d = test_disk();
	if (!d)
		KT_SKIP("no writable virtio-blk disk of 2400 sectors");
	const uint64_t bytes = TEST_SECTORS * BLK_SECTOR_SIZE, lba = blk_sectors(d) - TEST_SECTORS;
	uint8_t *saved = vmalloc(bytes, 0), *out = scattered(), *in = scattered();
	if (!saved || !out || !in) {
		vfree(in);
		vfree(out);
		vfree(saved);
		KT_ASSERT(!"no memory for the buffers");
	}
	uint8_t *src = out + 100, *dst = in + 4093;          /* odd offsets in their pages */
	for (uint64_t i = 0; i < bytes; i++)
		src[i] = (uint8_t)(i * 7 + 3 + (i >> 9));
	KT_EXPECT_EQ(blk_read(d, lba, TEST_SECTORS, saved), 0);
	KT_EXPECT_EQ(blk_write(d, lba, TEST_SECTORS, src), 0);
	KT_EXPECT_EQ(blk_flush(d), 0);
	KT_EXPECT_EQ(blk_read(d, lba, TEST_SECTORS, dst), 0);
	KT_EXPECT(memcmp(src, dst, bytes) == 0);
	KT_EXPECT_EQ(blk_write(d, lba, TEST_SECTORS, saved), 0);
	vfree(in);
	vfree(out);
	vfree(saved);
}

KTEST(blk, image_stack)
{
	static uint8_t image_buf[4 * BLK_SECTOR_SIZE];
	uint8_t stack_buf[4 * BLK_SECTOR_SIZE];
	struct blk_dev *d = blk_get(0);
	if (!d)
		KT_SKIP("no virtio-blk disk");
	memset(image_buf, 0xa5, sizeof(image_buf));
	memset(stack_buf, 0x5a, sizeof(stack_buf));
	KT_EXPECT_EQ(blk_read(d, 0, 4, image_buf), 0);
	KT_EXPECT_EQ(blk_read(d, 0, 4, stack_buf), 0);
	KT_EXPECT(memcmp(image_buf, stack_buf, sizeof(stack_buf)) == 0);
}
