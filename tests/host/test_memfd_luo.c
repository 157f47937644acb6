/*
 * The memfd-v2 handler on the host: luo/memfd_luo.c and luo/memfd_folios.c with
 * mm/memfd.c, over a shim in this file. Memory is an arena of ARENA_PAGES pages at
 * physical ARENA_BASE (the direct map routed to it by shim/host_direct_map.h); each
 * page is free, allocated (a block head carries its order), or incoming (the head
 * of a block the previous kernel preserved, as KHO's tree would list it). The shim
 * checks what the kernel's allocator would: page_free and page_split of an
 * allocated head with its own order only. The handler registers through
 * LUO_REGISTER (shim/luo_sections.ld); luo_register_file_handler keeps it.
 *
 * Expected bytes are typed from Linux's memfd-v2 and kho-v4 definitions (offsets,
 * sizes, field order: struct memfd_luo_ser 48 bytes {u64 pos, u64 size, u32 seals,
 * u32 flags, u64 nr_folios, struct kho_vmalloc folios}; struct memfd_luo_folio_ser
 * 16 bytes {u64 pfn (bits 0..51) | flags << 52 (DIRTY 1, UPTODATE 2), u64 index};
 * struct kho_vmalloc 16 bytes {u64 first, u32 total_pages, u16 flags, u16 order};
 * a vmalloc chunk page {u64 next, u64 phys[511]}), never from Baton's writer.
 *
 * Covered: a record Linux would write for 28,795 bytes held in folios of orders 0,
 * 0, 1 and 2 (retrieved whole, its pages split to order 0 and each freed on its
 * own; the incoming blocks all taken); a last folio reaching past the end of the
 * file (the pages past it freed); every reason such a list is refused, before any
 * folio is taken (gaps, wrong indices, a block that is not preserved or not a
 * head, pfn 0, too few pages, a folio past the end, counts, flags, unknown seals)
 * and a folio named twice; finish of a never-retrieved large-folio file; and the
 * bytes Baton's own writer produces (memfd_luo_ser and folio records, F_SEAL_EXEC
 * among the seals), read back by the same handler.
 */
#include <errno.h>
#include <stdlib.h>
#include <abi/luo.h>
#include <buddy.h>
#include <hugetlb.h>
#include <kho.h>
#include <kmalloc.h>
#include <luo.h>
#include <memfd.h>
#include <mm.h>
#include <vmalloc.h>
#include "host_test.h"

#define PG          4096ull
#define ARENA_BASE  0x30000000000ull         /* 3 TiB */
#define ARENA_PAGES 512u
#define P(i)        (ARENA_BASE + (uint64_t)(i) * PG)

enum pstate { P_FREE, P_ALLOC, P_IN };
static uint8_t *arena;
static struct { uint8_t state, order; bool head, out; } pg[ARENA_PAGES];

static unsigned ix(paddr_t pa)
{
	if (pa < ARENA_BASE || pa >= P(ARENA_PAGES) || pa % PG)
		fail_msg("%#llx: not a page of the arena", (unsigned long long)pa);
	return (unsigned)((pa - ARENA_BASE) / PG);
}

void *host_phys_to_virt(paddr_t pa)
{
	if (pa < ARENA_BASE || pa >= P(ARENA_PAGES))
		fail_msg("phys_to_virt(%#llx): not in the arena", (unsigned long long)pa);
	return arena + (pa - ARENA_BASE);
}

paddr_t host_virt_to_phys(const void *va)
{
	return ARENA_BASE + (paddr_t)((const uint8_t *)va - arena);
}

static void set_block(unsigned i, unsigned order, enum pstate st)
{
	for (unsigned k = 0; k < 1u << order; k++)
		pg[i + k] = (typeof(pg[0])){ (uint8_t)st, (uint8_t)order, k == 0, false };
}

static unsigned count(enum pstate st)
{
	unsigned n = 0;
	for (unsigned i = 0; i < ARENA_PAGES; i++)
		n += pg[i].state == st;
	return n;
}

/* ---- include/mm.h ---- */

