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
static uint64_t nx_mask;          /* PTE_NX if the CPU has NX (EFER.NXE set), else 0 */
static uint64_t table_bytes;
/* The direct map above 4 GiB is filled in on first touch, one GiB at a time
 * (paging_fault): with 1 GiB pages one entry, if the GiB holds RAM; without them,
 * a page directory set aside at boot but not written. So building the map costs
 * the same in a 1 GiB and a 1 TiB guest. */
static paddr_t lazy_pd;
static paddr_t lazy_first, lazy_end;

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
	if (r[3] & (1u << 20)) {
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | (1u << 11));   /* NXE */
		nx_mask = PTE_NX;
	}
	pml4_pa = table_alloc();
	BUG_ON(!pml4_pa, "no page for the page-table root");
	uint64_t *pml4 = table(pml4_pa);
	uint64_t end = ALIGN_UP(MAX(ram_end, (paddr_t)BOOT_MAP_LIMIT), (paddr_t)GiB);

	/* The first 4 GiB now; above them, only the PDPT pages of the 512 GiB slots that
	 * hold RAM (their entries are filled in lazily, see paging_fault). */
	uint64_t *pdpt = NULL, pdpt_slot = ~0ull;         /* the last PML4 slot's table */
	for (paddr_t pa = 0; pa < BOOT_MAP_LIMIT; pa += GiB) {
		uint64_t va = DIRECT_MAP_BASE + pa;
		if (pdpt_slot != ((va >> 39) & 511)) {
			pdpt_slot = (va >> 39) & 511;
			pdpt = next_level(&pml4[pdpt_slot], true);
			BUG_ON(!pdpt, "no page for the direct map at %#llx", (unsigned long long)pa);
		}
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
	for (unsigned m = 0; m < memblock.memory.cnt; m++) {
		const struct memblock_region *r = &memblock.memory.regions[m];
		paddr_t lo = MAX(r->base, (paddr_t)BOOT_MAP_LIMIT), hi = r->base + r->size;
		for (paddr_t at = ALIGN_DOWN(lo, 512 * GiB); at < hi; at += 512 * GiB)
			BUG_ON(at + 512 * GiB > lo &&
			       !next_level(&pml4[((DIRECT_MAP_BASE + at) >> 39) & 511], true),
			       "no page for the direct map above 4 GiB");
	}
	if (end > BOOT_MAP_LIMIT) {
		lazy_first = BOOT_MAP_LIMIT;
		lazy_end = end;
	}
	if (!gbpages && end > BOOT_MAP_LIMIT) {
		lazy_pd = memblock_alloc(&memblock, (end - BOOT_MAP_LIMIT) / GiB * PAGE_SIZE, PAGE_SIZE);
		BUG_ON(!lazy_pd, "no pages for the direct map above 4 GiB");
		table_bytes += (end - BOOT_MAP_LIMIT) / GiB * PAGE_SIZE;
	}
	/* The kernel image: KERNEL_VBASE + [0, 1 GiB) shares the direct map's first GiB. */
	uint64_t *kpdpt = next_level(&pml4[511], true);
	uint64_t *dpdpt = table(pml4[(DIRECT_MAP_BASE >> 39) & 511] & PTE_ADDR);
	BUG_ON(!kpdpt, "no page for the kernel mapping");
	kpdpt[510] = dpdpt[0];
	write_cr3(pml4_pa);
}

bool paging_fault(uint64_t va)
{
	if (va < DIRECT_MAP_BASE + lazy_first || va >= DIRECT_MAP_BASE + lazy_end)
		return false;
	paddr_t gib = ALIGN_DOWN(va - DIRECT_MAP_BASE, (paddr_t)GiB);
	uint64_t *pml4 = table(pml4_pa);
	if (!(pml4[(va >> 39) & 511] & PTE_PRESENT))
		return false;                                  /* no RAM in that 512 GiB */
	uint64_t *pdpt = table(pml4[(va >> 39) & 511] & PTE_ADDR);
	uint64_t *e = &pdpt[(va >> 30) & 511];
	if (*e & PTE_PRESENT)
		return false;                                  /* a real fault */
	if (gbpages) {                                     /* one 1 GiB page, if RAM */
		if (!memblock_overlaps_memory(&memblock, gib, GiB))
			return false;
		*e = gib | PTE_PRESENT | PTE_WRITE | PTE_HUGE | PTE_GLOBAL;
		return true;
	}
	paddr_t pd_pa = lazy_pd + (gib - lazy_first) / GiB * PAGE_SIZE;  /* below 4 GiB */
	uint64_t *pd = table(pd_pa);
	for (unsigned i = 0; i < 512; i++)
		pd[i] = (gib + i * 2 * MiB) | PTE_PRESENT | PTE_WRITE | PTE_HUGE | PTE_GLOBAL;
	*e = pd_pa | PTE_PRESENT | PTE_WRITE;
	return true;
}

