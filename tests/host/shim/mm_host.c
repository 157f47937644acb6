/*
 * Host mm: include/mm.h's allocator entry points over mm/buddy.c (see mm_host.h).
 * Each function does what its mm/mm.c namesake does, minus the direct map and KHO.
 */
#include <errno.h>
#include <mm.h>
#include <panic.h>
#include <stdlib.h>
#include <string.h>
#include "mm_host.h"

static struct buddy zones[NR_ZONES];
static struct page *map;
static uint8_t *sec;
static uint64_t map_pages;
static bool zones_ready;
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
	memset(sec, 0xAA, npages / SECTION_PAGES);      /* buddy_init zeroes it */
	map_pages = npages;
	for (unsigned z = 0; z < NR_ZONES; z++)
		buddy_init(&zones[z], (uint8_t)z, 0, npages, map, sec);
	zones_ready = true;
}

void mm_host_add(enum zone_id id, uint64_t pfn, uint64_t n)
{
	BUG_ON(!zones_ready || id >= NR_ZONES || pfn == 0,
	       "mm_host_add(%u, %#llx, %#llx): no zones, no such zone, or frame 0", id,
	       (unsigned long long)pfn, (unsigned long long)n);
	buddy_add_range(&zones[id], pfn, n);
}

void mm_host_fini(void)
{
	kho_n = kho_restores = 0;
	free(map);
	free(sec);
	map = NULL;
	sec = NULL;
	map_pages = 0;
	zones_ready = false;
	memset(zones, 0, sizeof(zones));
}

struct page *mm_host_map(void)
{
	return map;
}

uint64_t mm_host_npages(void)
{
	return map_pages;
}

bool mm_ready(void)
{
	return zones_ready;
}

paddr_t page_alloc(unsigned order, unsigned gfp)
{
	BUG_ON(!zones_ready, "page_alloc before mm_init");
	BUG_ON(gfp & GFP_ZERO, "host page_alloc(%u, %#x): GFP_ZERO, but host frames have no memory",
	       order, gfp);
	uint64_t pfn = BUDDY_NONE;
	if (!(gfp & GFP_SCRATCH))
		pfn = buddy_alloc(&zones[ZONE_NORMAL], order);
	if (pfn == BUDDY_NONE && !(gfp & GFP_PRESERVABLE))
		pfn = buddy_alloc(&zones[ZONE_SCRATCH], order);
	if (pfn == BUDDY_NONE)
		return 0;
	return pfn << PAGE_SHIFT;
}

struct buddy *mm_zone(enum zone_id id)
{
	return &zones[id];
}

struct buddy *mm_zone_of(paddr_t pa)
{
	uint64_t head;
	if (!zones_ready)
		return NULL;
	struct page *p = buddy_block_of(&zones[ZONE_NORMAL], pa >> PAGE_SHIFT, &head);
	if (!p || p->zone >= NR_ZONES)
		return NULL;
	return &zones[p->zone];
}

void page_free(paddr_t pa, unsigned order)
{
	struct buddy *z = mm_zone_of(pa);
	BUG_ON(!z, "page_free(%#llx, %u): not a managed frame", (unsigned long long)pa, order);
	buddy_free(z, pa >> PAGE_SHIFT, order);
}

enum page_state mm_page_state(paddr_t pa, paddr_t *head, unsigned *order)
{
	uint64_t h;
	if (!zones_ready)
		return PAGE_RESERVED;
	struct page *p = buddy_block_of(&zones[ZONE_NORMAL], pa >> PAGE_SHIFT, &h);
	if (!p)
		return PAGE_RESERVED;
	if (head)
		*head = h << PAGE_SHIFT;
	if (order)
		*order = p->order;
	return (enum page_state)p->state;
}

struct page *mm_page(paddr_t pa)
{
	uint64_t h;
	if (!zones_ready)
		return NULL;
	struct page *p = buddy_block_of(&zones[ZONE_NORMAL], pa >> PAGE_SHIFT, &h);
	return p && h == pa >> PAGE_SHIFT ? p : NULL;
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
