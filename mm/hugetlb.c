/*
 * Huge-page pools (model in include/hugetlb.h): the allocator. Folios move between
 * the buddy and a pool as whole blocks: only the head entry changes, never the
 * 2^order tails. A pool's counters change only through hugetlb_account()
 * (mm/hugetlb_adopt.c, which also takes pools handed over by a live update).
 */
#include <cmdline.h>
#include <errno.h>
#include <hugetlb.h>
#include <kmalloc.h>
#include <mm.h>
#include <palist.h>
#include <panic.h>
#include <printk.h>
#include <shell.h>
#include <string.h>
#include "hugetlb_internal.h"

static struct hugetlb_pool pools[NR_HUGE] = {
	{ .name = "2M", .order = 9, .free_head = NIL },
	{ .name = "1G", .order = 18, .free_head = NIL },
};
static enum hugetlb_size cmdline_size = HUGE_2M;
static bool cmdline_size_valid = true;     /* false after a refused hugepagesz= */

struct hugetlb_pool *hugetlb_pool(enum hugetlb_size s)
{
	return &pools[s];
}

struct hugetlb_pool *hugetlb_pool_by_name(const char *name)
{
	if (!strcmp(name, "2M") || !strcmp(name, "2m"))
		return &pools[HUGE_2M];
	if (!strcmp(name, "1G") || !strcmp(name, "1g"))
		return &pools[HUGE_1G];
	return NULL;
}

struct page *hugetlb_head(paddr_t pa)
{
	return mm_page(pa);
}

void hugetlb_push_free(struct hugetlb_pool *pool, paddr_t pa)
{
	struct page *p = hugetlb_head(pa);
	p->flags |= HUGETLB_FREE;
	p->prev = NIL;
	p->next = pool->free_head;
	if (p->next != NIL)
		hugetlb_head((paddr_t)p->next << PAGE_SHIFT)->prev = (uint32_t)(pa >> PAGE_SHIFT);
	pool->free_head = (uint32_t)(pa >> PAGE_SHIFT);
	hugetlb_account(pool, 0, 1, 0);
}

static void unlink_free(struct hugetlb_pool *pool, paddr_t pa)
{
	struct page *p = hugetlb_head(pa);
	if (p->prev == NIL)
		pool->free_head = p->next;
	else
		hugetlb_head((paddr_t)p->prev << PAGE_SHIFT)->next = p->next;
	if (p->next != NIL)
		hugetlb_head((paddr_t)p->next << PAGE_SHIFT)->prev = p->prev;
	p->flags &= (uint8_t)~HUGETLB_FREE;
	hugetlb_account(pool, 0, -1, 0);
}

/* Room in the pool's list for n folios, the list doubling from 64 as it grows. */
static int reserve_list(struct hugetlb_pool *pool, uint64_t n)
{
	if (n <= pool->cap)
		return 0;
	uint64_t cap = pool->cap ? pool->cap : 64;
	while (cap < n)
		cap *= 2;
	uint64_t *a = kvmalloc(cap * sizeof(*a));
	if (!a)
		return -ENOMEM;
	if (pool->all)
		memcpy(a, pool->all, pool->nall * sizeof(*a));
	kvfree(pool->all);
	pool->all = a;
	pool->cap = cap;
	return 0;
}

/* Record a folio in the pool's list of all folios. */
static int track(struct hugetlb_pool *pool, paddr_t pa)
{
	if (reserve_list(pool, pool->nall + 1))
		return -ENOMEM;
	pool->all[pool->nall++] = pa;
	hugetlb_account(pool, 1, 0, 0);
	pool->sorted = pool->settled = false;
	return 0;
}

/* Forget entry i (the last one takes its place). */
void hugetlb_forget(struct hugetlb_pool *pool, uint64_t i)
{
	pool->all[i] = pool->all[--pool->nall];
	hugetlb_account(pool, -1, 0, 0);
	pool->sorted = pool->settled = false;
	if (!pool->nall) {                     /* an empty pool holds no memory */
		kvfree(pool->all);
		pool->all = NULL;
		pool->cap = 0;
	}
}

