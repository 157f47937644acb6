/* The arena behind the KHO lab checks (lab_arena.h). */
#include <stdlib.h>
#include <kho_block.h>
#include "lab_arena.h"
#include "host_test.h"

static uint8_t arena[ARENA_PAGES][4096] __attribute__((aligned(4096)));
static unsigned used;

void arena_reset(void)
{
	used = 0;
}

paddr_t arena_alloc(void *ctx)
{
	(void)ctx;
	if (used == ARENA_PAGES)
		return 0;
	memset(arena[used], 0, sizeof(arena[used]));
	return ARENA_BASE + used++ * 4096ull;
}

void *kho_phys_to_virt(paddr_t pa)
{
	if (pa < ARENA_BASE || pa % 4096 || (pa - ARENA_BASE) / 4096 >= used)
		fail_msg("kho_phys_to_virt(%#llx): not an arena page", (unsigned long long)pa);
	return arena[(pa - ARENA_BASE) / 4096];
}

void arena_free(paddr_t pa, void *ctx)
{
	(void)ctx;
	(void)kho_phys_to_virt(pa);
}
