/*
 * The folio list of preserved memfds (model in luo/memfd_folios.h). Restoring a
 * memfd-v2 list of large folios splits each into order-0 pages in place, as
 * allocated pages (page_split: one hold of the zone's lock, so no other CPU can take
 * a page of it meanwhile), so the contents stay where they are and each page can
 * later be freed on its own, as a memfd's pages are.
 */
#include <errno.h>
#include <kho.h>
#include <kmalloc.h>
#include <mm.h>
#include <vmalloc.h>
#include "memfd_folios.h"

#define PFN_MASK ((1ull << MEMFD_LUO_FOLIO_PFN_BITS) - 1)

static void unpreserve_first(struct memfd *f, const struct memfd_folios *o, uint64_t n)
{
	for (uint64_t i = 0; o->own && i < n; i++)
		kho_unpreserve_folio(f->folios[i], f->order);
}

int memfd_folios_preserve(struct memfd *f, struct memfd_folios *o, bool own)
{
	*o = (struct memfd_folios){ .own = own };
	if (!f->nfolios)
		return 0;
	o->arr = vmalloc(f->nfolios * sizeof(*o->arr), GFP_PRESERVABLE);
	if (!o->arr)
		return -ENOMEM;
	uint64_t done = 0;
	int err = 0;
	for (; done < f->nfolios; done++) {
		err = own ? kho_preserve_folio(f->folios[done], f->order) : 0;
		if (err)
			break;
		o->arr[done].pfn_flags = (f->folios[done] >> PAGE_SHIFT) |
			((MEMFD_LUO_FOLIO_DIRTY | MEMFD_LUO_FOLIO_UPTODATE) << MEMFD_LUO_FOLIO_PFN_BITS);
		o->arr[done].index = done;
	}
	if (!err)
		err = kho_preserve_vmalloc(o->arr, &o->desc);
	if (err) {
		unpreserve_first(f, o, done);
		vfree(o->arr);
		*o = (struct memfd_folios){ 0 };
	}
	return err;
}

void memfd_folios_unpreserve(struct memfd *f, struct memfd_folios *o)
{
	if (!o->arr)
		return;
	unpreserve_first(f, o, f->nfolios);
	kho_unpreserve_vmalloc(&o->desc);
	vfree(o->arr);
	*o = (struct memfd_folios){ 0 };
}



/* Every record checked against the incoming tree; *total the pages they cover. */
static int check_pages(const struct memfd_luo_folio_ser *arr, uint64_t n, uint64_t pages,
		       uint64_t *total)
{
	uint64_t at = 0;
	for (uint64_t i = 0; i < n; i++) {
		paddr_t pa = (arr[i].pfn_flags & PFN_MASK) << PAGE_SHIFT, head;
		unsigned o;
		if (!pa || arr[i].index != at || at >= pages || !kho_preserved_block(pa, &head, &o) ||
		    head != pa)
			return -EIO;
		at += 1ull << o;
	}
	*total = at;
	return at >= pages ? 0 : -EIO;
}

/* Take each folio as its pages into p (total entries); on a failure free them. */
static int take_pages(const struct memfd_luo_folio_ser *arr, uint64_t n, paddr_t *p)
{
	uint64_t at = 0;
	for (uint64_t i = 0; i < n; i++) {
		paddr_t pa = (arr[i].pfn_flags & PFN_MASK) << PAGE_SHIFT;
		unsigned o;
		if (kho_restore_folio(pa, &o)) {           /* named twice: taken already */
			while (at--)
				page_free(p[at], 0);
			return -EIO;
		}
		page_split(pa, o, 0);
		for (uint64_t k = 0; k < 1ull << o; k++)
			p[at++] = pa + k * PAGE_SIZE;
	}
	return 0;
}

/* The records' blocks the tree proves are preserved heads, into left. */
static int collect(const struct memfd_luo_folio_ser *arr, uint64_t n, struct memfd_leftover *left)
{
	paddr_t *pa = n ? kvmalloc(n * sizeof(paddr_t)) : NULL;
	if (n && !pa)
		return -ENOMEM;
	*left = (struct memfd_leftover){ pa, 0 };
	for (uint64_t i = 0; i < n; i++) {
		paddr_t p = (arr[i].pfn_flags & PFN_MASK) << PAGE_SHIFT, head;
		unsigned o;
		if (p && kho_preserved_block(p, &head, &o) && head == p)
			pa[left->n++] = p;
	}
	return 0;
}

/* The records the list's area can hold (32-bit pages: no product wraps). */
static uint64_t capacity(const struct kho_vmalloc *d)
{
	return d->total_pages * (uint64_t)(PAGE_SIZE / sizeof(struct memfd_luo_folio_ser));
}