static void untrack(struct hugetlb_pool *pool, paddr_t pa)
{
	for (uint64_t i = 0; i < pool->nall; i++)
		if (palist_pa(pool->all[i]) == pa) {
			hugetlb_forget(pool, i);
			return;
		}
	BUG_ON(1, "hugetlb pool %s: folio %#llx not tracked", pool->name, (unsigned long long)pa);
}

void hugetlb_make_head(struct hugetlb_pool *pool, paddr_t pa)
{
	struct page *p = hugetlb_head(pa);
	p->flags = 0;
	p->private = (uint32_t)(pool - pools);
	page_set_state(p, PAGE_HUGETLB);
}

/* Take one folio from the buddy into the pool. */
static int grow_one(struct hugetlb_pool *pool)
{
	paddr_t pa = page_alloc(pool->order, GFP_PRESERVABLE);
	if (!pa)
		return -ENOMEM;
	if (track(pool, pa)) {
		page_free(pa, pool->order);
		return -ENOMEM;
	}
	hugetlb_make_head(pool, pa);
	hugetlb_push_free(pool, pa);
	return 0;
}

/* Give one free folio back to the buddy. */
static int shrink_one(struct hugetlb_pool *pool)
{
	if (pool->free_head == NIL)
		return -EBUSY;
	paddr_t pa = (paddr_t)pool->free_head << PAGE_SHIFT;
	unlink_free(pool, pa);
	page_set_state(hugetlb_head(pa), PAGE_ALLOC);
	untrack(pool, pa);
	page_free(pa, pool->order);
	return 0;
}

/*
 * Bulk growth at boot: the largest blocks the count allows (up to 1 GiB) from the
 * buddy, kept uncut, their folios counted in total and free at once; folio by folio
 * only when the uncut list is full. Blocks are cut in the order they were taken, so
 * the pool's free list is the one folio-by-folio growth would have made. -ENOMEM if
 * the pool could not reach count.
 */
static int grow_uncut(struct hugetlb_pool *pool, uint64_t count)
{
	/* The list for every folio now (one allocation), as folio-by-folio growth would
	 * have had it: cutting later then never allocates. */
	if (count > pool->total && reserve_list(pool, count))
		return -ENOMEM;
	while (pool->total < count && pool->nuncut < HUGETLB_UNCUT_MAX) {
		uint64_t want = count - pool->total;
		unsigned top = MIN(pool->order + (unsigned)(63 - __builtin_clzll(want)),
				   (unsigned)BUDDY_MAX_ORDER), order = top + 1;
		paddr_t pa = 0;
		while (!pa && order-- > pool->order)
			pa = page_alloc(order, GFP_PRESERVABLE);
		if (!pa)
			return -ENOMEM;
		uint64_t n = 1ull << (order - pool->order);
		pool->uncut[pool->nuncut].pa = pa;
		pool->uncut[pool->nuncut++].order = order;
		hugetlb_account(pool, (int64_t)n, (int64_t)n, 0);
	}
	while (pool->total < count)
		if (grow_one(pool))
			return -ENOMEM;
	return 0;
}

/* Cut the first uncut block into folios: each one tracked, headed and free. */
static void cut_one(struct hugetlb_pool *pool)
{
	paddr_t pa = pool->uncut[0].pa;
	unsigned order = pool->uncut[0].order;
	memmove(&pool->uncut[0], &pool->uncut[1], --pool->nuncut * sizeof(pool->uncut[0]));
	uint64_t n = 1ull << (order - pool->order), size = (uint64_t)PAGE_SIZE << pool->order;
	hugetlb_account(pool, -(int64_t)n, -(int64_t)n, 0);   /* each counts again below */
	page_split(pa, order, pool->order);
	for (uint64_t i = 0; i < n; i++, pa += size) {
		if (track(pool, pa)) {
			page_free(pa, pool->order);          /* no room to list it: not ours */
			continue;
		}
		hugetlb_make_head(pool, pa);
		hugetlb_push_free(pool, pa);
	}
}

void hugetlb_cut_all(struct hugetlb_pool *pool)
{
	while (pool->nuncut)
		cut_one(pool);
}

