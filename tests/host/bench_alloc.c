/*
 * Host figures for the page allocator (make bench): mm/buddy.c, and mm/zones.c with
 * mm/pcp.c over shim/mm_host.c, built unchanged at -O2 without sanitizers, timed
 * with clock_gettime(CLOCK_MONOTONIC) over batches of BATCH operations; a sample is
 * one batch's time / BATCH, and median and p99 are taken over the samples (so p99
 * is of batch means, not of single operations).
 * Output: JSON lines on stdout, the machine first, then one object per figure:
 *     {"bench":"buddy_order0_hot","unit":"ns/op","median":23.1,"p99":31.0,"ops":1000000,...}
 *     {"name":"memmap_overhead","bytes_per_gib":4195096,...}
 * Operations:
 *   buddy_order0_hot      alloc(0) + free of that frame (one op); the zone is warm:
 *                         one pinned frame keeps its buddy on the order-0 list, so the
 *                         pair neither splits nor merges (the steady state of a
 *                         kernel that has ever allocated a page).
 *   buddy_order0_split18  the same pair on an untouched 1 GiB zone: every alloc
 *                         splits 18 times and every free merges 18 times (worst case).
 *   buddy_random_frag50   one random alloc (order 0..3) or free per op, in a 1 GiB
 *                         zone held at ~50 % used: filled to 95 %, freed at random
 *                         down to 50 % (holes everywhere), then 2M operations of churn.
 *   buddy_2m, buddy_1g    alloc + free of order 9 (warm, like order0_hot) and 18.
 *   zone_order0_locked    the order0_hot pair with the zone's lock around each call:
 *                         page_alloc(0)/page_free straight from the buddy, as they
 *                         would be without the per-CPU page cache.
 *   pcp_order0_hot        page_alloc(0) + page_free through mm/zones.c and this CPU's
 *                         page cache (mm/pcp.c): no lock, no split or merge.
 *   pcp_burst, zone_burst K order-0 allocations then their K frees, per page (one op
 *                         = one page's alloc and free), through the page cache with
 *                         limits high/batch, or straight from the buddy under its
 *                         lock: what chose PCP_HIGH and PCP_BATCH (docs/memory.md).
 *   pcp_threads, zone_threads  bursts of K (1: the hot pair) on 2 threads at once,
 *                         each its own CPU (pinned to host CPUs 0 and 1 where there
 *                         are two): own caches against one contended zone lock.
 *                         Wall time per page per thread, median of SAMPLES_MT runs;
 *                         noisy on a shared machine.
 *   glibc_malloc_4k       malloc(4096) + free, for scale.
 */
#define _GNU_SOURCE
#include <buddy.h>
#include <percpu.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "mm_host.h"
#include "../../mm/pcp.h"

#define BATCH    1000
#define SAMPLES  3000
#define GIB_PAGES (1ull << 18)
#define BASE_PFN  0x40000ull          /* 1 GiB aligned */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static inline uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

/* Keep the compiler from dropping a malloc/free pair. */
#define SINK(p) __asm__ volatile("" : : "r"(p) : "memory")

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double samples[SAMPLES];

/* Fill samples[] with SAMPLES means of BATCH runs of op, after a warm-up. */
#define MEASURE(op)                                                                   \
	do {                                                                          \
		for (int w_ = 0; w_ < 100000; w_++) {                                 \
			op;                                                           \
		}                                                                     \
		for (size_t s_ = 0; s_ < SAMPLES; s_++) {                             \
			uint64_t t0_ = now_ns();                                      \
			for (int i_ = 0; i_ < BATCH; i_++) {                          \
				op;                                                   \
			}                                                             \
			samples[s_] = (double)(now_ns() - t0_) / BATCH;               \
		}                                                                     \
	} while (0)

