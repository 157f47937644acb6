/*
 * KHO serialization blocks (kho-v4; bytes in include/abi/kho.h, interface in
 * include/kho_block.h): fixed-size entries in a forward-linked chain of 4 KiB blocks.
 *
 *   offset 0    u64 next       pa of the next block, 0 = last
 *          8    u64 count      entries used in this block
 *          16   entry 0, entry 1, .. entry count - 1, entry_size bytes each, packed
 *   capacity = (4096 - 16) / entry_size: 63 for 64-byte entries, 51 for 80-byte ones
 *
 *   e.g. 130 entries of 64 bytes:
 *   s->first -> [next | 63 | e0..e62] -> [next | 63 | e63..e125] -> [0 | 4 | e126..e129]
 *                                                                   ^ s->last
 *
 * Writer invariants: s->first .. s->last is a chain of exactly s->nblocks blocks,
 * each from s->alloc_block; every block but the last holds exactly capacity entries
 * and the last holds 1..capacity (entry i is slot i % capacity of block i / capacity);
 * s->count is their sum; an empty set has first = last = 0 and no block. Only the tail
 * changes: append fills the last block or links a new one after it; remove_last
 * takes the last entry and, when its block empties, unlinks and frees that block
 * (finding its predecessor by walking from first: blocks link forward only). Entries
 * are zeroed when appended; bytes past a block's count are never read.
 *
 * Reader: trusts nothing. Two passes over the chain: the first checks everything and
 * delivers nothing, the second calls fn, so fn never sees part of a corrupt chain.
 * For each block, in chain order: its pa is page aligned, then block_ok accepts it,
 * then its header is read (once), then 1 <= count <= capacity; at most KHO_MAX_BLOCKS
 * blocks. Cycles are found with Brent's method (O(1) memory, no extra reads): a mark
 * is left on block 2^k - 2 (counting from 0; k = 1, 2, ..) and each of the next 2^k
 * blocks is compared with it, so a loop of L blocks entered after T others is caught
 * before 2T + 3L + 2 blocks have been read. A chain looping back to its first block
 * is thus reported as a cycle up to L = 4096, beyond that as too many blocks. The
 * total is compared with expect after the walk (not at all for KHO_BLOCK_ANY): a
 * structural problem wins over a count mismatch. In the second pass a block that
 * would take the total past expect stops the walk before fn sees it (only if the
 * memory changed in between), so fn's index is always below expect.
 * *why is set exactly when the result is -EINVAL for a corrupt chain (or an entry
 * size out of range); an error from fn is returned as it is, with *why NULL.
 */
#include <errno.h>
#include <string.h>
#include <kho_block.h>
#include "kho_internal.h"

#define BLOCK   4096u
#define HDR     sizeof(struct kho_block_header_ser)

_Static_assert(KHO_MAX_BLOCKS == 10000, "the why string below names the limit");

static struct kho_block_header_ser *header(paddr_t pa)
{
	return kho_phys_to_virt(pa);
}

static bool size_ok(size_t entry_size)
{
	return entry_size && entry_size <= BLOCK - HDR;
}

void kho_block_set_init(struct kho_block_set *s, size_t entry_size,
			paddr_t (*alloc_block)(void *ctx), void (*free_block)(paddr_t, void *ctx),
			void *ctx)
{
	*s = (struct kho_block_set){ .entry_size = entry_size, .alloc_block = alloc_block,
				     .free_block = free_block, .ctx = ctx };
}

int kho_block_append(struct kho_block_set *s, void **entry)
{
	if (!size_ok(s->entry_size))
		return -EINVAL;
	struct kho_block_header_ser *h = s->last ? header(s->last) : NULL;
	if (!h || h->count >= kho_block_capacity(s->entry_size)) {
		paddr_t pa = s->alloc_block(s->ctx);
		if (!pa)
			return -ENOMEM;         /* nothing changed yet */
		struct kho_block_header_ser *n = header(pa);
		n->next = 0;
		n->count = 0;
		if (h)
			h->next = pa;
		else
			s->first = pa;
		s->last = pa;
		s->nblocks++;
		h = n;
	}
	uint8_t *e = (uint8_t *)h + HDR + h->count * s->entry_size;
	memset(e, 0, s->entry_size);
	h->count++;
	s->count++;
	*entry = e;
	return 0;
}

