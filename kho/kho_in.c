/*
 * Taking over an incoming handover (kernel N+1). Nothing in it is trusted:
 *
 *   kho_memory_init (memblock is scratch-only, the direct map is up):
 *     1. the root FDT: address, size, libfdt's full check, compatible, properties;
 *     2. walk 1 of the radix tree: every node page in RAM, outside scratch and
 *        anything reserved, met once; every block of order <= 18 and, coalesced
 *        into runs of touching blocks, in RAM, outside scratch and anything
 *        reserved. Nothing is changed yet;
 *     3. reserve each run and the node pages in memblock (a run that meets memory
 *        reserved before means overlapping blocks: all undone, refused). Walk 1
 *        records the runs, so this is a pass over the record, not a second walk of
 *        the tree (unless there were more than KHO_MAX_RUNS: then walk 2 does it).
 *     Between 2 and 3, every subtree's blob must lie inside one preserved block
 *     (its owner reads it through kho_retrieve_subtree, which then hands out only
 *     memory the tree proves), and each KHO_IN_CHECK an upper layer registered
 *     (LUO's) checks the subtree it names, if the handover has it.
 * A failure drops the whole handover (kho_drop): logged, cold boot, scrub.
 *
 * Nothing is written per block before the prompt: the memmap learns of a preserved
 * block only when someone restores it, by looking its bit up in the incoming tree
 * (kept, with its node pages reserved, for that) and clearing it, so each block is
 * restored at most once. When all are restored the tree's pages are freed.
 * The blackout therefore grows with the number of runs, not with the bytes preserved.
 */
#include <boot_info.h>
#include <errno.h>
#include <kho.h>
#include <kmalloc.h>
#include <layout.h>
#include <memblock.h>
#include <mm.h>
#include <panic.h>
#include <printk.h>
#include <string.h>
#include <vmalloc.h>
#include "kho_priv.h"

#define KHO_MAX_NODES 65536
#define KHO_MAX_RUNS  4096

/* Walk 1's record of the runs, after the node array in the same scratch memory. */
struct run_rec {
	paddr_t start, end;
};
static struct run_rec *runs;
static uint64_t nruns;
static bool runs_overflow;
#define WALK_BYTES (KHO_MAX_NODES * sizeof(paddr_t) + KHO_MAX_RUNS * sizeof(struct run_rec))


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

/* Blocks come in key order (ascending address within an order): touching ones
 * are handled as one run. */
struct run {
	paddr_t start, end;
	const char *why;
	uint64_t runs;               /* walk 2: runs reserved so far */
	uint64_t undo;               /* walk 2 undo: runs still to unreserve */
	bool undoing;
	int err;
};

static const char *check_run(paddr_t a, paddr_t b)
{
	if (!memblock_is_memory(&memblock, a, b - a))
		return "a preserved block outside RAM";
	if (kho_in_scratch(a, b - a))
		return "a preserved block in scratch";
	if (memblock_is_reserved(&memblock, a, b - a))
		return "a preserved block over the kernel, its boot information or modules";
	return NULL;
}

static int flush_check(struct run *r)
{
	if (r->end <= r->start)
		return 0;
	if ((r->why = check_run(r->start, r->end)))
		return -EINVAL;
	if (nruns < KHO_MAX_RUNS)
		runs[nruns++] = (struct run_rec){ r->start, r->end };
	else
		runs_overflow = true;
	return 0;
}

static int check_block(paddr_t pa, unsigned order, uint64_t n, void *arg)
{
	struct run *r = arg;
	uint64_t size = ((uint64_t)PAGE_SIZE << order) * n;    /* n touching blocks */
	if (order > KHO_MAX_ORDER || pa + size < pa) {
		r->why = "a preserved block of order above 18 or past the address space";
		return -EINVAL;
	}
	kho_in.blocks += n;
	kho_in.bytes += size;
	if (pa == r->end && r->end > r->start) {
		r->end += size;
		return 0;
	}
	int err = flush_check(r);
	r->start = pa;
	r->end = pa + size;
	return err;
}

static int flush_reserve(struct run *r)
{
	if (r->end <= r->start)
		return 0;
	if (r->undoing) {
		if (!r->undo)
			return -ECANCELED;
		r->undo--;
		memblock_unreserve(&memblock, r->start, r->end - r->start);
		return 0;
	}
	if (memblock_is_reserved(&memblock, r->start, r->end - r->start))
		return -EEXIST;                   /* overlaps another preserved block */
	/* -ENOMEM means the range went in but memblock's table could not grow: it is
	 * reserved all the same, so it counts as a run for the unwind to take back. */
	int err = memblock_reserve(&memblock, r->start, r->end - r->start);
	r->runs++;
	return err ? -ENOMEM : 0;
}

