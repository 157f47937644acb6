/*
 * The outgoing handover (kernel N): the radix tree of preserved blocks and the root
 * FDT, both live from kho_init() on (there is no "finalize" in kho-v4: the tree is
 * the tracker). Tree nodes and the FDT page are preservable memory (never scratch);
 * the FDT page is itself preserved, tree nodes are not (errata 9). kho_finalize()
 * runs in the kexec path: it writes the kexec-metadata subtree and a copy of the
 * scratch array in scratch, and describes both for the next kernel.
 *
 * kho_preserved_bytes() counts what users preserved (the root FDT page, KHO's own, is
 * not counted). Preserving checks what Linux checks (alignment, order, scratch) and rolls back
 * multi-block operations on failure, so a failed call changes nothing.
 */
#include <errno.h>
#include <fault_inject.h>
#include <kho.h>
#include <memblock.h>
#include <mm.h>
#include <printk.h>
#include <spinlock.h>
#include <string.h>
#include <vmalloc.h>
#include "kho_priv.h"

static struct kho_radix tree;
static void *fdt;
static paddr_t fdt_pa, meta_pa, array_pa;
static uint64_t preserved;
static bool ready;
/* Locking: out_lock (interrupts off) covers the tree, the preserved count and the
 * root FDT's subtrees, so any CPU may preserve; the composite calls (pages, vmalloc,
 * alloc) take it once per block. kho_finalize runs with the other CPUs parked. */
static struct spinlock out_lock = SPINLOCK_INIT;

static paddr_t node_alloc(void *ctx)
{
	(void)ctx;
	return page_alloc(0, GFP_ZERO | GFP_PRESERVABLE);
}

static uint64_t bytes_of(unsigned order)
{
	return (uint64_t)PAGE_SIZE << order;
}

uint64_t kho_kexec_count(void)
{
	return kho_in.kexec_count;
}

static void read_metadata(void)
{
	paddr_t pa;
	uint64_t size;
	if (kho_retrieve_subtree(KHO_KEXEC_METADATA_NAME, &pa, &size))
		return;
	const struct kho_kexec_metadata *m = phys_to_virt(pa);
	if (size >= sizeof(*m) && m->version == KHO_KEXEC_METADATA_VERSION) {
		kho_in.kexec_count = m->kexec_count;
		printk("kho: previous kernel %.64s, kexec %u since the cold boot\n",
		       m->previous_release, m->kexec_count);
	}
	kho_restore_free(pa);
}

void kho_init(void)
{
	unsigned n;
	kho_scratch_ranges(&n);
	if (!n)
		return;                      /* no scratch: no live update this boot */
	fdt_pa = page_alloc(0, GFP_ZERO | GFP_PRESERVABLE);
	if (!fdt_pa || kho_radix_init(&tree, node_alloc, NULL) ||
	    kho_fdt_init(phys_to_virt(fdt_pa), tree.root)) {
		if (tree.root)                   /* what was taken goes back */
			page_free(tree.root, 0);
		if (fdt_pa)
			page_free(fdt_pa, 0);
		tree = (struct kho_radix){ 0 };
		fdt_pa = 0;
		printk("kho: warning: no memory for the handover; no live update\n");
		return;
	}
	fdt = phys_to_virt(fdt_pa);
	ready = true;
	/* KHO's own page: preserved, but not counted in what users preserved. */
	kho_radix_add(&tree, fdt_pa, 0);
	if (kho_in.active)
		read_metadata();
}

int kho_preserve_folio(paddr_t pa, unsigned order)
{
	if (!ready || order > KHO_MAX_ORDER || !IS_ALIGNED(pa, bytes_of(order)) ||
	    kho_in_scratch(pa, bytes_of(order)))
		return -EINVAL;
	uint64_t f = spin_lock_irqsave(&out_lock);
	int err = kho_radix_add(&tree, pa, order);
	if (!err)
		preserved += bytes_of(order);
	spin_unlock_irqrestore(&out_lock, f);
	return err;
}

