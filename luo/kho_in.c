/*
 * Taking over an incoming handover (kernel N+1). Nothing in it is trusted:
 *
 *   kho_memory_init (memblock is scratch-only, the direct map is up):
 *     1. the root FDT: address, size, libfdt's full check, compatible, properties;
 *     2. walk 1 of the radix tree: every node page in RAM, outside scratch and
 *        anything reserved, met once; every block of order <= 18, in RAM, outside
 *        scratch and anything reserved. Nothing is changed yet;
 *     3. walk 2: reserve every block and node page in memblock (a block overlapping
 *        one reserved before means overlapping blocks: undone, refused);
 *   kho_memory_finish (the zones exist):
 *     4. walk 3: write each block's head (PAGE_PRESERVED, KHOP magic); give the node
 *        pages to the buddy (errata 9: after the walk they are ordinary memory).
 * A failure in 1-3 drops the whole handover (kho_drop): logged, cold boot, scrub.
 * Restoring takes a block whose head carries the magic, exactly once.
 */
#include <boot_info.h>
#include <errno.h>
#include <kho.h>
#include <layout.h>
#include <memblock.h>
#include <mm.h>
#include <panic.h>
#include <printk.h>
#include <string.h>
#include <vmalloc.h>
#include <kmalloc.h>
#include "kho_priv.h"

#define KHO_MAX_NODES 65536

void *kho_phys_to_virt(paddr_t pa)
{
	return phys_to_virt(pa);
}

static bool usable(paddr_t pa, uint64_t size)
{
	return pa + size > pa && memblock_is_memory(&memblock, pa, size) &&
	       !kho_in_scratch(pa, size) && !memblock_is_reserved(&memblock, pa, size);
}

static bool node_ok(paddr_t pa, void *arg)
{
	(void)arg;
	return IS_ALIGNED(pa, (paddr_t)PAGE_SIZE) && usable(pa, PAGE_SIZE);
}

static int check_block(paddr_t pa, unsigned order, void *arg)
{
	const char **why = arg;
	uint64_t size = (uint64_t)PAGE_SIZE << order;
	if (order > KHO_MAX_ORDER)
		*why = "a preserved block of order above 18";
	else if (pa + size < pa || !memblock_is_memory(&memblock, pa, size))
		*why = "a preserved block outside RAM";
	else if (kho_in_scratch(pa, size))
		*why = "a preserved block in scratch";
	else if (memblock_is_reserved(&memblock, pa, size))
		*why = "a preserved block over the kernel, its boot information or modules";
	if (*why)
		return -EINVAL;
	kho_in.blocks++;
	kho_in.bytes += (uint64_t)PAGE_SIZE << order;
	return 0;
}

struct reserve_ctx {
	uint64_t done;                     /* blocks reserved so far */
	bool undo;
};

static int reserve_block(paddr_t pa, unsigned order, void *arg)
{
	struct reserve_ctx *c = arg;
	uint64_t size = (uint64_t)PAGE_SIZE << order;
	if (c->undo) {
		if (!c->done)
			return -ECANCELED;
		c->done--;
		memblock_unreserve(&memblock, pa, size);
		return 0;
	}
	if (memblock_is_reserved(&memblock, pa, size))
		return -EEXIST;                   /* overlaps another preserved block */
	if (memblock_reserve(&memblock, pa, size))
		return -ENOMEM;
	c->done++;
	return 0;
}

/* Walks after the first: the nodes were checked by walk 1 (and are now reserved). */
static bool node_any(paddr_t pa, void *arg)
{
	(void)pa;
	(void)arg;
	return true;
}

static int walk(bool (*ok)(paddr_t, void *), int (*block)(paddr_t, unsigned, void *),
		void *arg, const char **why)
{
	struct kho_radix_walk w = {
		.node_ok = ok, .block = block, .arg = arg,
		.max_nodes = KHO_MAX_NODES, .visited = kho_in.nodes,
	};
	int err = kho_radix_walk(kho_in.root, &w);
	kho_in.nnodes = w.nvisited;
	if (why)
		*why = w.why;
	return err;
}

