/*
 * The per-CPU page caches behind page_alloc/page_free of order 0 (mm/pcp.c), for
 * mm/zones.c, mm/mm.c and the host tests and bench; not an interface. The public
 * part (pcp_drain_local, pcp_drain_all) is in include/mm.h.
 */
#ifndef MM_PCP_H
#define MM_PCP_H
#include <mm.h>

/* The defaults (docs/memory.md, "Per-CPU page caches", has the figures). */
#define PCP_HIGH  64      /* a cache holding more gives PCP_BATCH back to its zone */
#define PCP_BATCH 16      /* pages moved per refill or drain, under the zone's lock */

/* An order-0 page from this CPU's cache of zone id (refilled from the zone when
 * empty), or BUDDY_NONE when the zone has none either. */
uint64_t pcp_alloc(enum zone_id id);
/* The allocated order-0 page pfn of zone id into this CPU's cache (checked as
 * buddy_free checks it: a double free panics). */
void pcp_free(enum zone_id id, uint64_t pfn);
/* Pages in every CPU's cache of zone id; call with the zone's lock held for a
 * figure consistent with its lists (pages move between the two under it). */
uint64_t pcp_cached(enum zone_id id);
/* Check every cache of the CPUs not running (and this one's): each page a PAGE_PCP
 * head of order 0 of its zone and CPU, the count right; panics with values. */
void pcp_check(void);
/* Forget every cache (the zones are being built anew: mm_zones_setup). */
void pcp_reset(void);
/* Change high and batch (1 <= batch <= high), for tests and the bench; the caches
 * keep what they hold until their next overflow or drain. */
void pcp_set_limits(unsigned high, unsigned batch);
#endif
