/*
 * Page tables. paging_init() replaces the boot tables with Baton's own: a direct
 * map of [0, max(end of RAM, 4 GiB)) at DIRECT_MAP_BASE in 1 GiB pages when the CPU
 * has them (else 2 MiB, and above 4 GiB filled in one GiB at a time on first
 * touch), the kernel image at KERNEL_VBASE, and nothing at address
 * 0 (so a NULL dereference faults). map_page()/unmap_page() manage 4 KiB mappings
 * in the vmalloc region; intermediate tables come from memblock before the buddy
 * allocator is up and from the buddy after.
 */
#ifndef PAGING_H
#define PAGING_H
#include <types.h>

#define PTE_PRESENT  0x001ull
#define PTE_WRITE    0x002ull
#define PTE_PWT      0x008ull
#define PTE_PCD      0x010ull
#define PTE_HUGE     0x080ull
#define PTE_GLOBAL   0x100ull
#define PTE_NX       (1ull << 63)
#define PTE_ADDR     0x000ffffffffff000ull

void paging_init(paddr_t ram_end);
/* A page fault at va: fill in the lazily built direct map; false if not ours. */
bool paging_fault(uint64_t va);
/* Map [va, va + size) to [pa, pa + size) (4 KiB aligned): 2 MiB pages where both
 * are 2 MiB aligned, 4 KiB ones elsewhere; tables from memblock before the zones
 * exist. For regions never unmapped (the memmap). 0, -ENOMEM or -EEXIST. */
int paging_map_range(uint64_t va, paddr_t pa, uint64_t size, uint64_t flags);
/* Map one 4 KiB page; 0, -ENOMEM (no table page), -EEXIST (already mapped). */
int map_page(uint64_t va, paddr_t pa, uint64_t flags);
/* Unmap one 4 KiB page and flush it from the TLB; returns the old frame or 0. */
paddr_t unmap_page(uint64_t va);
/* The frame behind va, or 0 if unmapped. */
paddr_t paging_translate(uint64_t va);
/* Bytes of page tables built by paging_init (reported by meminfo's detail). */
uint64_t paging_table_bytes(void);
bool paging_has_gbpages(void);
paddr_t paging_root(void);
/* Tables for leaving or entering this kernel's address space: pml4 maps the first
 * gib GiB of physical memory at their own addresses (2 MiB pages; pd is gib pages)
 * and shares the running kernel's upper half. pml4 and pdpt must be zeroed. Used by
 * kexec's exit (4 GiB) and the other CPUs' start (1 GiB). */
void paging_identity(paddr_t pml4, paddr_t pdpt, paddr_t pd, unsigned gib);
#endif