/*
 * Table pages that came from the buddy count their present entries in their head's
 * private word, so unmap_page() can give an emptied table back (the vmalloc region
 * then costs nothing once its areas are gone). Tables from memblock (the direct
 * map) have no head and are never freed.
 */
static void count_entry(uint64_t *t, int delta)
{
	struct page *p = mm_ready() ? mm_page(virt_to_phys(t)) : NULL;
	if (p)
		p->private = (uint32_t)((int)p->private + delta);
}

static bool table_empty(uint64_t *t)
{
	struct page *p = mm_ready() ? mm_page(virt_to_phys(t)) : NULL;
	return p && p->private == 0;
}

int paging_map_range(uint64_t va, paddr_t pa, uint64_t size, uint64_t flags)
{
	uint64_t *pdpt = NULL, *pd = NULL, pdpt_va = ~0ull, pd_va = ~0ull;  /* cached walks */
	uint64_t bits = (flags & ~(PTE_NX & ~nx_mask)) | PTE_PRESENT | PTE_HUGE;
	for (uint64_t step; size; va += step, pa += step, size -= step) {
		if (!IS_ALIGNED(va | pa, 2 * MiB) || size < 2 * MiB) {
			step = PAGE_SIZE;
			int err = map_page(va, pa, flags);
			if (err)
				return err;
			continue;
		}
		if (pdpt_va != (va >> 39)) {
			pdpt_va = va >> 39;
			pdpt = next_level(&table(pml4_pa)[pdpt_va & 511], true);
			if (!pdpt)
				return -ENOMEM;
		}
		uint64_t *e1 = &pdpt[(va >> 30) & 511];
		if (gbpages && IS_ALIGNED(va | pa, GiB) && size >= GiB) {
			step = GiB;
			if (*e1 & PTE_PRESENT)
				return -EEXIST;
			*e1 = pa | bits;
			continue;
		}
		step = 2 * MiB;
		if (pd_va != (va >> 30)) {
			pd_va = va >> 30;
			pd = next_level(e1, true);
			if (!pd)
				return -ENOMEM;
		}
		uint64_t *e = &pd[(va >> 21) & 511];
		if (*e & PTE_PRESENT)
			return -EEXIST;
		*e = pa | bits;
	}
	return 0;
}

int map_page(uint64_t va, paddr_t pa, uint64_t flags)
{
	uint64_t *t = table(pml4_pa);
	for (int shift = 39; shift > 12; shift -= 9) {
		uint64_t *e = &t[(va >> shift) & 511];
		bool was = *e & PTE_PRESENT;
		uint64_t *n = next_level(e, true);
		if (!n)
			return -ENOMEM;
		if (!was)
			count_entry(t, +1);
		t = n;
	}
	uint64_t *e = &t[(va >> 12) & 511];
	if (*e & PTE_PRESENT)
		return -EEXIST;
	*e = pa | (flags & ~(PTE_NX & ~nx_mask)) | PTE_PRESENT;
	count_entry(t, +1);
	return 0;
}

paddr_t unmap_page(uint64_t va)
{
	uint64_t *path[4];
	uint64_t *t = table(pml4_pa);
	int level = 0;
	for (int shift = 39; shift >= 12; shift -= 9, level++) {
		path[level] = &t[(va >> shift) & 511];
		if (!(*path[level] & PTE_PRESENT) || (shift > 12 && (*path[level] & PTE_HUGE)))
			return 0;
		if (shift > 12)
			t = table(*path[level] & PTE_ADDR);
	}
	paddr_t pa = *path[3] & PTE_ADDR;
	*path[3] = 0;
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
	/* Free tables that became empty, bottom-up; never the root. */
	for (level = 3; level > 0; level--) {
		uint64_t *tbl = (uint64_t *)ALIGN_DOWN((uint64_t)path[level], (uint64_t)PAGE_SIZE);
		count_entry(tbl, -1);
		if (!table_empty(tbl))
			break;
		paddr_t tpa = virt_to_phys(tbl);
		*path[level - 1] = 0;
		page_free(tpa, 0);
		table_bytes -= PAGE_SIZE;
	}
	if (level == 0)
		count_entry((uint64_t *)ALIGN_DOWN((uint64_t)path[0], (uint64_t)PAGE_SIZE), -1);
	return pa;
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

void paging_identity(paddr_t pml4, paddr_t pdpt, paddr_t pd, unsigned gib)
{
	uint64_t *l4 = phys_to_virt(pml4), *l3 = phys_to_virt(pdpt), *l2 = phys_to_virt(pd);
	for (unsigned i = 0; i < gib * 512; i++)
		l2[i] = ((uint64_t)i << 21) | PTE_PRESENT | PTE_WRITE | PTE_HUGE;
	for (unsigned i = 0; i < gib; i++)
		l3[i] = (pd + i * PAGE_SIZE) | PTE_PRESENT | PTE_WRITE;
	const uint64_t *cur = phys_to_virt(paging_root());
	l4[0] = pdpt | PTE_PRESENT | PTE_WRITE;
	for (unsigned i = 256; i < 512; i++)
		l4[i] = cur[i];
}
