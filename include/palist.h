/*
 * Lists of folio addresses whose bit 63 is a flag (PALIST_FLAG): the hugetlb pool's
 * record of its folios and the hugetlb FLB's PFN list both keep one. Entries are
 * ordered and looked up by address alone (the flag masked), so a sorted list stays
 * sorted when flags change. Heap sort: in place, O(n log n), no allocation.
 */
#ifndef PALIST_H
#define PALIST_H
#include <types.h>

#define PALIST_FLAG (1ull << 63)

static inline paddr_t palist_pa(uint64_t e) { return e & ~PALIST_FLAG; }

void palist_sort(uint64_t *a, uint64_t n);
/* Index of the entry for pa in a sorted list, or -1. */
int64_t palist_find(const uint64_t *a, uint64_t n, paddr_t pa);
#endif