int memfd_folios_leftover(const struct kho_vmalloc *d, struct memfd_leftover *left)
{
	*left = (struct memfd_leftover){ NULL, 0 };
	struct kho_vmalloc desc = *d;
	uint64_t n = capacity(&desc);      /* every slot: the record's count may be the lie */
	if (!n || !desc.first)
		return 0;
	const struct memfd_luo_folio_ser *arr = kho_restore_vmalloc(&desc);
	if (!arr)
		return 0;                          /* not a preserved list: nothing is proven */
	int err = collect(arr, n, left);
	vfree((void *)arr);
	return err;
}

int memfd_folios_restore(const struct kho_vmalloc *d, uint64_t n, unsigned order, paddr_t **out,
			 struct memfd_leftover *left)
{
	*out = NULL;
	*left = (struct memfd_leftover){ NULL, 0 };
	if (!n)
		return 0;
	struct kho_vmalloc desc = *d;
	/* n is untrusted: bound it by the area before it sizes anything. */
	if (n > capacity(&desc))
		return memfd_folios_leftover(d, left) ?: -EIO;
	const struct memfd_luo_folio_ser *arr = kho_restore_vmalloc(&desc);
	paddr_t *f = kvmalloc(n * sizeof(paddr_t));          /* zeroed */
	int err = arr && f ? 0 : -EIO;
	for (uint64_t i = 0; !err && i < n; i++) {
		paddr_t pa = (arr[i].pfn_flags & PFN_MASK) << PAGE_SHIFT;
		unsigned o;
		if (!pa || arr[i].index >= n || f[arr[i].index] || kho_restore_folio(pa, &o)) {
			err = -EIO;
		} else if (o != order) {
			page_free(pa, o);                   /* restored, so ours: not the file's */
			err = -EIO;
		} else {
			f[arr[i].index] = pa;
		}
	}
	for (uint64_t i = 0; !err && i < n; i++)
		if (!f[i])
			err = -EIO;                          /* a hole: every folio was preserved */
	if (err && arr && collect(arr, capacity(&desc), left))
		err = -ENOMEM;
	vfree((void *)arr);
	if (err) {
		for (uint64_t i = 0; f && i < n; i++)
			if (f[i])
				page_free(f[i], order);      /* restored: ours, to the allocator */
		kvfree(f);
		return err;
	}
	*out = f;
	return 0;
}

int memfd_folios_restore_pages(const struct kho_vmalloc *d, uint64_t n, uint64_t size,
			       paddr_t **out, uint64_t *npages, struct memfd_leftover *left)
{
	*out = NULL;
	*npages = 0;
	*left = (struct memfd_leftover){ NULL, 0 };
	uint64_t pages = size / PAGE_SIZE + (size % PAGE_SIZE != 0), total = 0;
	if (size > MEMFD_SIZE_MAX || n > pages || (!n && pages))
		return memfd_folios_leftover(d, left) ?: -EINVAL;   /* the counts disagree */
	if (!n)
		return 0;
	struct kho_vmalloc desc = *d;
	if (n > capacity(&desc))
		return -EIO;
	const struct memfd_luo_folio_ser *arr = kho_restore_vmalloc(&desc);
	if (!arr)
		return -EIO;
	int err = check_pages(arr, n, pages, &total);
	paddr_t *p = err ? NULL : kvmalloc(total * sizeof(paddr_t));
	if (!err && !p)
		err = -ENOMEM;
	if (!err)
		err = take_pages(arr, n, p);
	if (err && collect(arr, capacity(&desc), left))
		err = -ENOMEM;
	vfree((void *)arr);
	if (err) {
		kvfree(p);
		return err;
	}
	for (uint64_t i = pages; i < total; i++)    /* past the end of the file */
		page_free(p[i], 0);
	*out = p;
	*npages = pages;
	return 0;
}

int memfd_folios_keep(void **slot, struct memfd_leftover *left, int err)
{
	struct memfd_leftover *k = left->n ? kmalloc(sizeof(*k)) : NULL;
	if (k)
		*k = *left;
	else
		kvfree(left->pa);
	*slot = k;
	return err;
}

uint64_t memfd_folios_give_back(struct memfd_leftover *left)
{
	uint64_t back = 0;
	for (uint64_t i = 0; i < left->n; i++) {
		unsigned o;
		if (kho_restore_folio(left->pa[i], &o))
			continue;                      /* restored since (named twice, or taken) */
		page_free(left->pa[i], o);
		back++;
	}
	kvfree(left->pa);
	*left = (struct memfd_leftover){ NULL, 0 };
	return back;
}

int memfd_folios_check_name(struct luo_file_op_args *a)
{
	return memfd_check_name(a->retrieve_name);
}
