/*
 * Early physical memory (in the spirit of Linux's memblock): the RAM ranges and the
 * reserved ranges, each kept sorted, merged and non-overlapping, and a first-fit
 * bottom-up allocator over "RAM minus reserved" used until the buddy allocator runs.
 * Built unchanged for the host: memblock_virt() (provided by the platform: the
 * direct map in the kernel, an arena in tests) reaches memory the tables move into.
 *
 * Allocation limits:
 *   - never above `limit` (the boot page tables reach only the first 4 GiB);
 *   - with scratch_only set (a kernel booted by a live update, before it has
 *     reserved every preserved range), only inside the scratch ranges.
 * The region tables start in static storage and double in place from memblock
 * itself when full, so a handover with thousands of preserved ranges fits.
 */
#ifndef MEMBLOCK_H
#define MEMBLOCK_H
#include <types.h>

struct memblock_region {
	paddr_t base;
	uint64_t size;
};

struct memblock_type {
	unsigned cnt, max;
	struct memblock_region *regions;
	const char *name;
};

struct memblock {
	struct memblock_type memory, reserved, scratch;
	paddr_t limit;          /* allocations end below this */
	bool scratch_only;
	uint64_t grown_bytes;   /* reserved for tables that outgrew their static arrays */
};

extern struct memblock memblock;

void memblock_init(struct memblock *mb);
int memblock_add(struct memblock *mb, paddr_t base, uint64_t size);          /* RAM */
int memblock_reserve(struct memblock *mb, paddr_t base, uint64_t size);
int memblock_add_scratch(struct memblock *mb, paddr_t base, uint64_t size);
/* Drop [base, base+size) from the reserved table (splitting ranges as needed). */
int memblock_unreserve(struct memblock *mb, paddr_t base, uint64_t size);
/* Allocate and reserve size bytes aligned to align (a power of two); 0 if none. */
paddr_t memblock_alloc(struct memblock *mb, uint64_t size, uint64_t align);
bool memblock_is_reserved(const struct memblock *mb, paddr_t base, uint64_t size);
bool memblock_is_memory(const struct memblock *mb, paddr_t base, uint64_t size);
/* Does any RAM lie in [base, base + size)? */
bool memblock_overlaps_memory(const struct memblock *mb, paddr_t base, uint64_t size);
uint64_t memblock_total(const struct memblock_type *t);
/* Call fn for each maximal range of RAM that is not reserved, ascending. */
void memblock_for_each_free(const struct memblock *mb,
			    void (*fn)(paddr_t base, uint64_t size, void *arg), void *arg);

/* Platform hook: a pointer through which the kernel can reach physical memory. */
void *memblock_virt(paddr_t pa);
#endif
