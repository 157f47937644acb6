/*
 * Pools handed over by a live update, and the pools' accounting (model in
 * include/hugetlb.h). hugetlb_adopt_list() makes a checked list the empty pool's
 * record in O(1); its free folios are taken in when the pool first needs them
 * (hugetlb_take_one), the others wait for their memfd (hugetlb_claim); the list is
 * sorted on the first claim and settled (every waiting folio checked against KHO's
 * tree) before the pool is resized or listed. Nothing in a handed-over list is
 * trusted: a bad entry is dropped, a wrong count corrected, each with a warning;
 * KHO is asked through mm's handover hooks (include/mm.h), never named.
 *
 * This file is the only writer of a pool's total, free and preserved
 * (hugetlb_account): the allocator calls it as folios come and go, the hugetlb
 * handler of LUO through hugetlb_preserve_count().
 */
#include <errno.h>
#include <hugetlb.h>
#include <kmalloc.h>
#include <mm.h>
#include <palist.h>
#include <panic.h>
#include <printk.h>
#include "hugetlb_internal.h"

static bool adopted;                       /* the pools came from a live update */

static void apply(uint64_t *counter, int64_t d, const struct hugetlb_pool *pool,
		  const char *what)
{
	BUG_ON(d < 0 && (uint64_t)-d > *counter, "hugetlb pool %s: %s %llu %lld",
	       pool->name, what, (unsigned long long)*counter, (long long)d);
	*counter += (uint64_t)d;
}

void hugetlb_account(struct hugetlb_pool *pool, int64_t dtotal, int64_t dfree,
		     int64_t dpreserved)
{
	apply(&pool->total, dtotal, pool, "total");
	apply(&pool->free, dfree, pool, "free");
	apply(&pool->preserved, dpreserved, pool, "preserved");
}

/* A corrupt list can be long: the first few bad entries are named, the rest only
 * counted (said when the pool settles). */
#define ENTRY_WARNINGS 8

static bool entry_warning(struct hugetlb_pool *pool)
{
	return ++pool->bad_entries <= ENTRY_WARNINGS;
}

/* Take in the next pending free folio: restored, with its pool head, in use (no
 * longer counted free). 0 if none is left. */
paddr_t hugetlb_take_one(struct hugetlb_pool *pool)
{
	while (pool->pending_free) {
		if (pool->pending_at >= pool->nall) {
			/* The handover counted more free folios than its list has. */
			printk("hugetlb: warning: the %s pool's list has %llu free folios fewer "
			       "than handed over\n", pool->name,
			       (unsigned long long)pool->pending_free);
			hugetlb_account(pool, 0, -(int64_t)pool->pending_free,
					(int64_t)pool->pending_free);
			pool->pending_free = 0;
			break;
		}
		uint64_t i = pool->pending_at++, e = pool->all[i];
		if (e & PALIST_FLAG)
			continue;                     /* its memfd restores it */
		pool->pending_free--;
		hugetlb_account(pool, 0, -1, 0);      /* in use once taken in */
		unsigned order;
		int err = mm_handover()->restore_folio(e, &order);
		if (!err && order == pool->order) {
			hugetlb_make_head(pool, e);
			return e;
		}
		if (entry_warning(pool))
			printk("hugetlb: warning: handed-over folio %#llx could not be taken in\n",
			       (unsigned long long)e);
		if (!err)
			page_free(e, order);          /* restored, at another order: ours */
		hugetlb_forget(pool, i);
		pool->pending_at = i;                 /* the entry moved here is not seen yet */
	}
	return 0;
}

static void drop(struct hugetlb_pool *pool, uint64_t e, const char *why)
{
	if (entry_warning(pool))
		printk("hugetlb: warning: handed-over folio %#llx dropped from the %s pool "
		       "(%s)\n", (unsigned long long)palist_pa(e), pool->name, why);
	hugetlb_account(pool, -1, 0, -1);
}

/* Take in every free folio, then sort the list and drop duplicates: claims can
 * look folios up. */
