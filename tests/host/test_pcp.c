/*
 * mm/pcp.c, the per-CPU page caches, with mm/zones.c and mm/buddy.c over
 * shim/mm_host.c (both zones on one memmap that starts as garbage) and
 * shim/percpu_host.c (a thread is a CPU: host_cpu_set).
 *
 * - One thread: the cached count after n allocations and after n frees, for a
 *   table of limits (high, batch), with conservation (zone lists + caches + held ==
 *   given), buddy_check() and pcp_check() after every step, and the zone's lists
 *   back to the start after pcp_drain_all(); the order pages are handed out in
 *   (the zone's on a refill, then LIFO) and drained in (the tail: the oldest); the
 *   state of a cached page (free, order 0, which CPU's); pcp_drain_local() and
 *   pcp_drain_all() over two CPUs' caches, and its refusal of a running CPU's; an
 *   allocation that fails in the zones and succeeds after the drain (order 0 from
 *   another CPU's cache, order 1 from cached pages that merge); a double free of a
 *   cached page.
 * - Threads: 2, 4 and 8 pthreads, each a CPU (host_cpu_set(i), online), doing a
 *   seeded random mix of allocations (orders 0..3, mostly 0, with 0,
 *   GFP_PRESERVABLE or GFP_SCRATCH), frees, splits, state lookups, local drains
 *   and free counts, over two zones whose border cuts a 2 MiB section (a merge
 *   looks across it, both zones initialise and mark the same section bytes). A
 *   shared frame bitmap catches a frame handed out twice. At the end every block
 *   is freed, the caches drained, every check passes, and the free counts and the
 *   free lists are exactly the start's. PCP_THREAD_OPS (environment) sets the
 *   operations per thread.
 * The same file builds as test_pcp_tsan, under ThreadSanitizer (tests/host/host.mk).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <percpu.h>
#include "host_panic.h"
#include "mm_host.h"
#include "host_test.h"
#include "../../../mm/pcp.h"

#define PG        4096ull
#define PA(pfn)   ((paddr_t)(pfn) * PG)
#define NIL32     UINT32_MAX

/* One-thread cases: ZONE_NORMAL over [BASE, BASE + N). */
#define NPAGES    0x2000ull
#define BASE      0x200ull
#define N         0x1000ull

static uint64_t env_u64(const char *name, uint64_t dflt)
{
	const char *v = getenv(name);
	return v && *v ? strtoull(v, NULL, 0) : dflt;
}

static void zone_up(uint64_t base, uint64_t n)
{
	mm_host_init(NPAGES);
	mm_host_add(ZONE_NORMAL, base, n);
	pcp_set_limits(PCP_HIGH, PCP_BATCH);
	host_cpu_set(0);
}

static uint64_t cached(void)
{
	return pcp_cached(ZONE_NORMAL) + pcp_cached(ZONE_SCRATCH);
}

/* Both zones' free blocks, sorted by zone, order, pfn: "z0 o9 0x200\n"... (walked
 * from free_head through next, at most nr_free steps). */
static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static char *lists_dump(void)
{
	size_t cap = 1 << 16, len = 0;
	char *out = malloc(cap);
	assert_non_null(out);
	out[0] = 0;
	for (unsigned z = 0; z < NR_ZONES; z++) {
		const struct buddy *b = mm_zone(z);
		for (unsigned o = 0; o < BUDDY_ORDERS; o++) {
			uint64_t n = b->nr_free[o], k = 0;
			uint64_t *v = calloc(n + 1, sizeof(*v));
			assert_non_null(v);
			for (uint32_t i = b->free_head[o]; i != NIL32 && k <= n; i = b->map[i].next)
				v[k++] = b->base_pfn + i;
			assert_int_equal(k, n);
			qsort(v, n, sizeof(*v), cmp_u64);
			for (k = 0; k < n; k++) {
				if (len + 64 > cap) {
					cap *= 2;
					out = realloc(out, cap);
					assert_non_null(out);
				}
				len += (size_t)snprintf(out + len, cap - len, "z%u o%u %#llx\n", z, o,
							(unsigned long long)v[k]);
			}
			free(v);
		}
	}
	return out;
}