static void report(const char *name, size_t n, const char *extra)
{
	qsort(samples, n, sizeof(samples[0]), cmp_double);
	size_t p99 = (size_t)((double)n * 0.99);
	printf("{\"bench\":\"%s\",\"unit\":\"ns/op\",\"median\":%.1f,\"p99\":%.1f,"
	       "\"ops\":%zu,\"batch\":%d%s%s}\n", name, samples[n / 2], samples[MIN(p99, n - 1)],
	       n * BATCH, BATCH, extra ? "," : "", extra ? extra : "");
	fflush(stdout);
}

struct zone {
	struct buddy b;
	struct page *map;
	uint8_t *sec;
};

static void zone_new(struct zone *z, uint64_t npages)
{
	z->map = malloc(npages * sizeof(struct page));
	z->sec = calloc((npages + SECTION_PAGES - 1) / SECTION_PAGES, 1);
	if (!z->map || !z->sec) {
		fprintf(stderr, "bench: out of memory\n");
		exit(1);
	}
	memset(z->map, 0xAA, npages * sizeof(struct page));   /* touched, garbage */
	buddy_init(&z->b, 0, BASE_PFN, npages, z->map, z->sec);
	buddy_add_range(&z->b, BASE_PFN, npages);
}

static void zone_free(struct zone *z)
{
	free(z->map);
	free(z->sec);
}

/* alloc(order) + free as one op, SAMPLES batches, after a warm-up. */
static void bench_pair(const char *name, struct zone *z, unsigned order)
{
	MEASURE(buddy_free(&z->b, buddy_alloc(&z->b, order), order));
	buddy_check(&z->b);
	report(name, SAMPLES, NULL);
}

/* One order-0 page straight from the buddy, and back, under the zone's lock. */
static uint64_t locked_alloc(struct buddy *b)
{
	uint64_t f = spin_lock_irqsave(&b->lock), pfn = buddy_alloc(b, 0);
	spin_unlock_irqrestore(&b->lock, f);
	return pfn;
}

static void locked_free(struct buddy *b, uint64_t pfn)
{
	uint64_t f = spin_lock_irqsave(&b->lock);
	buddy_free(b, pfn, 0);
	spin_unlock_irqrestore(&b->lock, f);
}

static void bench_order0(void)
{
	struct zone z;
	zone_new(&z, GIB_PAGES);
	/* Cold first: nothing pinned, every pair splits and merges 18 levels. */
	bench_pair("buddy_order0_split18", &z, 0);
	uint64_t pin = buddy_alloc(&z.b, 0);                  /* its buddy stays free */
	bench_pair("buddy_order0_hot", &z, 0);
	MEASURE(locked_free(&z.b, locked_alloc(&z.b)));
	report("zone_order0_locked", SAMPLES, NULL);
	buddy_free(&z.b, pin, 0);
	zone_free(&z);
}

/* The zones of mm/zones.c over a 1 GiB ZONE_NORMAL (shim/mm_host.c), this thread
 * CPU 0, the page cache's limits as given. */
static void mm_up(unsigned high, unsigned batch)
{
	mm_host_init(BASE_PFN + GIB_PAGES);
	mm_host_add(ZONE_NORMAL, BASE_PFN, GIB_PAGES);
	pcp_set_limits(high, batch);
	host_cpu_set(0);
}

static void mm_down(void)
{
	pcp_drain_all();
	buddy_check(mm_zone(ZONE_NORMAL));
	pcp_check();
	mm_host_fini();
}

static void bench_pcp_hot(void)
{
	mm_up(PCP_HIGH, PCP_BATCH);
	MEASURE(page_free(page_alloc(0, 0), 0));
	report("pcp_order0_hot", SAMPLES, NULL);
	mm_down();
}

/*
 * Bursts: K order-0 allocations, then the K frees, reported per page. Through the
 * page cache for several limits, and straight from the buddy under its lock. The
 * zone is warm (one pinned page, as buddy_order0_hot). A sample is one run of
 * about 16k pages.
 */
#define BURST_SAMPLES 300
#define BURST_MAX     1024

