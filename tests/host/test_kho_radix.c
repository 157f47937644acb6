/*
 * kho/kho_radix.c on the host: the kho-v4 preserved-memory radix tree. Node pages come
 * from an arena whose pages have physical addresses ARENA_BASE + i * 4096;
 * kho_phys_to_virt() fails the test for any address outside the pages handed out
 * and, while a walk runs, for any page node_ok() did not accept first.
 *
 * Covered: the digest's worked example against the node pages byte for byte; key
 * encode/decode for every order; add/del/test and their errnos (-ENOMEM keeps the
 * pages already allocated); random block sets walked back exactly, in ascending key
 * order; node-page counts for standard layouts (goldens, reasoning at the table);
 * every reason a walk refuses a tree, with its exact why.
 */
#include <errno.h>
#include <stdlib.h>
#include "../../kho/kho_internal.h"
#include "host_test.h"

#define PAGE        4096ull
#define ARENA_BASE  0x10000000000ull            /* 1 TiB: far from the test blocks */
#define ARENA_PAGES 16384u                      /* 64 MiB */

static uint8_t *arena;
static uint8_t accepted[ARENA_PAGES];           /* node_ok() said yes (walks only) */
static unsigned arena_used, arena_limit;
static bool walking;
static paddr_t refuse_pa = 1;                   /* node_ok refuses this page */

static paddr_t arena_alloc(void *ctx)
{
	(void)ctx;
	if (arena_used >= arena_limit)
		return 0;
	memset(arena + arena_used * PAGE, 0, PAGE);
	return ARENA_BASE + arena_used++ * PAGE;
}

static bool in_arena(paddr_t pa)
{
	return pa >= ARENA_BASE && pa - ARENA_BASE < arena_used * PAGE;
}

void *kho_phys_to_virt(paddr_t pa)
{
	if (!in_arena(pa) || pa % PAGE)
		fail_msg("kho_phys_to_virt(%#llx): not an arena page", (unsigned long long)pa);
	if (walking && !accepted[(pa - ARENA_BASE) / PAGE])
		fail_msg("walk read %#llx before node_ok accepted it", (unsigned long long)pa);
	return arena + (pa - ARENA_BASE);
}

static uint64_t *page_of(paddr_t pa)
{
	return (uint64_t *)(arena + (pa - ARENA_BASE));
}

static int reset_arena(void **state)
{
	(void)state;
	arena_used = 0;
	arena_limit = ARENA_PAGES;
	refuse_pa = 1;
	return 0;
}

static void new_tree(struct kho_radix *t)
{
	reset_arena(NULL);
	assert_int_equal(kho_radix_init(t, arena_alloc, NULL), 0);
	assert_int_equal(t->root, ARENA_BASE);
	assert_int_equal(t->nodes, 1);
}

/* ---- walking: what the callbacks saw ---- */

struct seen {
	uint64_t n, cap;
	paddr_t *pa;
	unsigned *order;
	uint64_t stop_at;       /* block() returns stop_rc on this call (1-based), 0 never */
	int stop_rc;
};

static bool node_ok(paddr_t pa, void *arg)
{
	(void)arg;
	if (!in_arena(pa) || pa == refuse_pa)
		return false;
	accepted[(pa - ARENA_BASE) / PAGE] = 1;
	return true;
}

static int block(paddr_t pa, unsigned order, void *arg)
{
	struct seen *s = arg;
	if (s->n < s->cap) {
		s->pa[s->n] = pa;
		s->order[s->n] = order;
	}
	s->n++;
	return s->n == s->stop_at ? s->stop_rc : 0;
}

static paddr_t visited[ARENA_PAGES];

static int walk(paddr_t root, struct seen *s, uint64_t max_nodes, struct kho_radix_walk *w)
{
	memset(accepted, 0, sizeof(accepted));
	*w = (struct kho_radix_walk){ .node_ok = node_ok, .block = block, .arg = s,
				      .max_nodes = max_nodes, .visited = visited,
				      .why = "stale" };
	walking = true;
	int r = kho_radix_walk(root, w);
	walking = false;
	assert_true(w->nvisited <= max_nodes);
	for (uint64_t i = 1; i < w->nvisited; i++)
		assert_true(visited[i - 1] < visited[i]);
	return r;
}