/* Everything consistent: the lists and caches check, and every page given to the
 * zones is in a list, in a cache or held (held pages given by the caller). */
static void check_all(uint64_t held, const char *what, size_t step)
{
	uint64_t managed = 0, free = 0, lists = 0;
	for (unsigned z = 0; z < NR_ZONES; z++) {
		buddy_check(mm_zone(z));
		managed += mm_zone(z)->managed_pages;
		lists += mm_zone(z)->free_pages;
		free += mm_zone_free_pages(z, NULL);
	}
	pcp_check();
	if (free != lists + cached() || free + held != managed)
		case_fail("%s step %zu: free %llu (lists %llu + cached %llu) + held %llu, "
			  "managed %llu", what, step, (unsigned long long)free,
			  (unsigned long long)lists, (unsigned long long)cached(),
			  (unsigned long long)held, (unsigned long long)managed);
}

/* ---- one thread ---- */

/* The cached count after n order-0 allocations from an empty cache, then after
 * freeing them all in the same order, for some limits. A refill takes batch pages;
 * a free past high gives batch back. */
static void test_limits(void **state)
{
	static const struct {
		unsigned high, batch, n;
		uint64_t after_alloc, after_free;
	} rows[] = {
		{ PCP_HIGH, PCP_BATCH, 1, 15, 16 },        /* one refill, kept */
		{ PCP_HIGH, PCP_BATCH, 16, 0, 16 },        /* the batch exactly */
		{ PCP_HIGH, PCP_BATCH, 100, 12, 64 },      /* 7 refills; frees cycle 49..64 */
		{ 1, 1, 10, 0, 1 },                        /* the smallest cache */
		{ 8, 8, 20, 4, 8 },                        /* batch == high: 1..8 */
		{ 512, 64, 100, 28, 128 },                 /* never past high */
	};
	static paddr_t pa[128];
	(void)state;
	for (size_t r = 0; r < ARRAY_SIZE(rows); r++) {
		zone_up(BASE, N);
		char *start = lists_dump();
		pcp_set_limits(rows[r].high, rows[r].batch);
		for (unsigned i = 0; i < rows[r].n; i++) {
			pa[i] = page_alloc(0, 0);
			if (!pa[i] || cached() >= rows[r].batch)
				case_fail("row %zu alloc %u: pa %#llx, %llu cached", r, i,
					  (unsigned long long)pa[i], (unsigned long long)cached());
			check_all(i + 1, "alloc", r);
		}
		if (cached() != rows[r].after_alloc)
			case_fail("row %zu: %llu cached after %u allocations, want %llu", r,
				  (unsigned long long)cached(), rows[r].n,
				  (unsigned long long)rows[r].after_alloc);
		for (unsigned i = 0; i < rows[r].n; i++) {
			page_free(pa[i], 0);
			if (cached() > rows[r].high)
				case_fail("row %zu free %u: %llu cached, high %u", r, i,
					  (unsigned long long)cached(), rows[r].high);
			check_all(rows[r].n - i - 1, "free", r);
		}
		if (cached() != rows[r].after_free)
			case_fail("row %zu: %llu cached after %u frees, want %llu", r,
				  (unsigned long long)cached(), rows[r].n,
				  (unsigned long long)rows[r].after_free);
		assert_int_equal(pcp_drain_all(), rows[r].after_free);
		assert_int_equal(cached(), 0);
		char *end = lists_dump();
		assert_golden(end, start);
		free(start);
		free(end);
		mm_host_fini();
	}
	pcp_set_limits(PCP_HIGH, PCP_BATCH);
}

/* A refill hands pages out in the zone's order (from the first page of a zone that
 * is one untouched block, as without a cache), frees come back LIFO, and a drain
 * past high gives back the oldest. */