static void burst_report(const char *name, unsigned k, unsigned high, unsigned batch)
{
	char extra[128];
	if (high)
		snprintf(extra, sizeof(extra), "\"burst\":%u,\"high\":%u,\"batch\":%u,"
			 "\"cached_kib_max_per_cpu_zone\":%u", k, high, batch, high * 4);
	else
		snprintf(extra, sizeof(extra), "\"burst\":%u", k);
	qsort(samples, BURST_SAMPLES, sizeof(samples[0]), cmp_double);
	printf("{\"bench\":\"%s\",\"unit\":\"ns/page\",\"median\":%.1f,\"p99\":%.1f,%s}\n",
	       name, samples[BURST_SAMPLES / 2], samples[BURST_SAMPLES * 99 / 100], extra);
	fflush(stdout);
}

/* Time BURST_SAMPLES runs of (K allocations by alloc_stmt, K frees by free_stmt),
 * each of about 16k pages; alloc_stmt sets pa[i_], free_stmt frees pa[i_]. */
#define BURSTS(k, alloc_stmt, free_stmt)                                              \
	do {                                                                          \
		unsigned reps_ = MAX(1u, 16384u / (k));                               \
		for (size_t s_ = 0; s_ < BURST_SAMPLES; s_++) {                       \
			uint64_t t0_ = now_ns();                                      \
			for (unsigned r_ = 0; r_ < reps_; r_++) {                     \
				for (unsigned i_ = 0; i_ < (k); i_++)                 \
					alloc_stmt;                                   \
				for (unsigned i_ = 0; i_ < (k); i_++)                 \
					free_stmt;                                    \
			}                                                             \
			samples[s_] = (double)(now_ns() - t0_) / ((double)reps_ * (k)); \
		}                                                                     \
	} while (0)

static void bench_bursts(void)
{
	static const unsigned ks[] = { 1, 16, 64, 256, 1024 };
	static const struct { unsigned high, batch; } lim[] = {
		{ 1, 1 }, { 16, 4 }, { 32, 8 }, { 64, 8 }, { 64, 16 }, { 64, 32 }, { 128, 32 },
		{ 256, 64 },
	};
	static uint64_t pa[BURST_MAX];
	for (size_t k = 0; k < ARRAY_SIZE(ks); k++) {
		struct zone z;
		zone_new(&z, GIB_PAGES);
		uint64_t pin = buddy_alloc(&z.b, 0);
		BURSTS(ks[k], pa[i_] = locked_alloc(&z.b), locked_free(&z.b, pa[i_]));
		burst_report("zone_burst", ks[k], 0, 0);
		buddy_free(&z.b, pin, 0);
		zone_free(&z);
		for (size_t l = 0; l < ARRAY_SIZE(lim); l++) {
			mm_up(lim[l].high, lim[l].batch);
			paddr_t p = page_alloc(0, 0);
			BURSTS(ks[k], pa[i_] = page_alloc(0, 0), page_free(pa[i_], 0));
			burst_report("pcp_burst", ks[k], lim[l].high, lim[l].batch);
			page_free(p, 0);
			mm_down();
		}
	}
	pcp_set_limits(PCP_HIGH, PCP_BATCH);
}

/* Bursts of k pages on two threads at once: through each thread's own page cache,
 * or from one buddy zone under its lock. */
#define SAMPLES_MT 9
#define MT_PAGES   1000000

struct mt {
	pthread_t t;
	unsigned cpu, k;
	struct buddy *zone;           /* NULL: page_alloc/page_free */
	double ns;
};

