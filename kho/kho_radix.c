/*
 * The KHO preserved-memory radix tree (kho-v4; bytes in include/abi/kho.h, interface
 * in kho/kho_internal.h). One bit per preserved block of any order:
 *
 *   key = (1 << (52 - order)) | (pa >> (12 + order))     order marker above the pfn
 *
 *   key bit  63..60  59......51  50......42  41......33  32......24  23......15  14.......0
 *            zero    L5 (root)   L4          L3          L2          L1          leaf bit
 *            index:  512 u64 child physical addresses per table page, 0 = none;
 *                    the leaf is a 32768-bit bitmap (bit n: word n / 64, bit n % 64)
 *
 *   e.g. order 0, pa 0x1_2345_6000: key 0x0010_0000_0012_3456, root slot 2,
 *   L4..L2 slot 0, L1 slot 0x24, leaf bit 0x3456.
 *
 * Invariants kept by the writer: t->root and every page below it were given by
 * t->alloc_node (zeroed, page aligned) and are counted in t->nodes; a table entry is
 * 0 or a page allocated for exactly that slot, so the tree is a tree (no sharing, no
 * cycles) and at most 6 pages deep. Nothing is ever freed (as Linux): del only
 * clears the bit. Node pages are not themselves in the tree (errata 9).
 *
 * The reader trusts nothing: every page pointer is checked (page aligned, node_ok,
 * not seen before, within max_nodes) before the page is read, and every set bit must
 * decode to an order <= KHO_MAX_ORDER (errata 1). Only root slots 0..3 can hold valid
 * keys (errata 7); a bit under any other slot has no valid marker and is refused.
 * Pages visited are kept sorted in w->visited, so the "seen before" test is a binary
 * search; making room costs a shift of the larger entries, fine for the hundreds to
 * thousands of pages of a real tree (worst case, pages met in descending address
 * order, n^2 / 2 moves: 2^31 for 65536 pages).
 * w->why is set exactly when the walk itself refuses the tree (-EINVAL); an error
 * from block() is returned as it is, with why left NULL.
 */
#include <errno.h>
#include "kho_internal.h"

#define PAGE            4096ull
#define LEVELS          5                       /* table levels above the leaves */
#define TABLE_MASK      ((1u << KHO_TABLE_SIZE_LOG2) - 1)
#define BIT_MASK        ((1u << KHO_BITMAP_SIZE_LOG2) - 1)

/* First key bit of the level-L index (L = 1..5). */
static unsigned level_shift(unsigned level)
{
	return KHO_BITMAP_SIZE_LOG2 + KHO_TABLE_SIZE_LOG2 * (level - 1);
}

bool kho_radix_decode(uint64_t key, paddr_t *pa, unsigned *order)
{
	if (!key)
		return false;
	unsigned top = 63 - (unsigned)__builtin_clzll(key);     /* the marker bit */
	if (top > KHO_ORDER_0_LOG2)
		return false;
	unsigned o = KHO_ORDER_0_LOG2 - top, shift = 12 + o;
	uint64_t pfn = key ^ (1ull << top);
	*order = o;
	*pa = shift < 64 ? pfn << shift : 0;    /* shift is 64 only for key 1 (pfn 0) */
	return true;
}

int kho_radix_init(struct kho_radix *t, paddr_t (*alloc_node)(void *ctx), void *ctx)
{
	t->alloc_node = alloc_node;
	t->ctx = ctx;
	t->nodes = 0;
	t->cache_leaf = NULL;
	t->root = alloc_node(ctx);
	if (!t->root)
		return -ENOMEM;
	t->nodes = 1;
	return 0;
}

static bool block_ok(paddr_t pa, unsigned order)
{
	return order <= KHO_MAX_ORDER && IS_ALIGNED(pa, PAGE << order);
}

/*
 * The leaf word holding key's bit, or NULL if a page on the way is missing and
 * create is false. *err is -ENOMEM if a page could not be allocated.
 */
static uint64_t *leaf_word(struct kho_radix *t, uint64_t key, bool create, int *err)
{
	paddr_t pa = t->root;
	uint64_t prefix = key >> KHO_BITMAP_SIZE_LOG2;
	*err = 0;
	if (t->cache_leaf && t->cache_root == pa && t->cache_prefix == prefix)
		return t->cache_leaf + (key & BIT_MASK) / 64;
	for (unsigned level = LEVELS; level >= 1; level--) {
		uint64_t *slot = (uint64_t *)kho_phys_to_virt(pa) +
				 ((key >> level_shift(level)) & TABLE_MASK);
		if (!*slot) {
			if (!create)
				return NULL;
			paddr_t child = t->alloc_node(t->ctx);
			if (!child) {
				*err = -ENOMEM;
				return NULL;
			}
			t->nodes++;
			*slot = child;
		}
		pa = *slot;
	}
	t->cache_root = t->root;
	t->cache_prefix = prefix;
	t->cache_leaf = kho_phys_to_virt(pa);
	return t->cache_leaf + (key & BIT_MASK) / 64;
}

int kho_radix_add(struct kho_radix *t, paddr_t pa, unsigned order)
{
	if (!block_ok(pa, order))
		return -EINVAL;
	uint64_t key = kho_radix_key(pa, order), bit = 1ull << (key % 64);
	int err;
	uint64_t *w = leaf_word(t, key, true, &err);
	if (!w)
		return err;
	if (*w & bit)
		return -EEXIST;
	*w |= bit;
	return 0;
}