static void test_order(void **state)
{
	paddr_t pa[20];
	(void)state;
	zone_up(0x1000, 0x1000);                              /* one order-12 block */
	for (unsigned i = 0; i < 17; i++) {
		pa[i] = page_alloc(0, 0);
		assert_int_equal(pa[i], PA(0x1000 + i));
	}
	page_free(pa[3], 0);
	page_free(pa[9], 0);
	assert_int_equal(page_alloc(0, 0), pa[9]);
	assert_int_equal(page_alloc(0, 0), pa[3]);
	for (unsigned i = 0; i < 17; i++)
		page_free(pa[i], 0);
	assert_int_equal(pcp_drain_all(), 17 + 15);
	check_all(0, "order", 0);

	/* high 4, batch 2: six pages (three refills, nothing left cached), five freed:
	 * the fifth free gives back the two freed first. */
	pcp_set_limits(4, 2);
	for (unsigned i = 0; i < 6; i++)
		pa[i] = page_alloc(0, 0);
	assert_int_equal(cached(), 0);
	for (unsigned i = 0; i < 5; i++)
		page_free(pa[i], 0);
	assert_int_equal(cached(), 3);
	for (unsigned i = 0; i < 5; i++)
		if (mm_page_cached(pa[i], NULL) != (i >= 2))
			case_fail("page %u (%#llx): cached %d", i, (unsigned long long)pa[i],
				  mm_page_cached(pa[i], NULL));
	assert_int_equal(page_alloc(0, 0), pa[4]);
	page_free(pa[4], 0);
	page_free(pa[5], 0);
	check_all(0, "order", 1);
	mm_host_fini();
	pcp_set_limits(PCP_HIGH, PCP_BATCH);
}

/* A cached page is free memory: mm_page_state says free, order 0, at its own head,
 * and mm_page_cached names its CPU; an allocated one is neither. */
static void test_page_state(void **state)
{
	paddr_t head;
	unsigned order, cpu = 99;
	(void)state;
	zone_up(BASE, N);
	paddr_t a = page_alloc(0, 0), b = page_alloc(0, 0);
	assert_int_equal(mm_page_state(a, &head, &order), PAGE_ALLOC);
	assert_false(mm_page_cached(a, &cpu));
	assert_int_equal(cpu, 99);
	/* b+1 is cached (the rest of the first refill) */
	assert_int_equal(mm_page_state(b + PG, &head, &order), PAGE_FREE);
	assert_int_equal(head, b + PG);
	assert_int_equal(order, 0);
	assert_true(mm_page_cached(b + PG, &cpu));
	assert_int_equal(cpu, 0);
	page_free(a, 0);
	host_cpu_set(3);
	page_free(b, 0);
	host_cpu_set(0);
	assert_int_equal(mm_page_state(b, &head, &order), PAGE_FREE);
	assert_true(mm_page_cached(b, &cpu));
	assert_int_equal(cpu, 3);
	assert_true(mm_page_cached(a, &cpu));
	assert_int_equal(cpu, 0);
	/* Past the first refill: a free block in the zone's lists, not cached. */
	assert_int_equal(mm_page_state(PA(BASE + 0x100), &head, &order), PAGE_FREE);
	assert_false(mm_page_cached(PA(BASE + 0x100), NULL));
	check_all(0, "state", 0);
	assert_int_equal(pcp_drain_all(), 16);
	assert_int_equal(mm_page_state(b, &head, &order), PAGE_FREE);
	assert_false(mm_page_cached(b, NULL));
	mm_host_fini();
}

/* pcp_drain_local empties this CPU's cache only; pcp_drain_all every CPU's it may
 * touch, and asks a running CPU to drain its own at its next use. */
static void test_drain(void **state)
{
	(void)state;
	zone_up(BASE, N);
	char *start = lists_dump();
	paddr_t a = page_alloc(0, 0);                          /* CPU 0: 15 cached */
	host_cpu_set(2);
	paddr_t b = page_alloc(0, 0), c = page_alloc(0, 0);   /* CPU 2: 14 cached */
	page_free(b, 0);
	page_free(c, 0);                                      /* CPU 2: 16 cached */
	assert_int_equal(cached(), 31);
	check_all(1, "drain", 0);
	pcp_drain_local();                                    /* CPU 2's */
	assert_int_equal(cached(), 15);
	check_all(1, "drain", 1);
	paddr_t d = page_alloc(0, 0);                         /* CPU 2 refills: 15 */
	assert_int_equal(d, b);
	assert_int_equal(cached(), 30);
	host_cpu_set(0);
	/* CPU 2 running: CPU 0's cache goes back, CPU 2's is only asked for; CPU 2
	 * drains it itself at its next use (here a free: it keeps only that page). */
	percpu_of(2)->online = true;
	assert_int_equal(pcp_drain_all(), 15);
	assert_int_equal(cached(), 15);
	host_cpu_set(2);
	page_free(d, 0);
	assert_int_equal(cached(), 1);
	host_cpu_set(0);
	percpu_of(2)->online = false;
	check_all(1, "drain", 2);
	page_free(a, 0);
	assert_int_equal(pcp_drain_all(), 1 + 1);
	assert_int_equal(cached(), 0);
	check_all(0, "drain", 3);
	char *end = lists_dump();
	assert_golden(end, start);
	free(start);
	free(end);
	mm_host_fini();
}

