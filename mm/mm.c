/*
 * Memory bring-up and the page allocator (include/mm.h); the zones themselves, and
 * the lookups over them, are mm/zones.c.
 *
 * mm_init() order, each step needing only the ones before it:
 *   1. memblock from boot_info: RAM; reserve the first MiB (firmware, and frame 0 is
 *      never handed out), the kernel image, the boot information and the modules;
 *   2. scratch (the handover hooks, include/mm.h; KHO's): after a live update, memblock may allocate only
 *      there until the handover's preserved blocks are reserved;
 *   3. page tables: a direct map of all RAM (tables from memblock, below 4 GiB while
 *      the boot tables are still the ones in use);
 *   4. the incoming handover (the hooks again): checked, its preserved blocks reserved;
 *   5. the memmap (16 bytes per frame of RAM, left uninitialised: see
 *      include/buddy.h) and its section bytes (zeroed), from memblock, mapped where
 *      there is RAM only (mm/memmap.c);
 *   6. the zones, given every free memblock range (scratch to ZONE_SCRATCH).
 * After that memblock is closed (its tables are history, never consulted or
 * changed again) and page_alloc() is the only allocator. Preserved blocks stay out
 * of the zones until someone restores them (kho/kho_in.c).
 */
#include <boot_info.h>
#include <errno.h>
#include <layout.h>
#include <memblock.h>
#include <mm.h>
#include <panic.h>
#include <paging.h>
#include <printk.h>
#include <string.h>
#include <x86.h>
#include "memmap.h"
#include "pcp.h"
#include "zones.h"

static bool scrub;
static uint64_t memmap_bytes, memmap_tsc;

void *memblock_virt(paddr_t pa)
{
	return phys_to_virt(pa);
}

static void reserve(paddr_t base, uint64_t size, const char *what)
{
	paddr_t a = ALIGN_DOWN(base, (paddr_t)PAGE_SIZE);
	paddr_t b = ALIGN_UP(base + size, (paddr_t)PAGE_SIZE);
	int err = memblock_reserve(&memblock, a, b - a);
	BUG_ON(err, "cannot reserve %s [%#llx-%#llx): %d", what, (unsigned long long)a,
	       (unsigned long long)b, err);
}

static void add_pages(enum zone_id z, paddr_t a, paddr_t b)
{
	uint64_t first = ALIGN_UP(a, (paddr_t)PAGE_SIZE) >> PAGE_SHIFT;
	uint64_t last = ALIGN_DOWN(b, (paddr_t)PAGE_SIZE) >> PAGE_SHIFT;
	if (last > first)
		mm_zone_add(z, first, last - first);
}

/* A free range goes to the scratch zone where it lies in scratch, else to normal. */
static void add_free(paddr_t base, uint64_t size, void *arg)
{
	paddr_t at = base, end = base + size;
	(void)arg;
	for (unsigned i = 0; i < memblock.scratch.cnt && at < end; i++) {
		const struct memblock_region *s = &memblock.scratch.regions[i];
		paddr_t s0 = MAX(s->base, at), s1 = MIN(s->base + s->size, end);
		if (s0 >= s1)
			continue;
		add_pages(ZONE_NORMAL, at, s0);
		add_pages(ZONE_SCRATCH, s0, s1);
		at = s1;
	}
	add_pages(ZONE_NORMAL, at, end);
}

void mm_init(struct boot_info *bi)
{
	memblock_init(&memblock);
	memblock.limit = BOOT_MAP_LIMIT;
	paddr_t ram_end = 0;
	for (unsigned i = 0; i < bi->nmem; i++) {
		const struct boot_mem_range *r = &bi->mem[i];
		if (r->type != BOOT_MEM_RAM)
			continue;
		BUG_ON(memblock_add(&memblock, r->base, r->size), "memblock table full");
		ram_end = MAX(ram_end, r->base + r->size);
	}
	reserve(0, MiB, "the first MiB");
	reserve(bi->kernel_start, bi->kernel_end - bi->kernel_start, "the kernel image");
	reserve(bi->info_addr, bi->info_size, "the boot information");
	for (unsigned i = 0; i < bi->nmod; i++)
		reserve(bi->mod[i].base, bi->mod[i].size, bi->mod[i].name);

	mm_handover()->scratch_init(bi);
	paging_init(ram_end);
	mm_handover()->memory_init(bi);
	memblock.limit = UINT64_MAX;

	uint64_t t0 = rdtsc();
	uint64_t npages = ALIGN_UP(ram_end >> PAGE_SHIFT, (uint64_t)SECTION_PAGES);
	struct page *map;
	uint8_t *sec;
	memmap_build(npages, &map, &sec);
	memmap_bytes = memmap_backed_bytes();
	mm_zones_setup(npages, map, sec);
	memblock_for_each_free(&memblock, add_free, NULL);
	memmap_tsc = rdtsc() - t0;
	mm_zones_open();
	mm_handover()->memory_finish();
}

