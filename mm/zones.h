/*
 * The buddy zones behind include/mm.h (mm/zones.c), for mm/mm.c and the host shim
 * that stands in for it (tests/host/shim/mm_host.c); not an interface.
 */
#ifndef MM_ZONES_H
#define MM_ZONES_H
#include <mm.h>

extern struct buddy mm_zones[NR_ZONES];

/* Both zones over frames [0, npages) of one memmap whose section bytes are zero
 * (nothing free yet); then, once
 * they have their memory, mm_zones_open() makes page_alloc and friends usable. */
void mm_zones_setup(uint64_t npages, struct page *map, uint8_t *sec);
void mm_zones_open(void);
void mm_zones_close(void);
/* The frame page_alloc(order, gfp) gets, or BUDDY_NONE (nothing zeroed). */
uint64_t mm_zones_alloc(unsigned order, unsigned gfp);
#endif
