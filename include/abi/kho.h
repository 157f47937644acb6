/*
 * Kexec HandOver (KHO), generation G4 ("kho-v4"): every byte that crosses a kexec
 * for KHO, as Linux defines it (its include/linux/kho/abi/kexec_handover.h;
 * docs/kho.md). All multi-byte values are native (little-endian) byte order, also inside FDT
 * properties. Changing anything here requires bumping KHO_FDT_COMPATIBLE.
 */
#ifndef ABI_KHO_H
#define ABI_KHO_H
#include <stdint.h>

/* ---- Root FDT (one 4 KiB page) ---- */
#define KHO_FDT_COMPATIBLE     "kho-v4"
#define KHO_FDT_MEMORY_MAP     "preserved-memory-map" /* u64: pa of the radix root */
#define KHO_FDT_SUB_DATA       "preserved-data"       /* u64: pa of a subtree blob */
#define KHO_FDT_SUB_SIZE       "blob-size"            /* u64: its length in bytes */
#define KHO_FDT_SIZE           4096

/* ---- How kernel N+1 finds it: x86 setup_data type 10 payload (Baton carries it
 *      in its multiboot2 tag MB2_TAG_BATON_KHO) ---- */
struct kho_data {
	uint64_t fdt_addr;       /* pa of the root FDT page */
	uint64_t fdt_size;       /* always KHO_FDT_SIZE */
	uint64_t scratch_addr;   /* pa of the struct kho_scratch array */
	uint64_t scratch_size;   /* bytes of that array (entries = size / 16) */
} __attribute__((packed));
_Static_assert(sizeof(struct kho_data) == 32, "kho_data is 32 bytes");

struct kho_scratch {
	uint64_t addr;
	uint64_t size;
} __attribute__((packed));
_Static_assert(sizeof(struct kho_scratch) == 16, "kho_scratch is 16 bytes");

/* ---- The preserved-memory radix tree (4 KiB pages) ----
 * A block of order o at pa (aligned to 4096 << o) is one bit, keyed
 *   key = (1 << (52 - o)) | (pa >> (12 + o))
 * Level L (1..5) index = (key >> (15 + 9 * (L - 1))) & 511; leaf bit = key & 32767.
 * Nodes (levels 5..1) are 512 u64 physical addresses of children (0 = none); leaves
 * are 32768-bit bitmaps. Node pages are not themselves preserved (errata 9). */
#define KHO_ORDER_0_LOG2       52
#define KHO_TABLE_SIZE_LOG2    9
#define KHO_BITMAP_SIZE_LOG2   15
#define KHO_TREE_MAX_DEPTH     6       /* levels 5..1 of tables, then the leaf */
#define KHO_MAX_ORDER          18      /* errata 1: 1 GiB is the largest block */

struct kho_radix_node {
	uint64_t table[1u << KHO_TABLE_SIZE_LOG2];
};
struct kho_radix_leaf {
	uint64_t bitmap[(1u << KHO_BITMAP_SIZE_LOG2) / 64];
};
_Static_assert(sizeof(struct kho_radix_node) == 4096, "radix node is one page");
_Static_assert(sizeof(struct kho_radix_leaf) == 4096, "radix leaf is one page");

/* ---- kexec-metadata subtree (packed, 73 bytes) ---- */
#define KHO_KEXEC_METADATA_NAME     "kexec-metadata"
#define KHO_KEXEC_METADATA_VERSION  1
struct kho_kexec_metadata {
	uint32_t version;
	char previous_release[65];
	uint32_t kexec_count;
} __attribute__((packed));
_Static_assert(sizeof(struct kho_kexec_metadata) == 73, "kho_kexec_metadata is 73 bytes");

/* ---- vmalloc areas (natural alignment, 16 bytes) ---- */
#define KHO_VMALLOC_ALLOC       0x1
#define KHO_VMALLOC_HUGE_VMAP   0x2
struct kho_vmalloc {
	uint64_t first;          /* pa of the first chunk page, 0 = none */
	uint32_t total_pages;
	uint16_t flags;
	uint16_t order;
};
_Static_assert(sizeof(struct kho_vmalloc) == 16, "kho_vmalloc is 16 bytes");
#define KHO_VMALLOC_CHUNK_ENTRIES 511
struct kho_vmalloc_chunk {
	uint64_t next;           /* pa of the next chunk, 0 = last */
	uint64_t phys[KHO_VMALLOC_CHUNK_ENTRIES];   /* zero-terminated unless full */
};
_Static_assert(sizeof(struct kho_vmalloc_chunk) == 4096, "vmalloc chunk is one page");

/* ---- Linked 4 KiB blocks of fixed-size entries (used by LUO) ---- */
#define KHO_MAX_BLOCKS          10000
struct kho_block_header_ser {
	uint64_t next;           /* pa of the next block, 0 = last */
	uint64_t count;          /* valid entries in this block */
} __attribute__((packed));
_Static_assert(sizeof(struct kho_block_header_ser) == 16, "kho_block_header_ser is 16 bytes");
#endif