int kho_block_remove_last(struct kho_block_set *s)
{
	if (!s->count)
		return -ENOENT;
	struct kho_block_header_ser *h = header(s->last);
	s->count--;
	if (--h->count)
		return 0;
	paddr_t dead = s->last, prev = 0;
	if (s->first == dead) {
		s->first = 0;
	} else {
		prev = s->first;
		while (header(prev)->next != dead)
			prev = header(prev)->next;
		header(prev)->next = 0;
	}
	s->last = prev;
	s->nblocks--;
	s->free_block(dead, s->ctx);
	return 0;
}

void kho_block_set_destroy(struct kho_block_set *s)
{
	paddr_t pa = s->first;
	for (uint64_t i = 0; i < s->nblocks; i++) {
		paddr_t next = header(pa)->next;        /* before the block goes */
		s->free_block(pa, s->ctx);
		pa = next;
	}
	s->first = s->last = 0;
	s->count = s->nblocks = 0;
}

/* ---------------- reader ---------------- */

static int corrupt(const char **why, const char *what)
{
	*why = what;
	return -EINVAL;
}

/* One pass over the chain; fn NULL: check only, and compare the total at the end. */
static int walk(paddr_t pa, size_t entry_size, uint64_t expect,
		bool (*block_ok)(paddr_t pa, void *arg),
		int (*fn)(const void *entry, uint64_t index, void *arg), void *arg,
		const char **why)
{
	uint64_t cap = kho_block_capacity(entry_size), total = 0, lap = 1, since = 0;
	paddr_t mark = 0;
	for (uint64_t n = 0; pa; n++) {
		if (pa == mark)
			return corrupt(why, "cycle in the block chain");
		if (n == KHO_MAX_BLOCKS)
			return corrupt(why, "more than 10000 blocks");
		if (!IS_ALIGNED(pa, BLOCK))
			return corrupt(why, "block not page aligned");
		if (!block_ok(pa, arg))
			return corrupt(why, "block refused by block_ok");
		const struct kho_block_header_ser *h = kho_phys_to_virt(pa);
		paddr_t next = h->next;         /* read once: the block is not ours */
		uint64_t count = h->count;
		if (!count)
			return corrupt(why, "block count is 0");
		if (count > cap)
			return corrupt(why, "block count above capacity");
		if (fn) {
			if (expect != KHO_BLOCK_ANY && count > expect - total)   /* total <= expect */
				return corrupt(why, "more entries than expected");
			const uint8_t *e = (const uint8_t *)h + HDR;
			for (uint64_t i = 0; i < count; i++, e += entry_size) {
				int r = fn(e, total + i, arg);
				if (r)
					return r;       /* *why stays NULL: the caller's error */
			}
		}
		total += count;                 /* at most 10000 * 4080: no overflow */
		if (++since == lap) {           /* Brent: move the mark, double the lap */
			mark = pa;
			lap *= 2;
			since = 0;
		}
		pa = next;
	}
	if (expect != KHO_BLOCK_ANY && total != expect)
		return corrupt(why, total < expect ? "fewer entries than expected"
						   : "more entries than expected");
	return 0;
}

int kho_block_read(paddr_t first, size_t entry_size, uint64_t expect,
		   bool (*block_ok)(paddr_t pa, void *arg),
		   int (*fn)(const void *entry, uint64_t index, void *arg), void *arg,
		   const char **why)
{
	const char *unused;
	if (!why)
		why = &unused;
	*why = NULL;
	if (!size_ok(entry_size))
		return corrupt(why, "entry size out of range");
	int r = walk(first, entry_size, expect, block_ok, NULL, arg, why);
	if (r || !fn)
		return r;
	return walk(first, entry_size, expect, block_ok, fn, arg, why);
}