paddr_t page_alloc(unsigned order, unsigned gfp)
{
	(void)gfp;
	for (unsigned i = 0; i + (1u << order) <= ARENA_PAGES; i += 1u << order) {
		unsigned k = 0;
		while (k < 1u << order && pg[i + k].state == P_FREE)
			k++;
		if (k == 1u << order) {
			set_block(i, order, P_ALLOC);
			return P(i);
		}
	}
	return 0;
}

void page_free(paddr_t pa, unsigned order)
{
	unsigned i = ix(pa);
	if (pg[i].state != P_ALLOC || !pg[i].head || pg[i].order != order)
		fail_msg("page_free(%#llx, %u): not an allocated head of that order",
			 (unsigned long long)pa, order);
	set_block(i, order, P_FREE);                  /* contents kept, as the buddy's */
}

void page_split(paddr_t pa, unsigned order, unsigned to)
{
	unsigned i = ix(pa);
	if (pg[i].state != P_ALLOC || !pg[i].head || pg[i].order != order || to > order)
		fail_msg("page_split(%#llx, %u, %u): not an allocated head of that order",
			 (unsigned long long)pa, order, to);
	for (unsigned k = 0; k < 1u << order; k += 1u << to)
		set_block(i + k, to, P_ALLOC);
}

void mm_stats(struct mm_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->free = count(P_FREE) * PG;
}

paddr_t hugetlb_alloc(struct hugetlb_pool *pool)
{
	(void)pool;
	fail_msg("no pools here");
	return 0;
}

void hugetlb_free(struct hugetlb_pool *pool, paddr_t pa)
{
	(void)pool;
	(void)pa;
	fail_msg("no pools here");
}

/* ---- include/kmalloc.h, include/vmalloc.h: vmalloc areas are runs of arena pages
 * (so that they can be preserved and handed over), the rest is malloc ---- */

void *kmalloc(size_t n)
{
	return malloc(n);
}
void *kzalloc(size_t n)
{
	return calloc(1, n);
}
void kfree(const void *p)
{
	free((void *)p);
}
void *kvmalloc(size_t n)
{
	return calloc(1, n ? n : 1);
}
void kvfree(const void *p)
{
	free((void *)p);
}

static struct { paddr_t pa; unsigned n; } areas[16];

void *vmalloc(size_t size, unsigned gfp)
{
	(void)gfp;
	unsigned n = (unsigned)((size + PG - 1) / PG);
	for (unsigned i = 0; i + n <= ARENA_PAGES; i++) {
		unsigned k = 0;
		while (k < n && pg[i + k].state == P_FREE)
			k++;
		if (k < n)
			continue;
		for (unsigned a = 0; a < ARRAY_SIZE(areas); a++)
			if (!areas[a].n) {
				for (k = 0; k < n; k++)
					set_block(i + k, 0, P_ALLOC);
				areas[a].pa = P(i);
				areas[a].n = n;
				memset(arena + i * PG, 0, n * PG);
				return arena + i * PG;
			}
		fail_msg("too many vmalloc areas");
	}
	return NULL;
}

void vfree(const void *p)
{
	if (!p)
		return;
	paddr_t pa = host_virt_to_phys(p);
	for (unsigned a = 0; a < ARRAY_SIZE(areas); a++)
		if (areas[a].n && areas[a].pa == pa) {
			for (unsigned k = 0; k < areas[a].n; k++)
				page_free(pa + k * PG, 0);
			areas[a].n = 0;
			return;
		}
	fail_msg("vfree(%p): not an area", p);
}

/* ---- include/kho.h: kernel N's preservation marks pages "out"; kernel N+1's
 * incoming blocks are P_IN heads ---- */

int kho_preserve_folio(paddr_t pa, unsigned order)
{
	unsigned i = ix(pa);
	if (pg[i].state != P_ALLOC || !pg[i].head || pg[i].order != order || pg[i].out)
		return -EINVAL;
	pg[i].out = true;
	return 0;
}

int kho_unpreserve_folio(paddr_t pa, unsigned order)
{
	unsigned i = ix(pa);
	if (!pg[i].out || pg[i].order != order)
		fail_msg("unpreserve of %#llx: not preserved", (unsigned long long)pa);
	pg[i].out = false;
	return 0;
}

