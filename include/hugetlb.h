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

struct hugetlb_pool {
	const char *name;        /* "2M", "1G" */
	unsigned order;
	uint64_t total, free;
	uint64_t preserved;      /* folios users preserved (kernel N) or that still wait
				  * for their owner after an update (kernel N+1) */
	uint64_t requested;      /* from the command line */
	unsigned frozen;         /* freeze depth */
	uint32_t free_head;      /* pfn of the first free folio, or UINT32_MAX */
	paddr_t *all;            /* every folio the pool holds, free or not (nall entries) */
	uint64_t nall, cap;
	/* Folios handed over by a live update and not yet taken in (counted in total and
	 * free): entries of a list, bit 63 set for those a memfd will restore itself. */
	const uint64_t *pending;
	uint64_t pending_n, pending_at, pending_free;
	void (*pending_release)(const uint64_t *list);
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
 * A pool handed over by a live update (luo/hugetlb_luo.c):
 *   hugetlb_adopt()         a restored folio (an allocated block of the pool's
 *                           order) joins the pool, free;
 *   hugetlb_adopt_absent()  a folio still preserved for its owner counts in the
 *                           pool (in use) before anyone has restored it;
 *   hugetlb_claim()         its owner restored it: it is the pool's, in use;
 *   hugetlb_set_adopted()   the pools came from the update: hugetlb_init() leaves
 *                           their sizes alone, whatever the command line says.
 */
int hugetlb_adopt(struct hugetlb_pool *pool, paddr_t pa);
int hugetlb_adopt_absent(struct hugetlb_pool *pool, paddr_t pa);
/* Hand the pool a list of folios to take in lazily: entries without bit 63 are free
 * folios still preserved, restored one by one when the pool first needs them (a
 * folio that cannot be restored is dropped with a warning); release(list) is called
 * when all are in. Counted at once in total and free. */
void hugetlb_adopt_lazily(struct hugetlb_pool *pool, const uint64_t *list, uint64_t n,
			  uint64_t nfree, void (*release)(const uint64_t *list));
/* Take in every pending folio now (before resizing or enumerating). */
void hugetlb_drain(struct hugetlb_pool *pool);
void hugetlb_claim(struct hugetlb_pool *pool, paddr_t pa);
void hugetlb_set_adopted(void);
#endif
