/*
 * kho/kho_block.c on the host: KHO serialization blocks (kho-v4). Blocks come from
 * an arena whose pages have physical addresses ARENA_BASE + i * 4096, handed out
 * lowest free page first (so a golden can name them p0, p1, ..) and counted while
 * live. kho_phys_to_virt() fails the test for any address that is not an arena page,
 * for a writer touching a page that is not live, and, while a read runs, for a page
 * block_ok() did not accept first.
 *
 * Covered: capacities; append across block boundaries for 64-byte (63 a block) and
 * 80-byte (51 a block) entries and the extreme sizes, against golden dumps of every
 * block (page, count, next) and the exact entry addresses; remove_last shrinking the
 * chain and -ENOENT; -ENOMEM leaving the set and its blocks unchanged; destroy giving
 * every block back; random append/remove runs read back exactly; every reason a read
 * refuses a chain, with its exact why and how many blocks it looked at; chains at
 * and past KHO_MAX_BLOCKS; KHO_BLOCK_ANY; fn's errors passed on with why NULL.
 */
#include <errno.h>
#include <stdlib.h>
#include <abi/luo.h>
#include <kho_block.h>
#include "../../kho/kho_internal.h"
#include "host_test.h"

#define PAGE        4096ull
#define ARENA_BASE  0x10000000000ull            /* 1 TiB */
#define ARENA_PAGES 10240u                      /* 40 MiB: room for 10001 blocks */
#define P(i)        (ARENA_BASE + (i) * PAGE)

static uint8_t *arena;
static uint8_t live[ARENA_PAGES], accepted[ARENA_PAGES];
static unsigned nlive;
static bool alloc_fails, reading;
static paddr_t refuse_pa = 1;                   /* block_ok refuses this page */
static int ctx_tag;                             /* the allocator's ctx */

static bool in_arena(paddr_t pa)
{
	return pa >= ARENA_BASE && pa - ARENA_BASE < ARENA_PAGES * PAGE;
}

static unsigned page_index(paddr_t pa)
{
	return (unsigned)((pa - ARENA_BASE) / PAGE);
}

void *kho_phys_to_virt(paddr_t pa)
{
	if (!in_arena(pa) || pa % PAGE)
		fail_msg("kho_phys_to_virt(%#llx): not an arena page", (unsigned long long)pa);
	if (reading && !accepted[page_index(pa)])
		fail_msg("read %#llx before block_ok accepted it", (unsigned long long)pa);
	if (!reading && !live[page_index(pa)])
		fail_msg("writer touched %#llx, not a live block", (unsigned long long)pa);
	return arena + (pa - ARENA_BASE);
}

static struct kho_block_header_ser *hdr_of(paddr_t pa)
{
	return (struct kho_block_header_ser *)(arena + (pa - ARENA_BASE));
}

static paddr_t arena_alloc(void *ctx)
{
	assert_ptr_equal(ctx, &ctx_tag);
	if (alloc_fails)
		return 0;
	for (unsigned i = 0; i < ARENA_PAGES; i++)
		if (!live[i]) {
			live[i] = 1;
			nlive++;
			memset(arena + i * PAGE, 0, PAGE);
			return P(i);
		}
	return 0;
}

static void arena_free(paddr_t pa, void *ctx)
{
	assert_ptr_equal(ctx, &ctx_tag);
	if (!in_arena(pa) || pa % PAGE || !live[page_index(pa)])
		fail_msg("free_block(%#llx): not a live block", (unsigned long long)pa);
	live[page_index(pa)] = 0;
	nlive--;
	memset(arena + (pa - ARENA_BASE), 0xdb, PAGE);  /* a later read sees garbage */
}

static int reset_arena(void **state)
{
	(void)state;
	memset(live, 0, sizeof(live));
	nlive = 0;
	alloc_fails = false;
	refuse_pa = 1;
	return 0;
}

static void new_set(struct kho_block_set *s, size_t entry_size)
{
	reset_arena(NULL);
	kho_block_set_init(s, entry_size, arena_alloc, arena_free, &ctx_tag);
	assert_int_equal(s->first, 0);
	assert_int_equal(s->last, 0);
	assert_int_equal(s->count, 0);
	assert_int_equal(s->nblocks, 0);
}

