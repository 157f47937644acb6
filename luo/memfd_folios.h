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
#include <luo.h>
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
 * 0..n-1 exactly once). 0 and *out (kvmalloc'ed addresses in file order); -EIO if
 * anything is missing or wrong: what was restored by then goes back to the
 * allocator, and *left holds what the file leaves behind (memfd_folios_leftover).
 */
struct memfd_leftover;
int memfd_folios_restore(const struct kho_vmalloc *desc, uint64_t n, unsigned order,
			 paddr_t **out, struct memfd_leftover *left);
/*
 * Kernel N+1, memfd-v2 as Linux writes it: one record per folio, of any order, in
 * file order (Baton's own writer gives n order-0 records; Linux's shmem may give
 * fewer, larger ones). A file of size bytes (at most MEMFD_SIZE_MAX) has
 * pages = ceil(size / 4096) pages. Checked before any folio is taken: n <= pages,
 * every pfn non-zero, each record's block a preserved block of the incoming tree
 * (its order is the tree's, the record does not carry one), each index the page
 * its folio starts at (the pages of the records before it: contiguous, in order,
 * none starting at or past pages), and the folios together covering every page.
 * Then each folio is taken and split into order-0 pages (Baton's memfd holds
 * pages); pages past the end of the file (a last folio reaching past it) are freed.
 * 0 and *out (kvmalloc'ed, the pages in file order; *npages = pages); -EINVAL if
 * size or n is out of range (nothing taken); -EIO if the list is wrong (the list is
 * consumed, the folios are left as they were, still reserved); -ENOMEM. A folio
 * named twice fails the take with -EIO; what was taken by then is freed. On every
 * failure *left holds what the file leaves behind (memfd_folios_leftover).
 */
struct memfd_leftover;
int memfd_folios_restore_pages(const struct kho_vmalloc *desc, uint64_t n, uint64_t size,
			       paddr_t **out, uint64_t *npages, struct memfd_leftover *left);
/*
 * What a file that failed to retrieve leaves behind, for its finish to give back
 * (docs/luo.md, "A file that fails to retrieve"): the records' blocks that the
 * incoming tree proves are preserved block heads, read from the list while it is
 * still there: every slot of the list's area, since the record's count may be what
 * is wrong. Nothing the records merely claim is in it: a pfn the tree does not name,
 * or names inside another block, is left alone. 0 or -ENOMEM; an unreadable list
 * gives an empty set.
 */
struct memfd_leftover {
	paddr_t *pa;                       /* kvmalloc'ed, n entries */
	uint64_t n;
};
int memfd_folios_leftover(const struct kho_vmalloc *desc, struct memfd_leftover *left);
/* A failed retrieve keeps *left for its finish in *slot (the file's private_data),
 * or drops it if it proves nothing (or there is no memory to keep it); returns err. */
int memfd_folios_keep(void **slot, struct memfd_leftover *left, int err);
/* At finish: each block restored (if it still is a preserved block) and freed, at the
 * order the tree gives; returns how many went back. Frees left's array. */
uint64_t memfd_folios_give_back(struct memfd_leftover *left);
/* Both memfd handlers' check_name: a memfd name (1 to 63 bytes), -EINVAL if not. */
int memfd_folios_check_name(struct luo_file_op_args *a);
#endif
