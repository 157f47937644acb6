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
bool mm_ready(void);

paddr_t page_alloc(unsigned order, unsigned gfp);
/* From now on every page handed out is zeroed first (after a dropped handover). */
void mm_scrub_on_alloc(void);
void page_free(paddr_t pa, unsigned order);
static inline void *page_virt(paddr_t pa) { return phys_to_virt(pa); }

/*
 * What the frame at pa is part of: the state of the block containing it (heads
 * only carry state; see include/buddy.h). head/order may be NULL. Frames no zone
 * describes are PAGE_RESERVED.
 */
enum page_state mm_page_state(paddr_t pa, paddr_t *head, unsigned *order);
/* The head entry of the allocated block at pa (an owner tags it), or NULL. */
struct page *mm_page(paddr_t pa);
/* Owners of huge folios move them between the buddy's books and their own. */
struct buddy *mm_zone(enum zone_id id);
struct buddy *mm_zone_of(paddr_t pa);

struct mm_stats {
	uint64_t total, free, reserved, memmap, tables;
	uint64_t nr_free[BUDDY_ORDERS];
	uint64_t memmap_init_tsc;        /* guest TSC ticks spent building the memmap */
};
void mm_stats(struct mm_stats *s);
/* Reserved memory that holds what the boot handed over (mm/mm.c). */
uint64_t mm_boot_data_bytes(void);
const char *page_state_name(enum page_state st);
#endif
