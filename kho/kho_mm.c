/*
 * KHO as mm/ sees it: the handover hooks of include/mm.h, which kmain sets before
 * mm_init(). mm/ calls them at its boot steps (scratch, then the incoming
 * handover's check and reservation, then the release of what the walk needed) and
 * asks them about preserved memory (meminfo, `page`, hugetlb adoption); it never
 * names KHO itself, so kho/ may stand above mm/ and allocate from it.
 */
#include <kho.h>
#include <mm.h>

static uint64_t scratch_bytes(void)
{
	unsigned n;
	uint64_t bytes = 0;
	const struct kho_scratch *r = kho_scratch_ranges(&n);
	for (unsigned i = 0; i < n; i++)
		bytes += r[i].size;
	return bytes;
}

const struct mm_handover_ops kho_mm_handover = {
	.scratch_init = kho_scratch_init,
	.memory_init = kho_memory_init,
	.memory_finish = kho_memory_finish,
	.boot_data_bytes = kho_boot_data_bytes,
	.preserved_block = kho_preserved_block,
	.is_preserved_block = kho_is_preserved_block,
	.restore_folio = kho_restore_folio,
	.preserved_bytes = kho_preserved_bytes,
	.scratch_bytes = scratch_bytes,
};
