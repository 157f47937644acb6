/*
 * KHO serialization blocks (kho-v4, include/abi/kho.h): a singly linked chain of
 * 4 KiB preserved blocks, each a struct kho_block_header_ser followed by fixed-size
 * entries back to back, (4096 - 16) / entry_size per block. Used by LUO for its
 * session and file records. Writer and reader are pure logic over memory reached
 * through kho_phys_to_virt() and blocks from the allocator given, so they build for
 * the host too. Every int function returns 0 or a negative errno.
 *
 * Writer (kernel N): entries are appended in order and removed from the tail (in
 * reverse insertion order, as Linux requires); the chain grows a block when the last
 * is full and shrinks when the last becomes empty. Reader (kernel N+1): trusts
 * nothing: at most KHO_MAX_BLOCKS blocks, no cycle, every block accepted by
 * block_ok (in a preserved range), every count in 1..capacity (a block with count
 * 0 or above capacity is corrupt), and the total equal to what the caller expects.
 */
#ifndef KHO_BLOCK_H
#define KHO_BLOCK_H
#include <types.h>

/* Platform hook of every pure KHO file: the kernel's direct map; on the host, an
 * arena. */
void *kho_phys_to_virt(paddr_t pa);

struct kho_block_set {
	size_t entry_size;
	paddr_t first, last;            /* chain ends; 0 when empty */
	uint64_t count;                 /* entries in the whole chain */
	uint64_t nblocks;
	/* A zeroed, preserved 4 KiB block, or 0; and how to give one back. */
	paddr_t (*alloc_block)(void *ctx);
	void (*free_block)(paddr_t pa, void *ctx);
	void *ctx;
};

/* kho_block_read: any number of entries (the chain's own counts are still checked). */
#define KHO_BLOCK_ANY UINT64_MAX

/* Entries per block for an entry size. */
static inline uint64_t kho_block_capacity(size_t entry_size)
{
	return (4096 - 16) / entry_size;
}

void kho_block_set_init(struct kho_block_set *s, size_t entry_size,
			paddr_t (*alloc_block)(void *ctx), void (*free_block)(paddr_t, void *ctx),
			void *ctx);
/* Append a zeroed entry; *entry points at it. -ENOMEM if a block is needed and none
 * comes. */
int kho_block_append(struct kho_block_set *s, void **entry);
/* Remove the last entry (shrinking the chain if its block empties). -ENOENT if empty. */
int kho_block_remove_last(struct kho_block_set *s);
/* Free every block. */
void kho_block_set_destroy(struct kho_block_set *s);

/*
 * Read an incoming chain starting at first, expecting exactly `expect` entries of
 * entry_size bytes: calls fn(entry, index, arg) for each in order (fn may stop the
 * walk by returning an error, passed on). block_ok(pa) must accept each block before
 * it is read. -EINVAL (with *why) for a corrupt chain.
 */
int kho_block_read(paddr_t first, size_t entry_size, uint64_t expect,
		   bool (*block_ok)(paddr_t pa, void *arg),
		   int (*fn)(const void *entry, uint64_t index, void *arg), void *arg,
		   const char **why);
#endif
