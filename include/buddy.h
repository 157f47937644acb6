/*
 * The buddy allocator over a caller-given range of page frames (built unchanged for
 * the host: tests/host gives it a malloc'ed frame range).
 *
 * Model. A zone owns the frames [base_pfn, base_pfn + npages). A block of order k is
 * 2^k frames aligned to 2^k in absolute PFN terms; its buddy is pfn ^ 2^k. Each free
 * block is one entry on its order's doubly linked list (links are 32-bit frame
 * indices), so taking, splitting and merging are O(1) per order step. Orders run
 * 0..BUDDY_MAX_ORDER (4 KiB .. 1 GiB).
 *
 * The memmap. struct page (16 bytes, see below) exists for every frame, but only the
 * head of a block carries state; tails are never written. The memmap may hold
 * garbage when the zone is created: it is initialised lazily, one 2 MiB section
 * (512 entries) at a time, the first time a block smaller than 2 MiB is made inside
 * that section. Blocks of 2 MiB and more are described by their head entry alone,
 * marked valid in the per-section byte. So creating, freeing or reserving a 1 GiB
 * folio costs one entry, never 262144, and building a zone over 16 GiB writes
 * about a hundred entries instead of zeroing 64 MiB.
 *
 * Several zones may share one memmap (each frame belongs to exactly one zone, named
 * in its head entry); a block merges only with a buddy of the same zone.
 *
 * Checks (panic with values when BUDDY_DEBUG is set, which it is in Baton): double
 * free (of a block in the lists or of a page in a CPU's page cache), free of a frame
 * that is not an allocated head, free with the wrong order, frames outside the
 * zone, free-list links that do not point back.
 *
 * Concurrency. buddy.c takes no zone lock: its caller serialises every call on one
 * zone (mm/ holds the zone's `lock`, see mm/zones.c). Zones that share a memmap
 * still run at the same time, and meet in three places, each safe here:
 *  - the section bytes (four sections to a byte, and a section may hold frames of
 *    two zones) change by atomic or/and and are read with acquire;
 *  - a section's entries are initialised once, under one lock of buddy.c's own
 *    (sec_validate), and only then is its SEC_VALID bit set;
 *  - a zone reads heads of another zone (a buddy across the border, the probes of
 *    buddy_block_of): a head's state, order, zone and flags are one 32-bit word
 *    (desc), written whole with release and read whole with acquire, so a reader
 *    sees one head or the next, never a mix of two.
 * The owner of an allocated block may change its head's state (page_set_state),
 * flags and private without the zone's lock, but never to PAGE_FREE and never its
 * order or zone: a zone looking at it meanwhile sees a block in use either way.
 */
#ifndef BUDDY_H
#define BUDDY_H
#include <spinlock.h>
#include <types.h>

#define BUDDY_MAX_ORDER   18
#define BUDDY_ORDERS      (BUDDY_MAX_ORDER + 1)
#define SECTION_ORDER     9                     /* 2 MiB sections of the memmap */
#define SECTION_PAGES     (1u << SECTION_ORDER)
#define BUDDY_NONE        UINT64_MAX           /* "no frame" */

/* What a block is. Only head entries hold one of these; 0 means "not a head". */
enum page_state {
	PAGE_NONE = 0,       /* tail of a block, or never described */
	PAGE_FREE,           /* head of a free block in a zone's free list */
	PAGE_ALLOC,          /* head of an allocated block (folio) */
	PAGE_HUGETLB,        /* head of a huge folio owned by a hugetlb pool */
	PAGE_PRESERVED,      /* head of a block handed over by the previous kernel */
	PAGE_RESERVED,       /* not managed: firmware, kernel image, modules */
	PAGE_PCP,            /* head of an order-0 page in a CPU's page cache (mm/pcp.c):
				free memory, but in no free list; private = the CPU */
};

/*
 * One per 4 KiB frame: 16 bytes, 0.39 % of RAM (4 MiB per GiB). Two 32-bit list
 * links (frame indices reach 16 TiB), state, order, zone and 32 bits for the owner
 * (hugetlb pool, KHO restore magic). Linux spends 64 bytes; Baton keeps no LRU,
 * mapping or refcount here because nothing in it needs them.
 */
struct page {
	uint32_t next, prev;   /* free-list links: frame index in the zone, or NIL */
	union {
		struct {
			uint8_t state;         /* enum page_state */
			uint8_t order;
			uint8_t zone;
			uint8_t flags;
		};
		uint32_t desc;         /* the four as one word (Concurrency, above) */
	};
	uint32_t private;      /* the owner's word */
};
_Static_assert(sizeof(struct page) == 16, "struct page stays 16 bytes");

/* A head's state, order, zone and flags read as one word (the rest of the copy is
 * zero): what another zone or CPU may look at. */
static inline struct page page_desc(const struct page *p)
{
	return (struct page){ .desc = __atomic_load_n(&p->desc, __ATOMIC_ACQUIRE) };
}

static inline void page_set_desc(struct page *p, uint32_t desc)
{
	__atomic_store_n(&p->desc, desc, __ATOMIC_RELEASE);
}