static void seen_init(struct seen *s, uint64_t cap)
{
	*s = (struct seen){ .cap = cap, .pa = calloc(cap + 1, sizeof(paddr_t)),
			    .order = calloc(cap + 1, sizeof(unsigned)) };
	assert_non_null(s->pa);
	assert_non_null(s->order);
}

static void seen_free(struct seen *s)
{
	free(s->pa);
	free(s->order);
}

/* ---- the worked example ---- */

/* Every non-zero word of every arena page, in allocation order. */
static void dump_arena(char *out, size_t len)
{
	size_t at = 0;
	for (unsigned p = 0; p < arena_used; p++) {
		at += snprintf(out + at, len - at, "page %u:", p);
		for (unsigned i = 0; i < 512; i++)
			if (page_of(ARENA_BASE + p * PAGE)[i])
				at += snprintf(out + at, len - at, " [%u]=%#llx", i,
					       (unsigned long long)page_of(ARENA_BASE + p * PAGE)[i]);
		at += snprintf(out + at, len - at, "\n");
		assert_true(at < len);
	}
}

static void test_worked_example(void **state)
{
	(void)state;
	struct kho_radix t;
	new_tree(&t);
	assert_int_equal(kho_radix_key(0x123456000ull, 0), 0x0010000000123456ull);
	assert_int_equal(kho_radix_add(&t, 0x123456000ull, 0), 0);
	assert_int_equal(t.nodes, 6);
	/* root slot 2; L4..L2 slot 0; L1 slot 0x24 = 36; leaf bit 0x3456 = word 209
	 * (0x3456 / 64), bit 22 (0x3456 % 64) -> 1 << 22 = 0x400000. */
	char out[1024];
	dump_arena(out, sizeof(out));
	assert_golden(out,
		"page 0: [2]=0x10000001000\n"
		"page 1: [0]=0x10000002000\n"
		"page 2: [0]=0x10000003000\n"
		"page 3: [0]=0x10000004000\n"
		"page 4: [36]=0x10000005000\n"
		"page 5: [209]=0x400000\n");

	struct seen s;
	struct kho_radix_walk w;
	seen_init(&s, 4);
	assert_int_equal(walk(t.root, &s, 6, &w), 0);
	assert_null(w.why);
	assert_int_equal(w.nvisited, 6);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.pa[0], 0x123456000ull);
	assert_int_equal(s.order[0], 0);
	seen_free(&s);
}

/* ---- encode / decode ---- */