/* Every block from pa on: "p<i> count <n> next <p<j> | 0 | raw hex>", at most 24. */
static void dump_chain(paddr_t pa, char *out, size_t len)
{
	size_t at = 0;
	out[0] = 0;
	for (unsigned n = 0; pa && n < 24; n++) {
		const struct kho_block_header_ser *h = hdr_of(pa);
		paddr_t next = h->next;
		at += snprintf(out + at, len - at, "p%u count %llu next ", page_index(pa),
			       (unsigned long long)h->count);
		if (!next)
			at += snprintf(out + at, len - at, "0\n");
		else if (in_arena(next) && next % PAGE == 0)
			at += snprintf(out + at, len - at, "p%u\n", page_index(next));
		else
			at += snprintf(out + at, len - at, "%#llx\n", (unsigned long long)next);
		assert_true(at < len);
		pa = next;
	}
}

/* An entry's stamp: its sequence number in the first 8 bytes and in the last byte. */
static void stamp(void *e, size_t entry_size, uint64_t seq)
{
	memcpy(e, &seq, sizeof(seq) < entry_size ? sizeof(seq) : entry_size);
	((uint8_t *)e)[entry_size - 1] = (uint8_t)seq;
}

static uint64_t stamp_of(const void *e, size_t entry_size)
{
	uint64_t seq = 0;
	memcpy(&seq, e, sizeof(seq) < entry_size ? sizeof(seq) : entry_size);
	return seq;
}

/* ---- reading: what the callbacks saw ---- */

struct rd {
	size_t entry_size;
	uint64_t ok_calls, calls, cap;
	uint64_t *seq;                  /* stamps seen, cap of them */
	uint64_t stop_at;               /* fn returns stop_rc on this call (1-based), 0 never */
	int stop_rc;
	paddr_t poke_pa;                /* on fn's first call: poke_pa's count = poke_count */
	uint64_t poke_count;
};

static bool block_ok(paddr_t pa, void *arg)
{
	struct rd *r = arg;
	r->ok_calls++;
	if (!in_arena(pa) || pa == refuse_pa)
		return false;
	accepted[page_index(pa)] = 1;
	return true;
}

static int fn(const void *entry, uint64_t index, void *arg)
{
	struct rd *r = arg;
	uintptr_t e = (uintptr_t)entry, base = (uintptr_t)arena;
	if (e < base || e - base >= ARENA_PAGES * PAGE)
		fail_msg("entry %llu outside the arena", (unsigned long long)index);
	uint64_t off = (e - base) % PAGE;
	if (!accepted[(e - base) / PAGE] || off < 16 || off + r->entry_size > PAGE)
		fail_msg("entry %llu at %#llx is not inside an accepted block",
			 (unsigned long long)index, (unsigned long long)off);
	if (index != r->calls)
		fail_msg("entry index %llu, want %llu", (unsigned long long)index,
			 (unsigned long long)r->calls);
	if (((const uint8_t *)entry)[r->entry_size - 1] != (uint8_t)stamp_of(entry, r->entry_size))
		fail_msg("entry %llu: last byte does not match its stamp", (unsigned long long)index);
	if (r->calls < r->cap)
		r->seq[r->calls] = stamp_of(entry, r->entry_size);
	if (r->poke_pa && r->calls == 0)
		hdr_of(r->poke_pa)->count = r->poke_count;
	r->calls++;
	return r->calls == r->stop_at ? r->stop_rc : 0;
}

static int read_chain(paddr_t first, size_t entry_size, uint64_t expect, struct rd *r,
		      const char **why)
{
	memset(accepted, 0, sizeof(accepted));
	r->entry_size = entry_size;
	*why = "stale";
	reading = true;
	int rc = kho_block_read(first, entry_size, expect, block_ok, fn, r, why);
	reading = false;
	return rc;
}

/* Read s back and compare with the stamps want[0..n). */
static void check_read_back(const struct kho_block_set *s, const uint64_t *want, uint64_t n)
{
	uint64_t *seq = calloc(n + 1, sizeof(*seq));
	assert_non_null(seq);
	struct rd r = { .cap = n, .seq = seq };
	const char *why;
	int rc = read_chain(s->first, s->entry_size, n, &r, &why);
	if (rc || why)
		fail_msg("read back: %d (%s)", rc, why);
	assert_int_equal(r.calls, n);
	assert_int_equal(r.ok_calls, 2 * s->nblocks);   /* two passes */
	/* Entries under 8 bytes keep only the low bytes of their stamp. */
	uint64_t mask = s->entry_size >= 8 ? ~0ull : (1ull << 8 * s->entry_size) - 1;
	for (uint64_t i = 0; i < n; i++)
		if (seq[i] != (want[i] & mask))
			fail_msg("entry %llu: stamp %#llx, want %#llx", (unsigned long long)i,
				 (unsigned long long)seq[i], (unsigned long long)want[i]);
	free(seq);
}