int kho_radix_del(struct kho_radix *t, paddr_t pa, unsigned order)
{
	if (!block_ok(pa, order))
		return -EINVAL;
	uint64_t key = kho_radix_key(pa, order), bit = 1ull << (key % 64);
	int err;
	uint64_t *w = leaf_word(t, key, false, &err);
	if (!w || !(*w & bit))
		return -ENOENT;
	*w &= ~bit;
	return 0;
}

bool kho_radix_test(const struct kho_radix *t, paddr_t pa, unsigned order)
{
	if (!block_ok(pa, order))
		return false;
	uint64_t key = kho_radix_key(pa, order);
	int err;
	/* create is false: nothing but the lookup cache is written through t. */
	const uint64_t *w = leaf_word((struct kho_radix *)t, key, false, &err);
	return w && (*w >> (key % 64) & 1);
}

/* ---------------- reader ---------------- */

static int refuse(struct kho_radix_walk *w, const char *why)
{
	w->why = why;
	return -EINVAL;
}

/* Check pa before its page is read, and record it in the sorted w->visited. */
static int enter(struct kho_radix_walk *w, paddr_t pa)
{
	if (!IS_ALIGNED(pa, PAGE))
		return refuse(w, "node pointer not page aligned");
	if (!w->node_ok(pa, w->arg))
		return refuse(w, "node page refused by node_ok");
	uint64_t lo = 0, hi = w->nvisited;      /* first index with visited[i] >= pa */
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (w->visited[mid] < pa)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < w->nvisited && w->visited[lo] == pa)
		return refuse(w, "node page met twice");
	if (w->nvisited >= w->max_nodes)
		return refuse(w, "more node pages than max_nodes");
	for (uint64_t i = w->nvisited; i > lo; i--)     /* make room, 8 bytes a step */
		w->visited[i] = w->visited[i - 1];
	w->visited[lo] = pa;
	w->nvisited++;
	return 0;
}

/* Whether the 8 words at p are all zero: node pages are mostly empty, and the
 * walk's cost before the prompt is mostly this scan. */
static inline bool zero8(const uint64_t *p)
{
	return !(p[0] | p[1] | p[2] | p[3] | p[4] | p[5] | p[6] | p[7]);
}

static int walk_leaf(struct kho_radix_walk *w, const uint64_t *bitmap, uint64_t prefix)
{
	for (unsigned i = 0; i <= BIT_MASK / 64; i++) {
		if ((i & 7) == 0 && zero8(&bitmap[i])) {
			i += 7;
			continue;
		}
		uint64_t word = bitmap[i];      /* read once: the page is not ours */
		while (word) {
			unsigned first = (unsigned)__builtin_ctzll(word);
			uint64_t key = prefix | (i * 64 + first);
			/* With a run callback, a stretch of set bits is one call: the keys
			 * are consecutive, so the blocks are too (same order in a leaf). A
			 * stretch that reaches the word's top bit goes on into the next. */
			uint64_t len = 1;
			if (w->run) {
				uint64_t rest = ~(word >> first);
				len = rest ? (unsigned)__builtin_ctzll(rest) : 64 - first;
			}
			word &= len == 64 ? 0 : ~(((1ull << len) - 1) << first);
			if (w->run && first + len == 64) {
				while (i < BIT_MASK / 64) {
					uint64_t next = bitmap[i + 1];
					unsigned more = next == ~0ull ? 64 : (unsigned)__builtin_ctzll(~next);
					if (!more)
						break;
					len += more;
					i++;
					if (more < 64) {
						word = next & ~((1ull << more) - 1);
						break;
					}
				}
			}
			paddr_t pa;
			unsigned order;
			if (!kho_radix_decode(key, &pa, &order))
				return refuse(w, "leaf bit without a valid order marker");
			if (order > KHO_MAX_ORDER)
				return refuse(w, "leaf bit of order above 18");
			int r = w->run ? w->run(pa, order, len, w->arg) : w->block(pa, order, w->arg);
			if (r)
				return r;       /* why stays NULL: the caller's own error */
		}
	}
	return 0;
}

/* Depth first, ascending index; level 0 is a leaf. At most 6 frames deep. */
static int walk_node(struct kho_radix_walk *w, paddr_t pa, unsigned level, uint64_t prefix)
{
	int r = enter(w, pa);
	if (r)
		return r;
	const uint64_t *page = kho_phys_to_virt(pa);
	if (level == 0)
		return walk_leaf(w, page, prefix);
	for (uint64_t i = 0; i <= TABLE_MASK; i++) {
		if ((i & 7) == 0 && zero8(&page[i])) {
			i += 7;
			continue;
		}
		paddr_t child = page[i];
		if (child) {
			r = walk_node(w, child, level - 1, prefix | i << level_shift(level));
			if (r)
				return r;
		}
	}
	return 0;
}

int kho_radix_walk(paddr_t root, struct kho_radix_walk *w)
{
	w->nvisited = 0;
	w->why = NULL;
	if (!root)
		return refuse(w, "root is 0");
	return walk_node(w, root, LEVELS, 0);
}