static void test_key_roundtrip(void **state)
{
	(void)state;
	static const uint64_t addrs[] = {
		0, 0x123456000ull, 0x80000000ull, 0xfee00000ull, 1ull << 40,
		(1ull << 52) - 1, (1ull << 52) + 0x1000, ~0ull,
	};
	for (unsigned o = 0; o <= KHO_MAX_ORDER; o++) {
		uint64_t size = PAGE << o;
		uint64_t pas[ARRAY_SIZE(addrs) + 2];
		for (unsigned i = 0; i < ARRAY_SIZE(addrs); i++)
			pas[i] = ALIGN_DOWN(addrs[i], size);
		pas[ARRAY_SIZE(addrs)] = (1ull << 52) - size;      /* last block below 2^52 */
		pas[ARRAY_SIZE(addrs) + 1] = size;
		for (unsigned i = 0; i < ARRAY_SIZE(pas); i++) {
			uint64_t key = kho_radix_key(pas[i], o);
			paddr_t pa = 1;
			unsigned order = 99;
			if (63 - __builtin_clzll(key) != 52 - (int)o)
				case_fail("order %u pa %#llx: key %#llx marker", o,
					  (unsigned long long)pas[i], (unsigned long long)key);
			if (!kho_radix_decode(key, &pa, &order) || pa != pas[i] || order != o)
				case_fail("order %u pa %#llx: decoded %#llx order %u", o,
					  (unsigned long long)pas[i], (unsigned long long)pa, order);
		}
	}

	/* Keys as a reader may meet them. */
	static const struct {
		uint64_t key;
		bool ok;
		paddr_t pa;
		unsigned order;
	} keys[] = {
		{ 0, false, 0, 0 },                           /* no marker at all */
		{ 1ull << 53, false, 0, 0 },                  /* root slot 4 */
		{ (1ull << 60) - 1, false, 0, 0 },            /* root slot 511 */
		{ 1ull << 52, true, 0, 0 },
		{ (1ull << 53) - 1, true, ~0ull - 4095, 0 },  /* slot 3: pa above 2^63 */
		{ (1ull << 52) | (1ull << 51), true, 1ull << 63, 0 },
		{ 1ull << 34, true, 0, 18 },
		{ (1ull << 34) | 5, true, 5ull << 30, 18 },
		{ 1ull << 33, true, 0, 19 },                  /* decodes; walk refuses */
		{ 3, true, 1ull << 63, 51 },
		{ 1, true, 0, 52 },                           /* shift by 64 avoided */
	};
	for (unsigned i = 0; i < ARRAY_SIZE(keys); i++) {
		paddr_t pa = 1;
		unsigned order = 99;
		bool ok = kho_radix_decode(keys[i].key, &pa, &order);
		if (ok != keys[i].ok || (ok && (pa != keys[i].pa || order != keys[i].order)))
			case_fail("key %#llx: ok %d pa %#llx order %u", (unsigned long long)keys[i].key,
				  ok, (unsigned long long)pa, order);
	}
}

/* ---- add / del / test ---- */

enum op { ADD, DEL, TEST };

static void test_add_del(void **state)
{
	(void)state;
	static const struct {
		enum op op;
		paddr_t pa;
		unsigned order;
		int want;       /* errno, or for TEST the bool */
	} ops[] = {
		{ ADD, 0x1000, 0, 0 },
		{ ADD, 0x1000, 0, -EEXIST },
		{ TEST, 0x1000, 0, 1 },
		{ TEST, 0x1000, 1, 0 },         /* misaligned for order 1 */
		{ TEST, 0x0, 1, 0 },            /* other key, same pa range */
		{ ADD, 0x2000, 1, 0 },
		{ TEST, 0x2000, 1, 1 },
		{ TEST, 0x2000, 0, 0 },         /* same pa, order 0: another key */
		{ ADD, 0x2000, 0, 0 },
		{ ADD, 0x1800, 0, -EINVAL },
		{ ADD, 0x1000, 1, -EINVAL },
		{ ADD, 0x20000000, 18, -EINVAL },   /* 512 MiB: not 1 GiB aligned */
		{ ADD, 0, 19, -EINVAL },
		{ ADD, 0, 52, -EINVAL },
		{ ADD, 0, 200, -EINVAL },
		{ ADD, 0, 18, 0 },
		{ ADD, 0x40000000, 18, 0 },
		{ ADD, 0xfffffffffffff000ull, 0, 0 },   /* root slot 3 */
		{ TEST, 0xfffffffffffff000ull, 0, 1 },
		{ ADD, 0xffffffffc0000000ull, 18, 0 },
		{ TEST, 0xffffffffc0000000ull, 18, 1 },
		{ DEL, 0x1000, 0, 0 },
		{ DEL, 0x1000, 0, -ENOENT },
		{ TEST, 0x1000, 0, 0 },
		{ DEL, 0x5000, 0, -ENOENT },    /* path exists, bit clear */
		{ DEL, 1ull << 40, 0, -ENOENT },    /* no path */
		{ DEL, 1ull << 40, 5, -ENOENT },
		{ DEL, 0x1800, 0, -EINVAL },
		{ DEL, 0, 19, -EINVAL },
		{ TEST, 0, 19, 0 },
		{ ADD, 0x1000, 0, 0 },          /* back again */
		{ DEL, 0x2000, 1, 0 },
		{ TEST, 0x2000, 0, 1 },
		{ TEST, 0x2000, 1, 0 },
	};
	struct kho_radix t;
	new_tree(&t);
	for (unsigned i = 0; i < ARRAY_SIZE(ops); i++) {
		int got;
		switch (ops[i].op) {
		case ADD: got = kho_radix_add(&t, ops[i].pa, ops[i].order); break;
		case DEL: got = kho_radix_del(&t, ops[i].pa, ops[i].order); break;
		default: got = kho_radix_test(&t, ops[i].pa, ops[i].order); break;
		}
		if (got != ops[i].want)
			case_fail("op %u (%d %#llx order %u): got %d, want %d", i, ops[i].op,
				  (unsigned long long)ops[i].pa, ops[i].order, got, ops[i].want);
		assert_int_equal(t.nodes, arena_used);
	}

	/* Still there: 0x1000/0, 0x2000/0, 0/18, 1G/18, top page, top GiB - in key
	 * order: order 18 (slot 0) first, then order 0 (slot 2, then slot 3). */
	struct seen s;
	struct kho_radix_walk w;
	seen_init(&s, 8);
	assert_int_equal(walk(t.root, &s, ARENA_PAGES, &w), 0);
	assert_int_equal(w.nvisited, t.nodes);
	assert_int_equal(s.n, 6);
	static const paddr_t want_pa[] = { 0, 0x40000000, 0xffffffffc0000000ull, 0x1000, 0x2000,
					   0xfffffffffffff000ull };
	static const unsigned want_order[] = { 18, 18, 18, 0, 0, 0 };
	for (unsigned i = 0; i < 6; i++)
		if (s.pa[i] != want_pa[i] || s.order[i] != want_order[i])
			case_fail("block %u: %#llx order %u", i, (unsigned long long)s.pa[i],
				  s.order[i]);
	seen_free(&s);
}