/* ---- capacity ---- */

static void test_capacity(void **state)
{
	(void)state;
	static const struct {
		size_t entry_size;
		uint64_t cap;
	} rows[] = {
		{ 1, 4080 }, { 16, 255 }, { 64, 63 }, { 80, 51 }, { 100, 40 },
		{ 2040, 2 }, { 2041, 1 }, { 4080, 1 },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(rows); i++)
		if (kho_block_capacity(rows[i].entry_size) != rows[i].cap)
			case_fail("entry size %zu: capacity %llu, want %llu", rows[i].entry_size,
				  (unsigned long long)kho_block_capacity(rows[i].entry_size),
				  (unsigned long long)rows[i].cap);
	assert_int_equal(kho_block_capacity(sizeof(struct luo_file_ser)), LUO_FILES_PER_BLOCK);
	assert_int_equal(kho_block_capacity(sizeof(struct luo_session_ser)),
			 LUO_SESSIONS_PER_BLOCK);
}

/* ---- append ---- */

static void test_append(void **state)
{
	(void)state;
	static const struct {
		size_t entry_size;
		uint64_t n;
		const char *golden;
	} rows[] = {
		{ 64, 1, "p0 count 1 next 0\n" },
		{ 64, 63, "p0 count 63 next 0\n" },
		{ 64, 64, "p0 count 63 next p1\np1 count 1 next 0\n" },
		{ 64, 130, "p0 count 63 next p1\np1 count 63 next p2\np2 count 4 next 0\n" },
		{ 80, 51, "p0 count 51 next 0\n" },
		{ 80, 52, "p0 count 51 next p1\np1 count 1 next 0\n" },
		{ 80, 200, "p0 count 51 next p1\np1 count 51 next p2\np2 count 51 next p3\n"
			   "p3 count 47 next 0\n" },
		{ 4080, 3, "p0 count 1 next p1\np1 count 1 next p2\np2 count 1 next 0\n" },
		{ 1, 4081, "p0 count 4080 next p1\np1 count 1 next 0\n" },
	};
	for (unsigned c = 0; c < ARRAY_SIZE(rows); c++) {
		size_t es = rows[c].entry_size;
		uint64_t n = rows[c].n, cap = kho_block_capacity(es);
		struct kho_block_set s;
		new_set(&s, es);
		uint64_t *want = calloc(n, sizeof(*want));
		assert_non_null(want);
		for (uint64_t i = 0; i < n; i++) {
			void *e = NULL;
			if (kho_block_append(&s, &e))
				case_fail("row %u: append %llu failed", c, (unsigned long long)i);
			/* Entry i: block i / cap (pages come in order), slot i % cap. */
			uint8_t *at = arena + (i / cap) * PAGE + 16 + (i % cap) * es;
			if (e != at)
				case_fail("row %u: entry %llu at %p, want %p", c,
					  (unsigned long long)i, e, (void *)at);
			for (size_t b = 0; b < es; b++)
				if (at[b])
					case_fail("row %u: entry %llu not zeroed", c,
						  (unsigned long long)i);
			want[i] = 0x5eed0000ull + i;
			stamp(e, es, want[i]);
		}
		uint64_t blocks = (n + cap - 1) / cap;
		assert_int_equal(s.count, n);
		assert_int_equal(s.nblocks, blocks);
		assert_int_equal(nlive, blocks);
		assert_int_equal(s.first, P(0));
		assert_int_equal(s.last, P(blocks - 1));
		char out[2048];
		dump_chain(s.first, out, sizeof(out));
		assert_golden(out, rows[c].golden);
		check_read_back(&s, want, n);
		kho_block_set_destroy(&s);
		assert_int_equal(nlive, 0);
		free(want);
	}
}

/* ---- remove_last ---- */

