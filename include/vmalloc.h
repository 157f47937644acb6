/*
 * vmalloc: virtually contiguous memory from scattered frames, mapped in 4 KiB pages
 * in the vmalloc region [VMALLOC_BASE, VMALLOC_END), each area followed by an
 * unmapped guard page. The frames behind an area stay reachable (vmalloc_area()),
 * which is how KHO preserves an area by its pages and maps it again in the next
 * kernel (vmap_frames()). Memory is zeroed.
 */
#ifndef VMALLOC_H
#define VMALLOC_H
#include <types.h>

#define VMALLOC_BASE 0xffffc90000000000ull
#define VMALLOC_END  0xffffe90000000000ull

struct vm_area {
	uint64_t va;
	uint64_t npages;        /* mapped 4 KiB pages (without the guard) */
	unsigned order;         /* each frame piece is 2^order pages */
	paddr_t *frames;        /* npages >> order physical addresses */
	bool owns_frames;       /* vfree gives the frames back to the buddy */
	struct vm_area *next;   /* sorted by va */
};

/* gfp: GFP_PRESERVABLE for areas that may be handed over. NULL on failure. */
void *vmalloc(size_t size, unsigned gfp);
void vfree(const void *p);
bool vmalloc_owns(const void *p);
const struct vm_area *vmalloc_area(const void *p);
/* Map frames (n pieces of 2^order pages) into a new area; it then owns them. */
void *vmap_frames(const paddr_t *frames, uint64_t n, unsigned order);
#endif
