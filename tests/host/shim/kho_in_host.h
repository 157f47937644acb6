/*
 * Host machine for test_kho_in (shim/kho_in_host.c): the kernel's real mm_init
 * (mm/mm.c over mm/memblock.c, mm/zones.c, mm/buddy.c) with KHO's hooks
 * (kho/kho_mm.c), so that one kernel can preserve and kexec and the next one can
 * take the handover over, each a forked child:
 *
 *   - RAM is physical [0, KI_RAM): one shared mapping (the children of one test see
 *     what the last one left there). include/layout.h's phys_to_virt/virt_to_phys
 *     are routed to it by shim/host_direct_map.h, forced in; memblock_virt (mm.c)
 *     and kho_phys_to_virt (kho_in.c) go through them. Any other address fails the
 *     test;
 *   - paging_init/paging_table_bytes: nothing to map (the arena is the direct map);
 *   - kvmalloc/kvfree on calloc/free; vmalloc_area() gives the one area the test
 *     declares; vmap_frames() records its frames and returns a heap copy of their
 *     contents (ki_vmap());
 *   - boot_info, the global mm_boot_data_bytes() reads (boot/boot_info.c's is not
 *     linked).
 *
 * ki_kernel(fn) forks; the child (CMOCKA_TEST_ABORT=1: a failed assertion aborts it)
 * runs fn and exits through exit(), so LeakSanitizer checks each kernel on its own;
 * the parent fails the test unless the child exits 0.
 */
#ifndef KHO_IN_HOST_H
#define KHO_IN_HOST_H
#include <types.h>

#define KI_RAM     (64ull << 20)              /* physical [0, 64 MiB) */
#define KI_SHARED  (1u << 20)                 /* bytes of ki_shared() */

/* Poison all of RAM (0xdb) and zero ki_shared(): the machine before a cold boot. */
void ki_power_on(void);
/* Fork a kernel running fn; fails the test unless it exits 0. */
void ki_kernel(void (*fn)(void));
/* KI_SHARED bytes shared by the parent and every kernel (the test's own records). */
void *ki_shared(void);
/* Raw access to RAM (not through the kernel's view). */
void *ki_ram(paddr_t pa);

/* vmalloc_area(p) gives a for p == (void *)a->va, else NULL. */
struct vm_area;
void ki_set_vm_area(const struct vm_area *a);
/* What the last vmap_frames() got: its frames (n pieces of 2^order pages) and the
 * copy of their contents it returned (NULL if none yet). */
const void *ki_vmap(const paddr_t **frames, uint64_t *n, unsigned *order);
/* Free the last vmap_frames() copy. */
void ki_vunmap(void);
#endif