static void test_remove_last(void **state)
{
	(void)state;
	enum { APPEND, REMOVE };
	static const struct {
		int op;
		unsigned times;
		int rc;                 /* of the last one */
		uint64_t count;
		const char *golden;     /* "" = no blocks */
	} ops[] = {
		{ APPEND, 130, 0, 130,
		  "p0 count 63 next p1\np1 count 63 next p2\np2 count 4 next 0\n" },
		{ REMOVE, 3, 0, 127,
		  "p0 count 63 next p1\np1 count 63 next p2\np2 count 1 next 0\n" },
		/* The last block empties: freed, and p1 becomes the end of the chain. */
		{ REMOVE, 1, 0, 126, "p0 count 63 next p1\np1 count 63 next 0\n" },
		{ REMOVE, 1, 0, 125, "p0 count 63 next p1\np1 count 62 next 0\n" },
		/* The freed page is the lowest free one again. */
		{ APPEND, 2, 0, 127,
		  "p0 count 63 next p1\np1 count 63 next p2\np2 count 1 next 0\n" },
		{ REMOVE, 65, 0, 62, "p0 count 62 next 0\n" },
		{ REMOVE, 62, 0, 0, "" },
		{ REMOVE, 1, -ENOENT, 0, "" },
		{ APPEND, 1, 0, 1, "p0 count 1 next 0\n" },
		{ REMOVE, 1, 0, 0, "" },
		{ REMOVE, 1, -ENOENT, 0, "" },
	};
	struct kho_block_set s;
	new_set(&s, 64);
	uint64_t want[200], n = 0, seq = 0;
	for (unsigned c = 0; c < ARRAY_SIZE(ops); c++) {
		int rc = 0;
		for (unsigned t = 0; t < ops[c].times; t++) {
			if (ops[c].op == APPEND) {
				void *e;
				rc = kho_block_append(&s, &e);
				if (!rc) {
					want[n++] = ++seq;
					stamp(e, 64, seq);
				}
			} else {
				struct kho_block_set before = s;
				rc = kho_block_remove_last(&s);
				if (!rc)
					n--;
				else if (memcmp(&before, &s, sizeof(s)))
					case_fail("op %u: failed remove changed the set", c);
			}
		}
		char out[1024];
		dump_chain(s.first, out, sizeof(out));
		if (rc != ops[c].rc || s.count != ops[c].count || strcmp(out, ops[c].golden))
			case_fail("op %u: rc %d count %llu chain\n%s", c, rc,
				  (unsigned long long)s.count, out);
		assert_int_equal(s.count, n);
		assert_int_equal(s.nblocks, nlive);
		assert_true(s.count ? s.last != 0 : s.first == 0 && s.last == 0);
		check_read_back(&s, want, n);
	}

	/* An entry appended where one was removed is zeroed again. */
	void *e, *e2;
	assert_int_equal(kho_block_append(&s, &e), 0);
	assert_int_equal(kho_block_append(&s, &e), 0);
	memset(e, 0xff, 64);
	assert_int_equal(kho_block_remove_last(&s), 0);
	assert_int_equal(kho_block_append(&s, &e2), 0);
	assert_ptr_equal(e, e2);
	for (unsigned b = 0; b < 64; b++)
		assert_int_equal(((uint8_t *)e2)[b], 0);
	kho_block_set_destroy(&s);
	assert_int_equal(nlive, 0);
}

/* ---- -ENOMEM ---- */

static void test_enomem(void **state)
{
	(void)state;
	struct kho_block_set s, before;
	char out[256];
	void *e = &ctx_tag;

	/* The first block. */
	new_set(&s, 64);
	alloc_fails = true;
	before = s;
	assert_int_equal(kho_block_append(&s, &e), -ENOMEM);
	assert_memory_equal(&before, &s, sizeof(s));
	assert_ptr_equal(e, &ctx_tag);                  /* *entry untouched */
	assert_int_equal(nlive, 0);

	/* A second block, after a full one: the full one's header is not touched. */
	alloc_fails = false;
	for (unsigned i = 0; i < 63; i++)
		assert_int_equal(kho_block_append(&s, &e), 0);
	alloc_fails = true;
	before = s;
	uint8_t page0[PAGE];
	memcpy(page0, arena, PAGE);
	assert_int_equal(kho_block_append(&s, &e), -ENOMEM);
	assert_memory_equal(&before, &s, sizeof(s));
	assert_memory_equal(page0, arena, PAGE);
	assert_int_equal(nlive, 1);
	dump_chain(s.first, out, sizeof(out));
	assert_golden(out, "p0 count 63 next 0\n");

	/* No block needed: no allocation tried. */
	assert_int_equal(kho_block_remove_last(&s), 0);
	assert_int_equal(kho_block_append(&s, &e), 0);
	assert_int_equal(s.count, 63);

	alloc_fails = false;
	assert_int_equal(kho_block_append(&s, &e), 0);
	dump_chain(s.first, out, sizeof(out));
	assert_golden(out, "p0 count 63 next p1\np1 count 1 next 0\n");
	kho_block_set_destroy(&s);
	assert_int_equal(nlive, 0);

	/* An entry size no block can hold. */
	static const size_t bad[] = { 0, 4081, 8192 };
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		new_set(&s, bad[i]);
		if (kho_block_append(&s, &e) != -EINVAL || nlive || s.count)
			case_fail("entry size %zu accepted", bad[i]);
	}
}

