/*
 * Kexec HandOver (KHO, "kho-v4"): what kernel N keeps for kernel N+1, and how N+1
 * takes it back. Model (docs/kho.md):
 *
 *   - Scratch: ranges that never hold preserved memory. A cold boot chooses them
 *     (the kernel slot at KERNEL_PHYS, where every kernel of the chain runs, plus a
 *     "global" area sized by kho_scratch=); every later kernel reuses them as
 *     handed over. N+1 allocates only from scratch until it has reserved every
 *     preserved block.
 *   - Preserved memory is tracked, never copied: a radix tree of (address, order)
 *     bits whose root the root FDT names; users hang their own metadata off the
 *     root FDT as named subtrees.
 *   - A handover that fails any check is dropped as a whole: N+1 logs why, boots
 *     cold, and zeroes every page it hands out from then on (old contents never
 *     reach a new owner).
 *
 * Every int function returns 0 or a negative errno.
 */
#ifndef KHO_H
#define KHO_H
#include <abi/kho.h>
#include <errno.h>
#include <mm.h>
#include <string.h>
#include <types.h>

struct boot_info;
struct memblock;

#define KHO_SCRATCH_MAX   16


/* ---- boot (mm_init calls these through kho_mm_handover, in this order) ---- */
struct mm_handover_ops;
extern const struct mm_handover_ops kho_mm_handover;   /* kho/kho_mm.c */
/* Decide the scratch ranges and put them in memblock; scratch-only if incoming. */
void kho_scratch_init(struct boot_info *bi);
/* After the direct map: check the incoming handover and reserve what it preserves. */
void kho_memory_init(struct boot_info *bi);
/* After the zones exist: release what the walk needed (not the tree: restores use it). */
void kho_memory_finish(void);
/* Then, with kmalloc: the outgoing tree and FDT; the incoming kexec-metadata. */
void kho_init(void);

bool kho_in_scratch(paddr_t pa, uint64_t size);
const struct kho_scratch *kho_scratch_ranges(unsigned *n);
bool kho_is_boot(void);
/* Reserved bytes the incoming handover still holds outside preserved blocks and the
 * boot information: its scratch array, root FDT page and, until released, tree pages. */
uint64_t kho_boot_data_bytes(void);                 /* this boot took over a valid handover */
bool kho_dropped(void);                 /* a handover came but was refused */
const char *kho_drop_reason(void);
uint64_t kho_kexec_count(void);         /* kexecs since the last cold boot */

/* ---- kernel N: preserving ---- */
/* A block of 2^order pages at pa; -EINVAL in scratch or misaligned, -EEXIST again. */
int kho_preserve_folio(paddr_t pa, unsigned order);
int kho_unpreserve_folio(paddr_t pa, unsigned order);
/* Any page range, split into naturally aligned blocks; all or nothing. */
int kho_preserve_pages(paddr_t pa, uint64_t npages);
int kho_unpreserve_pages(paddr_t pa, uint64_t npages);
/* A vmalloc area by its frames; fills desc for the user's own metadata. */
int kho_preserve_vmalloc(const void *ptr, struct kho_vmalloc *desc);
void kho_unpreserve_vmalloc(struct kho_vmalloc *desc);
/* Zeroed, preserved memory of size bytes (a power-of-two block); *pa its address. */
int kho_alloc_preserve(size_t size, paddr_t *pa);
void kho_unpreserve_free(paddr_t pa);
/* The same for KHO's and LUO's own state, which kho_preserved_bytes() leaves out;
 * given back with kho_unpreserve_free_meta(). */
int kho_alloc_preserve_meta(size_t size, paddr_t *pa);
void kho_unpreserve_free_meta(paddr_t pa);
/* Name a blob (preserved by its owner) in the root FDT. */
int kho_add_subtree(const char *name, paddr_t blob, uint64_t size);
int kho_remove_subtree(paddr_t blob);
uint64_t kho_preserved_bytes(void);   /* what users preserved, own state left out */
/* Pages of the outgoing radix tree (its own memory, not counted as preserved). */
uint64_t kho_out_tree_pages(void);

/* ---- kernel N+1: taking back ---- */
/* A subtree of the accepted handover: its blob lies inside one preserved block
 * (kho_memory_init refuses a handover where any does not). -ENOENT if none. */
int kho_retrieve_subtree(const char *name, paddr_t *pa, uint64_t *size);
/* Take a preserved block as an allocated one (*order set); -EINVAL if pa does not
 * head a preserved, not yet restored block. Free it later with page_free(). */
int kho_restore_folio(paddr_t pa, unsigned *order);
/* Is (pa, order) exactly a preserved, not yet restored block? One bit test. */
bool kho_is_preserved_block(paddr_t pa, unsigned order);
/* Is [pa, pa+size) inside one preserved, not yet restored block? */
bool kho_is_preserved(paddr_t pa, uint64_t size);
/* Is pa inside a preserved, not yet restored block? Then its head and order. */
bool kho_preserved_block(paddr_t pa, paddr_t *head, unsigned *order);
int kho_restore_pages(paddr_t pa, uint64_t npages);
void *kho_restore_vmalloc(const struct kho_vmalloc *desc);
/* Give back a preserved block nobody will restore (it joins the free memory). */
int kho_restore_free(paddr_t pa);
/* Take a small record out of preserved memory: restore the folio at pa, copy its
 * first size bytes to buf, free the folio. 0, or -EINVAL if pa is not a preserved
 * block or is smaller than size (nothing copied). */
static inline int kho_restore_copy(paddr_t pa, void *buf, size_t size)
{
	unsigned order;
	if (kho_restore_folio(pa, &order))
		return -EINVAL;
	bool fits = size <= ((uint64_t)PAGE_SIZE << order);
	if (fits)
		memcpy(buf, page_virt(pa), size);
	page_free(pa, order);
	return fits ? 0 : -EINVAL;
}


/*
 * Incoming checks of the layers above (LUO), so KHO names none of them:
 * KHO_IN_CHECK(subtree, fn) places a check in the .kho_in_check section. Before
 * anything preserved is reserved, KHO calls fn(pa, size, preserved) for the
 * subtree of that name, if the handover has one; fn returns NULL to accept, or the
 * reason to refuse the whole handover. preserved(pa, size) says whether memory lies
 * inside one preserved block of the incoming tree (the only memory fn may read).
 */
struct kho_in_check {
	const char *subtree;
	const char *(*check)(paddr_t pa, uint64_t size, bool (*preserved)(paddr_t, uint64_t));
};
#define KHO_IN_CHECK(name, fn)                                                        \
	static const struct kho_in_check __kho_in_check_##fn                          \
		__section(".kho_in_check") __used                                     \
		__aligned_entry(struct kho_in_check) = { name, fn }

/* ---- kexec ---- */
/* Fill the handover description for the next kernel (after kexec-metadata is
 * written); the scratch array copy lives in scratch. */
int kho_finalize(struct kho_data *out);
/* Undo kho_finalize after a failed exec (the system goes on). */
void kho_abort(void);
#endif