/* An allocation the zones cannot serve drains every CPU's cache and tries again. */
static void test_failure_drains(void **state)
{
	static paddr_t pa[64];
	(void)state;
	zone_up(0x400, 64);                                   /* one order-6 block */
	char *start = lists_dump();
	host_cpu_set(1);
	page_free(page_alloc(0, 0), 0);                       /* CPU 1 caches 16 pages */
	host_cpu_set(0);
	for (unsigned i = 0; i < 64; i++) {                   /* 48, then CPU 1's 16 */
		pa[i] = page_alloc(0, 0);
		if (!pa[i])
			case_fail("allocation %u failed with %llu cached", i,
				  (unsigned long long)cached());
	}
	assert_int_equal(cached(), 0);
	assert_int_equal(page_alloc(0, 0), 0);                /* nothing anywhere */
	assert_int_equal(page_alloc(1, 0), 0);
	check_all(64, "failure", 0);
	/* Two buddies in CPU 0's cache: the order-1 allocation finds the lists empty,
	 * drains, and gets the pair merged. */
	paddr_t lo = PA(0x400), hi = PA(0x401);
	for (unsigned i = 0; i < 64; i++)
		if (pa[i] == lo || pa[i] == hi)
			page_free(pa[i], 0);
	assert_int_equal(cached(), 2);
	assert_int_equal(page_alloc(1, 0), lo);
	assert_int_equal(cached(), 0);
	check_all(64, "failure", 1);
	page_free(lo, 1);
	for (unsigned i = 0; i < 64; i++)
		if (pa[i] != lo && pa[i] != hi)
			page_free(pa[i], 0);
	pcp_drain_all();
	char *end = lists_dump();
	assert_golden(end, start);
	free(start);
	free(end);
	mm_host_fini();
}

/* A second free of a page in a cache panics as a double free, by either path, and
 * leaves everything as it was. */
static bool free_panics(paddr_t pa)
{
	return expect_panic(page_free(pa, 0));
}

static bool buddy_free_panics(uint64_t pfn)
{
	return expect_panic(buddy_free(mm_zone(ZONE_NORMAL), pfn, 0));
}

static void test_double_free(void **state)
{
	char want[128];
	(void)state;
	zone_up(BASE, N);
	paddr_t a = page_alloc(0, 0);
	page_free(a, 0);
	snprintf(want, sizeof(want), "double free of pfn %#llx order 0 (in a CPU's page cache)",
		 (unsigned long long)(a / PG));
	assert_true(free_panics(a));
	assert_true(panic_tail_is(want));
	assert_true(buddy_free_panics(a / PG));
	assert_true(panic_tail_is(want));
	/* Another CPU's cached page, freed again on this one. */
	host_cpu_set(5);
	paddr_t b = page_alloc(0, 0);
	page_free(b, 0);
	host_cpu_set(0);
	assert_true(free_panics(b));
	check_all(0, "double free", 0);
	assert_int_equal(pcp_drain_all(), 32);
	mm_host_fini();
}

/* ---- threads ---- */

#define T_NPAGES   0x10000ull
#define T_SCRATCH0 0x4100ull         /* mid-section: the border shares a section */
#define T_SCRATCH1 0x8100ull
#define MAXHELD    64
#define MAXTHREADS 8

static uint64_t frame_bits[T_NPAGES / 64];

