/*
 * vmalloc (model in include/vmalloc.h). Areas sit in a list sorted by address;
 * a new one takes the first gap big enough for it plus its guard page. Failure at
 * any step unwinds what that call did, so a failed vmalloc leaks nothing.
 * ioremap() areas (include/mmio.h) live in the same list; they map device frames
 * uncached and do not own them, so vfree/iounmap only unmaps them.
 */
#include <kmalloc.h>
#include <mmio.h>
#include <mm.h>
#include <paging.h>
#include <panic.h>
#include <string.h>
#include <vmalloc.h>

static struct vm_area *areas;

static uint64_t find_gap(uint64_t npages)
{
	uint64_t want = (npages + 1) * PAGE_SIZE, at = VMALLOC_BASE;
	for (struct vm_area *a = areas; a; a = a->next) {
		if (a->va - at >= want)
			break;
		at = a->va + (a->npages + 1) * PAGE_SIZE;
	}
	return VMALLOC_END - at >= want ? at : 0;
}

static void insert(struct vm_area *n)
{
	struct vm_area **pp = &areas;
	while (*pp && (*pp)->va < n->va)
		pp = &(*pp)->next;
	n->next = *pp;
	*pp = n;
}

static void unmap_area(struct vm_area *a, uint64_t npages)
{
	for (uint64_t i = 0; i < npages; i++)
		unmap_page(a->va + i * PAGE_SIZE);
}

static void *map_area(struct vm_area *a, uint64_t flags)
{
	uint64_t per = 1ull << a->order;
	for (uint64_t i = 0; i < a->npages; i++) {
		paddr_t pa = a->frames[i >> a->order] + (i & (per - 1)) * PAGE_SIZE;
		if (map_page(a->va + i * PAGE_SIZE, pa, flags)) {
			unmap_area(a, i);
			return NULL;
		}
	}
	insert(a);
	return (void *)a->va;
}

/* A new, not yet mapped area of npages pages with room for nframes frame pieces. */
static struct vm_area *new_area(uint64_t nframes, uint64_t npages)
{
	struct vm_area *a = kzalloc(sizeof(*a));
	if (!a)
		return NULL;
	a->frames = kmalloc(nframes * sizeof(paddr_t));
	a->va = npages ? find_gap(npages) : 0;
	if (!a->frames || !a->va) {
		kfree(a->frames);
		kfree(a);
		return NULL;
	}
	a->npages = npages;
	return a;
}

static void drop_area(struct vm_area *a)
{
	kfree(a->frames);
	kfree(a);
}

void *vmalloc(size_t size, unsigned gfp)
{
	uint64_t npages = ALIGN_UP((uint64_t)size, (uint64_t)PAGE_SIZE) / PAGE_SIZE;
	struct vm_area *a = new_area(npages, npages);
	if (!a)
		return NULL;
	a->owns_frames = true;
	uint64_t got = 0;
	for (; got < npages; got++) {
		a->frames[got] = page_alloc(0, gfp | GFP_ZERO);
		if (!a->frames[got])
			goto fail_frames;
	}
	if (map_area(a, PTE_WRITE | PTE_NX))
		return (void *)a->va;
fail_frames:
	while (got--)
		page_free(a->frames[got], 0);
	drop_area(a);
	return NULL;
}

void *vmap_frames(const paddr_t *frames, uint64_t n, unsigned order)
{
	struct vm_area *a = new_area(n, n << order);
	if (!a)
		return NULL;
	memcpy(a->frames, frames, n * sizeof(paddr_t));
	a->order = order;
	a->owns_frames = true;
	if (map_area(a, PTE_WRITE | PTE_NX))
		return (void *)a->va;
	drop_area(a);
	return NULL;
}

static struct vm_area **find(const void *p)
{
	for (struct vm_area **pp = &areas; *pp; pp = &(*pp)->next)
		if ((*pp)->va == (uint64_t)p)
			return pp;
	return NULL;
}

bool vmalloc_owns(const void *p)
{
	return (uint64_t)p >= VMALLOC_BASE && (uint64_t)p < VMALLOC_END;
}

const struct vm_area *vmalloc_area(const void *p)
{
	struct vm_area **pp = find(p);
	return pp ? *pp : NULL;
}

void vfree(const void *p)
{
	if (!p)
		return;
	struct vm_area **pp = find(p);
	BUG_ON(!pp, "vfree(%p): not the start of a vmalloc area", p);
	struct vm_area *a = *pp;
	*pp = a->next;
	unmap_area(a, a->npages);
	if (a->owns_frames)
		for (uint64_t i = 0; i < (a->npages >> a->order); i++)
			page_free(a->frames[i], a->order);
	kfree(a->frames);
	kfree(a);
}

void *ioremap(paddr_t paddr, uint64_t size)
{
	if (!size || paddr + size < paddr || paddr + size > (1ull << 52))
		return NULL;
	paddr_t base = ALIGN_DOWN(paddr, (paddr_t)PAGE_SIZE);
	uint64_t npages = (ALIGN_UP(paddr + size, (paddr_t)PAGE_SIZE) - base) / PAGE_SIZE;
	struct vm_area *a = new_area(npages, npages);
	if (!a)
		return NULL;
	for (uint64_t i = 0; i < npages; i++)
		a->frames[i] = base + i * PAGE_SIZE;
	if (map_area(a, PTE_WRITE | PTE_NX | PTE_PCD | PTE_PWT))
		return (void *)(a->va + (paddr - base));
	drop_area(a);
	return NULL;
}

int ioremap_retarget(void *p, paddr_t paddr)
{
	struct vm_area **pp = find(p);
	BUG_ON(!pp || (*pp)->npages != 1 || (*pp)->owns_frames || !IS_ALIGNED(paddr, PAGE_SIZE),
	       "ioremap_retarget(%p, %#llx): not a one-page ioremap area or not page aligned",
	       p, (unsigned long long)paddr);
	struct vm_area *a = *pp;
	unmap_page(a->va);                          /* flushes the old translation */
	a->frames[0] = paddr;
	return map_page(a->va, paddr, PTE_WRITE | PTE_NX | PTE_PCD | PTE_PWT);
}

void iounmap(void *p)
{
	if (p)
		vfree((void *)ALIGN_DOWN((uint64_t)p, (uint64_t)PAGE_SIZE));
}