void kho_memory_init(struct boot_info *bi)
{
	const char *why = NULL;
	if (!kho_in.active)
		return;
	const struct boot_kho *k = &bi->kho;
	if (!IS_ALIGNED(k->fdt_addr, (paddr_t)PAGE_SIZE) || k->fdt_size != KHO_FDT_SIZE ||
	    !usable(k->fdt_addr, KHO_FDT_SIZE)) {
		kho_drop("root FDT address or size");
		return;
	}
	kho_in.fdt = phys_to_virt(k->fdt_addr);
	if (kho_fdt_validate(kho_in.fdt, k->fdt_size, &kho_in.root, &why)) {
		kho_drop(why ? why : "root FDT");
		return;
	}
	paddr_t nodes = memblock_alloc(&memblock, KHO_MAX_NODES * sizeof(paddr_t), PAGE_SIZE);
	if (!nodes) {
		kho_drop("no scratch memory for the tree walk");
		return;
	}
	kho_in.nodes = phys_to_virt(nodes);

	const char *block_why = NULL;
	int err = walk(node_ok, check_block, &block_why, &why);
	if (err) {
		kho_drop(why ? why : block_why ? block_why : "the preserved-memory tree");
		return;
	}
	/* The root FDT page must be one of the preserved blocks. */
	struct reserve_ctx rc = { 0, false };
	struct kho_radix_walk w2 = {
		.node_ok = node_any, .block = reserve_block, .arg = &rc,
		.max_nodes = KHO_MAX_NODES, .visited = kho_in.nodes,
	};
	err = kho_radix_walk(kho_in.root, &w2);
	if (!err && !memblock_is_reserved(&memblock, k->fdt_addr, KHO_FDT_SIZE))
		err = -ENOENT;
	for (uint64_t i = 0; !err && i < kho_in.nnodes; i++)
		if (memblock_is_reserved(&memblock, kho_in.nodes[i], PAGE_SIZE))
			err = -EBUSY;                      /* a tree page inside a preserved block */
	if (err) {
		rc.undo = true;
		w2.nvisited = 0;
		kho_radix_walk(kho_in.root, &w2);
		kho_drop(err == -EEXIST ? "preserved blocks overlap"
			 : err == -EBUSY ? "a tree page lies inside a preserved block"
			 : err == -ENOENT ? "the root FDT is not preserved"
					  : "no scratch memory to reserve preserved blocks");
		return;
	}
	for (uint64_t i = 0; i < kho_in.nnodes; i++)
		memblock_reserve(&memblock, kho_in.nodes[i], PAGE_SIZE);
	memblock.scratch_only = false;
	printk("kho: handover accepted: %llu preserved blocks, %llu KiB, %llu tree pages\n",
	       (unsigned long long)kho_in.blocks, (unsigned long long)(kho_in.bytes >> 10),
	       (unsigned long long)kho_in.nnodes);
}

static int mark_block(paddr_t pa, unsigned order, void *arg)
{
	(void)arg;
	struct buddy *z = mm_zone(ZONE_NORMAL);
	buddy_mark(z, pa >> PAGE_SHIFT, order, PAGE_PRESERVED);
	buddy_page(z, pa >> PAGE_SHIFT)->private = KHO_PAGE_MAGIC;
	return 0;
}

void kho_memory_finish(void)
{
	if (!kho_in.active)
		return;
	uint64_t n = kho_in.nnodes;
	int err = walk(node_any, mark_block, NULL, NULL);
	BUG_ON(err || kho_in.nnodes != n, "kho: the checked tree changed under us (%d)", err);
	for (uint64_t i = 0; i < n; i++) {
		memblock_unreserve(&memblock, kho_in.nodes[i], PAGE_SIZE);
		buddy_add_range(mm_zone(ZONE_NORMAL), kho_in.nodes[i] >> PAGE_SHIFT, 1);
	}
	/* The walk's own array (in scratch) is not needed any more either. */
	paddr_t arr = virt_to_phys(kho_in.nodes);
	uint64_t bytes = KHO_MAX_NODES * sizeof(paddr_t);
	memblock_unreserve(&memblock, arr, bytes);
	buddy_add_range(mm_zone(ZONE_SCRATCH), arr >> PAGE_SHIFT, bytes >> PAGE_SHIFT);
	kho_in.nodes = NULL;
}