int kho_alloc_preserve(size_t size, paddr_t *pa)
{
	assert_true(size <= PG);
	*pa = page_alloc(0, 0);
	if (!*pa)
		return -ENOMEM;
	memset(host_phys_to_virt(*pa), 0, PG);
	pg[ix(*pa)].out = true;
	return 0;
}

void kho_unpreserve_free(paddr_t pa)
{
	pg[ix(pa)].out = false;
	page_free(pa, 0);
}

/* Linux's layout: chunk pages {next, phys[511]}, each piece one order-0 page. */
int kho_preserve_vmalloc(const void *ptr, struct kho_vmalloc *desc)
{
	paddr_t pa = host_virt_to_phys(ptr);
	for (unsigned a = 0; a < ARRAY_SIZE(areas); a++)
		if (areas[a].n && areas[a].pa == pa) {
			assert_true(areas[a].n <= KHO_VMALLOC_CHUNK_ENTRIES);
			paddr_t chunk;
			assert_int_equal(kho_alloc_preserve(PG, &chunk), 0);
			struct kho_vmalloc_chunk *c = host_phys_to_virt(chunk);
			for (unsigned k = 0; k < areas[a].n; k++) {
				c->phys[k] = pa + k * PG;
				pg[ix(pa + k * PG)].out = true;
			}
			*desc = (struct kho_vmalloc){ chunk, areas[a].n, KHO_VMALLOC_ALLOC, 0 };
			return 0;
		}
	fail_msg("kho_preserve_vmalloc(%p): not an area", ptr);
	return -EINVAL;
}

void kho_unpreserve_vmalloc(struct kho_vmalloc *desc)
{
	struct kho_vmalloc_chunk *c = host_phys_to_virt(desc->first);
	for (unsigned k = 0; k < desc->total_pages; k++)
		pg[ix(c->phys[k])].out = false;
	kho_unpreserve_free(desc->first);
}

bool kho_preserved_block(paddr_t pa, paddr_t *head, unsigned *order)
{
	if (pa < ARENA_BASE || pa >= P(ARENA_PAGES))
		return false;
	unsigned i = ix(pa & ~(PG - 1));
	for (unsigned o = 0; o <= 9; o++) {
		unsigned h = i & ~((1u << o) - 1);
		if (pg[h].state == P_IN && pg[h].head && pg[h].order == o) {
			*head = P(h);
			*order = o;
			return true;
		}
	}
	return false;
}

int kho_restore_folio(paddr_t pa, unsigned *order)
{
	if (pa < ARENA_BASE || pa >= P(ARENA_PAGES) || pa % PG)
		return -EINVAL;
	unsigned i = ix(pa);
	if (pg[i].state != P_IN || !pg[i].head)
		return -EINVAL;
	*order = pg[i].order;
	set_block(i, *order, P_ALLOC);
	return 0;
}

/* As kho/kho_in.c: every piece a preserved order-0 page; the area mapped (here:
 * copied into a new area); the chunk pages freed. */
void *kho_restore_vmalloc(const struct kho_vmalloc *desc)
{
	if (desc->order || desc->flags & ~(KHO_VMALLOC_ALLOC | KHO_VMALLOC_HUGE_VMAP))
		return NULL;
	uint8_t *out = vmalloc(desc->total_pages * PG, 0);
	unsigned n = 0, o;
	for (paddr_t chunk = desc->first; chunk;) {
		if (kho_restore_folio(chunk, &o) || o)
			return NULL;
		const struct kho_vmalloc_chunk *c = host_phys_to_virt(chunk);
		for (unsigned k = 0; k < KHO_VMALLOC_CHUNK_ENTRIES && c->phys[k]; k++, n++) {
			if (n == desc->total_pages || kho_restore_folio(c->phys[k], &o) || o)
				return NULL;
			memcpy(out + n * PG, host_phys_to_virt(c->phys[k]), PG);
			page_free(c->phys[k], 0);
		}
		paddr_t next = c->next;
		page_free(chunk, 0);
		chunk = next;
	}
	return n == desc->total_pages ? out : NULL;
}

/* The handover: what kernel N preserved becomes kernel N+1's incoming blocks, the
 * rest of what it had is gone. */