static void sort_list(struct hugetlb_pool *pool)
{
	paddr_t pa;
	while ((pa = hugetlb_take_one(pool)))
		hugetlb_push_free(pool, pa);
	/* After an adoption, entries past the last free one counted should all wait
	 * for a memfd. A free one means the handover counted too few: take it in. */
	uint64_t extra = 0;
	while (pool->recount && pool->pending_at < pool->nall) {
		if (pool->all[pool->pending_at] & PALIST_FLAG) {
			pool->pending_at++;
			continue;
		}
		if (!extra++)
			printk("hugetlb: warning: the %s pool's list has more free folios than "
			       "handed over\n", pool->name);
		pool->pending_free++;
		hugetlb_account(pool, 0, 1, -1);
		if ((pa = hugetlb_take_one(pool)))
			hugetlb_push_free(pool, pa);
	}
	uint64_t *a = pool->all, n = 0;
	palist_sort(a, pool->nall);
	for (uint64_t i = 0; i < pool->nall; i++) {
		uint64_t e = a[i];
		if (n && palist_pa(a[n - 1]) == palist_pa(e)) {
			/* KHO lets a folio be restored once: one copy at most was taken in. */
			BUG_ON(!((a[n - 1] | e) & PALIST_FLAG), "hugetlb pool %s: folio %#llx "
			       "taken in twice", pool->name, (unsigned long long)e);
			if (!(e & PALIST_FLAG)) {
				uint64_t t = a[n - 1];
				a[n - 1] = e;               /* keep the folio taken in */
				e = t;
			}
			drop(pool, e, "listed twice");
			continue;
		}
		a[n++] = e;
	}
	pool->nall = n;
	pool->pending_at = n;
	uint64_t waiting = 0;
	for (uint64_t i = 0; i < n; i++)
		waiting += a[i] >> 63;
	/* Once after an adoption (nothing preserved for the next kernel yet): the
	 * count handed over was right if this finds as many folios waiting. */
	if (pool->recount && waiting != pool->preserved) {
		printk("hugetlb: warning: the %s pool holds %llu folios for their memfds, not "
		       "%llu\n", pool->name, (unsigned long long)waiting,
		       (unsigned long long)pool->preserved);
		hugetlb_account(pool, 0, 0, (int64_t)waiting - (int64_t)pool->preserved);
	}
	pool->recount = false;
	pool->sorted = true;
}

/* Sorted, and each folio still waiting for its memfd is still a preserved block of
 * the pool's order (a memfd restores and claims its folios in one go, so one
 * restored but not claimed belongs to nobody): the pool lists only what it owns. */
static void settle(struct hugetlb_pool *pool)
{
	if (!pool->sorted)
		sort_list(pool);
	uint64_t *a = pool->all, n = 0;
	for (uint64_t i = 0; i < pool->nall; i++) {
		uint64_t e = a[i];
		if ((e & PALIST_FLAG) && !mm_handover()->is_preserved_block(palist_pa(e), pool->order)) {
			drop(pool, e, "not a preserved block of the pool's order");
			continue;
		}
		a[n++] = e;
	}
	pool->nall = n;
	pool->pending_at = n;
	if (!n) {
		kvfree(pool->all);
		pool->all = NULL;
		pool->cap = 0;
	}
	if (pool->bad_entries > ENTRY_WARNINGS)
		printk("hugetlb: warning: %llu handed-over entries of the %s pool were bad in "
		       "all (the first %u are named above)\n",
		       (unsigned long long)pool->bad_entries, pool->name, ENTRY_WARNINGS);
	pool->bad_entries = 0;
	pool->settled = true;
}

void hugetlb_drain(struct hugetlb_pool *pool)
{
	hugetlb_cut_all(pool);
	if (!pool->settled)
		settle(pool);
}

void hugetlb_adopt_list(struct hugetlb_pool *pool, uint64_t *list, uint64_t n, uint64_t nfree)
{
	BUG_ON(pool->nall || nfree > n, "hugetlb pool %s: adopting %llu folios (%llu free) "
	       "into a pool of %llu", pool->name, (unsigned long long)n,
	       (unsigned long long)nfree, (unsigned long long)pool->nall);
	kvfree(pool->all);
	pool->all = list;
	pool->nall = pool->cap = n;
	pool->pending_at = 0;
	pool->pending_free = nfree;
	pool->sorted = pool->settled = false;
	pool->recount = true;
	hugetlb_account(pool, (int64_t)n, (int64_t)nfree, (int64_t)(n - nfree));
}


int hugetlb_claim(struct hugetlb_pool *pool, paddr_t pa)
{
	struct page *p = hugetlb_head(pa);
	BUG_ON(!p || p->state != PAGE_ALLOC || p->order != pool->order,
	       "hugetlb_claim(%#llx) in %s: not a restored folio of that order",
	       (unsigned long long)pa, pool->name);
	if (!pool->sorted)
		sort_list(pool);
	int64_t i = palist_find(pool->all, pool->nall, pa);
	if (i < 0 || !(pool->all[i] & PALIST_FLAG))
		return -ENOENT;
	pool->all[i] = pa;
	hugetlb_make_head(pool, pa);
	hugetlb_account(pool, 0, 0, -1);
	return 0;
}

void hugetlb_set_adopted(void)
{
	adopted = true;
}

bool hugetlb_was_adopted(void)
{
	return adopted;
}

void hugetlb_preserve_count(struct hugetlb_pool *pool, int64_t delta)
{
	hugetlb_account(pool, 0, 0, delta);
}