struct worker {
	pthread_t t;
	unsigned cpu;
	uint64_t rng, ops;
	struct { paddr_t pa; unsigned order; } held[MAXHELD];
	unsigned n;
	uint64_t allocs, frees, splits, lookups, fails, twice, wrong;
	char why[200];
};

/* Mark (or clear) a block's frames in the shared bitmap; false if one already was. */
static bool frames_mark(paddr_t pa, unsigned order, bool set)
{
	bool ok = true;
	for (uint64_t f = pa / PG; f < pa / PG + (1ull << order); f++) {
		uint64_t bit = 1ull << (f % 64);
		uint64_t old = set ? __atomic_fetch_or(&frame_bits[f / 64], bit, __ATOMIC_RELAXED)
				   : __atomic_fetch_and(&frame_bits[f / 64], ~bit, __ATOMIC_RELAXED);
		ok &= set ? !(old & bit) : !!(old & bit);
	}
	return ok;
}

static void note(struct worker *w, uint64_t *counter, const char *fmt, paddr_t pa,
		 unsigned order)
{
	if (!(*counter)++ && !w->why[0])
		snprintf(w->why, sizeof(w->why), fmt, (unsigned long long)pa, order);
}

static void w_free(struct worker *w, unsigned k)
{
	paddr_t pa = w->held[k].pa;
	unsigned order = w->held[k].order;
	w->held[k] = w->held[--w->n];
	if (!frames_mark(pa, order, false))
		note(w, &w->wrong, "block %#llx order %u: frames not marked at its free", pa, order);
	page_free(pa, order);
	w->frees++;
}

static void w_alloc(struct worker *w, uint64_t r)
{
	static const unsigned gfps[8] = { 0, 0, 0, 0, 0, GFP_PRESERVABLE, GFP_SCRATCH,
					  GFP_PRESERVABLE };
	unsigned order = (r >> 8) % 8 < 5 ? 0 : 1 + (unsigned)((r >> 12) % 3);
	unsigned gfp = gfps[(r >> 16) % 8];
	paddr_t pa = page_alloc(order, gfp);
	if (!pa) {
		note(w, &w->fails, "allocation failed (last %#llx order %u)", pa, order);
		return;
	}
	uint64_t pfn = pa / PG;
	bool scratch = pfn >= T_SCRATCH0 && pfn < T_SCRATCH1;
	if (((gfp & GFP_SCRATCH) && !scratch) || ((gfp & GFP_PRESERVABLE) && scratch) ||
	    !IS_ALIGNED(pfn, 1ull << order))
		note(w, &w->wrong, "block %#llx order %u: wrong zone or alignment", pa, order);
	if (!frames_mark(pa, order, true))
		note(w, &w->twice, "block %#llx order %u: a frame handed out twice", pa, order);
	w->held[w->n].pa = pa;
	w->held[w->n++].order = order;
	w->allocs++;
}

/* A held block of order > 0 becomes its order-0 pages, each held. */
static void w_split(struct worker *w, unsigned k)
{
	paddr_t pa = w->held[k].pa;
	unsigned order = w->held[k].order;
	if (!order || w->n + (1u << order) - 1 > MAXHELD)
		return;
	page_split(pa, order, 0);
	w->held[k].order = 0;
	for (uint64_t i = 1; i < 1ull << order; i++) {
		w->held[w->n].pa = pa + i * PG;
		w->held[w->n++].order = 0;
	}
	w->splits++;
}

static void w_lookup(struct worker *w, unsigned k)
{
	paddr_t head;
	unsigned order;
	paddr_t pa = w->held[k].pa + PG * ((1ull << w->held[k].order) - 1);   /* its last frame */
	if (mm_page_state(pa, &head, &order) != PAGE_ALLOC || head != w->held[k].pa ||
	    order != w->held[k].order || mm_page_cached(w->held[k].pa, NULL))
		note(w, &w->wrong, "block %#llx order %u: mm_page_state does not see it allocated",
		     w->held[k].pa, w->held[k].order);
	w->lookups++;
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	host_cpu_set(w->cpu);
	percpu_of(w->cpu)->online = true;
	for (uint64_t i = 0; i < w->ops; i++) {
		uint64_t r = host_rand(&w->rng), kind = r % 100;
		unsigned k = w->n ? (unsigned)((r >> 24) % w->n) : 0;
		if (kind < 45 && w->n < MAXHELD)
			w_alloc(w, r);
		else if (kind < 85 && w->n)
			w_free(w, k);
		else if (kind < 90 && w->n)
			w_split(w, k);
		else if (kind < 95 && w->n)
			w_lookup(w, k);
		else if (kind < 97)
			pcp_drain_local();
		else
			(void)mm_zone_free_pages((enum zone_id)(r & 1), NULL);
	}
	while (w->n)
		w_free(w, w->n - 1);
	percpu_of(w->cpu)->online = false;
	return NULL;
}