static void hand_over(void)
{
	for (unsigned i = 1; i < ARENA_PAGES; i++) {       /* frame 0 stays */
		if (pg[i].state == P_ALLOC && pg[i].head && pg[i].out)
			set_block(i, pg[i].order, P_IN);
		else if (pg[i].state == P_ALLOC && pg[i].head)
			set_block(i, pg[i].order, P_FREE);
	}
	memset(areas, 0, sizeof(areas));
}

/* ---- LUO: the handler registers through LUO_REGISTER ---- */

static struct luo_file_handler *memfd_h;

int luo_register_file_handler(struct luo_file_handler *h)
{
	memfd_h = h;
	return 0;
}

extern const struct luo_register __luo_register_start[], __luo_register_end[];

static void register_handler(void)
{
	memfd_h = NULL;
	for (const struct luo_register *r = __luo_register_start; r < __luo_register_end; r++)
		assert_int_equal(r->fn(), 0);
	assert_non_null(memfd_h);
	assert_string_equal(memfd_h->compatible, "memfd-v2");
}

/* ---- building what Linux would hand over, byte by byte ---- */

static void put64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* Pages of the arena the records below use. */
#define SER_PAGE   1
#define CHUNK_PAGE 2
#define ARR_PAGE   3

struct rec {
	unsigned page;          /* arena page of the block (0: pfn 0) */
	uint64_t index;
};

static uint8_t byte_at(uint64_t off)
{
	return (uint8_t)(off * 7 + (off >> 12) + 1);
}

/*
 * Blocks (page, order) preserved by "Linux", the file's bytes in them, the folio
 * array in one page described by one chunk, and the 48-byte memfd_luo_ser; returns
 * the ser's pa (the file record's data).
 */
static paddr_t linux_memfd(const unsigned (*blocks)[2], size_t nblocks, const struct rec *r,
			   size_t nrec, uint64_t size, uint32_t seals, uint32_t flags,
			   uint64_t nr_folios)
{
	memset(pg, 0, sizeof(pg));
	memset(areas, 0, sizeof(areas));
	memset(arena, 0xee, ARENA_PAGES * PG);
	pg[0].state = P_ALLOC;                       /* frame 0 is never handed out */
	pg[0].head = true;
	for (size_t b = 0; b < nblocks; b++)
		set_block(blocks[b][0], blocks[b][1], P_IN);
	/* Contents: record k's folio holds the file's bytes from index * 4096. */
	for (size_t k = 0; k < nrec; k++) {
		if (!r[k].page)
			continue;
		unsigned o = pg[r[k].page].order;
		for (uint64_t b = 0; b < (PG << o); b++)
			arena[r[k].page * PG + b] = byte_at(r[k].index * PG + b);
	}
	set_block(SER_PAGE, 0, P_IN);
	set_block(CHUNK_PAGE, 0, P_IN);
	set_block(ARR_PAGE, 0, P_IN);
	uint8_t *arr = arena + ARR_PAGE * PG;
	memset(arr, 0, PG);
	for (size_t k = 0; k < nrec; k++) {
		uint64_t pfn = r[k].page ? (P(r[k].page) >> 12) : 0;
		put64(arr + 16 * k, pfn | (3ull << 52));          /* DIRTY | UPTODATE */
		put64(arr + 16 * k + 8, r[k].index);
	}
	uint8_t *chunk = arena + CHUNK_PAGE * PG;
	memset(chunk, 0, PG);
	put64(chunk, 0);                                     /* next */
	put64(chunk + 8, P(ARR_PAGE));                       /* phys[0] */
	uint8_t *ser = arena + SER_PAGE * PG;
	memset(ser, 0, PG);
	put64(ser + 0, 123);                                 /* pos */
	put64(ser + 8, size);
	put32(ser + 16, seals);
	put32(ser + 20, flags);
	put64(ser + 24, nr_folios);
	put64(ser + 32, P(CHUNK_PAGE));                      /* folios.first */
	put32(ser + 40, 1);                                  /* folios.total_pages */
	put16(ser + 44, KHO_VMALLOC_ALLOC);                  /* folios.flags */
	put16(ser + 46, 0);                                  /* folios.order */
	return P(SER_PAGE);
}

static struct luo_file_op_args last;      /* the last retrieve's, for finish_last() */