static void test_enomem(void **state)
{
	(void)state;
	struct kho_radix t;
	reset_arena(NULL);
	arena_limit = 0;
	assert_int_equal(kho_radix_init(&t, arena_alloc, NULL), -ENOMEM);
	assert_int_equal(t.nodes, 0);

	new_tree(&t);
	assert_int_equal(kho_radix_add(&t, 0x1000, 0), 0);     /* 6 pages */
	/* Order 1 goes under root slot 1: 5 new pages needed, 2 available. */
	arena_limit = 8;
	assert_int_equal(kho_radix_add(&t, 0x2000, 1), -ENOMEM);
	assert_int_equal(t.nodes, 8);                          /* kept */
	assert_false(kho_radix_test(&t, 0x2000, 1));
	assert_int_equal(kho_radix_del(&t, 0x2000, 1), -ENOENT);
	/* Existing paths need nothing new. */
	assert_int_equal(kho_radix_add(&t, 0x3000, 0), 0);
	arena_limit = ARENA_PAGES;
	assert_int_equal(kho_radix_add(&t, 0x2000, 1), 0);
	assert_int_equal(t.nodes, 11);
	assert_int_equal(arena_used, 11);
}

/* ---- random sets ---- */

struct blk {
	uint64_t key;
	paddr_t pa;
	unsigned order;
};

static int cmp_blk(const void *a, const void *b)
{
	uint64_t x = ((const struct blk *)a)->key, y = ((const struct blk *)b)->key;
	return x < y ? -1 : x > y;
}