int kho_unpreserve_folio(paddr_t pa, unsigned order)
{
	if (!ready || order > KHO_MAX_ORDER)
		return -EINVAL;
	uint64_t f = spin_lock_irqsave(&out_lock);
	int err = kho_radix_del(&tree, pa, order);
	if (!err)
		preserved -= bytes_of(order);
	spin_unlock_irqrestore(&out_lock, f);
	return err;
}

/* The preserved-bytes count moves by delta (own state counted apart), locked. */
static void count_own(int64_t delta)
{
	uint64_t f = spin_lock_irqsave(&out_lock);
	preserved += (uint64_t)delta;
	spin_unlock_irqrestore(&out_lock, f);
}

/* The largest naturally aligned block at pa that fits in npages. */
static unsigned piece(paddr_t pa, uint64_t npages)
{
	unsigned o = 0;
	while (o < KHO_MAX_ORDER && IS_ALIGNED(pa, bytes_of(o + 1)) && (2ull << o) <= npages)
		o++;
	return o;
}

int kho_preserve_pages(paddr_t pa, uint64_t npages)
{
	paddr_t at = pa, end = pa + npages * PAGE_SIZE;
	if (!IS_ALIGNED(pa, (paddr_t)PAGE_SIZE) || npages == 0)
		return -EINVAL;
	while (at < end) {
		unsigned o = piece(at, (end - at) / PAGE_SIZE);
		int err = kho_preserve_folio(at, o);
		if (err) {
			kho_unpreserve_pages(pa, (at - pa) / PAGE_SIZE);
			return err;
		}
		at += bytes_of(o);
	}
	return 0;
}

int kho_unpreserve_pages(paddr_t pa, uint64_t npages)
{
	paddr_t at = pa, end = pa + npages * PAGE_SIZE;
	int ret = 0;
	while (at < end) {
		unsigned o = piece(at, (end - at) / PAGE_SIZE);
		if (kho_unpreserve_folio(at, o))
			ret = -ENOENT;
		at += bytes_of(o);
	}
	return ret;
}

int kho_alloc_preserve(size_t size, paddr_t *pa)
{
	unsigned order = 0;
	if (size == 0)
		return -EINVAL;
	while (bytes_of(order) < size)
		order++;
	if (order > KHO_MAX_ORDER)
		return -E2BIG;
	paddr_t p = page_alloc(order, GFP_ZERO | GFP_PRESERVABLE);
	if (!p)
		return -ENOMEM;
	int err = kho_preserve_folio(p, order);
	if (err) {
		page_free(p, order);
		return err;
	}
	*pa = p;
	return 0;
}

int kho_alloc_preserve_meta(size_t size, paddr_t *pa)
{
	int err = kho_alloc_preserve(size, pa);
	if (!err)
		count_own(-(int64_t)bytes_of(mm_page(*pa)->order));   /* counted as own state */
	return err;
}

void kho_unpreserve_free_meta(paddr_t pa)
{
	struct page *p = mm_page(pa);
	if (!p)
		return;
	count_own((int64_t)bytes_of(p->order));  /* never counted: kho_unpreserve_folio takes it */
	kho_unpreserve_free(pa);
}

void kho_unpreserve_free(paddr_t pa)
{
	struct page *p = mm_page(pa);
	if (!p)
		return;
	kho_unpreserve_folio(pa, p->order);
	page_free(pa, p->order);
}

void kho_unpreserve_vmalloc(struct kho_vmalloc *desc)
{
	paddr_t chunk = desc->first;
	while (chunk) {
		struct kho_vmalloc_chunk *c = phys_to_virt(chunk);
		for (unsigned i = 0; i < KHO_VMALLOC_CHUNK_ENTRIES && c->phys[i]; i++)
			kho_unpreserve_folio(c->phys[i], desc->order);
		paddr_t next = c->next;
		kho_unpreserve_free(chunk);
		chunk = next;
	}
	memset(desc, 0, sizeof(*desc));
}

