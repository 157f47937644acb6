/*
 * libFuzzer target for mm/hugetlb.c's adoption of a handed-over pool list
 * (hugetlb_adopt_list and what follows it): the list and its free count come from
 * the previous kernel, so they are untrusted. luo/hugetlb_luo.c has already checked
 * only that every entry is aligned to 2 MiB and that the count is at most the
 * length; everything else here is input. Over one real buddy zone (shim/mm_host.c):
 *
 *   byte 0      how many 2 MiB blocks the previous kernel preserved (0..15): taken
 *               from the zone and declared to KHO (mm_host_kho_preserve)
 *   byte 1      list length n (0..31); byte 2: nfree (mod n + 1)
 *   then        n entries of 1 byte: bit 7 the user flag; bits 0..4 pick a folio:
 *               the preserved blocks first, then blocks of the zone nobody
 *               preserved, then 2 MiB-aligned addresses outside the zone
 *   then        operations, 1 byte each: 0 allocate, 1 free a held folio, 2 a memfd
 *               restores and claims a folio (restored through KHO first, as
 *               luo/hugetlb_luo.c does; freed back to the zone if the claim fails),
 *               3 drain (settle), 4 list every folio
 *
 * Findings: any sanitizer report or panic; after every operation, a count that went
 * below zero or above total, total != the pool's record; once the pool has sorted
 * its list (after a claim or a drain), anything but exact accounting: total == free +
 * held + waiting, the free list as long as free, the record sorted without
 * duplicates; once it has settled (a drain), every entry one of the blocks KHO
 * handed over. At the end every
 * waiting folio is restored and claimed, everything is given back and the pool
 * shrunk to nothing, and the zone must have all its pages free again.
 */
#include "fuzz_check.h"
#include <errno.h>
#include <hugetlb.h>
#include <kho.h>
#include <kmalloc.h>
#include <palist.h>
#include <stdio.h>
#include <stdlib.h>
#include "mm_host.h"

#define BASE   0x4000ull                   /* zone: frames [BASE, BASE + N) */
#define N      0x8000ull                   /* 128 MiB: 64 folios of 2 MiB */
#define MAXPRE 16
#define MAXOTH 8

static paddr_t pre[MAXPRE], oth[MAXOTH];
static unsigned npre;
static paddr_t held[64];
static unsigned nheld;

#define check(ok, what, v) fuzz_check(ok, "fuzz_hugetlb_adopt", what, v)

static paddr_t pick(uint8_t b)
{
	unsigned i = b & 31;
	if (i < npre)
		return pre[i];
	if (i < npre + MAXOTH)
		return oth[i - npre];
	return (0x100000000ull + ((paddr_t)i << 21));   /* aligned, outside the zone */
}

static void check_counts(const struct hugetlb_pool *p)
{
	check(p->total == p->nall, "total differs from the record", p->total);
	check(p->free <= p->total && p->preserved <= p->total, "a count past total", p->free);
	if (!p->sorted)
		return;
	uint64_t walk = 0;
	for (uint32_t pfn = p->free_head; pfn != UINT32_MAX; walk++) {
		check(walk <= p->free, "free list longer than free", walk);
		pfn = mm_page((paddr_t)pfn << 12)->next;
	}
	check(walk == p->free, "free list length", walk);
	check(p->total == p->free + nheld + p->preserved, "accounting", p->total);
	for (uint64_t i = 0; i < p->nall; i++) {
		paddr_t pa = palist_pa(p->all[i]);
		bool known = !p->settled;           /* checked when the pool settles */
		for (unsigned k = 0; k < npre; k++)
			known |= pre[k] == pa;
		check(known, "a folio KHO did not hand over", pa);
		check(!i || palist_pa(p->all[i - 1]) < pa, "record unsorted or duplicated", pa);
	}
}

static void count_fn(paddr_t pa, void *arg)
{
	(void)pa;
	++*(uint64_t *)arg;
}

/* A memfd restores folio pa and claims it; a failed claim gives it back. */
static void restore_claim(struct hugetlb_pool *p, paddr_t pa)
{
	unsigned order;
	if (kho_restore_folio(pa, &order))
		return;
	if (order == 9 && nheld < 64 && hugetlb_claim(p, pa) == 0)
		held[nheld++] = pa;
	else
		page_free(pa, order);
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t len)
{
	if (len < 3)
		return 0;
	mm_host_init(BASE + N);
	mm_host_add(ZONE_NORMAL, BASE, N);
	struct hugetlb_pool *p = hugetlb_pool(HUGE_2M);
	npre = in[0] % MAXPRE;
	for (unsigned i = 0; i < npre; i++) {
		pre[i] = page_alloc(9, GFP_PRESERVABLE);
		mm_host_kho_preserve(pre[i], 9);
	}
	for (unsigned i = 0; i < MAXOTH; i++)
		oth[i] = page_alloc(9, GFP_PRESERVABLE);
	uint64_t n = in[1] % 32, nfree = in[2] % (n + 1);
	size_t at = 3;
	uint64_t *list = kvmalloc((n ? n : 1) * sizeof(uint64_t));
	for (uint64_t i = 0; i < n; i++) {
		uint8_t b = at < len ? in[at++] : 0;
		list[i] = pick(b) | (b & 0x80 ? PALIST_FLAG : 0);
	}
	nheld = 0;
	if (n)
		hugetlb_adopt_list(p, list, n, nfree);
	else
		kvfree(list);
	check_counts(p);
	for (; at < len; at++) {
		uint8_t op = in[at] % 5, arg = in[at] >> 3;
		uint64_t count = 0;
		switch (op) {
		case 0:
			if (nheld < 64) {
				paddr_t pa = hugetlb_alloc(p);
				if (pa)
					held[nheld++] = pa;
			}
			break;
		case 1:
			if (nheld) {
				unsigned k = arg % nheld;
				hugetlb_free(p, held[k]);
				held[k] = held[--nheld];
			}
			break;
		case 2:
			restore_claim(p, pick(arg));
			break;
		case 3:
			hugetlb_drain(p);
			break;
		case 4:
			hugetlb_for_each(p, count_fn, &count);
			check(count == p->total, "for_each saw another number of folios", count);
			break;
		}
		check_counts(p);
	}
	/* Everything back: the waiting folios through their memfd, the rest freed. */
	hugetlb_drain(p);
	for (uint64_t i = 0; i < p->nall; i++)
		if (p->all[i] & PALIST_FLAG)
			restore_claim(p, palist_pa(p->all[i]));
	check(p->preserved == 0, "folios still waiting after all were claimed", p->preserved);
	while (nheld)
		hugetlb_free(p, held[--nheld]);
	check(hugetlb_resize(p, 0) == 0 && p->total == 0, "pool not empty at the end", p->total);
	for (unsigned i = 0; i < npre; i++) {     /* handed over, never listed: still KHO's */
		unsigned order;
		if (kho_restore_folio(pre[i], &order) == 0)
			page_free(pre[i], order);
	}
	for (unsigned i = 0; i < MAXOTH; i++)
		page_free(oth[i], 9);
	const struct buddy *z = mm_zone(ZONE_NORMAL);
	buddy_check(z);
	uint64_t free = mm_zone_free_pages(ZONE_NORMAL, NULL);     /* cached pages too */
	check(free == z->managed_pages, "pages lost", z->managed_pages - free);
	mm_host_fini();
	return 0;
}