static void test_random_sets(void **state)
{
	(void)state;
	enum { N = 4000 };
	static const uint64_t seeds[] = { 1, 0x9e3779b97f4a7c15ull, 42, 0xdeadbeef };
	struct blk *want = calloc(N, sizeof(*want));
	assert_non_null(want);
	for (unsigned c = 0; c < ARRAY_SIZE(seeds); c++) {
		uint64_t rng = seeds[c];
		struct kho_radix t;
		new_tree(&t);
		unsigned n = 0;
		for (unsigned i = 0; i < N; i++) {
			unsigned o = host_rand(&rng) % (KHO_MAX_ORDER + 1);
			uint64_t r = host_rand(&rng), where = host_rand(&rng) % 10;
			/* 70% in the first 64 GiB (dense), 20% below 2^52, 10% anywhere. */
			uint64_t span = where < 7 ? 64 * GiB : where < 9 ? 1ull << 52 : 0;
			paddr_t pa = ALIGN_DOWN(span ? r % span : r, PAGE << o);
			int rc = kho_radix_add(&t, pa, o);
			if (rc == -EEXIST)
				continue;
			assert_int_equal(rc, 0);
			want[n++] = (struct blk){ kho_radix_key(pa, o), pa, o };
		}
		/* Delete every third block again. */
		unsigned kept = 0;
		for (unsigned i = 0; i < n; i++) {
			if (i % 3 == 1) {
				assert_int_equal(kho_radix_del(&t, want[i].pa, want[i].order), 0);
				assert_false(kho_radix_test(&t, want[i].pa, want[i].order));
			} else {
				want[kept++] = want[i];
			}
		}
		n = kept;
		qsort(want, n, sizeof(*want), cmp_blk);

		struct seen s;
		struct kho_radix_walk w;
		seen_init(&s, N);
		assert_int_equal(walk(t.root, &s, ARENA_PAGES, &w), 0);
		if (s.n != n)
			case_fail("seed %u: walk saw %llu blocks, %u added", c,
				  (unsigned long long)s.n, n);
		/* Depth first, ascending index = ascending key: no sort needed. */
		for (unsigned i = 0; i < n; i++)
			if (s.pa[i] != want[i].pa || s.order[i] != want[i].order)
				case_fail("seed %u block %u: %#llx/%u, want %#llx/%u", c, i,
					  (unsigned long long)s.pa[i], s.order[i],
					  (unsigned long long)want[i].pa, want[i].order);
		/* Every page allocated is reachable, once: visited = the whole arena. */
		assert_int_equal(w.nvisited, t.nodes);
		assert_int_equal(t.nodes, arena_used);
		for (unsigned i = 0; i < arena_used; i++)
			assert_int_equal(visited[i], ARENA_BASE + i * PAGE);
		seen_free(&s);
	}
	free(want);
}

/* ---- node-page counts ---- */

/*
 * Pages for a layout: root (L5) + one page per level on each distinct path + leaves.
 * A leaf holds 32768 consecutive keys; an L1 table covers 512 leaves.
 *  - order 9 (2 MiB): key = 2^43 | pa >> 21. 8 GiB from 0 is keys 2^43 + 0..4095:
 *    root slot 0, L4 slot 2, L3..L1 slot 0, all in one leaf: 1 + 4 + 1 = 6.
 *    The same from 4 GiB (keys + 2048..6143) is still one leaf: 6.
 *  - order 0: key = 2^52 | pfn. 8 GiB = pfns 0..2^21-1 = 64 leaves under one L1
 *    (slots 0..63): root + L4 + L3 + L2 + L1 + 64 = 69.
 *  - 128 MiB + 4 KiB of order 0 spills into a second leaf: 1 + 4 + 2 = 7.
 *  - order 18 (1 GiB): key = 2^34 | pa >> 30; 8 blocks in one leaf (L3 slot 2): 6.
 *  - 64 GiB as 32768 order-9 blocks fill exactly one leaf: 6; 64 GiB + 2 MiB: the
 *    next key goes to L1 slot 1: 7.
 *  - one block of each order 0..18 at pa 0: order 0 in root slot 2 and order 1 in
 *    slot 1 (5 pages each under the root); orders 2..10 have their marker in the L4
 *    index (L4 slots 256, 128, .., 1 of one L4 page): 9 paths of L3+L2+L1+leaf = 36;
 *    orders 11..18 share L4 slot 0 -> one L3 page, slots 256..2: 8 x (L2+L1+leaf)
 *    = 24. Total 1 + 5 + 5 + 1 + 36 + 1 + 24 = 73.
 */
