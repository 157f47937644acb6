/*
 * The physical page allocator that the rest of Baton uses, over the buddy zones.
 *
 * Zones: ZONE_NORMAL holds all RAM that may be handed over; ZONE_SCRATCH (filled by
 * the KHO code from the scratch ranges) holds memory that is never preserved.
 * GFP_PRESERVABLE asks for memory that may later be preserved: it never comes from
 * scratch. Other allocations try ZONE_NORMAL first, then scratch.
 *
 * Addresses are physical (paddr_t); page_virt() gives the direct-map pointer.
 * page_alloc returns 0 when it cannot allocate (frame 0 is always reserved).
 */
#ifndef MM_H
#define MM_H
#include <buddy.h>
#include <layout.h>
#include <types.h>

struct boot_info;

enum zone_id { ZONE_NORMAL = 0, ZONE_SCRATCH = 1, NR_ZONES };

#define GFP_ZERO        0x1u
#define GFP_PRESERVABLE 0x2u    /* may be preserved later: never from scratch */
#define GFP_SCRATCH     0x4u    /* only from scratch (kexec images and boot info) */

void mm_init(struct boot_info *bi);
/* Walk and check every free list of both zones; panics with values if one is off. */
void mm_check_zones(void);
bool mm_ready(void);

/*
 * page_alloc and page_free may be called on any CPU, with interrupts on or off.
 * Order-0 pages go through a per-CPU page cache (mm/pcp.c), whose pages count as
 * free everywhere free memory is reported; the locking rule is at the top of
 * mm/zones.c.
 */
paddr_t page_alloc(unsigned order, unsigned gfp);
/* From now on every page handed out is zeroed first (after a dropped handover). */
void mm_scrub_on_alloc(void);
void page_free(paddr_t pa, unsigned order);
static inline void *page_virt(paddr_t pa) { return phys_to_virt(pa); }
/* The allocated block (pa, order) becomes 2^(order - to) allocated blocks of order
 * `to`, each freed on its own later. */
void page_split(paddr_t pa, unsigned order, unsigned to);
/* A block no zone managed (handed over by the previous kernel) becomes an allocated
 * block of ZONE_NORMAL, as if page_alloc had returned it. */
void page_adopt(paddr_t pa, unsigned order);
/* Frames [pfn, pfn + n) join zone id as free memory. */
void mm_zone_add(enum zone_id id, uint64_t pfn, uint64_t n);

/*
 * The per-CPU page caches back to the zones: this CPU's, or every CPU's (how many
 * pages that was). Where the zones' own lists must hold every free page: before
 * something needs large blocks (a hugetlb pool grows) or the handover is built.
 * page_alloc drains them by itself before it fails.
 */
void pcp_drain_local(void);
uint64_t pcp_drain_all(void);

/*
 * What the frame at pa is part of: the state of the block containing it (heads
 * only carry state; see include/buddy.h). head/order may be NULL. Frames no zone
 * describes are PAGE_RESERVED. A page in a CPU's cache is PAGE_FREE, order 0.
 */
enum page_state mm_page_state(paddr_t pa, paddr_t *head, unsigned *order);
/* Is pa a free page in a CPU's cache? Then which CPU's (cpu may be NULL). */
bool mm_page_cached(paddr_t pa, unsigned *cpu);
/* The head entry of the allocated block at pa (an owner tags it), or NULL. */
struct page *mm_page(paddr_t pa);
/* The zones themselves, for tests and checks: their lists and counts change only
 * under their locks, and leave out the pages in the CPUs' caches. */
struct buddy *mm_zone(enum zone_id id);
struct buddy *mm_zone_of(paddr_t pa);
/* Free pages of zone id, those in the CPUs' caches included (as order 0 in
 * nr_free, which may be NULL, and is added to, not set). */
uint64_t mm_zone_free_pages(enum zone_id id, uint64_t nr_free[BUDDY_ORDERS]);

struct mm_stats {
	uint64_t total, free, reserved, memmap, tables;
	uint64_t nr_free[BUDDY_ORDERS];
	uint64_t memmap_init_tsc;        /* guest TSC ticks spent building the memmap */
};
void mm_stats(struct mm_stats *s);
/* Reserved memory that holds what the boot handed over (mm/mm.c). */
uint64_t mm_boot_data_bytes(void);
const char *page_state_name(enum page_state st);

/*
 * What mm/ needs from a kexec handover, without knowing who provides it: kmain sets
 * KHO's table (kho/kho_mm.c) before mm_init(); until then, or in a kernel without
 * one, each hook acts as "no handover": no scratch, nothing preserved. The hooks
 * run in mm_init()'s order (scratch_init, memory_init, memory_finish); the rest
 * answer questions about preserved memory (a preserved block is neither free nor
 * any zone's until it is restored).
 */
struct mm_handover_ops {
	void (*scratch_init)(struct boot_info *bi);
	void (*memory_init)(struct boot_info *bi);
	void (*memory_finish)(void);
	uint64_t (*boot_data_bytes)(void);      /* reserved for the handover's own data */
	/* Is pa inside a preserved, not yet restored block? Then its head and order. */
	bool (*preserved_block)(paddr_t pa, paddr_t *head, unsigned *order);
	/* Is (pa, order) exactly such a block? */
	bool (*is_preserved_block)(paddr_t pa, unsigned order);
	/* Take such a block as an allocated one; -EINVAL if it is none. */
	int (*restore_folio)(paddr_t pa, unsigned *order);
	uint64_t (*preserved_bytes)(void);      /* what users preserve for the next kernel */
	uint64_t (*scratch_bytes)(void);
};
void mm_set_handover(const struct mm_handover_ops *ops);
const struct mm_handover_ops *mm_handover(void);
#endif