/* Every free list of both zones walked and checked (BUG_ON with values), each
 * under its zone's lock, then the CPUs' page caches, with the test instruments only
 * (KTEST=1: mm/mm_ktest.c runs it once the boot is done, out of the blackout): a
 * 1 TiB guest's zones hold a thousand blocks to walk. */
void mm_check_zones(void)
{
	for (unsigned z = 0; z < NR_ZONES; z++) {
		uint64_t f = spin_lock_irqsave(&mm_zones[z].lock);
		buddy_check(&mm_zones[z]);
		spin_unlock_irqrestore(&mm_zones[z].lock, f);
	}
	pcp_check();
}

paddr_t page_alloc(unsigned order, unsigned gfp)
{
	uint64_t pfn = mm_zones_alloc(order, gfp);
	if (pfn == BUDDY_NONE)
		return 0;
	paddr_t pa = pfn << PAGE_SHIFT;
	if ((gfp & GFP_ZERO) || scrub)
		memset(phys_to_virt(pa), 0, PAGE_SIZE << order);
	return pa;
}

void mm_scrub_on_alloc(void)
{
	scrub = true;
}

void mm_stats(struct mm_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->total = memblock_total(&memblock.memory);
	for (unsigned z = 0; z < NR_ZONES; z++)       /* the CPUs' caches included */
		s->free += mm_zone_free_pages(z, s->nr_free) << PAGE_SHIFT;
	s->reserved = memblock_total(&memblock.reserved);
	s->memmap = memmap_bytes;
	s->tables = paging_table_bytes();
	s->memmap_init_tsc = memmap_tsc;
}

const char *page_state_name(enum page_state st)
{
	switch (st) {
	case PAGE_FREE: return "free";
	case PAGE_ALLOC: return "allocated";
	case PAGE_HUGETLB: return "hugetlb";
	case PAGE_PRESERVED: return "preserved";
	case PAGE_RESERVED: return "reserved";
	default: return "none";
	}
}

/*
 * Bytes held by what the boot handed over and the kernel keeps reserved: the
 * information block and the modules (page-rounded, overlaps counted once, the
 * always-reserved first MiB and kernel slot left out), what the handover still
 * holds (the handover hooks), and memblock's tables where they outgrew their static
 * arrays (a handover of many runs grows them). free + this is the same on a cold
 * boot and after any number of live updates that restore everything: the leak check
 * of the KHO self-test.
 */
uint64_t mm_boot_data_bytes(void)
{
	static struct { paddr_t a, b; } r[BOOT_MOD_MAX + 1];
	const struct boot_info *bi = &boot_info;
	unsigned n = 0;
	r[n].a = ALIGN_DOWN(bi->info_addr, (paddr_t)PAGE_SIZE);
	r[n++].b = ALIGN_UP(bi->info_addr + bi->info_size, (paddr_t)PAGE_SIZE);
	for (unsigned i = 0; i < bi->nmod; i++) {
		r[n].a = ALIGN_DOWN(bi->mod[i].base, (paddr_t)PAGE_SIZE);
		r[n++].b = ALIGN_UP(bi->mod[i].base + bi->mod[i].size, (paddr_t)PAGE_SIZE);
	}
	for (unsigned i = 1; i < n; i++)                 /* insertion sort by start */
		for (unsigned j = i; j > 0 && r[j - 1].a > r[j].a; j--) {
			paddr_t a = r[j].a, b = r[j].b;
			r[j] = r[j - 1];
			r[j - 1].a = a;
			r[j - 1].b = b;
		}
	/* Below the end of the kernel slot everything is reserved anyway: not counted. */
	uint64_t bytes = 0;
	paddr_t end = KERNEL_PHYS + KERNEL_SLOT_SIZE;
	for (unsigned i = 0; i < n; i++) {
		paddr_t a = MAX(r[i].a, end);
		if (r[i].b > a)
			bytes += r[i].b - a;
		end = MAX(end, r[i].b);
	}
	return bytes + memblock.grown_bytes + mm_handover()->boot_data_bytes();
}