static void test_node_counts(void **state)
{
	(void)state;
	static const struct {
		const char *what;
		paddr_t base;
		uint64_t size;          /* 0: one block of each order at base */
		unsigned order;
		uint64_t nodes;
	} layouts[] = {
		{ "8 GiB as 4096 order-9 blocks", 0, 8 * GiB, 9, 6 },
		{ "8 GiB at 4 GiB as order-9 blocks", 4 * GiB, 8 * GiB, 9, 6 },
		{ "8 GiB as 2M order-0 pages", 0, 8 * GiB, 0, 69 },
		{ "128 MiB + 4 KiB as order-0 pages", 0, 128 * MiB + 4 * KiB, 0, 7 },
		{ "8 GiB as 8 order-18 blocks", 0, 8 * GiB, 18, 6 },
		{ "64 GiB as order-9 blocks", 0, 64 * GiB, 9, 6 },
		{ "64 GiB + 2 MiB as order-9 blocks", 0, 64 * GiB + 2 * MiB, 9, 7 },
		{ "each order 0..18 at pa 0", 0, 0, 0, 73 },
	};
	for (unsigned c = 0; c < ARRAY_SIZE(layouts); c++) {
		struct kho_radix t;
		new_tree(&t);
		uint64_t blocks = 0;
		if (layouts[c].size) {
			uint64_t bs = PAGE << layouts[c].order;
			for (paddr_t pa = layouts[c].base; pa < layouts[c].base + layouts[c].size;
			     pa += bs, blocks++)
				if (kho_radix_add(&t, pa, layouts[c].order))
					case_fail("%s: add %#llx", layouts[c].what,
						  (unsigned long long)pa);
		} else {
			for (unsigned o = 0; o <= KHO_MAX_ORDER; o++, blocks++)
				assert_int_equal(kho_radix_add(&t, layouts[c].base, o), 0);
		}
		if (t.nodes != layouts[c].nodes)
			case_fail("%s: %llu node pages, want %llu", layouts[c].what,
				  (unsigned long long)t.nodes, (unsigned long long)layouts[c].nodes);
		struct seen s;
		struct kho_radix_walk w;
		seen_init(&s, 0);               /* count only */
		assert_int_equal(walk(t.root, &s, t.nodes, &w), 0);
		if (s.n != blocks || w.nvisited != t.nodes)
			case_fail("%s: walk saw %llu blocks, %llu pages", layouts[c].what,
				  (unsigned long long)s.n, (unsigned long long)w.nvisited);
		seen_free(&s);
	}
}

/* ---- walk rejections ---- */

/* Set key's bit with no validation at all, allocating the path (a forged tree). */
static void forge(paddr_t root, uint64_t key)
{
	paddr_t pa = root;
	for (int level = 5; level >= 1; level--) {
		uint64_t *slot = &page_of(pa)[(key >> (15 + 9 * (level - 1))) & 511];
		if (!*slot)
			*slot = arena_alloc(NULL);
		pa = *slot;
	}
	page_of(pa)[(key & 32767) / 64] |= 1ull << (key % 64);
}

/* The path of pages to key's leaf: path[0] root .. path[5] leaf. */
static void path_of(paddr_t root, uint64_t key, paddr_t path[6])
{
	path[0] = root;
	for (int level = 5; level >= 1; level--)
		path[6 - level] = page_of(path[5 - level])[(key >> (15 + 9 * (level - 1))) & 511];
}

#define EX_KEY 0x0010000000123456ull            /* worked example: 0x1_2345_6000 */
#define K1 kho_radix_key(0, 1)                  /* order 1 at 0: root slot 1 */

