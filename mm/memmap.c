/*
 * The memmap, kept per present section as Linux's sparse memory model keeps it
 * (SPARSEMEM_VMEMMAP): one virtually contiguous array of struct page at
 * VMEMMAP_BASE (include/layout.h), indexed by frame number like a flat one, but
 * backed by memory only where there is RAM. Each run of RAM gets the slice of the
 * array that describes it (rounded out to 2 MiB of memmap, mapped with 2 MiB
 * pages): 16 bytes per frame of RAM whatever the layout, where a flat array would
 * also spend 16 bytes per frame of every hole below the end of RAM (QEMU puts a 1 TiB
 * guest's high RAM above 1 TiB, past a hole of almost as much).
 *
 * The section bits (two per 2 MiB section, include/buddy.h) are kept the same way
 * at VSEC_BASE: the pages that describe RAM are real and zeroed; every other page of
 * the array is one shared zeroed page mapped read-only, because the buddy reads
 * the byte of a section in a hole (a buddy next to a hole) but never writes it.
 *
 * Nothing here is touched per frame: the buddy initialises entries lazily. Building
 * costs one allocation and a few page-table entries per run of RAM, and zeroing
 * one byte per 8 MiB of RAM.
 */
#include <layout.h>
#include <memblock.h>
#include <mm.h>
#include <paging.h>
#include <panic.h>
#include <string.h>
#include "memmap.h"

#define SEC_PAGE_SPAN  ((uint64_t)PAGE_SIZE * 4 * SECTION_PAGES * PAGE_SIZE)  /* 32 GiB */
#define MAP_FLAGS      (PTE_WRITE | PTE_GLOBAL | PTE_NX)

static uint64_t backed;                 /* bytes of memory behind both arrays */

/* Back [va, va + len) with memory from memblock: 1 GiB aligned when va is and the
 * slice is that large (so 1 GiB pages map it), else as align asks. */
static void back(uint64_t va, uint64_t len, uint64_t align)
{
	paddr_t pa = 0;
	if (IS_ALIGNED(va, GiB) && len >= GiB)
		pa = memblock_alloc(&memblock, len, GiB);
	if (!pa)
		pa = memblock_alloc(&memblock, len, align);
	BUG_ON(!pa, "no room for %llu bytes of memmap at %#llx", (unsigned long long)len,
	       (unsigned long long)va);
	BUG_ON(paging_map_range(va, pa, len, MAP_FLAGS), "cannot map the memmap at %#llx",
	       (unsigned long long)va);
	backed += len;
}

/* The slices of struct page for every run of RAM. */
static void build_map(void)
{
	uint64_t mapped_end = 0;                  /* memmap offsets below are backed */
	for (unsigned i = 0; i < memblock.memory.cnt; i++) {
		const struct memblock_region *r = &memblock.memory.regions[i];
		uint64_t a = ALIGN_DOWN((r->base >> PAGE_SHIFT) * sizeof(struct page), 2 * MiB);
		uint64_t b = ALIGN_UP(((r->base + r->size) >> PAGE_SHIFT) * sizeof(struct page),
				      2 * MiB);
		a = MAX(a, mapped_end);
		if (a < b)
			back(VMEMMAP_BASE + a, b - a, 2 * MiB);
		mapped_end = MAX(mapped_end, b);
	}
}

/* The section bytes: pages over RAM real and zeroed, the rest one zero page. */
static void build_sec(uint64_t bytes)
{
	uint64_t npages = ALIGN_UP(bytes, (uint64_t)PAGE_SIZE) / PAGE_SIZE;
	paddr_t zero = memblock_alloc(&memblock, PAGE_SIZE, PAGE_SIZE);
	BUG_ON(!zero, "no page for the memmap's holes");
	memset(phys_to_virt(zero), 0, PAGE_SIZE);
	backed += PAGE_SIZE;
	unsigned r = 0;
	for (uint64_t p = 0; p < npages;) {
		paddr_t lo = p * SEC_PAGE_SPAN;
		while (r < memblock.memory.cnt && memblock.memory.regions[r].base +
		       memblock.memory.regions[r].size <= lo)
			r++;
		bool ram = r < memblock.memory.cnt && memblock.memory.regions[r].base < lo + SEC_PAGE_SPAN;
		if (!ram) {
			BUG_ON(paging_map_range(VSEC_BASE + p * PAGE_SIZE, zero, PAGE_SIZE,
						PTE_GLOBAL | PTE_NX),
			       "cannot map the memmap's section bytes");
			p++;
			continue;
		}
		uint64_t q = p + 1;                  /* a run of pages over RAM */
		while (q < npages && r < memblock.memory.cnt &&
		       memblock.memory.regions[r].base + memblock.memory.regions[r].size >
		       q * SEC_PAGE_SPAN)
			q++;
		back(VSEC_BASE + p * PAGE_SIZE, (q - p) * PAGE_SIZE, PAGE_SIZE);
		memset((void *)(VSEC_BASE + p * PAGE_SIZE), 0, (q - p) * PAGE_SIZE);
		p = q;
	}
}

void memmap_build(uint64_t npages, struct page **map, uint8_t **sec)
{
	backed = 0;
	build_map();
	build_sec(BUDDY_SEC_BYTES(npages));
	*map = (struct page *)VMEMMAP_BASE;
	*sec = (uint8_t *)VSEC_BASE;
}

uint64_t memmap_backed_bytes(void)
{
	return backed;
}
