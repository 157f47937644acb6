/*
 * kmalloc (model in include/kmalloc.h).
 *
 * A slab page is an order-0 block whose head entry the slab owns: flags = KM_SLAB,
 * private = class (4 bits) | objects in use (12 bits) | first free object (12 bits,
 * 0xfff = none); next/prev link the class's list of pages with free objects. Free
 * objects chain through their first 16 bits (index of the next free object). Large
 * blocks carry flags = KM_LARGE and their order in the head.
 *
 * Locking: one spin lock (interrupts off) over the class lists and every slab
 * page's free chain, so any CPU may kmalloc and kfree; large blocks go straight to
 * the page allocator, which has its own.
 */
#include <kmalloc.h>
#include <mm.h>
#include <panic.h>
#include <spinlock.h>
#include <string.h>
#include <vmalloc.h>

#define KM_SLAB   0x10
#define KM_LARGE  0x20
#define NCLASS    8             /* 16 << c bytes, c = 0..7 */
#define NONE_OBJ  0xfff
#define NIL       UINT32_MAX

static struct spinlock km_lock = SPINLOCK_INIT;

static uint32_t partial[NCLASS] = { NIL, NIL, NIL, NIL, NIL, NIL, NIL, NIL };

static inline unsigned p_class(const struct page *p) { return p->private & 0xf; }
static inline unsigned p_inuse(const struct page *p) { return (p->private >> 4) & 0xfff; }
static inline unsigned p_free(const struct page *p) { return (p->private >> 16) & 0xfff; }
static inline void p_set(struct page *p, unsigned c, unsigned inuse, unsigned free)
{
	p->private = c | (inuse << 4) | (free << 16);
}

static struct page *page_at(uint32_t pfn)
{
	return mm_page((paddr_t)pfn << PAGE_SHIFT);
}

static void list_add(unsigned c, uint32_t pfn, struct page *p)
{
	p->prev = NIL;
	p->next = partial[c];
	if (p->next != NIL)
		page_at(p->next)->prev = pfn;
	partial[c] = pfn;
}

static void list_remove(unsigned c, uint32_t pfn, struct page *p)
{
	if (p->prev == NIL)
		partial[c] = p->next;
	else
		page_at(p->prev)->next = p->next;
	if (p->next != NIL)
		page_at(p->next)->prev = p->prev;
}

static unsigned size_class(size_t n)
{
	unsigned c = 0;
	while ((16u << c) < n)
		c++;
	return c;
}

static void *slab_alloc(unsigned c)
{
	size_t osize = 16u << c;
	unsigned nobj = PAGE_SIZE / osize;
	if (partial[c] == NIL) {
		paddr_t pa = page_alloc(0, 0);
		if (!pa)
			return NULL;
		struct page *p = mm_page(pa);
		uint8_t *base = page_virt(pa);
		for (unsigned i = 0; i < nobj; i++)
			*(uint16_t *)(base + i * osize) = (uint16_t)(i + 1 < nobj ? i + 1 : NONE_OBJ);
		p->flags = KM_SLAB;
		p_set(p, c, 0, 0);
		list_add(c, (uint32_t)(pa >> PAGE_SHIFT), p);
	}
	uint32_t pfn = partial[c];
	struct page *p = page_at(pfn);
	uint8_t *base = page_virt((paddr_t)pfn << PAGE_SHIFT);
	unsigned i = p_free(p);
	BUG_ON(i >= nobj, "slab page %#x class %u: free index %u", pfn, c, i);
	unsigned next = *(uint16_t *)(base + i * osize);
	p_set(p, c, p_inuse(p) + 1, next);
	if (next == NONE_OBJ)
		list_remove(c, pfn, p);
	return base + i * osize;
}

void *kmalloc(size_t n)
{
	if (n == 0)
		n = 1;
	if (n <= (16u << (NCLASS - 1))) {
		uint64_t f = spin_lock_irqsave(&km_lock);
		void *obj = slab_alloc(size_class(n));
		spin_unlock_irqrestore(&km_lock, f);
		return obj;
	}
	unsigned order = 0;
	while (((size_t)PAGE_SIZE << order) < n)
		order++;
	if (order > BUDDY_MAX_ORDER)
		return NULL;
	paddr_t pa = page_alloc(order, 0);
	if (!pa)
		return NULL;
	mm_page(pa)->flags = KM_LARGE;
	return page_virt(pa);
}

void *kzalloc(size_t n)
{
	void *p = kmalloc(n);
	if (p)
		memset(p, 0, n);
	return p;
}

void kfree(const void *ptr)
{
	if (!ptr)
		return;
	paddr_t pa = virt_to_phys(ptr), page = ALIGN_DOWN(pa, (paddr_t)PAGE_SIZE);
	struct page *p = mm_page(page);
	BUG_ON(!p || !(p->flags & (KM_SLAB | KM_LARGE)) || p->state != PAGE_ALLOC,
	       "kfree(%p): not a kmalloc block", ptr);
	if (p->flags & KM_LARGE) {
		BUG_ON(pa != page, "kfree(%p): not the start of a block", ptr);
		page_free(pa, p->order);
		return;
	}
	uint64_t flags = spin_lock_irqsave(&km_lock);
	unsigned c = p_class(p), osize = 16u << c, nobj = PAGE_SIZE / osize;
	unsigned i = (unsigned)(pa - page) / osize;
	uint8_t *base = page_virt(page);
	BUG_ON((pa - page) % osize, "kfree(%p): not an object start (class %u)", ptr, osize);
	for (unsigned f = p_free(p), n = 0; f != NONE_OBJ && n <= nobj; n++) {
		BUG_ON(f == i, "kfree(%p): double free", ptr);
		f = *(uint16_t *)(base + f * osize);
	}
	uint32_t pfn = (uint32_t)(page >> PAGE_SHIFT);
	bool was_full = p_free(p) == NONE_OBJ;
	*(uint16_t *)(base + i * osize) = (uint16_t)p_free(p);
	p_set(p, c, p_inuse(p) - 1, i);
	if (was_full)
		list_add(c, pfn, p);
	if (p_inuse(p) == 0) {
		list_remove(c, pfn, p);
		page_free(page, 0);
	}
	spin_unlock_irqrestore(&km_lock, flags);
}

#define KV_SMALL (64 * 1024)

void *kvmalloc(size_t n)
{
	void *p = n <= KV_SMALL ? kmalloc(n) : vmalloc(n, 0);
	if (p && n <= KV_SMALL)
		memset(p, 0, n);
	return p;
}

void kvfree(const void *p)
{
	if (vmalloc_owns(p))
		vfree(p);
	else
		kfree(p);
}