int hugetlb_resize(struct hugetlb_pool *pool, uint64_t count)
{
	if (pool->frozen)
		return -EBUSY;
	hugetlb_drain(pool);
	pcp_drain_all();              /* cached pages merge back into folio-sized blocks */
	while (pool->total < count)
		if (grow_one(pool))
			return -ENOMEM;
	while (pool->total > count)
		if (shrink_one(pool))
			return -EBUSY;
	return 0;
}

paddr_t hugetlb_alloc(struct hugetlb_pool *pool)
{
	if (pool->free_head == NIL && pool->nuncut)
		cut_one(pool);                        /* boot's bulk growth, cut now */
	if (pool->free_head == NIL)
		return hugetlb_take_one(pool);        /* a handed-over folio, taken in now */
	paddr_t pa = (paddr_t)pool->free_head << PAGE_SHIFT;
	unlink_free(pool, pa);
	return pa;
}

void hugetlb_free(struct hugetlb_pool *pool, paddr_t pa)
{
	struct page *p = hugetlb_head(pa);
	BUG_ON(!IS_ALIGNED(pa, (paddr_t)PAGE_SIZE << pool->order) || !p ||
	       p->state != PAGE_HUGETLB || p->order != pool->order ||
	       p->private != (uint32_t)(pool - pools),
	       "hugetlb_free(%#llx) to pool %s: not a folio of it", (unsigned long long)pa,
	       pool->name);
	BUG_ON(p->flags & HUGETLB_FREE, "hugetlb_free(%#llx): double free", (unsigned long long)pa);
	hugetlb_push_free(pool, pa);
}

void hugetlb_freeze(struct hugetlb_pool *pool)
{
	pool->frozen++;
}

void hugetlb_unfreeze(struct hugetlb_pool *pool)
{
	BUG_ON(!pool->frozen, "hugetlb pool %s unfrozen more than frozen", pool->name);
	pool->frozen--;
}

void hugetlb_for_each(struct hugetlb_pool *pool, void (*fn)(paddr_t pa, void *arg), void *arg)
{
	hugetlb_drain(pool);
	for (uint64_t i = 0; i < pool->nall; i++)
		fn(palist_pa(pool->all[i]), arg);
}

void hugetlb_init(void)
{
	if (hugetlb_was_adopted()) {
		for (int s = 0; s < NR_HUGE; s++)
			if (pools[s].requested && pools[s].requested != pools[s].total)
				printk("hugetlb: the %s pool keeps its %llu pages from the live update; "
				       "hugepages=%llu on this command line is not applied\n",
				       pools[s].name, (unsigned long long)pools[s].total,
				       (unsigned long long)pools[s].requested);
		return;
	}
	/* 1 GiB folios first: they need the largest aligned blocks, with the pages the
	 * boot has cached back in the zones. */
	pcp_drain_all();
	for (int s = NR_HUGE - 1; s >= 0; s--) {
		struct hugetlb_pool *pool = &pools[s];
		if (grow_uncut(pool, pool->requested))
			printk("hugetlb: warning: %s pool has %llu of %llu pages requested\n",
			       pool->name, (unsigned long long)pool->total,
			       (unsigned long long)pool->requested);
	}
}

static int set_hugepagesz(const char *v)
{
	struct hugetlb_pool *pool = v ? hugetlb_pool_by_name(v) : NULL;
	cmdline_size_valid = pool != NULL;    /* a hugepages= after a bad size is dropped */
	if (!pool)
		return -EINVAL;
	cmdline_size = (enum hugetlb_size)(pool - pools);
	return 0;
}
BOOT_PARAM("hugepagesz", set_hugepagesz);

static int set_hugepages(const char *v)
{
	uint64_t n;
	if (!cmdline_size_valid) {
		cmdline_size_valid = true;
		return -EINVAL;                   /* it does not follow a valid hugepagesz= */
	}
	if (!v || parse_u64(v, &n))
		return -EINVAL;
	pools[cmdline_size].requested = n;
	return 0;
}
BOOT_PARAM("hugepages", set_hugepages);
