/*
 * The memmap as mm/mm.c builds it (mm/memmap.c); not an interface. memmap_build()
 * backs and maps the struct page array and the section bytes for frames
 * [0, npages) of which only RAM is real, and gives their (virtual) addresses: a
 * zeroed section-byte array and an uninitialised memmap, as the buddy wants them.
 */
#ifndef MM_MEMMAP_H
#define MM_MEMMAP_H
#include <buddy.h>

void memmap_build(uint64_t npages, struct page **map, uint8_t **sec);
/* Memory behind both arrays (what the memmap costs). */
uint64_t memmap_backed_bytes(void);
#endif