/* ---- destroy ---- */

static void test_destroy(void **state)
{
	(void)state;
	static const struct {
		size_t entry_size;
		uint64_t n;
	} rows[] = { { 64, 0 }, { 64, 1 }, { 64, 130 }, { 80, 200 }, { 4080, 5 }, { 80, 5100 } };
	for (unsigned c = 0; c < ARRAY_SIZE(rows); c++) {
		struct kho_block_set s;
		new_set(&s, rows[c].entry_size);
		void *e;
		for (uint64_t i = 0; i < rows[c].n; i++)
			assert_int_equal(kho_block_append(&s, &e), 0);
		if (nlive != s.nblocks)
			case_fail("row %u: %u live blocks, set has %llu", c, nlive,
				  (unsigned long long)s.nblocks);
		kho_block_set_destroy(&s);
		if (nlive || s.first || s.last || s.count || s.nblocks)
			case_fail("row %u: after destroy %u live blocks, first %#llx count %llu", c,
				  nlive, (unsigned long long)s.first, (unsigned long long)s.count);
		/* Still usable: the allocator is kept. */
		assert_int_equal(s.entry_size, rows[c].entry_size);
		assert_int_equal(kho_block_append(&s, &e), 0);
		assert_int_equal(nlive, 1);
		kho_block_set_destroy(&s);
		kho_block_set_destroy(&s);              /* twice is harmless */
		assert_int_equal(nlive, 0);
	}
}

/* ---- random runs ---- */

static void test_random_runs(void **state)
{
	(void)state;
	enum { OPS = 3000, MAXN = 3000 };
	static const struct {
		uint64_t seed;
		size_t entry_size;
		unsigned append_pct;
		uint64_t max;           /* entries at most */
	} runs[] = {
		{ 1, 64, 60, MAXN }, { 2, 80, 60, MAXN }, { 0x9e3779b97f4a7c15ull, 64, 52, MAXN },
		{ 42, 80, 52, MAXN }, { 7, 4080, 55, 400 }, { 9, 1, 70, MAXN },
	};
	uint64_t *want = calloc(MAXN, sizeof(*want));
	assert_non_null(want);
	for (unsigned c = 0; c < ARRAY_SIZE(runs); c++) {
		uint64_t rng = runs[c].seed, n = 0, seq = 0;
		size_t es = runs[c].entry_size;
		uint64_t cap = kho_block_capacity(es);
		struct kho_block_set s;
		new_set(&s, es);
		for (unsigned i = 0; i < OPS; i++) {
			/* Bursts, so that chains grow and shrink by whole blocks. */
			unsigned burst = host_rand(&rng) % 100 + 1;
			bool add = host_rand(&rng) % 100 < runs[c].append_pct;
			for (unsigned b = 0; b < burst; b++) {
				if (add && n < runs[c].max) {
					void *e;
					assert_int_equal(kho_block_append(&s, &e), 0);
					want[n++] = ++seq;
					stamp(e, es, seq);
				} else if (!add) {
					int rc = kho_block_remove_last(&s);
					assert_int_equal(rc, n ? 0 : -ENOENT);
					n -= n > 0;
				}
			}
			if (i % 300)
				continue;
			/* Every block full but the last; all of them live. */
			assert_int_equal(s.count, n);
			assert_int_equal(s.nblocks, (n + cap - 1) / cap);
			assert_int_equal(nlive, s.nblocks);
			paddr_t pa = s.first;
			for (uint64_t b = 0; b < s.nblocks; b++) {
				uint64_t cnt = hdr_of(pa)->count;
				if (b + 1 < s.nblocks ? cnt != cap : cnt != n - b * cap)
					case_fail("run %u op %u: block %llu count %llu", c, i,
						  (unsigned long long)b, (unsigned long long)cnt);
				if (b + 1 == s.nblocks)
					assert_int_equal(pa, s.last);
				pa = hdr_of(pa)->next;
			}
			assert_int_equal(pa, 0);
			check_read_back(&s, want, n);
		}
		kho_block_set_destroy(&s);
		assert_int_equal(nlive, 0);
	}
	free(want);
}

