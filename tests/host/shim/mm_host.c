/*
 * Host mm (see mm_host.h): a malloc'ed memmap under the kernel's own mm/zones.c and
 * mm/buddy.c; here only what mm/mm.c does around them (bring-up, page_alloc without
 * a direct map), and KHO as a set of declared blocks.
 */
#include <errno.h>
#include <mm.h>
#include <panic.h>
#include <stdlib.h>
#include <string.h>
#include "mm_host.h"
#include "../../../mm/zones.h"

static const struct mm_handover_ops host_handover;
static struct page *map;
static uint8_t *sec;
static uint64_t map_pages;
/* KHO as hugetlb.c sees it after a live update: a set of preserved blocks (taken
 * from a zone by the test), each restorable once. */
#define KHO_HOST_MAX 64
static struct { paddr_t pa; unsigned order; } kho_blocks[KHO_HOST_MAX];
static unsigned kho_n, kho_restores;

void mm_host_init(uint64_t npages)
{
	mm_host_fini();
	BUG_ON(!npages || npages % SECTION_PAGES, "mm_host_init(%#llx): not whole sections",
	       (unsigned long long)npages);
	map = malloc(npages * sizeof(struct page));
	sec = malloc(npages / SECTION_PAGES);
	BUG_ON(!map || !sec, "mm_host_init(%#llx): out of host memory", (unsigned long long)npages);
	memset(map, 0xAA, npages * sizeof(struct page));
	memset(sec, 0, npages / SECTION_PAGES);         /* zeroed, as mm_zones_setup wants it */
	map_pages = npages;
	mm_zones_setup(npages, map, sec);
	mm_zones_open();
	mm_set_handover(&host_handover);
}

void mm_host_add(enum zone_id id, uint64_t pfn, uint64_t n)
{
	BUG_ON(!mm_ready() || id >= NR_ZONES || pfn == 0,
	       "mm_host_add(%u, %#llx, %#llx): no zones, no such zone, or frame 0", id,
	       (unsigned long long)pfn, (unsigned long long)n);
	mm_zone_add(id, pfn, n);
}

void mm_host_fini(void)
{
	kho_n = kho_restores = 0;
	free(map);
	free(sec);
	map = NULL;
	sec = NULL;
	map_pages = 0;
	mm_zones_close();
	memset(mm_zones, 0, sizeof(mm_zones));
}

struct page *mm_host_map(void)
{
	return map;
}

uint64_t mm_host_npages(void)
{
	return map_pages;
}

paddr_t page_alloc(unsigned order, unsigned gfp)
{
	BUG_ON(gfp & GFP_ZERO, "host page_alloc(%u, %#x): GFP_ZERO, but host frames have no memory",
	       order, gfp);
	uint64_t pfn = mm_zones_alloc(order, gfp);
	return pfn == BUDDY_NONE ? 0 : pfn << PAGE_SHIFT;
}

/* kvmalloc/kvfree for hugetlb.c's folio list: plain heap memory on the host. */
void *kvmalloc(size_t n)
{
	return calloc(1, n ? n : 1);
}

void kvfree(const void *p)
{
	free((void *)p);
}

/* KHO as hugetlb.c sees it after a live update: a set of preserved blocks (taken
 * from a zone by the test), each restorable once. */

void mm_host_kho_preserve(paddr_t pa, unsigned order)
{
	if (kho_n == KHO_HOST_MAX)
		abort();
	kho_blocks[kho_n].pa = pa;
	kho_blocks[kho_n++].order = order;
}

unsigned mm_host_kho_restores(void)
{
	return kho_restores;
}

static int kho_find(paddr_t pa)
{
	for (unsigned i = 0; i < kho_n; i++)
		if (kho_blocks[i].pa == pa)
			return (int)i;
	return -1;
}

int kho_restore_folio(paddr_t pa, unsigned *order)
{
	int i = kho_find(pa);
	if (i < 0)
		return -EINVAL;
	*order = kho_blocks[i].order;
	kho_blocks[i] = kho_blocks[--kho_n];
	kho_restores++;
	return 0;
}

bool kho_is_preserved_block(paddr_t pa, unsigned order)
{
	int i = kho_find(pa);
	return i >= 0 && kho_blocks[i].order == order;
}

bool kho_preserved_block(paddr_t pa, paddr_t *head, unsigned *order)
{
	for (unsigned i = 0; i < kho_n; i++)
		if (pa - kho_blocks[i].pa < ((uint64_t)PAGE_SIZE << kho_blocks[i].order)) {
			*head = kho_blocks[i].pa;
			*order = kho_blocks[i].order;
			return true;
		}
	return false;
}

/* The handover hooks mm/ calls (include/mm.h): KHO's three block questions over the
 * declared set (named as KHO names them: the tests restore a block as a memfd
 * would); the boot hooks are never called on the host. */
static const struct mm_handover_ops host_handover = {
	.preserved_block = kho_preserved_block,
	.is_preserved_block = kho_is_preserved_block,
	.restore_folio = kho_restore_folio,
};