static int retrieve(paddr_t data, const char *name, struct memfd **f)
{
	struct luo_file_op_args a = { .handler = memfd_h, .retrieve_name = name,
				      .serialized_data = data };
	int err = memfd_h->ops->retrieve(&a);
	a.retrieve_status = err ? err : 1;
	last = a;
	if (!err) {
		assert_string_equal(a.file.kind, "memfd");
		*f = a.file.obj;
	}
	return err;
}

/* The session's finish, for the file of the last retrieve (as LUO calls it). */
static void finish_last(void)
{
	memfd_h->ops->finish(&last);
	last = (struct luo_file_op_args){ 0 };
}

static void file_is(struct memfd *f, uint64_t size)
{
	assert_int_equal(f->size, size);
	assert_int_equal(f->order, 0);
	assert_int_equal(f->nfolios, (size + PG - 1) / PG);
	uint8_t *buf = malloc(size + 1);
	assert_int_equal(memfd_read(f, 0, buf, size), size);
	for (uint64_t b = 0; b < size; b++)
		if (buf[b] != byte_at(b))
			fail_msg("byte %llu differs", (unsigned long long)b);
	free(buf);
}

/* The file retrieved, its pages are order-0 pages each freed on its own, and with
 * LUO's hold let go, closing it leaves nothing allocated but frame 0. */
static void close_all_freed(struct memfd *f)
{
	memfd_luo_finished(f);
	memfd_close(f);
	assert_int_equal(count(P_ALLOC), 1);
}

/* ---- tests ---- */

/* 28,795 bytes = 8 pages, in folios of orders 0, 0, 1, 2 (1 + 1 + 2 + 4 pages),
 * scattered, as shim with large folios would hold them. */
static const unsigned big_blocks[][2] = { { 9, 0 }, { 40, 0 }, { 20, 1 }, { 32, 2 } };
static const struct rec big_recs[] = { { 9, 0 }, { 40, 1 }, { 20, 2 }, { 32, 4 } };
#define BIG_SIZE 28795

static void test_large_folios(void **state)
{
	(void)state;
	register_handler();
	paddr_t data = linux_memfd(big_blocks, 4, big_recs, 4, BIG_SIZE,
				   F_SEAL_EXEC | F_SEAL_SHRINK, 0, 4);
	struct memfd *f;
	assert_int_equal(retrieve(data, "big", &f), 0);
	file_is(f, BIG_SIZE);
	assert_int_equal(f->seals, F_SEAL_EXEC | F_SEAL_SHRINK);
	assert_int_equal(f->pos, 123);
	assert_int_equal(count(P_IN), 0);            /* every incoming block taken */
	for (uint64_t i = 0; i < 8; i++) {           /* order-0 pages, in place */
		unsigned p = (unsigned)((f->folios[i] - ARENA_BASE) / PG);
		assert_true(pg[p].state == P_ALLOC && pg[p].head && pg[p].order == 0);
	}
	assert_int_equal(f->folios[3], P(21));       /* the order-1 folio's second page */
	assert_int_equal(f->folios[7], P(35));
	close_all_freed(f);
}

/* 5 pages less 100 bytes in two order-2 folios: the last 3 pages are past the end. */
static void test_last_folio_past_the_end(void **state)
{
	(void)state;
	register_handler();
	static const unsigned blocks[][2] = { { 16, 2 }, { 8, 2 } };
	static const struct rec recs[] = { { 16, 0 }, { 8, 4 } };
	uint64_t size = 5 * PG - 100;
	struct memfd *f;
	assert_int_equal(retrieve(linux_memfd(blocks, 2, recs, 2, size, 0, 0, 2), "tail", &f), 0);
	file_is(f, size);
	assert_int_equal(count(P_ALLOC), 1 + 5);     /* frame 0, the file's 5 pages */
	assert_int_equal(pg[9].state, P_FREE);
	close_all_freed(f);
}

