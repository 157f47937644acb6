/*
 * The rules an incoming scratch array must meet (docs/kho.md), pure: the boot's
 * check (kho_scratch.c) and kho-inspect (tools/kho-inspect) both apply them, so
 * the two cannot drift. Whether a range is RAM is the caller's to say (memblock in
 * the kernel, the dump's segments in the inspector).
 *
 * Each function returns NULL when the rule holds, else the reason the kernel logs
 * after "kho: incoming handover refused:".
 */
#include <kho.h>      /* KHO_SCRATCH_MAX */
#include <layout.h>
#include "kho_internal.h"

const char *kho_scratch_array_bad(uint64_t bytes)
{
	if (bytes == 0 || bytes % sizeof(struct kho_scratch) ||
	    bytes > KHO_SCRATCH_MAX * sizeof(struct kho_scratch))
		return "scratch array size";
	return NULL;
}

const char *kho_scratch_range_bad(const struct kho_scratch *s,
				  bool (*is_ram)(uint64_t pa, uint64_t size))
{
	if (s->size == 0 || !IS_ALIGNED(s->addr, (uint64_t)PAGE_SIZE) ||
	    !IS_ALIGNED(s->size, (uint64_t)PAGE_SIZE) || s->addr + s->size < s->addr ||
	    s->addr + s->size > BOOT_MAP_LIMIT)
		return "scratch range misaligned or above 4 GiB";
	if (!is_ram(s->addr, s->size))
		return "scratch range outside RAM";
	return NULL;
}

const char *kho_scratch_overlap(const struct kho_scratch *a, const struct kho_scratch *b)
{
	if (a->addr < b->addr + b->size && b->addr < a->addr + a->size)
		return "scratch ranges overlap";
	return NULL;
}

bool kho_scratch_holds_slot(const struct kho_scratch *s)
{
	return s->addr <= KERNEL_PHYS && s->addr + s->size >= KERNEL_PHYS + KERNEL_SLOT_SIZE;
}
