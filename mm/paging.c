/*
 * Building and editing page tables (model in include/paging.h). Four levels,
 * 512 entries each; every table page is reached through the direct map.
 */
#include <errno.h>
#include <layout.h>
#include <memblock.h>
#include <mm.h>
#include <panic.h>
#include <paging.h>
#include <string.h>
#include <x86.h>

static paddr_t pml4_pa;
static bool gbpages;
static uint64_t table_bytes;

static paddr_t table_alloc(void)
{
	paddr_t pa = mm_ready() ? page_alloc(0, GFP_ZERO) : memblock_alloc(&memblock, PAGE_SIZE, PAGE_SIZE);
	if (pa && !mm_ready())
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
	if (pa)
		table_bytes += PAGE_SIZE;
	return pa;
}

static uint64_t *table(paddr_t pa)
{
	return phys_to_virt(pa);
}

/* The next-level table behind entry e, creating it if create. NULL if absent. */
static uint64_t *next_level(uint64_t *e, bool create)
{
	if (!(*e & PTE_PRESENT)) {
		if (!create)
			return NULL;
		paddr_t pa = table_alloc();
		if (!pa)
			return NULL;
		*e = pa | PTE_PRESENT | PTE_WRITE;
	}
	BUG_ON(*e & PTE_HUGE, "page-table walk hit a huge page entry %#llx", (unsigned long long)*e);
	return table(*e & PTE_ADDR);
}

void paging_init(paddr_t ram_end)
{
	uint32_t r[4];
	cpuid(0x80000001, 0, r);
	gbpages = r[3] & (1u << 26);
	pml4_pa = table_alloc();
	BUG_ON(!pml4_pa, "no page for the page-table root");
	uint64_t *pml4 = table(pml4_pa);
	uint64_t end = ALIGN_UP(MAX(ram_end, (paddr_t)BOOT_MAP_LIMIT), (paddr_t)GiB);

	for (paddr_t pa = 0; pa < end; pa += GiB) {
		uint64_t va = DIRECT_MAP_BASE + pa;
		uint64_t *pdpt = next_level(&pml4[(va >> 39) & 511], true);
		BUG_ON(!pdpt, "no page for the direct map at %#llx", (unsigned long long)pa);
		uint64_t *e = &pdpt[(va >> 30) & 511];
		if (gbpages) {
			*e = pa | PTE_PRESENT | PTE_WRITE | PTE_HUGE | PTE_GLOBAL;
			continue;
		}
		uint64_t *pd = next_level(e, true);
		BUG_ON(!pd, "no page for the direct map at %#llx", (unsigned long long)pa);
		for (unsigned i = 0; i < 512; i++)
			pd[i] = (pa + i * 2 * MiB) | PTE_PRESENT | PTE_WRITE | PTE_HUGE | PTE_GLOBAL;
	}
	/* The kernel image: KERNEL_VBASE + [0, 1 GiB) shares the direct map's first GiB. */
	uint64_t *kpdpt = next_level(&pml4[511], true);
	uint64_t *dpdpt = table(pml4[(DIRECT_MAP_BASE >> 39) & 511] & PTE_ADDR);
	BUG_ON(!kpdpt, "no page for the kernel mapping");
	kpdpt[510] = dpdpt[0];
	write_cr3(pml4_pa);
}

int map_page(uint64_t va, paddr_t pa, uint64_t flags)
{
	uint64_t *t = table(pml4_pa);
	for (int shift = 39; shift > 12; shift -= 9) {
		t = next_level(&t[(va >> shift) & 511], true);
		if (!t)
			return -ENOMEM;
	}
	uint64_t *e = &t[(va >> 12) & 511];
	if (*e & PTE_PRESENT)
		return -EEXIST;
	*e = pa | flags | PTE_PRESENT;
	return 0;
}

static uint64_t *leaf(uint64_t va)
{
	uint64_t *t = table(pml4_pa);
	for (int shift = 39; shift > 12; shift -= 9) {
		uint64_t e = t[(va >> shift) & 511];
		if (!(e & PTE_PRESENT) || (e & PTE_HUGE))
			return NULL;
		t = table(e & PTE_ADDR);
	}
	return &t[(va >> 12) & 511];
}

paddr_t unmap_page(uint64_t va)
{
	uint64_t *e = leaf(va);
	if (!e || !(*e & PTE_PRESENT))
		return 0;
	paddr_t pa = *e & PTE_ADDR;
	*e = 0;
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
	return pa;
}

paddr_t paging_translate(uint64_t va)
{
	uint64_t *e = leaf(va);
	return e && (*e & PTE_PRESENT) ? (*e & PTE_ADDR) | (va & 0xfff) : 0;
}

uint64_t paging_table_bytes(void)
{
	return table_bytes;
}

bool paging_has_gbpages(void)
{
	return gbpages;
}

paddr_t paging_root(void)
{
	return pml4_pa;
}
