/*
 * Host mm (shim/mm_host.c): include/mm.h for kernel code above the buddy, from the
 * kernel's own mm/zones.c (page_free, mm_page, mm_page_state, mm_zone, mm_zone_of,
 * mm_ready), mm/pcp.c (the per-CPU page caches: link shim/percpu_host.c too) and
 * mm/buddy.c, with the bring-up and page_alloc that mm/mm.c would do, over a memmap
 * of the host's: ZONE_NORMAL and ZONE_SCRATCH both span frames [0, npages) and
 * share one malloc'ed memmap, which starts out as garbage (0xAA, like the kernel's
 * uninitialised memmap) with zeroed section bytes. Nothing is free until
 * mm_host_add() gives a zone a range.
 *
 * Frames have no memory behind them: only the memmap is real, so page_virt() and
 * phys_to_virt() must not be used on them, and page_alloc(GFP_ZERO) panics. Frame 0
 * may not be added (page_alloc returns 0 for "none"). KHO is a set of blocks the test
 * declares preserved; mm_page_state() of a frame no zone describes is PAGE_RESERVED.
 */
#ifndef MM_HOST_H
#define MM_HOST_H
#include <mm.h>

/* Both zones over [0, npages) (a multiple of 512), nothing free; replaces any old ones. */
void mm_host_init(uint64_t npages);
/* Give frames [pfn, pfn + n) to zone id as free memory (mm_zone_add). */
void mm_host_add(enum zone_id id, uint64_t pfn, uint64_t n);
/* Free the memmap; mm_ready() turns false. */
void mm_host_fini(void);
/* The shared memmap and its size in entries (to look at raw entries). */
struct page *mm_host_map(void);
uint64_t mm_host_npages(void);
/* A block (allocated by the test) handed over by KHO: kho_restore_folio() gives it
 * back once, kho_is_preserved_block() sees it until then. mm_host_fini() forgets all. */
void mm_host_kho_preserve(paddr_t pa, unsigned order);
unsigned mm_host_kho_restores(void);       /* successful kho_restore_folio() calls */
#endif
