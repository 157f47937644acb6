/*
 * In-kernel test of the memfd-v2 handler on a handover Baton's own writer never
 * makes: a file in folios of orders 0, 0, 1 and 2, as Linux's shmem with large
 * folios writes it (one record per folio; luo/memfd_folios.h). It takes two kernels
 * (tests/qemu/test_ktest.py drives it):
 *
 *   memfd_luo.large_folios_prepare   (kernel N) preserves the four blocks by hand,
 *       filled with a pattern, lists them in a preserved vmalloc array and writes a
 *       48-byte memfd_luo_ser as Linux would, named by the KHO subtree "ktest-memfd";
 *   memfd_luo.large_folios_retrieve  (kernel N+1) hands that record to the memfd
 *       handler's retrieve and checks the file: size, every byte, its pages.
 *
 * On a cold boot retrieve skips; prepare run twice in one boot skips (EEXIST).
 */
#include <errno.h>
#include <kho.h>
#include <ktest.h>
#include <luo.h>
#include <memfd.h>
#include <mm.h>
#include <string.h>
#include <vmalloc.h>

#define KTEST_SUBTREE "ktest-memfd"
#define KTEST_SIZE    28795ull          /* 8 pages: folios of 1, 1, 2 and 4 pages */

static const unsigned orders[] = { 0, 0, 1, 2 };

static uint8_t byte_at(uint64_t off)
{
	return (uint8_t)(off * 13 + (off >> 12) + 5);
}

KTEST(memfd_luo, large_folios_prepare)
{
	paddr_t ser_pa;
	struct memfd_luo_folio_ser *arr = vmalloc(PAGE_SIZE, GFP_PRESERVABLE);
	KT_ASSERT(arr);
	memset(arr, 0, PAGE_SIZE);
	uint64_t index = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(orders); i++) {
		paddr_t pa = page_alloc(orders[i], GFP_PRESERVABLE);
		KT_ASSERT(pa);
		uint8_t *p = page_virt(pa);
		for (uint64_t b = 0; b < ((uint64_t)PAGE_SIZE << orders[i]); b++)
			p[b] = byte_at(index * PAGE_SIZE + b);
		KT_ASSERT(kho_preserve_folio(pa, orders[i]) == 0);
		arr[i].pfn_flags = (pa >> PAGE_SHIFT) |
			((MEMFD_LUO_FOLIO_DIRTY | MEMFD_LUO_FOLIO_UPTODATE) << MEMFD_LUO_FOLIO_PFN_BITS);
		arr[i].index = index;
		index += 1ull << orders[i];
	}
	struct kho_vmalloc desc;
	KT_ASSERT(kho_preserve_vmalloc(arr, &desc) == 0);
	KT_ASSERT(kho_alloc_preserve(sizeof(struct memfd_luo_ser), &ser_pa) == 0);
	struct memfd_luo_ser *s = page_virt(ser_pa);
	*s = (struct memfd_luo_ser){ .pos = 0, .size = KTEST_SIZE, .seals = F_SEAL_EXEC,
				     .flags = 0, .nr_folios = ARRAY_SIZE(orders), .folios = desc };
	int err = kho_add_subtree(KTEST_SUBTREE, ser_pa, sizeof(*s));
	if (err == -EEXIST)
		KT_SKIP("prepared already in this boot");
	KT_EXPECT_EQ(err, 0);
}

KTEST(memfd_luo, large_folios_retrieve)
{
	paddr_t pa;
	uint64_t size;
	if (kho_retrieve_subtree(KTEST_SUBTREE, &pa, &size))
		KT_SKIP("no record handed over (run large_folios_prepare, then kexec)");
	KT_ASSERT(size == sizeof(struct memfd_luo_ser));
	struct luo_file_handler *h = luo_file_handler_find(MEMFD_LUO_COMPATIBLE);
	KT_ASSERT(h);
	struct luo_file_op_args a = { .handler = h, .retrieve_name = "ktest-large",
				      .serialized_data = pa };
	KT_ASSERT(h->ops->retrieve(&a) == 0);
	struct memfd *f = a.file.obj;
	KT_EXPECT_EQ(f->size, KTEST_SIZE);
	KT_EXPECT_EQ(f->nfolios, 8);
	KT_EXPECT_EQ(f->seals, F_SEAL_EXEC);
	KT_EXPECT_EQ(f->order, 0);
	uint64_t bad = UINT64_MAX;
	for (uint64_t off = 0; off < KTEST_SIZE && bad == UINT64_MAX; off++) {
		uint8_t c;
		memfd_read(f, off, &c, 1);
		if (c != byte_at(off))
			bad = off;
	}
	KT_EXPECT_EQ(bad, UINT64_MAX);
	for (uint64_t i = 0; i < f->nfolios; i++) {      /* order-0 pages, each its own */
		paddr_t head;
		unsigned order;
		KT_EXPECT_EQ(mm_page_state(f->folios[i], &head, &order), PAGE_ALLOC);
		KT_EXPECT_EQ(head, f->folios[i]);
		KT_EXPECT_EQ(order, 0);
	}
	memfd_luo_finished(f);
	memfd_close(f);
}
