/* The folio list of preserved memfds (model in luo/memfd_folios.h). */
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

int memfd_folios_restore(const struct kho_vmalloc *d, uint64_t n, unsigned order, paddr_t **out)
{
	*out = NULL;
	if (!n)
		return 0;
	struct kho_vmalloc desc = *d;
	/* n is untrusted: bound it by the area (32-bit pages, so no product wraps)
	 * before it sizes anything. */
	if (n > desc.total_pages * (uint64_t)(PAGE_SIZE / sizeof(struct memfd_luo_folio_ser)))
		return -EIO;
	const struct memfd_luo_folio_ser *arr = kho_restore_vmalloc(&desc);
	paddr_t *f = kvmalloc(n * sizeof(paddr_t));          /* zeroed */
	int err = arr && f ? 0 : -EIO;
	for (uint64_t i = 0; !err && i < n; i++) {
		paddr_t pa = (arr[i].pfn_flags & PFN_MASK) << PAGE_SHIFT;
		unsigned o;
		if (!pa || arr[i].index >= n || f[arr[i].index] || kho_restore_folio(pa, &o) ||
		    o != order)
			err = -EIO;
		else
			f[arr[i].index] = pa;
	}
	for (uint64_t i = 0; !err && i < n; i++)
		if (!f[i])
			err = -EIO;                          /* a hole: every folio was preserved */
	vfree((void *)arr);
	if (err) {
		kvfree(f);
		return err;
	}
	*out = f;
	return 0;
}
