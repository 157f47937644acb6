/*
 * The two buddy zones (include/mm.h) and what the rest of Baton asks of them: which
 * zone an allocation comes from (ZONE_NORMAL first unless GFP_SCRATCH, then scratch
 * unless GFP_PRESERVABLE), where a frame is freed to, and what state a frame is in.
 * Both zones share one memmap (ZONE_NORMAL's entries describe every frame), so every
 * lookup goes through ZONE_NORMAL's view. Nothing here touches frame contents, so it
 * builds for the host unchanged (tests/host/shim/mm_host.c supplies the memmap).
 *
 * Locking ("which lock protects what"):
 *  - a zone's lock (struct buddy's `lock`, taken with interrupts off) protects its
 *    free lists and counts (free_pages, nr_free, managed_pages) and the heads of its
 *    free blocks; every call into mm/buddy.c that changes a zone or walks its lists
 *    is made under it, here and in mm/pcp.c and mm/mm.c, held for one operation (or
 *    one batch of pcp pages). Looking up the head of one's own block (mm_zone_of
 *    in page_free, mm_page) takes no lock: that head is the caller's;
 *  - order-0 pages go through this CPU's page cache (mm/pcp.c), which takes no lock
 *    but runs with interrupts off, and takes the zone's lock only to move a batch;
 *  - the head of an allocated block belongs to its owner, who reads and changes it
 *    without a lock (include/buddy.h, Concurrency, says what the zone may see);
 *  - lock order: interrupts off (a pcp), then ZONE_NORMAL's lock, then
 *    ZONE_SCRATCH's. Nothing else is taken under a zone's lock but buddy.c's own
 *    sec_lock, innermost.
 * When an allocation finds nothing, every CPU's cache is drained (pcp_drain_all)
 * and the allocation tried once more: cached pages are free memory.
 */
#include <errno.h>
#include <panic.h>
#include "pcp.h"
#include "zones.h"

struct buddy mm_zones[NR_ZONES];
static bool ready;

/* ---- the handover hooks (include/mm.h): "no handover" until one is set ---- */

static void no_boot(struct boot_info *bi)
{
	(void)bi;
}

static void no_finish(void)
{
}

static uint64_t no_bytes(void)
{
	return 0;
}

static bool no_block(paddr_t pa, paddr_t *head, unsigned *order)
{
	(void)pa, (void)head, (void)order;
	return false;
}

static bool no_exact_block(paddr_t pa, unsigned order)
{
	(void)pa, (void)order;
	return false;
}

static int no_restore(paddr_t pa, unsigned *order)
{
	(void)pa, (void)order;
	return -EINVAL;
}

static const struct mm_handover_ops no_handover = {
	.scratch_init = no_boot, .memory_init = no_boot, .memory_finish = no_finish,
	.boot_data_bytes = no_bytes, .preserved_block = no_block,
	.is_preserved_block = no_exact_block, .restore_folio = no_restore,
	.preserved_bytes = no_bytes, .scratch_bytes = no_bytes,
};
static const struct mm_handover_ops *handover = &no_handover;

void mm_set_handover(const struct mm_handover_ops *ops)
{
	handover = ops ? ops : &no_handover;
}

const struct mm_handover_ops *mm_handover(void)
{
	return handover;
}

void mm_zones_setup(uint64_t npages, struct page *map, uint8_t *sec)
{
	for (unsigned z = 0; z < NR_ZONES; z++)
		buddy_init_zeroed(&mm_zones[z], (uint8_t)z, 0, npages, map, sec);
	pcp_reset();
}

void mm_zones_open(void)
{
	ready = true;
}

void mm_zones_close(void)
{
	ready = false;
}

bool mm_ready(void)
{
	return ready;
}

/* The statement(s) after z with zone z's lock held. */
#define LOCKED(z, ...)                                                                \
	do {                                                                          \
		uint64_t flags_ = spin_lock_irqsave(&(z)->lock);                      \
		__VA_ARGS__;                                                          \
		spin_unlock_irqrestore(&(z)->lock, flags_);                           \
	} while (0)

/* Order 0 from this CPU's cache, the rest from the zone. */
static uint64_t zone_alloc(enum zone_id id, unsigned order)
{
	if (order == 0)
		return pcp_alloc(id);
	uint64_t pfn;
	LOCKED(&mm_zones[id], pfn = buddy_alloc(&mm_zones[id], order));
	return pfn;
}

static uint64_t alloc_once(unsigned order, unsigned gfp)
{
	uint64_t pfn = BUDDY_NONE;
	if (!(gfp & GFP_SCRATCH))
		pfn = zone_alloc(ZONE_NORMAL, order);
	if (pfn == BUDDY_NONE && !(gfp & GFP_PRESERVABLE))
		pfn = zone_alloc(ZONE_SCRATCH, order);
	return pfn;
}

