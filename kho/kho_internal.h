/*
 * KHO internals shared by the kho/ files. Two pieces are pure logic over memory given
 * to them, built unchanged for the host (tests/host):
 *
 *   kho_fdt.c   - the root FDT page (kho-v4), built and parsed with libfdt;
 *   kho_radix.c - the preserved-memory radix tree (kho-v4 layout, include/abi/kho.h);
 *   kho_scratch_rules.c - what an incoming scratch array must be.
 *
 * Both reach physical memory only through kho_phys_to_virt() (the direct map in the
 * kernel, an arena on the host) and take nodes from the allocator they are given.
 * Every function returns 0 or a negative errno.
 */
#ifndef KHO_INTERNAL_H
#define KHO_INTERNAL_H
#include <abi/kho.h>
#include <kho_block.h>   /* kho_phys_to_virt */
#include <types.h>

/* ---------------- the scratch array's rules (kho_scratch_rules.c) ---------------- */

#define KHO_SCRATCH_NO_SLOT "the kernel slot is not in scratch"
/* NULL if the rule holds, else the reason the boot logs when it refuses. */
const char *kho_scratch_array_bad(uint64_t bytes);          /* whole entries, 1..16 */
const char *kho_scratch_range_bad(const struct kho_scratch *s,  /* aligned, < 4 GiB, RAM */
				  bool (*is_ram)(uint64_t pa, uint64_t size));
const char *kho_scratch_overlap(const struct kho_scratch *a, const struct kho_scratch *b);
/* Whether s holds the whole kernel slot (include/layout.h). */
bool kho_scratch_holds_slot(const struct kho_scratch *s);

/* ---------------- root FDT (kho_fdt.c) ---------------- */

/* Make an empty kho-v4 tree in the 4 KiB page fdt, with preserved-memory-map = root. */
int kho_fdt_init(void *fdt, paddr_t radix_root);
/* Add node NAME with preserved-data = pa and blob-size = size.
 * -EEXIST name taken, -ENOMEM page full, -EINVAL bad name (empty, '/', '@', > 63). */
int kho_fdt_add_subtree(void *fdt, const char *name, paddr_t pa, uint64_t size);
/* Remove the node whose preserved-data equals pa; -ENOENT if none. */
int kho_fdt_remove_subtree(void *fdt, paddr_t pa);
/* Number of subtree nodes. */
int kho_fdt_count_subtrees(const void *fdt);

/*
 * Check an incoming tree of fdt_size bytes before anything in it is used: libfdt's
 * full check, totalsize <= fdt_size, compatible "kho-v4", preserved-memory-map
 * present, 8 bytes and non-zero (returned in *radix_root), and every subnode having
 * preserved-data and blob-size of exactly 8 bytes each. On failure *why names the
 * first problem (a static string) and the result is -EINVAL.
 */
int kho_fdt_validate(const void *fdt, uint64_t fdt_size, paddr_t *radix_root, const char **why);
/* A subtree as a walk hands it over: its node's name (inside fdt) and properties. */
typedef int (*kho_subtree_fn)(const char *name, paddr_t pa, uint64_t size, void *arg);
/* kho_fdt_validate, handing each subtree to fn as the check meets it, in tree order,
 * so a reader needs no second walk (libfdt's walks are what the lookups cost). A
 * non-zero result from fn refuses the tree: "too many subtrees". fn may see subtrees
 * of a tree a later check refuses. */
int kho_fdt_validate_each(const void *fdt, uint64_t fdt_size, paddr_t *radix_root,
			  const char **why, kho_subtree_fn fn, void *arg);
/* Subtree lookup in a validated tree: -ENOENT no such node, -EINVAL bad props. */
int kho_fdt_get_subtree(const void *fdt, const char *name, paddr_t *pa, uint64_t *size);
/* Visit each subtree (in tree order); stops early if fn returns non-zero. */
int kho_fdt_for_each_subtree(const void *fdt, kho_subtree_fn fn, void *arg);

/* ---------------- radix tree (kho_radix.c) ---------------- */

struct kho_radix {
	paddr_t root;                         /* the level-5 table page */
	paddr_t (*alloc_node)(void *ctx);     /* a zeroed page, or 0 */
	void *ctx;
	uint64_t nodes;                       /* pages allocated, root included */
	/* The leaf page of the last lookup: node pages are never freed while a tree
	 * lives, so a lookup in the same leaf needs no walk. Valid while cache_root is
	 * still root (code that sets root directly needs no care). */
	paddr_t cache_root;
	uint64_t cache_prefix;                /* key >> KHO_BITMAP_SIZE_LOG2 */
	uint64_t *cache_leaf;
};

static inline uint64_t kho_radix_key(paddr_t pa, unsigned order)
{
	return (1ull << (KHO_ORDER_0_LOG2 - order)) | (pa >> (12 + order));
}
/* Inverse of kho_radix_key; false if key has no valid order marker. */
bool kho_radix_decode(uint64_t key, paddr_t *pa, unsigned *order);

/* Allocate the root. */
int kho_radix_init(struct kho_radix *t, paddr_t (*alloc_node)(void *ctx), void *ctx);
/* Set the bit for the block; -EINVAL misaligned or order > KHO_MAX_ORDER,
 * -EEXIST already set, -ENOMEM no node page. Intermediate nodes are kept. */
int kho_radix_add(struct kho_radix *t, paddr_t pa, unsigned order);
/* Clear it; -ENOENT if it was not set. Empty nodes are not freed (as Linux). */
int kho_radix_del(struct kho_radix *t, paddr_t pa, unsigned order);
bool kho_radix_test(const struct kho_radix *t, paddr_t pa, unsigned order);

/*
 * Walk an incoming tree from root, depth first, ascending, calling block(pa, order)
 * for every set bit. Before a node page is read, node_ok(pa) must accept it (the
 * caller checks it lies in RAM, outside scratch and the kernel); a page met twice
 * (a cycle or a shared node), more than max_nodes pages, a key that does not decode,
 * or an order above KHO_MAX_ORDER stops the walk with -EINVAL and *why set. block()
 * may also stop it by returning an error, which is passed on.
 */
struct kho_radix_walk {
	bool (*node_ok)(paddr_t pa, void *arg);
	int (*block)(paddr_t pa, unsigned order, void *arg);
	/* Optional, used instead of block: n consecutive blocks of one order from pa
	 * (a stretch of set bits in one bitmap word), for walks that only need ranges. */
	int (*run)(paddr_t pa, unsigned order, uint64_t n, void *arg);
	void *arg;
	uint64_t max_nodes;
	paddr_t *visited;                     /* caller-provided, max_nodes entries */
	uint64_t nvisited;
	const char *why;
};
int kho_radix_walk(paddr_t root, struct kho_radix_walk *w);
#endif