static int reserve_block(paddr_t pa, unsigned order, uint64_t n, void *arg)
{
	struct run *r = arg;
	uint64_t size = ((uint64_t)PAGE_SIZE << order) * n;
	if (pa == r->end && r->end > r->start) {
		r->end += size;
		return 0;
	}
	int err = flush_reserve(r);
	r->start = pa;
	r->end = pa + size;
	return err;
}

/* Walks after the first: the nodes were checked by walk 1 (and may be reserved). */
static bool node_any(paddr_t pa, void *arg)
{
	(void)pa;
	(void)arg;
	return true;
}

/* Walks hand over stretches of touching blocks (the run callback), not single bits:
 * the work before the prompt grows with the number of stretches. */
static int walk(bool (*ok)(paddr_t, void *), int (*run)(paddr_t, unsigned, uint64_t, void *),
		void *arg, const char **why)
{
	struct kho_radix_walk w = {
		.node_ok = ok, .run = run, .arg = arg,
		.max_nodes = KHO_MAX_NODES, .visited = kho_in.nodes,
	};
	int err = kho_radix_walk(kho_in.root, &w);
	kho_in.nnodes = w.nvisited;
	if (why)
		*why = w.why;
	return err;
}

/* Every run, in walk order, through flush_reserve (reserving or undoing). */
static int for_each_run(struct run *r)
{
	int err = 0;
	if (runs_overflow)
		err = walk(node_any, reserve_block, r, NULL);
	for (uint64_t i = 0; !runs_overflow && !err && i < nruns; i++) {
		r->start = runs[i].start;
		r->end = runs[i].end;
		err = flush_reserve(r);
		r->end = r->start;                /* flushed */
	}
	return err ?: flush_reserve(r);
}

static int reserve_all(void)
{
	struct run r = { 0 };
	int err = for_each_run(&r);
	if (!err && !memblock_is_reserved(&memblock, kho_in.fdt_pa, KHO_FDT_SIZE))
		err = -ENOENT;
	/* The node pages, sorted by walk 1, in stretches of touching pages. */
	for (uint64_t i = 0, j; !err && i < kho_in.nnodes; i = j) {
		for (j = i + 1; j < kho_in.nnodes && kho_in.nodes[j] == kho_in.nodes[j - 1] + PAGE_SIZE;)
			j++;
		if (memblock_is_reserved(&memblock, kho_in.nodes[i], (j - i) * PAGE_SIZE))
			err = -EBUSY;              /* a tree page inside a preserved block */
	}
	if (!err) {
		for (uint64_t i = 0, j; i < kho_in.nnodes; i = j) {
			for (j = i + 1; j < kho_in.nnodes &&
			     kho_in.nodes[j] == kho_in.nodes[j - 1] + PAGE_SIZE;)
				j++;
			memblock_reserve(&memblock, kho_in.nodes[i], (j - i) * PAGE_SIZE);
		}
		return 0;
	}
	struct run u = { .undoing = true, .undo = r.runs };
	for_each_run(&u);
	return err;
}

/* The incoming subtrees, indexed once as kho_fdt_validate_each checks them (names
 * point into the root FDT, which stays for the boot), so that the checks below and
 * every kho_retrieve_subtree are a look at this array, not a libfdt walk of the
 * tree. A 4 KiB root FDT holds at most 78 subtrees (52 bytes each at the least). */
#define KHO_MAX_SUBTREES 80
static struct subtree {
	const char *name;
	paddr_t pa;
	uint64_t size;
} subtrees[KHO_MAX_SUBTREES];
static unsigned nsubtrees;

static int index_subtree(const char *name, paddr_t pa, uint64_t size, void *arg)
{
	(void)arg;
	if (nsubtrees == KHO_MAX_SUBTREES)
		return -ENOSPC;
	subtrees[nsubtrees++] = (struct subtree){ name, pa, size };
	return 0;
}

static const struct subtree *subtree_named(const char *name)
{
	for (unsigned i = 0; i < nsubtrees; i++)
		if (!strcmp(subtrees[i].name, name))
			return &subtrees[i];
	return NULL;
}

extern const struct kho_in_check __kho_in_check_start[], __kho_in_check_end[];

/* Every KHO_IN_CHECK whose subtree the handover names, in section order; NULL if all
 * accept (or none applies), else the first reason. */
static const char *run_in_checks(void)
{
	for (const struct kho_in_check *c = __kho_in_check_start; c < __kho_in_check_end; c++) {
		const struct subtree *t = subtree_named(c->subtree);
		if (!t)
			continue;
		const char *why = c->check(t->pa, t->size, kho_is_preserved);
		if (why)
			return why;
	}
	return NULL;
}