uint64_t mm_zones_alloc(unsigned order, unsigned gfp)
{
	BUG_ON(!ready, "page_alloc(%u, %#x) before mm_init", order, gfp);
	uint64_t pfn = alloc_once(order, gfp);
	/* Short of memory: the pages in the CPUs' caches are free too, and back in
	 * the lists they may merge into the order asked for. */
	if (pfn == BUDDY_NONE && pcp_drain_all())
		pfn = alloc_once(order, gfp);
	return pfn;
}

void mm_zone_add(enum zone_id id, uint64_t pfn, uint64_t n)
{
	LOCKED(&mm_zones[id], buddy_add_range(&mm_zones[id], pfn, n));
}

uint64_t mm_zone_free_pages(enum zone_id id, uint64_t nr_free[BUDDY_ORDERS])
{
	struct buddy *z = &mm_zones[id];
	uint64_t pages;
	LOCKED(z, {
		uint64_t cached = pcp_cached(id);
		pages = z->free_pages + cached;
		for (unsigned o = 0; nr_free && o < BUDDY_ORDERS; o++)
			nr_free[o] += z->nr_free[o] + (o ? 0 : cached);
	});
	return pages;
}

void page_split(paddr_t pa, unsigned order, unsigned to)
{
	struct buddy *z = mm_zone_of(pa);
	BUG_ON(!z, "page_split(%#llx, %u, %u): not a managed frame", (unsigned long long)pa,
	       order, to);
	LOCKED(z, buddy_split_alloc(z, pa >> PAGE_SHIFT, order, to));
}

void page_adopt(paddr_t pa, unsigned order)
{
	struct buddy *z = &mm_zones[ZONE_NORMAL];
	LOCKED(z, {
		buddy_mark(z, pa >> PAGE_SHIFT, order, PAGE_PRESERVED);
		buddy_adopt(z, pa >> PAGE_SHIFT);
	});
}

struct buddy *mm_zone(enum zone_id id)
{
	return &mm_zones[id];
}

struct buddy *mm_zone_of(paddr_t pa)
{
	uint64_t head;
	struct page *p = ready ? buddy_block_of(&mm_zones[ZONE_NORMAL], pa >> PAGE_SHIFT, &head)
			       : NULL;
	return p && p->zone < NR_ZONES ? &mm_zones[p->zone] : NULL;
}

void page_free(paddr_t pa, unsigned order)
{
	struct buddy *z = mm_zone_of(pa);
	BUG_ON(!z, "page_free(%#llx, %u): not a managed frame", (unsigned long long)pa, order);
	if (order == 0)
		pcp_free((enum zone_id)z->id, pa >> PAGE_SHIFT);
	else
		LOCKED(z, buddy_free(z, pa >> PAGE_SHIFT, order));
}

/* The block holding pfn as both zones' locks see it (no list changes meanwhile);
 * its head's word, or state PAGE_NONE. A page in a CPU's cache reads PAGE_PCP. */
static struct page block_of(uint64_t pfn, uint64_t *head)
{
	struct buddy *n = &mm_zones[ZONE_NORMAL], *s = &mm_zones[ZONE_SCRATCH];
	struct page d = { 0 };
	LOCKED(n, LOCKED(s, {
		struct page *p = buddy_block_of(n, pfn, head);
		if (p) {
			d = page_desc(p);
			d.private = p->private;
		}
	}));
	return d;
}

enum page_state mm_page_state(paddr_t pa, paddr_t *head, unsigned *order)
{
	uint64_t h;
	paddr_t kh;
	unsigned ko;
	if (!ready)
		return PAGE_RESERVED;
	struct page d = block_of(pa >> PAGE_SHIFT, &h);
	bool managed = d.state != PAGE_NONE;
	if (!managed && !handover->preserved_block(pa, &kh, &ko))
		return PAGE_RESERVED;
	if (head)
		*head = managed ? h << PAGE_SHIFT : kh;
	if (order)
		*order = managed ? d.order : ko;
	if (!managed)
		return PAGE_PRESERVED;
	return d.state == PAGE_PCP ? PAGE_FREE : (enum page_state)d.state;
}

bool mm_page_cached(paddr_t pa, unsigned *cpu)
{
	uint64_t h;
	struct page d = ready ? block_of(pa >> PAGE_SHIFT, &h) : (struct page){ 0 };
	if (d.state == PAGE_PCP && cpu)
		*cpu = d.private;
	return d.state == PAGE_PCP;
}

struct page *mm_page(paddr_t pa)
{
	uint64_t h;
	struct page *p = buddy_block_of(&mm_zones[ZONE_NORMAL], pa >> PAGE_SHIFT, &h);
	return p && h == pa >> PAGE_SHIFT ? p : NULL;
}
