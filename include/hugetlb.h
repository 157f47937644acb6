/*
 * Huge-page pools: one of 2 MiB folios (order 9) and one of 1 GiB folios (order 18),
 * sized on the command line in Linux's syntax (`hugepagesz=2M hugepages=N
 * hugepagesz=1G hugepages=M`; a bare `hugepages=` before any `hugepagesz=` sizes the
 * 2 MiB pool) and taken from the buddy allocator at boot, preservable memory only.
 *
 * A pool folio's head entry has state PAGE_HUGETLB; a free one is on its pool's
 * list (linked through the head's next/prev), flags HUGETLB_FREE. A frozen pool
 * neither grows nor shrinks (resizing fails with -EBUSY); allocation and free within
 * it go on. The live-update code freezes pools while it holds their PFN lists.
 */
#ifndef HUGETLB_H
#define HUGETLB_H
#include <types.h>

enum hugetlb_size { HUGE_2M = 0, HUGE_1G = 1, NR_HUGE };
#define HUGETLB_UNCUT_MAX 64

struct hugetlb_pool {
	const char *name;        /* "2M", "1G" */
	unsigned order;
	uint64_t total, free;
	uint64_t preserved;      /* folios users preserved (kernel N) or that still wait
				  * for their owner after an update (kernel N+1) */
	uint64_t requested;      /* from the command line */
	unsigned frozen;         /* freeze depth */
	uint32_t free_head;      /* pfn of the first free folio, or UINT32_MAX */
	/* Every folio the pool holds, free or not (nall entries; include/palist.h). After
	 * a live update it is the list handed over, as is: PALIST_FLAG marks a folio
	 * that waits for its memfd, and entries from pending_at on with no flag are
	 * free folios not yet taken in (pending_free of them, counted in free). */
	uint64_t *all;
	uint64_t nall, cap;
	uint64_t pending_at, pending_free;
	bool sorted;             /* no pending folio, no duplicate, all[] sorted */
	bool settled;            /* sorted, and every folio waiting for its memfd checked */
	bool recount;            /* adopted: check the handed-over counts when sorting */
	uint64_t bad_entries;    /* of the handed-over list, met since the last settle */
	/* Blocks hugetlb_init took from the buddy whole and has not cut into folios
	 * yet: each counts 2^(order - pool order) folios in total and free. They are
	 * cut when the pool first needs a folio, or is drained (mm/hugetlb.c). */
	struct { paddr_t pa; unsigned order; } uncut[HUGETLB_UNCUT_MAX];
	unsigned nuncut;
};

void hugetlb_init(void);
struct hugetlb_pool *hugetlb_pool(enum hugetlb_size s);
/* Pool for "2M"/"1G" (also "2m", "1g"); NULL if none. */
struct hugetlb_pool *hugetlb_pool_by_name(const char *name);
/* A free folio of the pool (its physical address), or 0 when the pool is empty. */
paddr_t hugetlb_alloc(struct hugetlb_pool *pool);
/* Give a folio back to its pool. */
void hugetlb_free(struct hugetlb_pool *pool, paddr_t pa);
/* Grow or shrink to count folios: 0, -EBUSY (frozen), -ENOMEM (could not grow
 * fully; the pool keeps what it got), -EBUSY also when shrinking would need folios
 * that are in use (the pool gives back the free folios it can). */
int hugetlb_resize(struct hugetlb_pool *pool, uint64_t count);
void hugetlb_freeze(struct hugetlb_pool *pool);
void hugetlb_unfreeze(struct hugetlb_pool *pool);
/* Call fn for every folio of the pool (free or in use). */
void hugetlb_for_each(struct hugetlb_pool *pool, void (*fn)(paddr_t pa, void *arg), void *arg);

/*
 * A pool handed over by a live update (luo/hugetlb_luo.c; mm/hugetlb_adopt.c).
 * hugetlb_adopt_list()
 * takes the list as the empty pool's record of its folios, in O(1) before the
 * prompt: entries are folio addresses, still KHO-preserved, PALIST_FLAG set on those
 * a memfd restores itself; nfree (the handover's count, checked when the list is
 * first sorted, and corrected with a warning) have no flag. All count in total at
 * once, the free ones in free, the others in preserved. list must be kvfree()-able.
 *   - A free folio is restored when the pool first needs it (hugetlb_alloc), or all
 *     at once by hugetlb_drain(); one that cannot be restored at the pool's order is
 *     dropped with a warning.
 *   - hugetlb_claim(): a memfd restored a folio the list marks as waiting for it; it
 *     is the pool's, in use. -ENOENT if the list has no such folio. The first claim
 *     takes every free folio in and sorts the list (duplicates dropped).
 *   - hugetlb_drain() (before resizing or listing the pool) also checks that every
 *     folio still waiting for its memfd is a preserved block (a bad one is
 *     dropped), so the pool never lists memory it does not own.
 * hugetlb_set_adopted(): the pools came from the update, so hugetlb_init() leaves
 * their sizes alone, whatever the command line says.
 */
void hugetlb_adopt_list(struct hugetlb_pool *pool, uint64_t *list, uint64_t n, uint64_t nfree);
void hugetlb_drain(struct hugetlb_pool *pool);
int hugetlb_claim(struct hugetlb_pool *pool, paddr_t pa);
void hugetlb_set_adopted(void);
/* Kernel N: folios of the pool users now preserve for the next kernel (or, with a
 * negative delta, no longer preserve). */
void hugetlb_preserve_count(struct hugetlb_pool *pool, int64_t delta);
#endif