/* ---- read rejections ---- */

static void test_read_rejections(void **state)
{
	(void)state;
	enum mangle {
		NONE, FIRST0, FIRST_MISALIGNED, NEXT, COUNT, REFUSE, STOP, POKE,
	};
	/* The base chain: 130 entries of 64 bytes in p0 (63) -> p1 (63) -> p2 (4). */
	static const struct {
		const char *what;
		enum mangle m;
		unsigned page;          /* NEXT, COUNT, REFUSE, POKE: the block changed */
		uint64_t value;         /* NEXT: its next; COUNT, POKE: its count; STOP: call */
		size_t entry_size;
		uint64_t expect;
		int rc;
		const char *why;
		uint64_t calls;         /* fn */
		uint64_t ok_calls;      /* block_ok, both passes */
	} cases[] = {
		{ "intact", NONE, 0, 0, 64, 130, 0, NULL, 130, 6 },
		{ "no chain, none expected", FIRST0, 0, 0, 64, 0, 0, NULL, 0, 0 },
		{ "no chain, one expected", FIRST0, 0, 0, 64, 1, -EINVAL,
		  "fewer entries than expected", 0, 0 },
		{ "one entry too few", NONE, 0, 0, 64, 131, -EINVAL,
		  "fewer entries than expected", 0, 3 },
		{ "one entry too many", NONE, 0, 0, 64, 129, -EINVAL,
		  "more entries than expected", 0, 3 },
		{ "entries where none expected", NONE, 0, 0, 64, 0, -EINVAL,
		  "more entries than expected", 0, 3 },
		/* Brent: marks on blocks 0 and 2; p0 -> p1 -> p2 -> p0 -> p1 -> p2 = mark. */
		{ "cycle: last block back to the first", NEXT, 2, P(0), 64, 130, -EINVAL,
		  "cycle in the block chain", 0, 5 },
		{ "cycle: the first block to itself", NEXT, 0, P(0), 64, 130, -EINVAL,
		  "cycle in the block chain", 0, 1 },
		{ "cycle: a middle block to itself", NEXT, 1, P(1), 64, 130, -EINVAL,
		  "cycle in the block chain", 0, 3 },
		{ "cycle: the last block to itself", NEXT, 2, P(2), 64, 130, -EINVAL,
		  "cycle in the block chain", 0, 3 },
		{ "cycle: last block back to the second", NEXT, 2, P(1), 64, 130, -EINVAL,
		  "cycle in the block chain", 0, 4 },
		{ "count 0 in a middle block", COUNT, 1, 0, 64, 130, -EINVAL,
		  "block count is 0", 0, 2 },
		{ "count 0 in the last block", COUNT, 2, 0, 64, 126, -EINVAL,
		  "block count is 0", 0, 3 },
		{ "count 64 > 63", COUNT, 0, 64, 64, 131, -EINVAL,
		  "block count above capacity", 0, 1 },
		{ "count 2^64 - 1", COUNT, 2, ~0ull, 64, 130, -EINVAL,
		  "block count above capacity", 0, 3 },
		{ "64-byte blocks read as 80-byte ones", NONE, 0, 0, 80, 130, -EINVAL,
		  "block count above capacity", 0, 1 },
		{ "next 8 bytes into a page", NEXT, 0, P(1) + 8, 64, 130, -EINVAL,
		  "block not page aligned", 0, 1 },
		{ "next half a page in", NEXT, 1, P(2) + 0x800, 64, 130, -EINVAL,
		  "block not page aligned", 0, 2 },
		{ "first not page aligned", FIRST_MISALIGNED, 0, 0, 64, 130, -EINVAL,
		  "block not page aligned", 0, 0 },
		{ "block_ok refuses the last block", REFUSE, 2, 0, 64, 130, -EINVAL,
		  "block refused by block_ok", 0, 3 },
		{ "block_ok refuses the first block", REFUSE, 0, 0, 64, 130, -EINVAL,
		  "block refused by block_ok", 0, 1 },
		{ "next outside the arena", NEXT, 1, P(ARENA_PAGES), 64, 130, -EINVAL,
		  "block refused by block_ok", 0, 3 },
		{ "entry size 0", NONE, 0, 0, 0, 130, -EINVAL, "entry size out of range", 0, 0 },
		{ "entry size 4081", NONE, 0, 0, 4081, 130, -EINVAL,
		  "entry size out of range", 0, 0 },
		{ "fn fails on its 70th entry", STOP, 0, 70, 64, 130, -ENOSPC, NULL, 70, 5 },
		{ "fn fails on its first entry", STOP, 0, 1, 64, 130, -ENOSPC, NULL, 1, 4 },
		{ "fn fails on its last entry", STOP, 0, 130, 64, 130, -ENOSPC, NULL, 130, 6 },
		/* fn itself changes the chain under the walk: the second pass still never
		 * hands out an index at or past expect. */
		{ "last count grows between the passes", POKE, 2, 5, 64, 130, -EINVAL,
		  "more entries than expected", 126, 6 },
		{ "a count drops between the passes", POKE, 1, 62, 64, 130, -EINVAL,
		  "fewer entries than expected", 129, 6 },
		/* KHO_BLOCK_ANY: no total, everything else still checked. */
		{ "any number: intact", NONE, 0, 0, 64, KHO_BLOCK_ANY, 0, NULL, 130, 6 },
		{ "any number: no chain", FIRST0, 0, 0, 64, KHO_BLOCK_ANY, 0, NULL, 0, 0 },
		{ "any number: cycle", NEXT, 2, P(0), 64, KHO_BLOCK_ANY, -EINVAL,
		  "cycle in the block chain", 0, 5 },
		{ "any number: count 0", COUNT, 1, 0, 64, KHO_BLOCK_ANY, -EINVAL,
		  "block count is 0", 0, 2 },
		{ "any number: count 64", COUNT, 2, 64, 64, KHO_BLOCK_ANY, -EINVAL,
		  "block count above capacity", 0, 3 },
		{ "any number: block_ok refuses", REFUSE, 1, 0, 64, KHO_BLOCK_ANY, -EINVAL,
		  "block refused by block_ok", 0, 2 },
		{ "any number: fn fails", STOP, 0, 100, 64, KHO_BLOCK_ANY, -ENOSPC, NULL, 100, 5 },
		{ "any number: last count grows between the passes", POKE, 2, 5, 64,
		  KHO_BLOCK_ANY, 0, NULL, 131, 6 },
	};
	for (unsigned c = 0; c < ARRAY_SIZE(cases); c++) {
		struct kho_block_set s;
		new_set(&s, 64);
		uint64_t want[130];
		for (unsigned i = 0; i < 130; i++) {
			void *e;
			assert_int_equal(kho_block_append(&s, &e), 0);
			want[i] = 0xb10c0000ull + i;
			stamp(e, 64, want[i]);
		}
		assert_int_equal(s.nblocks, 3);
		paddr_t first = s.first;
		uint64_t seq[131];
		struct rd r = { .cap = 131, .seq = seq };
		switch (cases[c].m) {
		case NONE: break;
		case FIRST0: first = 0; break;
		case FIRST_MISALIGNED: first += 16; break;
		case NEXT: hdr_of(P(cases[c].page))->next = cases[c].value; break;
		case COUNT: hdr_of(P(cases[c].page))->count = cases[c].value; break;
		case REFUSE: refuse_pa = P(cases[c].page); break;
		case STOP: r.stop_at = cases[c].value, r.stop_rc = -ENOSPC; break;
		case POKE: r.poke_pa = P(cases[c].page), r.poke_count = cases[c].value; break;
		}
		const char *why;
		int rc = read_chain(first, cases[c].entry_size, cases[c].expect, &r, &why);
		const char *got = why ? why : "(null)";
		const char *exp = cases[c].why ? cases[c].why : "(null)";
		if (rc != cases[c].rc || strcmp(got, exp) || r.calls != cases[c].calls ||
		    r.ok_calls != cases[c].ok_calls)
			case_fail("case %u (%s): rc %d why \"%s\", %llu entries, %llu block_ok; "
				  "want %d \"%s\", %llu, %llu", c, cases[c].what, rc, got,
				  (unsigned long long)r.calls, (unsigned long long)r.ok_calls,
				  cases[c].rc, exp, (unsigned long long)cases[c].calls,
				  (unsigned long long)cases[c].ok_calls);
		/* (A count dropped by POKE shifts the later entries down; one added
		 * is a 131st entry.) */
		for (uint64_t i = 0; cases[c].m != POKE && i < r.calls; i++)
			assert_int_equal(seq[i], want[i]);
		/* The blocks are still the writer's: put p0..p2 back for destroy. */
		for (unsigned p = 0; p < 3; p++)
			hdr_of(P(p))->next = p < 2 ? P(p + 1) : 0;
		refuse_pa = 1;
		kho_block_set_destroy(&s);
		assert_int_equal(nlive, 0);
	}

	/* why may be NULL. */
	reading = true;
	struct rd r = { 0 };
	assert_int_equal(kho_block_read(0, 64, 1, block_ok, fn, &r, NULL), -EINVAL);
	reading = false;
}