static void *mt_run(void *arg)
{
	static _Thread_local uint64_t pa[BURST_MAX];
	struct mt *m = arg;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(m->cpu % (unsigned)sysconf(_SC_NPROCESSORS_ONLN), &set);
	sched_setaffinity(0, sizeof(set), &set);
	host_cpu_set(m->cpu);
	uint64_t t0 = now_ns();
	for (unsigned r = 0; r < MT_PAGES / m->k; r++) {
		for (unsigned i = 0; i < m->k; i++)
			pa[i] = m->zone ? locked_alloc(m->zone) : page_alloc(0, 0);
		for (unsigned i = 0; i < m->k; i++) {
			if (m->zone)
				locked_free(m->zone, pa[i]);
			else
				page_free(pa[i], 0);
		}
	}
	m->ns = (double)(now_ns() - t0) / (MT_PAGES / m->k * m->k);
	return NULL;
}

static void bench_threads(const char *name, struct buddy *zone, unsigned k, unsigned high,
			  unsigned batch)
{
	struct mt m[2];
	for (size_t s = 0; s < SAMPLES_MT; s++) {
		for (unsigned i = 0; i < 2; i++) {
			m[i] = (struct mt){ .cpu = i, .k = k, .zone = zone };
			pthread_create(&m[i].t, NULL, mt_run, &m[i]);
		}
		for (unsigned i = 0; i < 2; i++)
			pthread_join(m[i].t, NULL);
		samples[s] = (m[0].ns + m[1].ns) / 2;
	}
	qsort(samples, SAMPLES_MT, sizeof(samples[0]), cmp_double);
	printf("{\"bench\":\"%s\",\"unit\":\"ns/page\",\"median\":%.1f,\"threads\":2,"
	       "\"burst\":%u,\"high\":%u,\"batch\":%u,\"runs\":%d,\"pages_per_thread\":%d}\n",
	       name, samples[SAMPLES_MT / 2], k, high, batch, SAMPLES_MT, MT_PAGES);
	fflush(stdout);
}

static void bench_mt(void)
{
	static const unsigned ks[] = { 1, 64, 1024 };
	static const struct { unsigned high, batch; } lim[] = { { 64, 8 }, { 64, 16 }, { 128, 32 } };
	for (size_t k = 0; k < ARRAY_SIZE(ks); k++) {
		struct zone z;
		zone_new(&z, GIB_PAGES);
		uint64_t pin = buddy_alloc(&z.b, 0);
		bench_threads("zone_threads", &z.b, ks[k], 0, 0);
		buddy_free(&z.b, pin, 0);
		zone_free(&z);
		for (size_t l = 0; l < ARRAY_SIZE(lim); l++) {
			mm_up(lim[l].high, lim[l].batch);
			bench_threads("pcp_threads", NULL, ks[k], lim[l].high, lim[l].batch);
			mm_down();
		}
	}
	pcp_set_limits(PCP_HIGH, PCP_BATCH);
}

static void bench_huge(void)
{
	struct zone z;
	zone_new(&z, GIB_PAGES);
	uint64_t pin = buddy_alloc(&z.b, 9);
	bench_pair("buddy_2m", &z, 9);
	buddy_free(&z.b, pin, 9);
	bench_pair("buddy_1g", &z, 18);
	zone_free(&z);
}

struct live {
	uint64_t pfn;
	unsigned order;
};

