/*
 * Memory for the KHO lab checks: an arena of 4 KiB pages with physical addresses
 * ARENA_BASE + i * 4096, reached through kho_phys_to_virt() (lab_arena.c), which
 * fails the test for any other address.
 */
#ifndef LAB_ARENA_H
#define LAB_ARENA_H
#include <types.h>

#define ARENA_BASE  0x10000000000ull     /* 1 TiB: far from the preserved blocks */
#define ARENA_PAGES 1024u

void arena_reset(void);                  /* forget every page handed out */
paddr_t arena_alloc(void *ctx);          /* a zeroed page, or 0 when full */
void arena_free(paddr_t pa, void *ctx);  /* pages are not reused; only checked */
#endif