static void test_refused(void **state)
{
	(void)state;
	register_handler();
	static const struct {
		const char *what;
		struct rec r[5];
		size_t n;
		uint64_t size, nr;
		uint32_t seals, flags;
		int err;
	} rows[] = {
		{ "a gap", { { 9, 0 }, { 40, 2 } }, 2, 2 * PG, 2, 0, 0, -EIO },
		{ "index 0 twice", { { 9, 0 }, { 40, 0 }, { 20, 1 }, { 32, 4 } }, 4, BIG_SIZE, 4, 0, 0, -EIO },
		{ "out of order", { { 40, 1 }, { 9, 0 }, { 20, 2 }, { 32, 4 } }, 4, BIG_SIZE, 4, 0, 0, -EIO },
		{ "not preserved", { { 9, 0 }, { 50, 1 } }, 2, 2 * PG, 2, 0, 0, -EIO },
		{ "not a head", { { 9, 0 }, { 40, 1 }, { 21, 2 } }, 3, 3 * PG, 3, 0, 0, -EIO },
		{ "pfn 0", { { 9, 0 }, { 0, 1 } }, 2, 2 * PG, 2, 0, 0, -EIO },
		{ "too few pages", { { 9, 0 }, { 40, 1 }, { 20, 2 } }, 3, BIG_SIZE, 3, 0, 0, -EIO },
		{ "more records than pages", { { 9, 0 }, { 40, 1 } }, 2, PG, 2, 0, 0, -EINVAL },
		{ "a folio at the end", { { 32, 0 }, { 9, 4 } }, 2, 4 * PG, 2, 0, 0, -EIO },
		{ "records for an empty file", { { 9, 0 } }, 1, 0, 1, 0, 0, -EINVAL },
		{ "no records", { { 9, 0 } }, 0, PG, 0, 0, 0, -EINVAL },
		{ "flags", { { 9, 0 } }, 1, PG, 1, 0, 1, -EINVAL },
		{ "unknown seal", { { 9, 0 } }, 1, PG, 1, 0x40, 0, -EOPNOTSUPP },
		{ "size too large", { { 9, 0 } }, 1, MEMFD_SIZE_MAX + 1, 1, 0, 0, -EINVAL },
	};
	for (size_t c = 0; c < ARRAY_SIZE(rows); c++) {
		paddr_t data = linux_memfd(big_blocks, 4, rows[c].r, rows[c].n, rows[c].size,
					   rows[c].seals, rows[c].flags, rows[c].nr);
		struct memfd *f;
		int err = retrieve(data, "bad", &f);
		if (err != rows[c].err)
			case_fail("case %zu (%s): %d, want %d", c, rows[c].what, err, rows[c].err);
		/* No folio taken: the four blocks are still incoming, whole. */
		for (size_t b = 0; b < 4; b++)
			if (pg[big_blocks[b][0]].state != P_IN)
				case_fail("case %zu (%s): block %zu taken", c, rows[c].what, b);
		if (memfd_find("bad"))
			case_fail("case %zu (%s): a file was made", c, rows[c].what);
		/* Its session finished: every block a record names that the tree proves
		 * preserved goes back (docs/luo.md); the "not preserved" pfn 50 and the
		 * "not a head" pfn 21 stay as they are, never freed on the record's word. */
		finish_last();
		bool named[4] = { false };
		for (size_t r = 0; r < rows[c].n && rows[c].nr; r++)
			for (size_t b = 0; b < 4; b++)
				named[b] |= rows[c].r[r].page == big_blocks[b][0];
		for (size_t b = 0; b < 4; b++) {
			enum pstate want = named[b] ? P_FREE : P_IN;
			if (pg[big_blocks[b][0]].state != want)
				case_fail("case %zu (%s): after finish, block %zu is %d, want %d", c,
					  rows[c].what, b, pg[big_blocks[b][0]].state, want);
		}
	}
}

/* A block named twice: the second take fails, and what the first took goes back. */
static void test_folio_named_twice(void **state)
{
	(void)state;
	register_handler();
	static const unsigned blocks[][2] = { { 20, 1 } };
	static const struct rec recs[] = { { 20, 0 }, { 20, 2 } };
	struct memfd *f;
	assert_int_equal(retrieve(linux_memfd(blocks, 1, recs, 2, 4 * PG, 0, 0, 2), "dup", &f),
			 -EIO);
	assert_null(memfd_find("dup"));
	assert_int_equal(count(P_ALLOC), 1);
	assert_int_equal(count(P_IN), 0);
}

