/* Host KHO: arena, page allocator, scratch and vmalloc stand-ins (see kho_host.h). */
#include <errno.h>
#include <kho.h>
#include <mm.h>
#include <stdlib.h>
#include <vmalloc.h>
#include "../../../kho/kho_priv.h"
#include "kho_host.h"
#include "host_test.h"

#define PAGE   4096ull
#define POISON 0xdb

static uint8_t *arena;
static struct page frames[KH_PAGES];
static bool used[KH_PAGES], head[KH_PAGES];
static unsigned budget = ~0u, live;
static struct kho_scratch ranges[2];
static unsigned nranges;
static const struct vm_area *area;

struct kho_in kho_in;

void kh_init(unsigned nscratch)
{
	if (!arena) {
		arena = aligned_alloc(PAGE, KH_PAGES * PAGE);
		assert_non_null(arena);
	}
	memset(arena, POISON, KH_PAGES * PAGE);
	memset(frames, 0, sizeof(frames));
	memset(used, 0, sizeof(used));
	memset(head, 0, sizeof(head));
	budget = ~0u;
	live = 0;
	ranges[0] = (struct kho_scratch){ KH_BASE, KH_SCRATCH_PAGES * PAGE };
	ranges[1] = (struct kho_scratch){ KH_SCRATCH2, KH_SCRATCH2_SIZE };
	nranges = nscratch;
	area = NULL;
}

void kh_fail_alloc_after(unsigned n)
{
	budget = n;
}

unsigned kh_live_pages(void)
{
	return live;
}

void kh_set_vm_area(const struct vm_area *a)
{
	area = a;
}

static bool in_arena(paddr_t pa)
{
	return pa >= KH_BASE && pa - KH_BASE < KH_PAGES * PAGE;
}

void *host_phys_to_virt(paddr_t pa)
{
	if (!in_arena(pa))
		fail_msg("phys_to_virt(%#llx): not in the arena", (unsigned long long)pa);
	return arena + (pa - KH_BASE);
}

paddr_t host_virt_to_phys(const void *va)
{
	const uint8_t *p = va;
	if (p < arena || p >= arena + KH_PAGES * PAGE)
		fail_msg("virt_to_phys(%p): not in the arena", va);
	return KH_BASE + (paddr_t)(p - arena);
}

void *kho_phys_to_virt(paddr_t pa)
{
	return phys_to_virt(pa);
}

paddr_t page_alloc(unsigned order, unsigned gfp)
{
	if (budget == 0)
		return 0;
	if (budget != ~0u)
		budget--;
	unsigned lo = gfp & GFP_SCRATCH ? 0 : KH_SCRATCH_PAGES;
	unsigned hi = gfp & GFP_SCRATCH ? KH_SCRATCH_PAGES : KH_PAGES, n = 1u << order;
	for (unsigned i = lo; i + n <= hi; i += n) {
		unsigned j = 0;
		while (j < n && !used[i + j])
			j++;
		if (j < n)
			continue;
		for (j = 0; j < n; j++)
			used[i + j] = true;
		head[i] = true;
		frames[i] = (struct page){ .order = (uint8_t)order };
		live += n;
		if (gfp & GFP_ZERO)
			memset(arena + i * PAGE, 0, n * PAGE);
		return KH_BASE + i * PAGE;
	}
	return 0;
}

void page_free(paddr_t pa, unsigned order)
{
	unsigned i = (unsigned)((pa - KH_BASE) / PAGE);
	if (!in_arena(pa) || pa % PAGE || !head[i] || frames[i].order != order)
		fail_msg("page_free(%#llx, %u): not an allocated block of that order",
			 (unsigned long long)pa, order);
	head[i] = false;
	for (unsigned j = 0; j < 1u << order; j++)
		used[i + j] = false;
	live -= 1u << order;
	memset(arena + i * PAGE, POISON, PAGE << order);
}

struct page *mm_page(paddr_t pa)
{
	unsigned i = (unsigned)((pa - KH_BASE) / PAGE);
	return in_arena(pa) && pa % PAGE == 0 && head[i] ? &frames[i] : NULL;
}

const struct kho_scratch *kho_scratch_ranges(unsigned *n)
{
	*n = nranges;
	return ranges;
}

bool kho_in_scratch(paddr_t pa, uint64_t size)
{
	for (unsigned i = 0; i < nranges; i++)
		if (pa < ranges[i].addr + ranges[i].size && ranges[i].addr < pa + size)
			return true;
	return false;
}

const struct vm_area *vmalloc_area(const void *p)
{
	return area && (uintptr_t)p == area->va ? area : NULL;
}

int kho_retrieve_subtree(const char *name, paddr_t *pa, uint64_t *size)
{
	(void)name;
	(void)pa;
	(void)size;
	return -ENOENT;
}

int kho_restore_free(paddr_t pa)
{
	fail_msg("kho_restore_free(%#llx) without an incoming handover", (unsigned long long)pa);
	return -EINVAL;
}