static void test_walk_rejections(void **state)
{
	(void)state;
	enum mangle {
		NONE, ROOT0, ROOT_MISALIGNED, REFUSE_ROOT, REFUSE_LEAF, OUTSIDE, SELF_ROOT,
		SELF_L1, SHARED, ANCESTOR, MISALIGNED, FORGE, STOP,
	};
	static const struct {
		const char *what;
		enum mangle m;
		uint64_t key;           /* FORGE: the key set by hand; SHARED etc: unused */
		uint64_t max_nodes;
		int rc;
		const char *why;
		uint64_t blocks;        /* block() calls before the walk stopped */
	} cases[] = {
		{ "intact", NONE, 0, 100, 0, NULL, 2 },
		{ "exactly max_nodes", NONE, 0, 11, 0, NULL, 2 },
		{ "one page too many", NONE, 0, 10, -EINVAL, "more node pages than max_nodes", 1 },
		{ "max_nodes 0", NONE, 0, 0, -EINVAL, "more node pages than max_nodes", 0 },
		{ "root 0", ROOT0, 0, 11, -EINVAL, "root is 0", 0 },
		{ "root misaligned", ROOT_MISALIGNED, 0, 11, -EINVAL,
		  "node pointer not page aligned", 0 },
		{ "node_ok refuses the root", REFUSE_ROOT, 0, 11, -EINVAL,
		  "node page refused by node_ok", 0 },
		{ "node_ok refuses a leaf", REFUSE_LEAF, 0, 11, -EINVAL,
		  "node page refused by node_ok", 1 },
		{ "child outside the arena", OUTSIDE, 0, 11, -EINVAL,
		  "node page refused by node_ok", 2 },
		{ "root slot points at the root", SELF_ROOT, 0, 11, -EINVAL,
		  "node page met twice", 2 },
		{ "L1 slot points at its own page", SELF_L1, 0, 11, -EINVAL,
		  "node page met twice", 2 },
		/* The shared subtree is walked (and its bit reported) under the first
		 * parent, then refused when the second parent reaches it. */
		{ "two parents share one child", SHARED, 0, 11, -EINVAL,
		  "node page met twice", 2 },
		{ "L2 points at its L4 ancestor", ANCESTOR, 0, 11, -EINVAL,
		  "node page met twice", 2 },
		{ "misaligned child pointer", MISALIGNED, 0, 11, -EINVAL,
		  "node pointer not page aligned", 1 },
		/* Root slot 0 is walked before the base tree's slots 1 and 2. */
		{ "bit of order 19", FORGE, 1ull << 33, 16, -EINVAL,
		  "leaf bit of order above 18", 0 },
		{ "bit of order 52 (key 1)", FORGE, 1, 16, -EINVAL,
		  "leaf bit of order above 18", 0 },
		{ "bits of order 18 are fine", FORGE, (1ull << 34) | 3, 16, 0, NULL, 4 },
		{ "key 0", FORGE, 0, 16, -EINVAL, "leaf bit without a valid order marker", 0 },
		{ "root slot 4", FORGE, 1ull << 53, 16, -EINVAL,
		  "leaf bit without a valid order marker", 2 },
		{ "root slot 511", FORGE, (1ull << 60) - 1, 16, -EINVAL,
		  "leaf bit without a valid order marker", 2 },
		{ "block() error passed on", STOP, 0, 11, -ENOSPC, NULL, 2 },
	};
	for (unsigned c = 0; c < ARRAY_SIZE(cases); c++) {
		/* The base tree: the worked example (root slot 2) and order 1 at 0 (root
		 * slot 1): root + 2 x 5 = 11 pages; the walk meets order 1 first. */
		struct kho_radix t;
		new_tree(&t);
		assert_int_equal(kho_radix_add(&t, 0x123456000ull, 0), 0);
		assert_int_equal(kho_radix_add(&t, 0, 1), 0);
		assert_int_equal(t.nodes, 11);
		paddr_t ex[6], o1[6], root = t.root;
		path_of(root, EX_KEY, ex);
		path_of(root, K1, o1);
		struct seen s;
		seen_init(&s, 8);
		switch (cases[c].m) {
		case NONE: break;
		case ROOT0: root = 0; break;
		case ROOT_MISALIGNED: root += 8; break;
		case REFUSE_ROOT: refuse_pa = root; break;
		case REFUSE_LEAF: refuse_pa = ex[5]; break;
		case OUTSIDE: page_of(ex[4])[100] = ARENA_BASE + ARENA_PAGES * PAGE; break;
		case SELF_ROOT: page_of(root)[5] = root; break;
		case SELF_L1: page_of(ex[4])[0x30] = ex[4]; break;
		/* Order 1's L4 page also points at the example's L3 page. */
		case SHARED: page_of(o1[1])[7] = ex[2]; break;
		case ANCESTOR: page_of(ex[3])[1] = ex[1]; break;
		case MISALIGNED: page_of(ex[2])[0] = ex[3] + 0x800; break;
		case FORGE: forge(root, cases[c].key); break;
		case STOP: s.stop_at = 2, s.stop_rc = -ENOSPC; break;
		}
		if (cases[c].m == FORGE && cases[c].key == ((1ull << 34) | 3))
			forge(root, 1ull << 34);        /* two order-18 bits: 0 and 3 GiB */
		struct kho_radix_walk w;
		int rc = walk(root, &s, cases[c].max_nodes, &w);
		const char *why = w.why ? w.why : "(null)";
		const char *want = cases[c].why ? cases[c].why : "(null)";
		if (rc != cases[c].rc || strcmp(why, want) || s.n != cases[c].blocks)
			case_fail("case %u (%s): rc %d why \"%s\", %llu blocks; want %d \"%s\", %llu",
				  c, cases[c].what, rc, why, (unsigned long long)s.n, cases[c].rc,
				  want, (unsigned long long)cases[c].blocks);
		seen_free(&s);
	}
}

