/*
 * Host KHO (shim/kho_host.c): what kho/kho_out.c needs below it, over an arena with
 * memory behind every frame, for test_kho_out:
 *   - phys_to_virt/virt_to_phys (routed here by shim/host_direct_map.h) and
 *     kho_phys_to_virt over the arena: KH_PAGES pages at physical KH_BASE; other
 *     addresses fail the test;
 *   - page_alloc/page_free/mm_page (include/mm.h): first fit, naturally aligned;
 *     GFP_SCRATCH from the first KH_SCRATCH_PAGES pages (the first scratch range),
 *     anything else from the rest; freed pages are poisoned; every misuse fails;
 *   - kho_scratch_ranges/kho_in_scratch and struct kho_in (kho/kho_scratch.c's):
 *     the arena's scratch part and a second range at KH_SCRATCH2 with no memory;
 *   - vmalloc_area: the one area the test declares;
 *   - kho_retrieve_subtree/kho_restore_free (kho/kho_in.c's): no incoming handover.
 */
#ifndef KHO_HOST_H
#define KHO_HOST_H
#include <types.h>

struct vm_area;

#define KH_BASE          0x40000000ull          /* 1 GiB */
#define KH_PAGES         2048u                  /* 8 MiB */
#define KH_SCRATCH_PAGES 256u                   /* [KH_BASE, +1 MiB): scratch */
#define KH_NORMAL        (KH_BASE + KH_SCRATCH_PAGES * 4096ull)
#define KH_SCRATCH2      0x80000000ull          /* 2 MiB of scratch, no memory */
#define KH_SCRATCH2_SIZE 0x200000ull

/* Map the arena (poisoned, nothing allocated); nscratch: how many ranges kho_init
 * sees (0: none, 1 or 2). */
void kh_init(unsigned nscratch);
/* The next n page_alloc calls succeed, the one after returns 0 (~0u: never). */
void kh_fail_alloc_after(unsigned n);
unsigned kh_live_pages(void);              /* pages allocated now */
/* vmalloc_area(p) gives a for p == (void *)a->va, else NULL. */
void kh_set_vm_area(const struct vm_area *a);
#endif