static void test_threads(void **state)
{
	static const unsigned nthreads[] = { 2, 4, 8 };
	static struct worker w[MAXTHREADS];
#if defined(__SANITIZE_THREAD__)
	uint64_t ops = env_u64("PCP_THREAD_OPS", 20000);      /* ThreadSanitizer: slower */
#else
	uint64_t ops = env_u64("PCP_THREAD_OPS", 100000);
#endif
	(void)state;
	for (size_t r = 0; r < ARRAY_SIZE(nthreads); r++) {
		mm_host_init(T_NPAGES);
		mm_host_add(ZONE_NORMAL, 1, T_SCRATCH0 - 1);
		mm_host_add(ZONE_SCRATCH, T_SCRATCH0, T_SCRATCH1 - T_SCRATCH0);
		mm_host_add(ZONE_NORMAL, T_SCRATCH1, T_NPAGES - T_SCRATCH1);
		char *start = lists_dump();
		uint64_t free0[NR_ZONES];
		for (unsigned z = 0; z < NR_ZONES; z++)
			free0[z] = mm_zone_free_pages(z, NULL);
		memset(frame_bits, 0, sizeof(frame_bits));
		for (unsigned i = 0; i < nthreads[r]; i++) {
			memset(&w[i], 0, sizeof(w[i]));
			w[i].cpu = i;
			w[i].rng = 0x9e3779b97f4a7c15ull * (i + 1) + r;
			w[i].ops = ops;
			assert_int_equal(pthread_create(&w[i].t, NULL, worker_run, &w[i]), 0);
		}
		for (unsigned i = 0; i < nthreads[r]; i++)
			assert_int_equal(pthread_join(w[i].t, NULL), 0);
		host_cpu_set(0);
		for (unsigned i = 0; i < nthreads[r]; i++)
			if (w[i].fails || w[i].twice || w[i].wrong || !w[i].allocs || !w[i].splits ||
			    !w[i].lookups)
				case_fail("%u threads, cpu %u: %llu allocs %llu frees %llu splits "
					  "%llu lookups, %llu failed, %llu twice, %llu wrong: %s",
					  nthreads[r], i, (unsigned long long)w[i].allocs,
					  (unsigned long long)w[i].frees, (unsigned long long)w[i].splits,
					  (unsigned long long)w[i].lookups, (unsigned long long)w[i].fails,
					  (unsigned long long)w[i].twice, (unsigned long long)w[i].wrong,
					  w[i].why);
		for (size_t f = 0; f < ARRAY_SIZE(frame_bits); f++)
			if (frame_bits[f])
				case_fail("%u threads: frames %#llx.. still marked held", nthreads[r],
					  (unsigned long long)f * 64);
		check_all(0, "threads", nthreads[r]);
		for (unsigned z = 0; z < NR_ZONES; z++)
			if (mm_zone_free_pages(z, NULL) != free0[z])
				case_fail("%u threads: zone %u has %llu free pages, %llu at the start",
					  nthreads[r], z,
					  (unsigned long long)mm_zone_free_pages(z, NULL),
					  (unsigned long long)free0[z]);
		pcp_drain_all();
		assert_int_equal(cached(), 0);
		check_all(0, "threads drained", nthreads[r]);
		char *end = lists_dump();
		assert_golden(end, start);
		free(start);
		free(end);
		mm_host_fini();
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_page_state),
		cmocka_unit_test(test_drain),
		cmocka_unit_test(test_failure_drains),
		cmocka_unit_test(test_double_free),
		cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests_name("pcp", tests, NULL, NULL);
}