/* The owner of an allocated block changes its head's state (never to PAGE_FREE). */
static inline void page_set_state(struct page *p, enum page_state st)
{
	struct page d = page_desc(p);
	d.state = (uint8_t)st;
	page_set_desc(p, d.desc);
}

/* Per-section bits of the memmap, two a section, four sections to a byte. */
#define SEC_VALID  0x01        /* all 512 entries initialised */
#define SEC_HEAD   0x02        /* entry 0 heads a block of order >= SECTION_ORDER */
#define BUDDY_SEC_BYTES(npages) \
	((((npages) + SECTION_PAGES - 1) / SECTION_PAGES + 3) / 4)

struct buddy {
	struct spinlock lock;      /* held by mm/ around every call that reads or changes
				      the lists or counts; buddy.c never takes it */
	uint64_t base_pfn, npages;
	struct page *map;          /* npages entries, index = pfn - base_pfn */
	uint8_t *sec;              /* two bits per section, section = (pfn - base) >> 9 */
	uint8_t id;                /* zone id stored in heads */
	uint32_t free_head[BUDDY_ORDERS];
	uint64_t nr_free[BUDDY_ORDERS];   /* free blocks per order */
	uint64_t free_pages;
	uint64_t managed_pages;           /* ever given to the zone */
};

/*
 * A zone over frames [base_pfn, base_pfn + npages) using map and sec (caller-owned,
 * npages entries and ceil(npages / 512) bytes). base_pfn must be a multiple of 512.
 * sec is zeroed here (zones sharing a memmap are all initialised before memory is
 * added to any); map may hold anything. Nothing is free until buddy_add_range().
 */
void buddy_init(struct buddy *b, uint8_t id, uint64_t base_pfn, uint64_t npages,
		struct page *map, uint8_t *sec);
/* Has section s (of 512 frames) had its entries initialised? (For tests.) */
bool buddy_section_valid(const struct buddy *b, uint64_t s);
/* The same over section bytes that are zero already (and may be read-only where
 * they describe no RAM: mm/memmap.c); zones sharing one memmap use it. */
void buddy_init_zeroed(struct buddy *b, uint8_t id, uint64_t base_pfn, uint64_t npages,
		       struct page *map, uint8_t *sec);
/* Give frames [pfn, pfn + n) to the zone as free memory (in maximal aligned blocks). */
void buddy_add_range(struct buddy *b, uint64_t pfn, uint64_t n);
/* Allocate a block of 2^order frames aligned to 2^order; its pfn, or BUDDY_NONE. */
uint64_t buddy_alloc(struct buddy *b, unsigned order);
/* The allocated block of 2^order frames at pfn becomes 2^(order - to) allocated
 * blocks of order `to`, each freed on its own later (huge-page pools take whole
 * 1 GiB blocks at boot and cut them into folios when first needed). */
void buddy_split_alloc(struct buddy *b, uint64_t pfn, unsigned order, unsigned to);
/* Free a block returned by buddy_alloc with the same order. */
void buddy_free(struct buddy *b, uint64_t pfn, unsigned order);
/* buddy_free's checks alone (panics); the head of the block, still allocated. For a
 * caller that frees the block elsewhere (a CPU's page cache), no lock needed: the
 * block is the caller's. */
struct page *buddy_free_check(struct buddy *b, uint64_t pfn, unsigned order);
/*
 * For the per-CPU page caches (mm/pcp.c): an order-0 page taken from the lists as a
 * PAGE_PCP head for cpu, or BUDDY_NONE; and such a page given back to the lists.
 */
uint64_t buddy_alloc_cached(struct buddy *b, unsigned cpu);
void buddy_free_cached(struct buddy *b, uint64_t pfn);
/*
 * Take the specific free frames [pfn, pfn + 2^order) out of the zone as an allocated
 * block (they must all be free). 0, or -EBUSY if any frame is not free, -EINVAL if
 * misaligned or outside the zone.
 */
int buddy_claim(struct buddy *b, uint64_t pfn, unsigned order);

/*
 * Describe frames [pfn, pfn + 2^order) that the zone does not manage (reserved
 * memory, e.g. a block handed over by the previous kernel) as one block in state st:
 * only its head entry is written. buddy_adopt() later makes such a block an
 * allocated block of the zone (counted as managed), which buddy_free() accepts.
 */
void buddy_mark(struct buddy *b, uint64_t pfn, unsigned order, enum page_state st);
void buddy_adopt(struct buddy *b, uint64_t pfn);

/* Head entry of the block containing pfn, or NULL (reserved / outside). */
struct page *buddy_block_of(struct buddy *b, uint64_t pfn, uint64_t *head_pfn);
/* Entry for pfn, initialising its section if needed (for owners setting state). */
struct page *buddy_page(struct buddy *b, uint64_t pfn);

/* Walk every free list and check links, orders, alignment and counts; panics. */
void buddy_check(const struct buddy *b);
/* Column-aligned dump of free blocks per order into buf; returns length. */
size_t buddy_dump(const struct buddy *b, char *buf, size_t size);
#endif
