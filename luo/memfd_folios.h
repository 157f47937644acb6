/*
 * The folio list both memfd handlers hand over (luo/memfd_luo.c "memfd-v2" and
 * luo/hugetlb_luo.c "baton-hugememfd-v1"): memfd-v2's entries {pfn | DIRTY |
 * UPTODATE, index} in a vmalloc area preserved by its frames, each folio preserved
 * as one block at the file's folio order: by the list itself (memfd-v2), or already
 * by the hugetlb FLB, which preserves every folio of a frozen pool (own = false).
 * All or nothing: a failure leaves nothing preserved.
 */
#ifndef LUO_MEMFD_FOLIOS_H
#define LUO_MEMFD_FOLIOS_H
#include <abi/luo.h>
#include <memfd.h>

struct memfd_folios {
	struct memfd_luo_folio_ser *arr;   /* vmalloc'ed, f->nfolios entries */
	struct kho_vmalloc desc;           /* zero when the file has no folios */
	bool own;                          /* the folios are preserved by the list */
};

int memfd_folios_preserve(struct memfd *f, struct memfd_folios *o, bool own);
void memfd_folios_unpreserve(struct memfd *f, struct memfd_folios *o);
/*
 * Kernel N+1: restore the list and its n folios of the given order (every index
 * 0..n-1 exactly once). 0 and *out (kvmalloc'ed addresses in file order), -EIO if
 * anything is missing or wrong (what was restored then stays allocated to nobody).
 */
int memfd_folios_restore(const struct kho_vmalloc *desc, uint64_t n, unsigned order,
			 paddr_t **out);
#endif