/* Every subtree's blob inside one preserved block; NULL if so, else the reason
 * (naming the first subtree that is not). */
static const char *check_subtrees(void)
{
	static char why[80];
	for (unsigned i = 0; i < nsubtrees; i++)
		if (!kho_is_preserved(subtrees[i].pa, subtrees[i].size)) {
			snprintf(why, sizeof(why), "subtree %.32s: its blob is not preserved",
				 subtrees[i].name);
			return why;
		}
	return NULL;
}

/* Step 1: the root FDT; NULL if sound, else the reason. */
static const char *take_fdt(const struct boot_kho *k)
{
	const char *why = NULL;
	if (!IS_ALIGNED(k->fdt_addr, (paddr_t)PAGE_SIZE) || !usable(k->fdt_addr, KHO_FDT_SIZE))
		return "root FDT address or size";
	kho_in.fdt_pa = k->fdt_addr;                 /* a page that may be read */
	kho_in.fdt = phys_to_virt(k->fdt_addr);
	if (k->fdt_size != KHO_FDT_SIZE)
		return "root FDT address or size";
	nsubtrees = 0;
	if (kho_fdt_validate_each(kho_in.fdt, k->fdt_size, &kho_in.root, &why, index_subtree,
				  NULL))
		return why ? why : "root FDT";
	return NULL;
}

/* Step 2: walk 1 over the tree, recording the runs (in scratch); NULL if sound. */
static const char *check_tree(void)
{
	const char *why = NULL;
	paddr_t nodes = memblock_alloc(&memblock, WALK_BYTES, PAGE_SIZE);
	if (!nodes)
		return "no scratch memory for the tree walk";
	kho_in.nodes = phys_to_virt(nodes);
	runs = phys_to_virt(nodes + KHO_MAX_NODES * sizeof(paddr_t));
	nruns = 0;
	runs_overflow = false;
	struct run r = { 0 };
	int err = walk(node_ok, check_block, &r, &why);
	if (!err)
		err = flush_check(&r);
	if (err)
		return why ? why : r.why ? r.why : "the preserved-memory tree";
	return NULL;
}

/* Step 3: reserve every run and node page; NULL if done. */
static const char *reserve_handover(void)
{
	int err = reserve_all();
	if (!err)
		return NULL;
	return err == -EEXIST ? "preserved blocks overlap"
	       : err == -EBUSY ? "a tree page lies inside a preserved block"
	       : err == -ENOENT ? "the root FDT is not preserved"
				: "no scratch memory to reserve preserved blocks";
}

/*
 * A refused handover's root FDT page stays reserved for the boot, so that `kho dump`
 * can show what was refused, if its address passed the first check (a whole page of
 * RAM, outside scratch and everything reserved): only read, never trusted. It is
 * the one page a refused handover keeps, as an accepted one keeps its root FDT.
 */
static void keep_refused_fdt(void)
{
	if (kho_in.fdt && memblock_reserve(&memblock, kho_in.fdt_pa, KHO_FDT_SIZE))
		kho_in.fdt = NULL;
}

void kho_memory_init(struct boot_info *bi)
{
	if (!kho_in.active)
		return;
	const char *why = take_fdt(&bi->kho);
	if (!why)
		why = check_tree();
	/* The tree is sound: let the layers above check their parts before anything
	 * is reserved (Linux panics on bad LUO state; Baton refuses the whole handover
	 * instead). */
	if (!why) {
		kho_in.tree.root = kho_in.root;
		why = check_subtrees();
	}
	if (!why)
		why = run_in_checks();
	if (!why)
		why = reserve_handover();
	if (why) {
		kho_drop(why);
		keep_refused_fdt();
		return;
	}
	memblock.scratch_only = false;
	printk("kho: handover accepted: %llu preserved blocks, %llu KiB, %llu tree pages\n",
	       (unsigned long long)kho_in.blocks, (unsigned long long)(kho_in.bytes >> 10),
	       (unsigned long long)kho_in.nnodes);
}

