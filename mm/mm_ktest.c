/*
 * In-kernel tests of mm/: every test leaves free memory exactly as it found it
 * (checked), so a leak anywhere shows up as a failure here.
 */
#include <errno.h>
#include <hugetlb.h>
#include <initcall.h>
#include <kmalloc.h>
#include <ktest.h>
#include <memfd.h>
#include <mm.h>
#include <paging.h>
#include <percpu.h>
#include <string.h>
#include <vmalloc.h>

/* The zones as the boot built them, checked once it is done (out of the blackout). */
LATE_INITCALL(05, mm_check_zones);

static uint64_t free_bytes(void)
{
	struct mm_stats s;
	mm_stats(&s);
	return s.free;
}

KTEST(mm, page_alloc_alignment_and_state)
{
	uint64_t before = free_bytes();
	paddr_t pa[11];
	for (unsigned o = 0; o <= 10; o++) {
		pa[o] = page_alloc(o, GFP_ZERO);
		KT_ASSERT(pa[o] != 0);
		KT_EXPECT(IS_ALIGNED(pa[o], (paddr_t)PAGE_SIZE << o));
		paddr_t head;
		unsigned order;
		KT_EXPECT_EQ(mm_page_state(pa[o] + ((PAGE_SIZE << o) - 1), &head, &order), PAGE_ALLOC);
		KT_EXPECT_EQ(head, pa[o]);
		KT_EXPECT_EQ(order, o);
		const uint8_t *p = page_virt(pa[o]);
		KT_EXPECT(p[0] == 0 && p[(PAGE_SIZE << o) - 1] == 0);
	}
	for (unsigned o = 0; o <= 10; o++) {
		page_free(pa[o], o);
		KT_EXPECT(mm_page_state(pa[o], NULL, NULL) == PAGE_FREE);
	}
	KT_EXPECT_EQ(free_bytes(), before);
	KT_EXPECT_EQ(mm_page_state(0, NULL, NULL), PAGE_RESERVED);
}

/* A page freed into this CPU's page cache is free memory at once (state, count),
 * named as cached until a drain gives it back to its zone. */
KTEST(mm, pcp_cached_page_is_free)
{
	uint64_t before = free_bytes();
	paddr_t pa = page_alloc(0, 0), head;
	unsigned order, cpu = CPU_MAX;
	KT_ASSERT(pa != 0);
	KT_EXPECT_EQ(mm_page_state(pa, NULL, NULL), PAGE_ALLOC);
	KT_EXPECT(!mm_page_cached(pa, NULL));
	page_free(pa, 0);
	KT_EXPECT_EQ(mm_page_state(pa, &head, &order), PAGE_FREE);
	KT_EXPECT_EQ(head, pa);
	KT_EXPECT_EQ(order, 0);
	KT_EXPECT(mm_page_cached(pa, &cpu));
	KT_EXPECT_EQ(cpu, cpu_id());
	KT_EXPECT_EQ(free_bytes(), before);
	KT_EXPECT(pcp_drain_all() > 0);
	KT_EXPECT(!mm_page_cached(pa, NULL));
	KT_EXPECT_EQ(mm_page_state(pa, NULL, NULL), PAGE_FREE);
	KT_EXPECT_EQ(free_bytes(), before);
	mm_check_zones();
}

KTEST(mm, kmalloc_classes_and_return)
{
	uint64_t before = free_bytes();
	static void *p[600];
	for (unsigned i = 0; i < ARRAY_SIZE(p); i++) {
		size_t n = 1 + (i * 37) % 5000;
		p[i] = kmalloc(n);
		KT_ASSERT(p[i] != NULL);
		memset(p[i], (int)i, n);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(p); i++) {
		size_t n = 1 + (i * 37) % 5000;
		const uint8_t *b = p[i];
		KT_EXPECT(b[0] == (uint8_t)i && b[n - 1] == (uint8_t)i);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(p); i += 2)
		kfree(p[i]);
	for (unsigned i = 1; i < ARRAY_SIZE(p); i += 2)
		kfree(p[i]);
	KT_EXPECT_EQ(free_bytes(), before);
}