static void bench_frag50(void)
{
	struct zone z;
	static struct live live[GIB_PAGES];
	size_t nlive = 0;
	uint64_t used = 0, target = GIB_PAGES / 2;
	zone_new(&z, GIB_PAGES);

	/* One op: below half (minus slack) allocate, above (plus slack) free, else a coin. */
#define FRAG_OP()                                                                     \
	do {                                                                          \
		uint64_t r_ = rnd();                                                  \
		bool alloc_ = used + 256 < target ? true                              \
			      : used > target + 256 ? false : (r_ & 1);               \
		if (alloc_ || nlive == 0) {                                           \
			unsigned o_ = (unsigned)(r_ >> 1) & 3;                        \
			uint64_t p_ = buddy_alloc(&z.b, o_);                          \
			if (p_ != BUDDY_NONE) {                                       \
				live[nlive++] = (struct live){ p_, o_ };              \
				used += 1ull << o_;                                   \
			}                                                             \
		} else {                                                              \
			size_t k_ = (size_t)((r_ >> 8) % nlive);                      \
			buddy_free(&z.b, live[k_].pfn, live[k_].order);               \
			used -= 1ull << live[k_].order;                               \
			live[k_] = live[--nlive];                                     \
		}                                                                     \
	} while (0)

	/* Fill to 95 %, free at random down to half (holes everywhere), then churn. */
	target = GIB_PAGES / 100 * 95;
	while (used < target)
		FRAG_OP();
	target = GIB_PAGES / 2;
	while (used > target + 256)
		FRAG_OP();
	for (int i = 0; i < 2000000; i++)
		FRAG_OP();
	for (size_t s = 0; s < SAMPLES; s++) {
		uint64_t t0 = now_ns();
		for (int i = 0; i < BATCH; i++)
			FRAG_OP();
		samples[s] = (double)(now_ns() - t0) / BATCH;
	}
	buddy_check(&z.b);
	uint64_t nfree = 0;
	for (unsigned o = 0; o < BUDDY_ORDERS; o++)
		nfree += z.b.nr_free[o];
	char extra[160];
	snprintf(extra, sizeof(extra), "\"used_pct\":%.1f,\"live_blocks\":%zu,\"free_blocks\":%llu,"
		 "\"free_order0\":%llu", 100.0 * (double)used / GIB_PAGES, nlive,
		 (unsigned long long)nfree, (unsigned long long)z.b.nr_free[0]);
	report("buddy_random_frag50", SAMPLES, extra);
	zone_free(&z);
#undef FRAG_OP
}

static void malloc_pair(void)
{
	void *p = malloc(4096);
	SINK(p);
	free(p);
}

static void bench_malloc(void)
{
	MEASURE(malloc_pair());
	report("glibc_malloc_4k", SAMPLES, NULL);
}

/* Allocator metadata per GiB: struct page per 4 KiB frame, one section byte per
 * 2 MiB, and the zone's struct buddy. */
static void memmap_overhead(void)
{
	uint64_t pages = GIB_PAGES * sizeof(struct page), secs = GIB_PAGES / SECTION_PAGES;
	uint64_t total = pages + secs + sizeof(struct buddy);
	printf("{\"name\":\"memmap_overhead\",\"bytes_per_gib\":%llu,\"struct_page_bytes\":%llu,"
	       "\"section_bytes\":%llu,\"struct_buddy_bytes\":%zu,\"percent_of_ram\":%.3f}\n",
	       (unsigned long long)total, (unsigned long long)pages, (unsigned long long)secs,
	       sizeof(struct buddy), 100.0 * (double)total / (double)(1ull << 30));
}

static void machine(void)
{
	char cpu[256] = "unknown", line[512];
	FILE *f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (strncmp(line, "model name", 10) == 0 && colon) {
			snprintf(cpu, sizeof(cpu), "%s", colon + 2);
			cpu[strcspn(cpu, "\n")] = 0;
			break;
		}
	}
	if (f)
		fclose(f);
	for (char *c = cpu; *c; c++)           /* keep the JSON string plain */
		if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20)
			*c = ' ';
	/* One CPU, so migrations do not land in the samples; say which (or that not). */
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	bool pinned = sched_setaffinity(0, sizeof(set), &set) == 0;
	printf("{\"machine\":{\"nproc\":%ld,\"cpu\":\"%s\",\"cc\":\"gcc %s\",\"pinned_cpu\":%s}}\n",
	       sysconf(_SC_NPROCESSORS_ONLN), cpu, __VERSION__, pinned ? "0" : "null");
}

int main(void)
{
	machine();
	bench_order0();
	bench_pcp_hot();
	bench_frag50();
	bench_huge();
	bench_bursts();
	bench_malloc();
	bench_mt();
	memmap_overhead();
	return 0;
}