/* ---- walks by runs ---- */

struct run_seen {
	unsigned n;
	paddr_t pa[16];
	uint64_t len[16];
};

static int run_cb(paddr_t pa, unsigned order, uint64_t n, void *arg)
{
	struct run_seen *r = arg;
	assert_int_equal(order, 0);
	assert_true(r->n < 16);
	r->pa[r->n] = pa;
	r->len[r->n++] = n;
	return 0;
}

/*
 * A stretch of set bits is one run call however many bitmap words it crosses: one
 * inside a word, across several, ending a word exactly, reaching the leaf's last
 * bit, and one alone at a word's top bit.
 */
static void test_walk_runs(void **state)
{
	(void)state;
	static const struct { uint64_t first, n; } want[] = {
		{ 30, 200 }, { 256, 65 }, { 383, 2 }, { 447, 1 }, { 511, 1 }, { 32700, 68 },
	};
	struct kho_radix t;
	new_tree(&t);
	for (unsigned i = 0; i < ARRAY_SIZE(want); i++)
		for (uint64_t k = 0; k < want[i].n; k++)
			assert_int_equal(kho_radix_add(&t, (want[i].first + k) * PAGE, 0), 0);
	struct run_seen r = { 0 };
	struct kho_radix_walk w = { .node_ok = node_ok, .run = run_cb, .arg = &r,
				    .max_nodes = ARENA_PAGES, .visited = visited };
	memset(accepted, 0, sizeof(accepted));
	walking = true;
	assert_int_equal(kho_radix_walk(t.root, &w), 0);
	walking = false;
	assert_int_equal(r.n, ARRAY_SIZE(want));
	for (unsigned i = 0; i < ARRAY_SIZE(want); i++) {
		assert_int_equal(r.pa[i], want[i].first * PAGE);
		assert_int_equal(r.len[i], want[i].n);
	}
}

int main(void)
{
	arena = aligned_alloc(PAGE, ARENA_PAGES * PAGE);
	if (!arena)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_worked_example, reset_arena),
		cmocka_unit_test_setup(test_key_roundtrip, reset_arena),
		cmocka_unit_test_setup(test_add_del, reset_arena),
		cmocka_unit_test_setup(test_enomem, reset_arena),
		cmocka_unit_test_setup(test_random_sets, reset_arena),
		cmocka_unit_test_setup(test_node_counts, reset_arena),
		cmocka_unit_test_setup(test_walk_rejections, reset_arena),
		cmocka_unit_test_setup(test_walk_runs, reset_arena),
	};
	int r = cmocka_run_group_tests_name("kho_radix", tests, NULL, NULL);
	free(arena);
	return r;
}