int kho_preserve_vmalloc(const void *ptr, struct kho_vmalloc *desc)
{
	const struct vm_area *a = vmalloc_area(ptr);
	if (!a)
		return -EINVAL;
	memset(desc, 0, sizeof(*desc));
	desc->total_pages = (uint32_t)a->npages;
	desc->flags = KHO_VMALLOC_ALLOC;
	desc->order = (uint16_t)a->order;
	struct kho_vmalloc_chunk *c = NULL;
	unsigned used = KHO_VMALLOC_CHUNK_ENTRIES;
	for (uint64_t i = 0; i < (a->npages >> a->order); i++) {
		if (used == KHO_VMALLOC_CHUNK_ENTRIES) {     /* start a new chunk page */
			paddr_t pa;
			int err = kho_alloc_preserve(PAGE_SIZE, &pa);
			if (err) {
				kho_unpreserve_vmalloc(desc);
				return err;
			}
			if (c)
				c->next = pa;
			else
				desc->first = pa;
			c = phys_to_virt(pa);
			used = 0;
		}
		int err = kho_preserve_folio(a->frames[i], a->order);
		if (err) {
			kho_unpreserve_vmalloc(desc);
			return err;
		}
		c->phys[used++] = a->frames[i];
	}
	return 0;
}

int kho_add_subtree(const char *name, paddr_t blob, uint64_t size)
{
	if (!ready)
		return -EINVAL;
	uint64_t f = spin_lock_irqsave(&out_lock);
	int err = kho_fdt_add_subtree(fdt, name, blob, size);
	spin_unlock_irqrestore(&out_lock, f);
	return err;
}

int kho_remove_subtree(paddr_t blob)
{
	if (!ready)
		return -EINVAL;
	uint64_t f = spin_lock_irqsave(&out_lock);
	int err = kho_fdt_remove_subtree(fdt, blob);
	spin_unlock_irqrestore(&out_lock, f);
	return err;
}

uint64_t kho_preserved_bytes(void)
{
	return preserved;
}

/* ---- the kexec path ---- */

static void unfinalize(void)
{
	fault_hook("kho.unfinalized", NULL);  /* a test instrument mends what it broke */
	if (meta_pa) {
		kho_remove_subtree(meta_pa);
		kho_unpreserve_free(meta_pa);
		meta_pa = 0;
	}
	if (array_pa) {
		page_free(array_pa, 0);
		array_pa = 0;
	}
}

int kho_finalize(struct kho_data *out)
{
	unsigned n;
	const struct kho_scratch *s = kho_scratch_ranges(&n);
	if (!ready)
		return -EOPNOTSUPP;
	unfinalize();                        /* a previous failed exec left nothing */
	int err = kho_alloc_preserve(sizeof(struct kho_kexec_metadata), &meta_pa);
	if (err)
		return err;
	struct kho_kexec_metadata *m = phys_to_virt(meta_pa);
	m->version = KHO_KEXEC_METADATA_VERSION;
	strlcpy(m->previous_release, BATON_VERSION, sizeof(m->previous_release));
	m->kexec_count = (uint32_t)(kho_in.kexec_count + 1);
	err = kho_add_subtree(KHO_KEXEC_METADATA_NAME, meta_pa, sizeof(*m));
	if (err) {
		kho_unpreserve_free(meta_pa);
		meta_pa = 0;
		return err;
	}
	array_pa = page_alloc(0, GFP_SCRATCH | GFP_ZERO);
	if (!array_pa) {
		unfinalize();
		return -ENOMEM;
	}
	memcpy(phys_to_virt(array_pa), s, n * sizeof(*s));
	*out = (struct kho_data){ fdt_pa, KHO_FDT_SIZE, array_pa, n * sizeof(*s) };
	/* The last moment a test instrument may break the handover (`kho corrupt`):
	 * ctx is the description the next kernel gets. */
	err = fault_hook("kho.finalized", out);
	if (err)
		unfinalize();
	return err;
}

void kho_abort(void)
{
	unfinalize();
}

/* For `kho status`, `kho dump` and `kho corrupt`. */
paddr_t kho_out_fdt(void)
{
	return ready ? fdt_pa : 0;
}

struct kho_radix *kho_out_tree(void)
{
	return ready ? &tree : NULL;
}

uint64_t kho_out_tree_pages(void)
{
	return ready ? tree.nodes : 0;
}
