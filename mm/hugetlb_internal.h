/*
 * Between the pool allocator (mm/hugetlb.c) and the adoption of pools handed over
 * by a live update (mm/hugetlb_adopt.c); not an interface. A pool's total, free and
 * preserved change only through hugetlb_account(), which checks that none of them
 * wraps below zero.
 */
#ifndef MM_HUGETLB_INTERNAL_H
#define MM_HUGETLB_INTERNAL_H
#include <hugetlb.h>
#include <mm.h>

#define NIL           UINT32_MAX     /* no folio (free list links are frame numbers) */
#define HUGETLB_FREE  0x01           /* head flag: on its pool's free list */

/* mm/hugetlb.c */
struct page *hugetlb_head(paddr_t pa);
void hugetlb_make_head(struct hugetlb_pool *pool, paddr_t pa);
void hugetlb_push_free(struct hugetlb_pool *pool, paddr_t pa);
void hugetlb_forget(struct hugetlb_pool *pool, uint64_t i);    /* entry i of all[] */
/* Cut every block hugetlb_init left whole into folios (before a drain). */
void hugetlb_cut_all(struct hugetlb_pool *pool);

/* mm/hugetlb_adopt.c */
void hugetlb_account(struct hugetlb_pool *pool, int64_t dtotal, int64_t dfree,
		     int64_t dpreserved);
/* Take in the next pending free folio of an adopted pool (restored, its head made,
 * in use); 0 if none is left. */
paddr_t hugetlb_take_one(struct hugetlb_pool *pool);
bool hugetlb_was_adopted(void);
#endif