KTEST(mm, vmalloc_maps_and_returns)
{
	uint64_t before = free_bytes();
	uint8_t *v = vmalloc(3 * MiB + 5, GFP_PRESERVABLE);
	KT_ASSERT(v != NULL);
	const struct vm_area *a = vmalloc_area(v);
	KT_ASSERT(a != NULL);
	KT_EXPECT_EQ(a->npages, 3 * 256 + 1);
	for (uint64_t i = 0; i < a->npages; i++) {
		v[i * PAGE_SIZE] = (uint8_t)i;
		KT_EXPECT_EQ(paging_translate((uint64_t)v + i * PAGE_SIZE), a->frames[i]);
		KT_EXPECT_EQ(*(uint8_t *)page_virt(a->frames[i]), (uint8_t)i);
	}
	vfree(v);
	KT_EXPECT_EQ(paging_translate((uint64_t)v), 0);
	KT_EXPECT_EQ(free_bytes(), before);
}

KTEST(mm, hugetlb_counts_conserved)
{
	struct hugetlb_pool *pool = hugetlb_pool(HUGE_2M);
	uint64_t total = pool->total, free = pool->free, before = free_bytes();
	if (hugetlb_resize(pool, total + 2))
		KT_SKIP("no memory for two more 2 MiB pages");
	KT_EXPECT_EQ(pool->free, free + 2);
	paddr_t a = hugetlb_alloc(pool), b = hugetlb_alloc(pool);
	KT_ASSERT(a && b);
	KT_EXPECT_EQ(mm_page_state(a + MiB, NULL, NULL), PAGE_HUGETLB);
	hugetlb_freeze(pool);
	KT_EXPECT_EQ(hugetlb_resize(pool, total), -EBUSY);
	hugetlb_unfreeze(pool);
	hugetlb_free(pool, a);
	hugetlb_free(pool, b);
	KT_EXPECT_EQ(hugetlb_resize(pool, total), 0);
	KT_EXPECT_EQ(pool->total, total);
	KT_EXPECT_EQ(pool->free, free);
	KT_EXPECT_EQ(free_bytes(), before);
}

KTEST(mm, memfd_pattern_and_truncate)
{
	uint64_t before = free_bytes(), bad = 0;
	struct memfd *f;
	KT_ASSERT(memfd_create("ktest-memfd", 3 * PAGE_SIZE + 3, NULL, &f) == 0);
	KT_EXPECT_EQ(f->nfolios, 4);
	KT_EXPECT_EQ(memfd_fill(f, 99), 0);
	KT_EXPECT_EQ(memfd_verify(f, 99, &bad), 0);
	uint8_t x = 0x5a;
	KT_EXPECT_EQ(memfd_write(f, 4097, &x, 1), 0);
	KT_EXPECT_EQ(memfd_verify(f, 99, &bad), -EIO);
	KT_EXPECT_EQ(bad, 4097);
	KT_EXPECT_EQ(memfd_truncate(f, 10), 0);
	KT_EXPECT_EQ(memfd_truncate(f, 20), 0);
	uint8_t buf[20];
	KT_EXPECT_EQ(memfd_read(f, 0, buf, sizeof(buf)), 20);
	KT_EXPECT(buf[10] == 0 && buf[19] == 0);
	KT_EXPECT_EQ(memfd_add_seals(f, F_SEAL_SHRINK | F_SEAL_SEAL), 0);
	KT_EXPECT_EQ(memfd_truncate(f, 5), -EPERM);
	KT_EXPECT_EQ(memfd_add_seals(f, F_SEAL_GROW), -EPERM);
	memfd_close(f);
	KT_EXPECT_EQ(free_bytes(), before);
}
