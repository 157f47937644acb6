/*
 * Fixed addresses of Baton's address space (shared by C, assembly and linker.ld).
 *
 *   0x0000_0000_0000_0000  identity map of low memory (boot only; dropped later)
 *   0xffff_8000_0000_0000  direct map: virtual = physical + DIRECT_MAP_BASE
 *   0xffff_c900_0000_0000  vmalloc areas (include/vmalloc.h)
 *   0xffff_e900_0000_0000  the memmap's section bytes, one per 2 MiB (VSEC_BASE)
 *   0xffff_ea00_0000_0000  the memmap, 16 bytes per frame (VMEMMAP_BASE): backed
 *                          only where there is RAM, so holes in the physical
 *                          address space cost no memmap (mm/memmap.c)
 *   0xffff_ffff_8000_0000  the kernel image: virtual = physical + KERNEL_VBASE
 *
 * The kernel image is loaded at KERNEL_PHYS and never relocates: every kernel of a
 * live-update chain runs at the same physical address (kexec copies the next one
 * there), which is why that slot lies in scratch memory.
 */
#ifndef LAYOUT_H
#define LAYOUT_H

#define KERNEL_PHYS      0x100000
#define KERNEL_VBASE     0xffffffff80000000
/* [KERNEL_PHYS, +4 MiB): every kernel's image (a C expression: types.h's MiB). */
#define KERNEL_SLOT_SIZE (4 * MiB)
#define DIRECT_MAP_BASE  0xffff800000000000
#define VSEC_BASE        0xffffe90000000000
#define VMEMMAP_BASE     0xffffea0000000000
#define BOOT_MAP_LIMIT   0x100000000   /* the boot page tables map the first 4 GiB */
#define PAGE_SIZE        4096
#define PAGE_SHIFT       12
#define BOOT_STACK_SIZE  (64 * 1024)

#ifndef __ASSEMBLY__
#include <types.h>

static inline void *phys_to_virt(paddr_t pa) { return (void *)(uintptr_t)(pa + DIRECT_MAP_BASE); }
static inline paddr_t virt_to_phys(const void *va)
{
	uintptr_t v = (uintptr_t)va;
	return v >= KERNEL_VBASE ? v - KERNEL_VBASE : v - DIRECT_MAP_BASE;
}
#endif
#endif