bool kho_is_boot(void)
{
	return kho_in.active;
}

bool kho_dropped(void)
{
	return kho_in.dropped;
}

const char *kho_drop_reason(void)
{
	return kho_in.why;
}

int kho_retrieve_subtree(const char *name, paddr_t *pa, uint64_t *size)
{
	if (!kho_in.active)
		return -ENOENT;
	uint64_t sz;
	int err = kho_fdt_get_subtree(kho_in.fdt, name, pa, &sz);
	if (err)
		return err;
	if (size)
		*size = sz;
	return 0;
}

/* The head of the preserved block at pa, or NULL. */
static struct page *preserved_head(paddr_t pa)
{
	struct page *p = mm_page(pa);
	if (!p || p->state != PAGE_PRESERVED || p->private != KHO_PAGE_MAGIC)
		return NULL;
	return p;
}

int kho_restore_folio(paddr_t pa, unsigned *order)
{
	struct page *p = preserved_head(pa);
	if (!p)
		return -EINVAL;
	*order = p->order;
	memblock_unreserve(&memblock, pa, (uint64_t)PAGE_SIZE << p->order);
	buddy_adopt(mm_zone(ZONE_NORMAL), pa >> PAGE_SHIFT);
	return 0;
}

int kho_restore_free(paddr_t pa)
{
	unsigned order;
	int err = kho_restore_folio(pa, &order);
	if (!err)
		page_free(pa, order);
	return err;
}

int kho_restore_pages(paddr_t pa, uint64_t npages)
{
	/* Check every piece first (all or nothing), then take them. */
	paddr_t at, end = pa + npages * PAGE_SIZE;
	for (at = pa; at < end; at += (uint64_t)PAGE_SIZE << preserved_head(at)->order)
		if (!preserved_head(at))
			return -EINVAL;
	if (at != end)
		return -EINVAL;
	for (at = pa; at < end;) {
		unsigned order;
		kho_restore_folio(at, &order);
		at += (uint64_t)PAGE_SIZE << order;
	}
	return 0;
}

void *kho_restore_vmalloc(const struct kho_vmalloc *desc)
{
	if (desc->flags & ~(KHO_VMALLOC_ALLOC | KHO_VMALLOC_HUGE_VMAP) || desc->order > KHO_MAX_ORDER)
		return NULL;
	uint64_t per = 1ull << desc->order, n = 0, want = desc->total_pages / per;
	if (desc->total_pages % per)
		return NULL;
	paddr_t *frames = kvmalloc((want ? want : 1) * sizeof(paddr_t));
	if (!frames)
		return NULL;
	paddr_t chunk = desc->first;
	for (uint64_t guard = 0; chunk && guard < KHO_MAX_BLOCKS; guard++) {
		const struct kho_vmalloc_chunk *c = phys_to_virt(chunk);
		if (!preserved_head(chunk))
			goto fail;
		for (unsigned i = 0; i < KHO_VMALLOC_CHUNK_ENTRIES && c->phys[i]; i++) {
			unsigned order;
			if (n == want || kho_restore_folio(c->phys[i], &order) || order != desc->order)
				goto fail;
			frames[n++] = c->phys[i];
		}
		paddr_t next = c->next;
		kho_restore_free(chunk);
		chunk = next;
	}
	if (n != want)
		goto fail;
	void *v = vmap_frames(frames, n, desc->order);
	kvfree(frames);
	return v;
fail:
	/* Frames taken so far stay allocated to nobody; a corrupt area leaks, never reuses. */
	printk("kho: warning: vmalloc area at %#llx is corrupt\n", (unsigned long long)desc->first);
	kvfree(frames);
	return NULL;
}
