/*
 * Host figures for the page allocator (make bench): mm/buddy.c built unchanged at -O2
 * without sanitizers, timed with clock_gettime(CLOCK_MONOTONIC) over batches of
 * BATCH operations; a sample is one batch's time / BATCH, and median and p99 are
 * taken over the samples (so p99 is of batch means, not of single operations).
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
 *   glibc_malloc_4k       malloc(4096) + free, for scale.
 */
#define _GNU_SOURCE
#include <buddy.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
	for (int i = 0; i < 100000; i++)
		buddy_free(&z->b, buddy_alloc(&z->b, order), order);
	for (size_t s = 0; s < SAMPLES; s++) {
		uint64_t t0 = now_ns();
		for (int i = 0; i < BATCH; i++) {
			uint64_t pfn = buddy_alloc(&z->b, order);
			buddy_free(&z->b, pfn, order);
		}
		samples[s] = (double)(now_ns() - t0) / BATCH;
	}
	buddy_check(&z->b);
	report(name, SAMPLES, NULL);
}

static void bench_order0(void)
{
	struct zone z;
	zone_new(&z, GIB_PAGES);
	/* Cold first: nothing pinned, every pair splits and merges 18 levels. */
	bench_pair("buddy_order0_split18", &z, 0);
	uint64_t pin = buddy_alloc(&z.b, 0);                  /* its buddy stays free */
	bench_pair("buddy_order0_hot", &z, 0);
	buddy_free(&z.b, pin, 0);
	zone_free(&z);
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

static void bench_malloc(void)
{
	for (int i = 0; i < 100000; i++) {
		void *p = malloc(4096);
		SINK(p);
		free(p);
	}
	for (size_t s = 0; s < SAMPLES; s++) {
		uint64_t t0 = now_ns();
		for (int i = 0; i < BATCH; i++) {
			void *p = malloc(4096);
			SINK(p);
			free(p);
		}
		samples[s] = (double)(now_ns() - t0) / BATCH;
	}
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
	bench_frag50();
	bench_huge();
	bench_malloc();
	memmap_overhead();
	return 0;
}