/* Finish of a file never retrieved gives every page back. */
static void test_finish_unretrieved(void **state)
{
	(void)state;
	register_handler();
	paddr_t data = linux_memfd(big_blocks, 4, big_recs, 4, BIG_SIZE, 0, 0, 4);
	struct luo_file_op_args a = { .handler = memfd_h, .serialized_data = data };
	memfd_h->ops->finish(&a);
	assert_int_equal(count(P_IN), 0);
	assert_int_equal(count(P_ALLOC), 1);
	assert_string_equal(printk_log(), "");
}

/* Baton's writer: the bytes of memfd_luo_ser and the folio records, then read back. */
static void test_writer_bytes(void **state)
{
	(void)state;
	register_handler();
	memset(pg, 0, sizeof(pg));
	memset(areas, 0, sizeof(areas));
	pg[0].state = P_ALLOC;
	pg[0].head = true;
	uint64_t size = 3 * PG - 5;
	struct memfd *f;
	assert_int_equal(memfd_create("w", size, NULL, &f), 0);
	uint8_t *buf = malloc(size);
	for (uint64_t b = 0; b < size; b++)
		buf[b] = byte_at(b);
	assert_int_equal(memfd_write(f, 0, buf, size), 0);
	free(buf);
	assert_int_equal(memfd_add_seals(f, F_SEAL_EXEC | F_SEAL_GROW), 0);
	f->pos = 77;
	struct luo_file_op_args a = { .handler = memfd_h, .file = { "memfd", f } };
	assert_true(memfd_h->ops->can_preserve(memfd_h, &a.file));
	assert_int_equal(memfd_h->ops->preserve(&a), 0);
	assert_int_equal(memfd_h->ops->freeze(&a), 0);
	const uint8_t *ser = host_phys_to_virt(a.serialized_data);
	uint64_t first;
	memcpy(&first, ser + 32, 8);
	uint8_t want[48] = { 0 };
	put64(want + 0, 77);
	put64(want + 8, size);
	put32(want + 16, 0x24);                      /* F_SEAL_EXEC | F_SEAL_GROW */
	put32(want + 20, 0);
	put64(want + 24, 3);
	put64(want + 32, first);
	put32(want + 40, 1);                         /* one page of records */
	put16(want + 44, KHO_VMALLOC_ALLOC);
	put16(want + 46, 0);
	assert_memory_equal(ser, want, 48);
	const uint8_t *chunk = host_phys_to_virt(first);
	uint64_t arr_pa;
	memcpy(&arr_pa, chunk + 8, 8);
	const uint8_t *arr = host_phys_to_virt(arr_pa);
	uint8_t rec[3 * 16];
	for (unsigned i = 0; i < 3; i++) {
		put64(rec + 16 * i, (f->folios[i] >> 12) | (3ull << 52));
		put64(rec + 16 * i + 8, i);
	}
	assert_memory_equal(arr, rec, sizeof(rec));
	/* Kernel N+1 reads it back; kernel N's objects are gone with it. */
	memfd_close(f);                              /* LUO holds it: only unlisted */
	hand_over();
	kvfree(f->folios);
	kfree(f);
	kfree(a.private_data);
	paddr_t data = a.serialized_data;
	struct memfd *g;
	assert_int_equal(retrieve(data, "w2", &g), 0);
	file_is(g, size);
	assert_int_equal(g->seals, F_SEAL_EXEC | F_SEAL_GROW);
	assert_int_equal(g->pos, 77);
	assert_int_equal(count(P_IN), 0);
	close_all_freed(g);
}

static int setup(void **state)
{
	(void)state;
	arena = aligned_alloc(PG, ARENA_PAGES * PG);
	return arena ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(arena);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_large_folios, host_reset_log),
		cmocka_unit_test_setup(test_last_folio_past_the_end, host_reset_log),
		cmocka_unit_test_setup(test_refused, host_reset_log),
		cmocka_unit_test_setup(test_folio_named_twice, host_reset_log),
		cmocka_unit_test_setup(test_finish_unretrieved, host_reset_log),
		cmocka_unit_test_setup(test_writer_bytes, host_reset_log),
	};
	return cmocka_run_group_tests_name("memfd_luo", tests, setup, teardown);
}
