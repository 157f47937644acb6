/* In-kernel tests of the KHO API in kernel N: every misuse gets Linux's errno, and
 * every test leaves the preserved set and free memory (counting the tree pages KHO
 * keeps) as it found them. */
#include <errno.h>
#include <kho.h>
#include <ktest.h>
#include <mm.h>
#include <string.h>
#include <vmalloc.h>
#include "kho_priv.h"

/* Free memory plus the radix-tree pages KHO allocated since boot (it keeps node
 * pages once made, as Linux does): constant across preserve/unpreserve cycles. */
static uint64_t free_bytes(void)
{
	struct mm_stats s;
	mm_stats(&s);
	return s.free + kho_out_tree()->nodes * PAGE_SIZE;
}

KTEST(kho, preserve_folio_rules)
{
	uint64_t before = kho_preserved_bytes();
	paddr_t pa = page_alloc(3, GFP_PRESERVABLE);
	KT_ASSERT(pa != 0);
	KT_EXPECT_EQ(kho_preserve_folio(pa, 3), 0);
	KT_EXPECT_EQ(kho_preserved_bytes(), before + 8 * PAGE_SIZE);
	KT_EXPECT_EQ(kho_preserve_folio(pa, 3), -EEXIST);
	KT_EXPECT_EQ(kho_preserve_folio(pa + PAGE_SIZE, 3), -EINVAL);     /* misaligned */
	KT_EXPECT_EQ(kho_preserve_folio(pa, 19), -EINVAL);                /* order > 18 */
	KT_EXPECT_EQ(kho_unpreserve_folio(pa, 2), -ENOENT);               /* other order */
	KT_EXPECT_EQ(kho_unpreserve_folio(pa, 3), 0);
	KT_EXPECT_EQ(kho_unpreserve_folio(pa, 3), -ENOENT);
	KT_EXPECT_EQ(kho_preserved_bytes(), before);
	page_free(pa, 3);
}

KTEST(kho, nothing_in_scratch)
{
	unsigned n;
	const struct kho_scratch *s = kho_scratch_ranges(&n);
	KT_ASSERT(n >= 2);
	KT_EXPECT(kho_in_scratch(s[0].addr, PAGE_SIZE));
	KT_EXPECT_EQ(kho_preserve_folio(s[n - 1].addr, 0), -EINVAL);
	KT_EXPECT_EQ(kho_preserve_folio(KERNEL_PHYS, 0), -EINVAL);       /* the kernel slot */
	paddr_t pa = page_alloc(0, GFP_SCRATCH);
	KT_ASSERT(pa != 0);
	KT_EXPECT(kho_in_scratch(pa, PAGE_SIZE));
	KT_EXPECT_EQ(kho_preserve_pages(pa, 1), -EINVAL);
	page_free(pa, 0);
	pa = page_alloc(0, GFP_PRESERVABLE);
	KT_EXPECT(!kho_in_scratch(pa, PAGE_SIZE));
	page_free(pa, 0);
}

KTEST(kho, preserve_pages_split_and_rollback)
{
	uint64_t before = kho_preserved_bytes();
	paddr_t pa = page_alloc(4, GFP_PRESERVABLE);          /* 16 pages, 64 KiB aligned */
	KT_ASSERT(pa != 0);
	/* 13 pages from pa + 1 page: blocks of 1, 2, 4, 4, 2 pages (natural alignment). */
	KT_EXPECT_EQ(kho_preserve_pages(pa + PAGE_SIZE, 13), 0);
	KT_EXPECT_EQ(kho_preserved_bytes(), before + 13 * PAGE_SIZE);
	KT_EXPECT_EQ(kho_unpreserve_folio(pa + 4 * PAGE_SIZE, 2), 0);  /* one of the pieces */
	KT_EXPECT_EQ(kho_preserve_folio(pa + 4 * PAGE_SIZE, 2), 0);
	/* Overlapping again: the first piece already exists, nothing new stays preserved. */
	KT_EXPECT_EQ(kho_preserve_pages(pa, 2), 0);                     /* distinct keys */
	KT_EXPECT_EQ(kho_unpreserve_pages(pa, 2), 0);
	KT_EXPECT_EQ(kho_preserve_pages(pa + PAGE_SIZE, 13), -EEXIST);
	KT_EXPECT_EQ(kho_preserved_bytes(), before + 13 * PAGE_SIZE);
	KT_EXPECT_EQ(kho_unpreserve_pages(pa + PAGE_SIZE, 13), 0);
	KT_EXPECT_EQ(kho_preserved_bytes(), before);
	page_free(pa, 4);
}

KTEST(kho, alloc_preserve_and_subtrees)
{
	uint64_t free0 = free_bytes(), before = kho_preserved_bytes();
	paddr_t pa;
	KT_EXPECT_EQ(kho_alloc_preserve(0, &pa), -EINVAL);
	KT_EXPECT_EQ(kho_alloc_preserve((size_t)2 * GiB, &pa), -E2BIG);
	KT_ASSERT(kho_alloc_preserve(5000, &pa) == 0);            /* two pages */
	KT_EXPECT_EQ(kho_preserved_bytes(), before + 2 * PAGE_SIZE);
	KT_EXPECT_EQ(kho_add_subtree("ktest-blob", pa, 5000), 0);
	KT_EXPECT_EQ(kho_add_subtree("ktest-blob", pa, 5000), -EEXIST);
	KT_EXPECT_EQ(kho_remove_subtree(pa), 0);
	KT_EXPECT_EQ(kho_remove_subtree(pa), -ENOENT);
	kho_unpreserve_free(pa);
	KT_EXPECT_EQ(kho_preserved_bytes(), before);
	KT_EXPECT_EQ(free_bytes(), free0);
}

KTEST(kho, vmalloc_area_by_its_frames)
{
	uint64_t free0 = free_bytes(), before = kho_preserved_bytes();
	void *v = vmalloc(600 * PAGE_SIZE, GFP_PRESERVABLE);      /* two chunk pages */
	KT_ASSERT(v != NULL);
	struct kho_vmalloc d;
	KT_EXPECT_EQ(kho_preserve_vmalloc((void *)0x1234, &d), -EINVAL);
	KT_ASSERT(kho_preserve_vmalloc(v, &d) == 0);
	KT_EXPECT_EQ(d.total_pages, 600);
	KT_EXPECT_EQ(d.flags, KHO_VMALLOC_ALLOC);
	KT_EXPECT_EQ(d.order, 0);
	const struct kho_vmalloc_chunk *c = page_virt(d.first);
	KT_EXPECT(c->next != 0);
	KT_EXPECT_EQ(c->phys[0], vmalloc_area(v)->frames[0]);
	KT_EXPECT_EQ(kho_preserved_bytes(), before + (600 + 2) * PAGE_SIZE);
	kho_unpreserve_vmalloc(&d);
	KT_EXPECT_EQ(kho_preserved_bytes(), before);
	vfree(v);
	KT_EXPECT_EQ(free_bytes(), free0);
}