void kho_memory_finish(void)
{
	if (!kho_in.nodes)
		return;
	if (!kho_in.active) {               /* refused after the walk: nothing to keep */
		mm_zone_add(ZONE_SCRATCH, virt_to_phys(kho_in.nodes) >> PAGE_SHIFT,
			    WALK_BYTES >> PAGE_SHIFT);
		kho_in.nodes = NULL;
		runs = NULL;
		return;
	}
	/* The walk's array (in scratch) goes to the buddy directly: memblock is closed.
	 * The tree's own pages are remembered (in a first-fit page of the normal zone,
	 * too early for kmalloc's bookkeeping to matter) until every block is restored. */
	paddr_t arr = virt_to_phys(kho_in.nodes);
	uint64_t bytes = kho_in.nnodes * sizeof(paddr_t);
	unsigned order = 0;
	while (((uint64_t)PAGE_SIZE << order) < bytes)
		order++;
	paddr_t keep = page_alloc(order, 0);
	if (keep)
		memcpy(phys_to_virt(keep), kho_in.nodes, bytes);
	kho_in.node_list = keep;
	kho_in.node_list_order = order;
	kho_in.remaining = kho_in.blocks;
	mm_zone_add(ZONE_SCRATCH, arr >> PAGE_SHIFT, WALK_BYTES >> PAGE_SHIFT);
	kho_in.nodes = NULL;
	runs = NULL;
}

/*
 * Once every block but the root FDT page has been restored, nothing needs the tree
 * any more: its pages join the free memory (so a chain of live updates that restores
 * everything runs at a steady footprint). The root FDT stays for subtree lookups.
 */
static void maybe_release_tree(void)
{
	if (kho_in.remaining > 1 || !kho_in.node_list)
		return;                             /* the usual case: no tree lookup */
	bool fdt_kept = kho_radix_test(&kho_in.tree, kho_in.fdt_pa, 0);
	if (kho_in.remaining != (fdt_kept ? 1u : 0u))
		return;
	const paddr_t *n = phys_to_virt(kho_in.node_list);
	for (uint64_t i = 0; i < kho_in.nnodes; i++)
		mm_zone_add(ZONE_NORMAL, n[i] >> PAGE_SHIFT, 1);
	page_free(kho_in.node_list, kho_in.node_list_order);
	kho_in.node_list = 0;
	kho_in.tree_released = true;
}

uint64_t kho_boot_data_bytes(void)
{
	if (!kho_in.active)
		return kho_in.fdt ? KHO_FDT_SIZE : 0;   /* a refused handover's root FDT */
	uint64_t n = KHO_FDT_SIZE;
	if (!kho_in.tree_released)
		n += kho_in.nnodes * PAGE_SIZE;
	return n;
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
	const struct subtree *t = kho_in.active && name ? subtree_named(name) : NULL;
	if (!t)
		return -ENOENT;
	*pa = t->pa;
	if (size)
		*size = t->size;
	return 0;
}

/* The order of the preserved, not yet restored block starting at pa, or -1. */
static int preserved_order(paddr_t pa)
{
	if (!kho_in.active || kho_in.tree_released || !IS_ALIGNED(pa, (paddr_t)PAGE_SIZE))
		return -1;
	for (unsigned o = 0; o <= KHO_MAX_ORDER && IS_ALIGNED(pa, (paddr_t)PAGE_SIZE << o); o++)
		if (kho_radix_test(&kho_in.tree, pa, o))
			return (int)o;
	return -1;
}

bool kho_is_preserved_block(paddr_t pa, unsigned order)
{
	return kho_in.active && !kho_in.tree_released && order <= KHO_MAX_ORDER &&
	       kho_radix_test(&kho_in.tree, pa, order);
}

bool kho_is_preserved(paddr_t pa, uint64_t size)
{
	paddr_t head;
	unsigned order;
	/* head <= pa < head + block: the room left after pa cannot wrap, pa + size can */
	return kho_preserved_block(pa, &head, &order) &&
	       size <= head + ((uint64_t)PAGE_SIZE << order) - pa;
}

bool kho_preserved_block(paddr_t pa, paddr_t *head, unsigned *order)
{
	if (!kho_in.active || kho_in.tree_released)
		return false;
	for (unsigned o = 0; o <= KHO_MAX_ORDER; o++) {      /* one bit test per order */
		paddr_t h = ALIGN_DOWN(pa, (paddr_t)PAGE_SIZE << o);
		if (kho_radix_test(&kho_in.tree, h, o)) {
			*head = h;
			*order = o;
			return true;
		}
	}
	return false;
}

int kho_restore_folio(paddr_t pa, unsigned *order)
{
	int o = preserved_order(pa);
	if (o < 0)
		return -EINVAL;
	kho_radix_del(&kho_in.tree, pa, (unsigned)o);   /* restored once, never again */
	page_adopt(pa, (unsigned)o);
	*order = (unsigned)o;
	kho_in.remaining--;
	maybe_release_tree();
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
	int o;
	for (at = pa; at < end; at += (uint64_t)PAGE_SIZE << o)
		if ((o = preserved_order(at)) < 0)
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
		if (preserved_order(chunk) != 0)
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