/* ---- long chains ---- */

static void test_max_blocks(void **state)
{
	(void)state;
	static const struct {
		const char *what;
		unsigned blocks;        /* p0 -> p1 -> .. -> p<blocks - 1>, one entry each */
		int loop_to;            /* the last block's next: -1 = 0, else that page */
		uint64_t expect;
		int rc;
		const char *why;
		uint64_t ok_calls;
	} cases[] = {
		{ "10000 blocks", 10000, -1, 10000, 0, NULL, 20000 },
		{ "10000 blocks, one entry fewer expected", 10000, -1, 9999, -EINVAL,
		  "more entries than expected", 10000 },
		{ "10001 blocks", 10001, -1, 10001, -EINVAL, "more than 10000 blocks", 10000 },
		{ "10000 blocks, any number", 10000, -1, KHO_BLOCK_ANY, 0, NULL, 20000 },
		{ "10001 blocks, any number", 10001, -1, KHO_BLOCK_ANY, -EINVAL,
		  "more than 10000 blocks", 10000 },
		/* Mark on block 4094, compared with the next 4096: block 8190 = p0 meets
		 * it again, after 8190 block_ok calls. */
		{ "a loop of 4096 to the first", 4096, 0, 4096, -EINVAL,
		  "cycle in the block chain", 8190 },
		{ "a loop of 4097 to the first", 4097, 0, 4097, -EINVAL,
		  "more than 10000 blocks", 10000 },
		{ "a loop of 10000 to the first", 10000, 0, 10000, -EINVAL,
		  "more than 10000 blocks", 10000 },
		/* 4999 blocks, then p4999 to itself: found at the mark on block 8190. */
		{ "a tail of 4999, then a self-loop", 5000, 4999, 5000, -EINVAL,
		  "cycle in the block chain", 8191 },
	};
	for (unsigned c = 0; c < ARRAY_SIZE(cases); c++) {
		reset_arena(NULL);
		unsigned nb = cases[c].blocks;
		for (unsigned p = 0; p < nb; p++) {
			hdr_of(P(p))->count = 1;
			hdr_of(P(p))->next = p + 1 < nb ? P(p + 1)
					     : cases[c].loop_to < 0 ? 0 : P(cases[c].loop_to);
			stamp(arena + p * PAGE + 16, 64, p);
		}
		uint64_t *seq = calloc(nb, sizeof(*seq));
		assert_non_null(seq);
		struct rd r = { .cap = nb, .seq = seq };
		const char *why;
		int rc = read_chain(P(0), 64, cases[c].expect, &r, &why);
		const char *got = why ? why : "(null)";
		const char *exp = cases[c].why ? cases[c].why : "(null)";
		uint64_t calls = rc ? 0 : nb;
		if (rc != cases[c].rc || strcmp(got, exp) || r.calls != calls ||
		    r.ok_calls != cases[c].ok_calls)
			case_fail("case %u (%s): rc %d why \"%s\", %llu entries, %llu block_ok",
				  c, cases[c].what, rc, got, (unsigned long long)r.calls,
				  (unsigned long long)r.ok_calls);
		for (uint64_t i = 0; i < r.calls; i++)
			assert_int_equal(seq[i], i);
		free(seq);
	}
}

int main(void)
{
	arena = aligned_alloc(PAGE, ARENA_PAGES * PAGE);
	if (!arena)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_capacity, reset_arena),
		cmocka_unit_test_setup(test_append, reset_arena),
		cmocka_unit_test_setup(test_remove_last, reset_arena),
		cmocka_unit_test_setup(test_enomem, reset_arena),
		cmocka_unit_test_setup(test_destroy, reset_arena),
		cmocka_unit_test_setup(test_random_runs, reset_arena),
		cmocka_unit_test_setup(test_read_rejections, reset_arena),
		cmocka_unit_test_setup(test_max_blocks, reset_arena),
	};
	int r = cmocka_run_group_tests_name("kho_block", tests, NULL, NULL);
	free(arena);
	return r;
}
